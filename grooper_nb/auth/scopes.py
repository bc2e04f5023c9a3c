"""Which scopes each Grooper connection type asks for (per cloud), as ready-made presets.

    >>> from grooper_nb.auth.scopes import PRESETS, preset_scopes
    >>> list(PRESETS)[:3]
    ['Exchange (EWS, delegated)', 'SharePoint (delegated)', 'OneDrive / Graph (delegated)']
    >>> preset_scopes("Exchange (EWS, delegated)")
    ['https://outlook.office365.com/EWS.AccessAsUser.All', 'offline_access']

Sources: design.md ("What it is, for whom"), anchors-survey.md GR3/GR8.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from grooper_nb.clouds import get_cloud

if TYPE_CHECKING:
    from grooper_nb.profile import Profile

__all__ = ["OIDC_SCOPES", "PRESETS", "RESERVED_SCOPES", "Preset", "preset_scopes"]

# MSAL adds these to every user flow itself (and refuses them in client credentials).
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})
# OpenID Connect scopes: they name no resource, so they say nothing about which API a token is for.
OIDC_SCOPES = RESERVED_SCOPES | {"email"}


@dataclass(frozen=True)
class Preset:
    name: str
    app_only: bool  # True: client credentials ({resource}/.default); False: delegated (a user signs in)
    templates: tuple[str, ...]  # {graph}, {exchange}, {sharepoint} expand per cloud/tenant
    note: str


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "Exchange (EWS, delegated)",
            False,
            ("{exchange}/EWS.AccessAsUser.All", "offline_access"),
            "Grooper's Exchange connection: EWS as the signed-in user; Grooper keeps the refresh token.",
        ),
        Preset(
            "SharePoint (delegated)",
            False,
            ("{graph}/Files.ReadWrite.All", "{graph}/Sites.ReadWrite.All", "offline_access"),
            "Grooper's SharePoint connection: documents and lists as the signed-in user.",
        ),
        Preset(
            "OneDrive / Graph (delegated)",
            False,
            ("{graph}/Files.ReadWrite.All", "{graph}/User.Read", "offline_access"),
            "Grooper's OneDrive connection through Microsoft Graph.",
        ),
        Preset(
            "Server-to-server Graph",
            True,
            ("{graph}/.default",),
            "App-only Graph (mail, sites) with the app's application permissions.",
        ),
        Preset(
            "Server-to-server EWS",
            True,
            ("{exchange}/.default",),
            "App-only EWS (full_access_as_app) with impersonation.",
        ),
        Preset(
            "Server-to-server SharePoint",
            True,
            ("https://{sharepoint}/.default",),
            "App-only SharePoint REST: needs a certificate, a secret is rejected by SharePoint.",
        ),
    )
}


def preset_scopes(name: str, profile: Profile | None = None) -> list[str]:
    """The scopes of preset ``name`` for the profile's cloud (and SharePoint host).

    A SharePoint preset needs the tenant's SharePoint host (:attr:`Profile.sharepoint_host
    <grooper_nb.profile.Profile.sharepoint_host>`); when it is unknown this raises ``ProfileError`` saying
    how to set it, rather than building a scope for a host that does not exist.
    """
    preset = PRESETS[name]
    cloud = profile.cloud if profile is not None else get_cloud()
    values = {"graph": cloud.graph_url, "exchange": cloud.exchange_url}
    if any("{sharepoint}" in t for t in preset.templates):
        if profile is None:
            from grooper_nb.profile import ProfileError

            raise ProfileError(f"The {name!r} scopes name the tenant's SharePoint host: pass the profile.")
        values["sharepoint"] = profile.require_sharepoint_host()
    return [t.format(**values) for t in preset.templates]
