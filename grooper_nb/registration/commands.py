"""The commands an administrator runs to carry out a registration plan, quoted to paste safely.

Three shells, each from Microsoft's documentation:

* Azure CLI (bash) for the app registration, its permissions, its service principal and admin consent
  (https://learn.microsoft.com/cli/azure/ad/app, https://learn.microsoft.com/cli/azure/ad/app/permission,
  https://learn.microsoft.com/cli/azure/ad/sp);
* the admin-consent URL
  (https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent), for an app registered
  in another tenant (the Grooper connector) or when the CLI is not at hand;
* Exchange Online PowerShell for what Exchange checks on its own side: the EWS application allow list
  (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange),
  the application access policy that limits app-only mail to chosen mailboxes
  (https://learn.microsoft.com/graph/auth-limit-mailbox-access) and the Exchange service principal IMAP
  app-only access needs (https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth).

Every value is quoted for its shell (:func:`sh` for bash, :func:`ps` for PowerShell), so a display name
with a quote or a space pastes as it is.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from urllib.parse import urlencode

from grooper_nb.clouds import Cloud

from .permissions import Permission

__all__ = [
    "AZ_CLOUD_NAMES",
    "admin_consent_url",
    "az_app_commands",
    "az_connector_commands",
    "ews_allow_list",
    "imap_service_principal",
    "mailbox_access_policy",
    "ps",
    "sh",
]

# `az cloud set --name ...` for each cloud of grooper_nb.clouds (https://learn.microsoft.com/cli/azure/manage-clouds-azure-cli).
AZ_CLOUD_NAMES = {
    "global": "AzureCloud",
    "usgov": "AzureUSGovernment",
    "usgov-dod": "AzureUSGovernment",
    "china": "AzureChinaCloud",
}
APP_ID_VAR = '"$APP_ID"'


def sh(value: str) -> str:
    """``value`` quoted for bash (single quotes unless it needs none)."""
    return shlex.quote(value)


def ps(value: str) -> str:
    """``value`` as a PowerShell single-quoted string (a quote inside is doubled)."""
    return "'" + value.replace("'", "''") + "'"


def _cloud_line(cloud: Cloud) -> list[str]:
    name = AZ_CLOUD_NAMES.get(cloud.name, "AzureCloud")
    return [] if name == "AzureCloud" else [f"az cloud set --name {name}"]


def _redirect_flags(web: Sequence[str], public: Sequence[str]) -> str:
    flags = ""
    if web:
        flags += " --web-redirect-uris " + " ".join(sh(u) for u in web)
    if public:
        flags += " --public-client-redirect-uris " + " ".join(sh(u) for u in public)
    return flags


def _permission_lines(permissions: Iterable[Permission]) -> list[str]:
    """One ``az ad app permission add`` per resource, every permission of that resource as ``id=Type``."""
    by_resource: dict[str, list[Permission]] = {}
    for p in permissions:
        by_resource.setdefault(p.resource_app_id, []).append(p)
    return [
        f"az ad app permission add --id {APP_ID_VAR} --api {app_id} --api-permissions "
        + " ".join(f"{p.id}={p.type}" for p in perms)
        for app_id, perms in by_resource.items()
    ]


def az_app_commands(
    *,
    display_name: str,
    audience: str,
    web: Sequence[str],
    public: Sequence[str],
    fallback_public_client: bool,
    permissions: Sequence[Permission],
    cloud: Cloud,
    client_id: str | None,
) -> list[str]:
    """Create (or, given its client ID, update) a custom app, ask for its permissions, create its service
    principal in the tenant and grant admin consent."""
    settings = (
        f" --sign-in-audience {audience}{_redirect_flags(web, public)}"
        f" --is-fallback-public-client {str(fallback_public_client).lower()}"
    )
    if client_id:
        first = [f"APP_ID={sh(client_id)}", f"az ad app update --id {APP_ID_VAR}{settings}"]
    else:
        first = [
            f"APP_ID=$(az ad app create --display-name {sh(display_name)}{settings} --query appId -o tsv)"
        ]
    return [
        *_cloud_line(cloud),
        *first,
        *_permission_lines(permissions),
        f"az ad sp create --id {APP_ID_VAR}",
        f"az ad app permission admin-consent --id {APP_ID_VAR}",
    ]


def az_connector_commands(*, cloud: Cloud, client_id: str | None) -> list[str]:
    """Add the Grooper connector (registered in its publisher's tenant) to this tenant as a service
    principal; consent then goes through :func:`admin_consent_url`."""
    value = sh(client_id or "<Application (client) ID of the Grooper connector>")
    return [*_cloud_line(cloud), f"APP_ID={value}", f"az ad sp create --id {APP_ID_VAR}"]


def admin_consent_url(*, cloud: Cloud, tenant: str | None, client_id: str, redirect_uri: str) -> str:
    """``{authority}/{tenant}/adminconsent?client_id=...``: an administrator grants every permission the
    app registration lists, on every resource, for the whole tenant
    (https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent, "Construct the URL
    for granting tenant-wide admin consent"). The v2.0 endpoint would instead take a ``scope`` per
    resource (``{graph}/.default``); this form needs none, so an app asking for Exchange and SharePoint
    permissions besides Graph's gets them all in one consent."""
    query = urlencode({"client_id": client_id, "redirect_uri": redirect_uri})
    return f"{cloud.authority_url}/{tenant or 'organizations'}/adminconsent?{query}"


def _app_id_line(client_id: str | None) -> str:
    return f"$AppId = {ps(client_id) if client_id else ps('<Application (client) ID>')}"


def ews_allow_list(client_id: str | None) -> str:
    """Exchange Online PowerShell that keeps EWS open for this app through the 2026 EWS block.

    ``EwsAllowedAppIDs`` holds the whole list of allowed client IDs in one comma-separated string, and
    setting it replaces the list, so the script reads the current value and adds this app to it
    (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange).
    """
    return "\n".join(
        [
            "# Exchange Online PowerShell (Connect-ExchangeOnline). From 1 October 2026 Exchange Online",
            "# serves EWS only when the organization's EwsEnabled is $true, and then only to the application",
            "# IDs in EwsAllowedAppIDs. Setting that list REPLACES it: this reads it first and adds Grooper.",
            "# Every other app that still needs EWS (see the EWS usage report) must be on the list too.",
            "# Changes can take up to a day to reach every Exchange server.",
            _app_id_line(client_id),
            "$current = (Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy).EwsAllowedAppIDs",
            "$ids = @(\"$current\" -split '[,\\s]+' | Where-Object { $_ })",
            "if ($ids -notcontains $AppId) { $ids += $AppId }",
            "Set-OrganizationConfig -EwsEnabled $true -EwsAllowedAppIDs ($ids -join ',')",
            "Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy |",
            "    Format-List EwsEnabled, EwsAllowedAppIDs",
            "# EwsApplicationAccessPolicy with EwsAllowList/EwsBlockList matches User-Agent strings, not",
            "# application IDs, and applies to REST and Graph as well: it is not the allow list meant here.",
        ]
    )


def mailbox_access_policy(client_id: str | None, group: str | None) -> str:
    """Exchange Online PowerShell limiting app-only mail access to the mailboxes in one mail-enabled
    security group (https://learn.microsoft.com/graph/auth-limit-mailbox-access)."""
    group_value = ps(group) if group else ps("<mail-enabled security group of the mailboxes Grooper reads>")
    return "\n".join(
        [
            "# Exchange Online PowerShell (Connect-ExchangeOnline). An application permission on mail",
            "# reaches every mailbox in the tenant; this policy limits the app to the members of one group.",
            "# Microsoft now recommends RBAC for Applications for new setups",
            "# (https://learn.microsoft.com/exchange/permissions-exo/application-rbac); remove the",
            "# tenant-wide consent when you scope the app that way.",
            _app_id_line(client_id),
            f"$Group = {group_value}",
            "New-ApplicationAccessPolicy -AppId $AppId -PolicyScopeGroupId $Group `",
            "    -AccessRight RestrictAccess -Description 'Grooper: only the mailboxes in this group'",
            "# Check one mailbox in the group and one outside it (changes can take an hour to apply):",
            "Test-ApplicationAccessPolicy -Identity '<mailbox in the group>' -AppId $AppId",
        ]
    )


def imap_service_principal(client_id: str | None) -> str:
    """Exchange Online PowerShell registering the app's service principal in Exchange and giving it one
    mailbox, which IMAP app-only access needs besides the consented IMAP.AccessAsApp."""
    return "\n".join(
        [
            "# Exchange Online PowerShell (Connect-ExchangeOnline). ServiceId is the Object ID of the",
            "# ENTERPRISE application (service principal), not of the app registration:",
            "#   az ad sp show --id <Application (client) ID> --query id -o tsv",
            _app_id_line(client_id),
            f"$ServiceId = {ps('<Object ID of the enterprise application>')}",
            "New-ServicePrincipal -AppId $AppId -ServiceId $ServiceId",
            "Add-MailboxPermission -Identity '<mailbox Grooper reads>' -User $ServiceId `",
            "    -AccessRights FullAccess",
        ]
    )
