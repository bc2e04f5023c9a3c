"""What a consent asks for and what accepting it writes.

* user consent: the delegated scopes a user has not yet granted to an app (:func:`needed_consent`);
* admin consent: every permission the app registered, delegated and application
  (:func:`admin_permissions`), written as AllPrincipals grants and app-role assignments
  (:func:`grant_admin_consent`), as "Grant admin consent" does:
  https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent

Who may consent is checked here (:func:`check_may_consent`), where the grant is written, not only where
the page is drawn.

The first consent to a multi-tenant app in the tenant creates its service principal there
(:func:`client_service_principal`), as Entra does:
https://learn.microsoft.com/entra/identity-platform/howto-convert-app-to-be-multi-tenant
"""

from __future__ import annotations

import sqlite3
import uuid

from flask import g

from .context import directory, store
from .errors import AADSTSError
from .issuance import known_scope_values, parse_scopes

__all__ = [
    "admin_permissions",
    "check_may_consent",
    "client_service_principal",
    "describe_scope",
    "grant_admin_consent",
    "is_admin",
    "needed_consent",
]


def needed_consent(flow: dict, user: dict) -> list[tuple[dict, list[str]]]:
    """(resource SP, scope values) the user still has to consent to for this flow."""
    app = directory().application(flow["client_id"])
    client_sp = directory().service_principal(app["appId"])  # None: no one consented in this tenant yet
    tenant = directory().tenant
    scopes = parse_scopes(store(), flow["scope"], tenant_name=tenant["display_name"])
    needed = []
    for entry in scopes.resources:
        granted = (
            {s.lower() for s in directory().granted_scopes(client_sp["id"], entry.sp["id"], user["id"])}
            if client_sp
            else set()
        )
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
    """AADSTS90094 ("Need admin approval") unless ``user`` may grant ``needed``: admin consent and
    admin-only scopes need an admin; so does any consent to another tenant's app from an unverified
    publisher, in a tenant whose users may consent to verified publishers' apps only."""
    admin_only = [
        v
        for sp, values in needed
        for v in values
        if any(s["value"] == v and s.get("type") == "Admin" for s in sp.get("oauth2PermissionScopes", []))
    ]
    needs_admin = flow["kind"] == "admin" or admin_only or (needed and _user_consent_blocked(flow))
    if needs_admin and not is_admin(user):
        g.page_errors = True
        raise AADSTSError(90094, client_name=directory().application(flow["client_id"])["displayName"])


def _user_consent_blocked(flow: dict) -> bool:
    """Whether the tenant's user consent setting keeps users from consenting to this app: with "Allow user
    consent for apps from verified publishers" (``user_consent`` ``verified_publishers``), a user may
    consent to an app registered in the tenant itself or to one whose publisher is verified, and to no
    other (https://learn.microsoft.com/entra/identity/enterprise-apps/configure-user-consent ,
    https://learn.microsoft.com/entra/identity-platform/publisher-verification-overview)."""
    if (store().meta("settings", {}) or {}).get("user_consent", "all_apps") != "verified_publishers":
        return False
    app = directory().application(flow["client_id"])
    foreign = directory().home_tenant_id(app["appId"]) != directory().tenant["id"]
    return foreign and not (app.get("verifiedPublisher") or {}).get("verifiedPublisherId")


def client_service_principal(app: dict) -> dict:
    """The app's service principal in this tenant, created from its application object if it has none.

    What Entra does on the first consent to a multi-tenant app: the enterprise application appears in the
    consenting tenant, owned by the app's home tenant (``appOwnerOrganizationId``):
    https://learn.microsoft.com/entra/identity-platform/app-objects-and-service-principals
    """
    existing = directory().service_principal(app["appId"])
    if existing is not None:
        return existing
    sp = {
        "id": str(uuid.uuid4()),
        "appId": app["appId"],
        "displayName": app["displayName"],
        "servicePrincipalType": "Application",
        "accountEnabled": True,
        "appOwnerOrganizationId": directory().home_tenant_id(app["appId"]),
        "servicePrincipalNames": [*app.get("identifierUris", []), app["appId"]],
        "accessTokenAcceptedVersion": (app.get("api") or {}).get("requestedAccessTokenVersion") or 1,
        "appRoles": list(app.get("appRoles", [])),
        "oauth2PermissionScopes": list((app.get("api") or {}).get("oauth2PermissionScopes", [])),
    }
    try:
        directory().add_service_principal(sp)
    except sqlite3.IntegrityError:  # another consent created it a moment ago
        return directory().service_principal(app["appId"])
    return sp


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
    client_sp = client_service_principal(app)  # an admin's first consent creates it
    by_resource: dict[str, list[str]] = {}
    for sp, kind, value in admin_permissions(flow):
        if kind == "Scope":
            by_resource.setdefault(sp["id"], []).append(value)
        else:
            role_id = next(r["id"] for r in sp["appRoles"] if r["value"] == value)
            directory().add_app_role_assignment(client_sp["id"], sp["id"], role_id)
    for sp_id, values in by_resource.items():
        directory().add_permission_grant(client_sp["id"], sp_id, values)
