"""Which scopes each Grooper connection type asks for (per cloud), as ready-made presets.

    >>> from grooper_nb.auth.scopes import PRESETS, preset_scopes
    >>> list(PRESETS)[:3]
    ['Exchange (EWS, delegated)', 'SharePoint (delegated)', 'OneDrive / Graph (delegated)']
    >>> preset_scopes("Exchange (EWS, delegated)")
    ['https://outlook.office365.com/EWS.AccessAsUser.All', 'offline_access']

The presets are a view of :data:`grooper_nb.connections.CONNECTIONS`: one preset per request a
connection makes, in catalogue order; connections that request the same token (every app-only Graph
connection asks for ``{graph}/.default``) share one preset, which lists them in ``connections``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from grooper_nb.clouds import get_cloud
from grooper_nb.connections import CONNECTIONS, RESERVED_SCOPES, Connection, fill

if TYPE_CHECKING:
    from grooper_nb.profile import Profile

__all__ = ["OIDC_SCOPES", "PRESETS", "RESERVED_SCOPES", "Preset", "derive_presets", "preset_scopes"]

# OpenID Connect scopes: they name no resource, so they say nothing about which API a token is for.
OIDC_SCOPES = RESERVED_SCOPES | {"email"}


@dataclass(frozen=True)
class Preset:
    name: str
    app_only: bool  # True: client credentials ({resource}/.default); False: delegated (a user signs in)
    templates: tuple[str, ...]  # {graph}, {exchange}, {sharepoint} expand per cloud/tenant
    note: str
    connections: tuple[str, ...] = ()  # keys of the connections that make this request


def derive_presets(connections: dict[str, Connection]) -> dict[str, Preset]:
    """One :class:`Preset` per distinct request of the ``connections``: the delegated ones first, each
    group in catalogue order."""
    presets: dict[str, Preset] = {}
    for app_only in (False, True):
        for c in connections.values():
            if c.preset(app_only):
                _add(presets, c, app_only, connections)
    return presets


def _add(presets: dict[str, Preset], c: Connection, app_only: bool, connections: dict) -> None:
    name, templates = c.preset(app_only), c.requested(app_only)
    seen = presets.get(name)
    if seen is None:
        presets[name] = Preset(name, app_only, templates, c.grooper, (c.key,))
        return
    if (seen.app_only, seen.templates) != (app_only, templates):
        raise ValueError(f"Preset {name!r}: {c.key} requests other scopes than {seen.connections}")
    keys = (*seen.connections, c.key)
    titles = ", ".join(connections[k].title for k in keys)
    presets[name] = Preset(name, app_only, templates, f"Serves {titles}.", keys)


PRESETS: dict[str, Preset] = derive_presets(CONNECTIONS)


def preset_scopes(name: str, profile: Profile | None = None) -> list[str]:
    """The scopes of preset ``name`` for the profile's cloud (and SharePoint host).

    A SharePoint preset needs the tenant's SharePoint host (:attr:`Profile.sharepoint_host
    <grooper_nb.profile.Profile.sharepoint_host>`); when it is unknown this raises ``ProfileError`` saying
    how to set it, rather than building a scope for a host that does not exist.
    """
    preset = PRESETS[name]
    cloud = profile.cloud if profile is not None else get_cloud()
    host = None
    if any("{sharepoint}" in t for t in preset.templates):
        if profile is None:
            from grooper_nb.profile import ProfileError

            raise ProfileError(f"The {name!r} scopes name the tenant's SharePoint host: pass the profile.")
        host = profile.require_sharepoint_host()
    return [fill(t, cloud, host) for t in preset.templates]
