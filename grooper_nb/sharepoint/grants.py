"""Granting one site to a ``Sites.Selected`` app, and registering the apps that show it.

``Sites.Selected`` (Graph or SharePoint) opens no site by itself: an app holding it reaches exactly the
sites an administrator's app granted it through ``POST /sites/{id}/permissions``, and that granting app
needs ``Sites.FullControl.All``
(https://learn.microsoft.com/graph/api/site-post-permissions). This is the least-privilege set-up a
customer's security team often asks Grooper for, so the runbook shows it: refused before the grant,
allowed after.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from grooper_nb.connections import get_connection
from grooper_nb.registration.graph import GraphClient

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.profile import Profile
    from grooper_nb.sharepoint.site import Site

__all__ = ["grant_site", "register_app_only", "site_permissions"]

PERMISSION_COLUMNS = ["id", "roles", "app_id", "app_name"]


def grant_site(granter: Profile, site: Site, app_id: str, roles=("read",), display_name: str = "") -> dict:
    """Grant ``site`` to the app ``app_id`` with ``roles`` ("read", "write"), calling Graph as
    ``granter`` (an app holding Sites.FullControl.All). The permission Graph created."""
    body = {
        "roles": list(roles),
        "grantedToIdentities": [{"application": {"id": app_id, "displayName": display_name or app_id}}],
    }
    return GraphClient(granter).post(f"/sites/{site.graph_id}/permissions", body)


def site_permissions(granter: Profile, site: Site) -> pd.DataFrame:
    """The apps granted ``site``: one row per permission (``GET /sites/{id}/permissions``,
    https://learn.microsoft.com/graph/api/site-list-permissions)."""
    rows = [_permission_row(p) for p in GraphClient(granter).list(f"/sites/{site.graph_id}/permissions")]
    return pd.DataFrame(rows, columns=PERMISSION_COLUMNS).astype("string")


def _permission_row(permission: dict[str, Any]) -> dict[str, Any]:
    identities = permission.get("grantedToIdentitiesV2") or permission.get("grantedToIdentities") or [{}]
    app = identities[0].get("application") or {}
    return {
        "id": permission.get("id"),
        "roles": ", ".join(permission.get("roles") or []),
        "app_id": app.get("id"),
        "app_name": app.get("displayName"),
    }


def _app_only(base: str, role: str):
    """The connection ``base`` (a SharePoint one) asking for the application permission ``role`` only."""
    return dataclasses.replace(
        get_connection(base),
        key=f"{base}_{role.replace('.', '_').lower()}",
        roles=(role,),
        mode="app",
        delegated_request=(),
        delegated_preset="",
        scopes=(),
    )


def register_app_only(admin: Profile, account: Any, name: str, role: str, *, keep: str | Path) -> Profile:
    """Register (or find) the app ``name`` holding the application permission ``role`` on Graph (and,
    for ``Sites.Selected``, on SharePoint too), consented, as the administrator signed in on ``admin``
    (``account``: that sign-in); the app's profile, signing in with a certificate (SharePoint REST takes
    app-only tokens from certificates only).

    ``keep`` is a directory holding the app's certificate and ``.env`` file: a new app's are written
    there, and an app found again (a notebook run twice) signs in with them, since its private key was
    never anywhere else."""
    from grooper_nb.registration import create_app, plan

    connections = [_app_only("sharepoint_graph", role)]
    if role == "Sites.Selected":  # SharePoint's own Sites.Selected: the same grant opens REST too
        connections.append(_app_only("sharepoint_rest_app", role))
    the_plan = plan(connections, app=name, cloud=admin.cloud, tenant=admin.tenant_id or admin.tenant)
    slug = "".join(c if c.isalnum() else "-" for c in name.lower())
    env = Path(keep) / f"{slug}.env"
    reg = create_app(
        admin,
        the_plan,
        account=account,
        certificate=Path(keep) / f"{slug}.pem",
        secret_expiry_days=None,
        write_env=env,
    )
    return _kept_profile(admin, reg.app_id, env, name)


def _kept_profile(admin: Profile, app_id: str, env: Path, name: str) -> Profile:
    """The profile of ``app_id`` from the ``.env`` file kept for it; a clear error when there is none."""
    from grooper_nb.profile import connect
    from grooper_nb.settings import load_settings

    settings = load_settings(env, environ={}) if env.is_file() else {}
    if settings.get("GROOPER_NB_CLIENT_ID") != app_id or not settings.get("GROOPER_NB_CERTIFICATE"):
        raise ValueError(
            f"The app {name!r} ({app_id}) exists already, but its certificate is not in {env.parent}: "
            "pass the directory that holds it as keep=, or delete the app registration and run again."
        )
    return connect(client_id=app_id, certificate=settings["GROOPER_NB_CERTIFICATE"], **_where(admin))


def _where(admin: Profile) -> dict[str, Any]:
    """The tenant ``admin`` works in: the same sandbox, or the same real tenant."""
    if admin.is_sandbox:
        return {"sandbox": True, "sandbox_dir": admin.sandbox_info.state_dir}
    return {"sandbox": False, "tenant": admin.tenant_id or admin.tenant, "cloud": admin.cloud}
