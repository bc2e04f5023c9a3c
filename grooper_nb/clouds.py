"""Endpoint sets for the Microsoft clouds a Grooper tenant can live in.

A :class:`Cloud` answers "which host does this cloud use for X?", so nothing else in the package
hard-codes ``login.microsoftonline.com`` or ``graph.microsoft.com``::

    >>> from grooper_nb.clouds import get_cloud
    >>> c = get_cloud("usgov")
    >>> c.authority("contoso.onmicrosoft.us")
    'https://login.microsoftonline.us/contoso.onmicrosoft.us'
    >>> c.sharepoint_host("contoso")
    'contoso.sharepoint.us'

Sources: https://learn.microsoft.com/graph/deployments (authority and Graph roots) and
https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud (authority hosts). The
Exchange and SharePoint hosts and the v1 ``sts`` issuer hosts of the national clouds are taken from
Microsoft's national-cloud pages as widely quoted, not from one primary page: check them against a real
tenant of that cloud before relying on them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CLOUDS", "Cloud", "get_cloud"]


@dataclass(frozen=True)
class Cloud:
    """One Microsoft cloud: identity host, resource roots and token issuers."""

    name: str
    display_name: str
    authority_host: str  # e.g. login.microsoftonline.com
    graph_url: str  # e.g. https://graph.microsoft.com
    exchange_url: str  # e.g. https://outlook.office365.com
    sharepoint_suffix: str  # e.g. sharepoint.com  ->  {tenant}.sharepoint.com
    sts_host: str  # host of v1.0 issuers: https://{sts_host}/{tid}/

    @property
    def authority_url(self) -> str:
        return f"https://{self.authority_host}"

    def authority(self, tenant: str) -> str:
        """The MSAL ``authority=`` for a tenant GUID, domain, ``organizations`` or ``common``."""
        return f"{self.authority_url}/{tenant}"

    def sharepoint_host(self, tenant_name: str) -> str:
        """``contoso`` -> ``contoso.sharepoint.com`` (or the national-cloud suffix)."""
        return f"{tenant_name}.{self.sharepoint_suffix}"

    def v1_issuer(self, tenant_id: str) -> str:
        return f"https://{self.sts_host}/{tenant_id}/"

    def v2_issuer(self, tenant_id: str) -> str:
        return f"{self.authority_url}/{tenant_id}/v2.0"

    def discovery_url(self, tenant: str) -> str:
        return f"{self.authority(tenant)}/v2.0/.well-known/openid-configuration"


CLOUDS: dict[str, Cloud] = {
    c.name: c
    for c in (
        Cloud(
            name="global",
            display_name="Microsoft Azure (global)",
            authority_host="login.microsoftonline.com",
            graph_url="https://graph.microsoft.com",
            exchange_url="https://outlook.office365.com",
            sharepoint_suffix="sharepoint.com",
            sts_host="sts.windows.net",
        ),
        Cloud(
            name="usgov",
            display_name="Azure US Government (GCC High)",
            authority_host="login.microsoftonline.us",
            graph_url="https://graph.microsoft.us",
            exchange_url="https://outlook.office365.us",
            sharepoint_suffix="sharepoint.us",
            sts_host="sts.windows.net",
        ),
        Cloud(
            name="usgov-dod",
            display_name="Azure US Government (DoD)",
            authority_host="login.microsoftonline.us",
            graph_url="https://dod-graph.microsoft.us",
            exchange_url="https://outlook-dod.office365.us",
            sharepoint_suffix="sharepoint-mil.us",
            sts_host="sts.windows.net",
        ),
        Cloud(
            name="china",
            display_name="Azure China (21Vianet)",
            authority_host="login.chinacloudapi.cn",
            graph_url="https://microsoftgraph.chinacloudapi.cn",
            exchange_url="https://partner.outlook.cn",
            sharepoint_suffix="sharepoint.cn",
            sts_host="sts.chinacloudapi.cn",
        ),
    )
}

_ALIASES = {
    "public": "global",
    "azurecloud": "global",
    "gcchigh": "usgov",
    "dod": "usgov-dod",
    "azurechina": "china",
}


def get_cloud(name: str | Cloud | None = None) -> Cloud:
    """Look a cloud up by name (``global``, ``usgov``, ``usgov-dod``, ``china``); ``None`` means global."""
    if isinstance(name, Cloud):
        return name
    key = (name or "global").strip().lower()
    key = _ALIASES.get(key, key)
    try:
        return CLOUDS[key]
    except KeyError:
        known = ", ".join(sorted(CLOUDS))
        raise ValueError(f"Unknown cloud {name!r}. Use one of: {known}.") from None
