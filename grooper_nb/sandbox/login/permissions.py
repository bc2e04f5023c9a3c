"""What a consent asks for and what accepting it writes.

* user consent: the delegated scopes a user has not yet granted to an app (:func:`needed_consent`);
* admin consent: every permission the app registered, delegated and application
  (:func:`admin_permissions`), written as AllPrincipals grants and app-role assignments
  (:func:`grant_admin_consent`), as "Grant admin consent" does:
  https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent

Who may consent is checked here (:func:`check_may_consent`), where the grant is written, not only where
the page is drawn.
"""

from __future__ import annotations

from flask import g

from .context import directory, store
from .errors import AADSTSError
from .issuance import known_scope_values, parse_scopes

__all__ = [
    "admin_permissions",
    "check_may_consent",
    "describe_scope",
    "grant_admin_consent",
    "is_admin",
    "needed_consent",
]


def needed_consent(flow: dict, user: dict) -> list[tuple[dict, list[str]]]:
    """(resource SP, scope values) the user still has to consent to for this flow."""
    app = directory().application(flow["client_id"])
    client_sp = directory().service_principal(app["appId"])
    tenant = directory().tenant
    scopes = parse_scopes(store(), flow["scope"], tenant_name=tenant["display_name"])
    needed = []
    for entry in scopes.resources:
        granted = {s.lower() for s in directory().granted_scopes(client_sp["id"], entry.sp["id"], user["id"])}
        if entry.is_default:
            wanted = _required_scopes(app, entry.sp)
        else:
            wanted = known_scope_values(entry.sp, entry.values)
        missing = [v for v in wanted if v.lower() not in granted]
        if missing or (flow.get("prompt") == "consent" and flow["kind"] != "admin"):
            needed.append((entry.sp, missing or wanted))
    return needed


def _required_scopes(app: dict, sp: dict) -> list[str]:
    by_id = {s["id"]: s["value"] for s in sp.get("oauth2PermissionScopes", [])}
    out = []
    for req in app.get("requiredResourceAccess", []):
        if req["resourceAppId"].lower() == sp["appId"].lower():
            out += [
                by_id[a["id"]] for a in req["resourceAccess"] if a["type"] == "Scope" and a["id"] in by_id
            ]
    return out


def is_admin(user: dict) -> bool:
    return "Global Administrator" in user["_sandbox"]["directory_roles"]


def check_may_consent(flow: dict, user: dict, needed: list[tuple[dict, list[str]]]) -> None:
    """AADSTS90094 unless ``user`` may grant ``needed``: admin consent and admin-only scopes need an admin."""
    admin_only = [
        v
        for sp, values in needed
        for v in values
        if any(s["value"] == v and s.get("type") == "Admin" for s in sp.get("oauth2PermissionScopes", []))
    ]
    if (flow["kind"] == "admin" or admin_only) and not is_admin(user):
        g.page_errors = True
        raise AADSTSError(90094, client_name=directory().application(flow["client_id"])["displayName"])


def describe_scope(sp: dict, value: str) -> str:
    scope = next((s for s in sp.get("oauth2PermissionScopes", []) if s["value"] == value), None)
    label = scope.get("userConsentDisplayName") or value if scope else value
    return f"{label} ({sp['displayName']}: {value})"


def admin_permissions(flow: dict) -> list[tuple[dict, str, str]]:
    """(resource SP, kind "Scope"/"Role", value) the admin consent would grant."""
    app = directory().application(flow["client_id"])
    wanted_resources = None
    if flow.get("scope"):
        scopes = parse_scopes(store(), flow["scope"], tenant_name=directory().tenant["display_name"])
        wanted_resources = {r.sp["appId"].lower() for r in scopes.resources}
    out = []
    for req in app.get("requiredResourceAccess", []):
        sp = directory().service_principal(req["resourceAppId"])
        if sp is None or (wanted_resources is not None and sp["appId"].lower() not in wanted_resources):
            continue
        scopes = {s["id"]: s["value"] for s in sp.get("oauth2PermissionScopes", [])}
        roles = {r["id"]: r["value"] for r in sp.get("appRoles", [])}
        for access in req["resourceAccess"]:
            table = scopes if access["type"] == "Scope" else roles
            if access["id"] in table:
                out.append((sp, access["type"], table[access["id"]]))
    return out


def grant_admin_consent(flow: dict) -> None:
    """What "Grant admin consent" writes: AllPrincipals grants and one assignment per app role."""
    app = directory().application(flow["client_id"])
    client_sp = directory().service_principal(app["appId"])
    by_resource: dict[str, list[str]] = {}
    for sp, kind, value in admin_permissions(flow):
        if kind == "Scope":
            by_resource.setdefault(sp["id"], []).append(value)
        else:
            role_id = next(r["id"] for r in sp["appRoles"] if r["value"] == value)
            directory().add_app_role_assignment(client_sp["id"], sp["id"], role_id)
    for sp_id, values in by_resource.items():
        directory().add_permission_grant(client_sp["id"], sp_id, values)
