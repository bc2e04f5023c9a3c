"""Admin consent through Graph: the tenant-wide grants a registration plan asks for.

Admin consent is two kinds of object on the app's service principal:

* delegated permissions: one ``oAuth2PermissionGrant`` per resource with ``consentType`` AllPrincipals,
  its ``scope`` the space-separated values
  (https://learn.microsoft.com/graph/api/oauth2permissiongrant-post?view=graph-rest-1.0);
* application permissions: one ``appRoleAssignment`` per role, granted to the service principal
  (https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto?view=graph-rest-1.0).

Permissions are resolved by value against the resource's own service principal in the tenant
(``oauth2PermissionScopes`` / ``appRoles``), so the IDs used are the ones the tenant publishes.
"""

from __future__ import annotations

from typing import Any

from .graph import GraphClient, odata_quote
from .plan import RegistrationPlan

__all__ = ["consented", "grant_admin_consent", "resource_sp", "service_principal"]


def service_principal(graph: GraphClient, app_id: str) -> dict[str, Any] | None:
    """The tenant's service principal of ``app_id``, or None
    (https://learn.microsoft.com/graph/api/serviceprincipal-list?view=graph-rest-1.0)."""
    found = graph.find("/servicePrincipals", "appId", app_id)
    return found[0] if found else None


def resource_sp(graph: GraphClient, app_id: str, cache: dict[str, dict]) -> dict[str, Any]:
    if app_id not in cache:
        sp = service_principal(graph, app_id)
        if sp is None:
            raise ValueError(f"The tenant has no service principal for the resource {app_id}.")
        cache[app_id] = sp
    return cache[app_id]


def _grants(graph: GraphClient, client_sp_id: str) -> list[dict[str, Any]]:
    """https://learn.microsoft.com/graph/api/oauth2permissiongrant-list?view=graph-rest-1.0"""
    return graph.list("/oauth2PermissionGrants", filter=f"clientId eq {odata_quote(client_sp_id)}")


def _assignments(graph: GraphClient, client_sp_id: str) -> list[dict[str, Any]]:
    """https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments?view=graph-rest-1.0"""
    return graph.list(f"/servicePrincipals/{client_sp_id}/appRoleAssignments")


def consented(graph: GraphClient, client_sp_id: str) -> dict[str, Any]:
    """What the tenant granted the service principal: ``{"admin": {(resource appId, value, "Scope")},
    "user": {...}, "roles": {(resource appId, value, "Role")}}`` (user = per-user Principal grants).
    Each resource is read once (https://learn.microsoft.com/graph/api/serviceprincipal-get?view=graph-rest-1.0)
    to name its permissions by value."""
    by_id: dict[str, dict] = {}
    out: dict[str, set] = {"admin": set(), "user": set(), "roles": set()}
    for grant in _grants(graph, client_sp_id):
        resource = _resource_by_id(graph, grant["resourceId"], by_id)
        kind = "admin" if grant.get("consentType") == "AllPrincipals" else "user"
        out[kind] |= {(resource["appId"], s, "Scope") for s in str(grant.get("scope") or "").split()}
    for assignment in _assignments(graph, client_sp_id):
        resource = _resource_by_id(graph, assignment["resourceId"], by_id)
        roles = {r["id"]: r["value"] for r in resource.get("appRoles", [])}
        value = roles.get(assignment.get("appRoleId"), assignment.get("appRoleId"))
        out["roles"].add((resource["appId"], value, "Role"))
    return out


def _resource_by_id(graph: GraphClient, object_id: str, seen: dict[str, dict]) -> dict[str, Any]:
    if object_id not in seen:
        seen[object_id] = graph.get(f"/servicePrincipals/{object_id}")
    return seen[object_id]


def _resolve(resource: dict[str, Any], field: str, value: str) -> str:
    for item in resource.get(field, []):
        if item.get("value") == value:
            return item["id"]
    raise ValueError(
        f"{resource.get('displayName', resource['appId'])} publishes no permission {value!r} in this tenant "
        f"({field})."
    )


def _grant_delegated(graph: GraphClient, client_sp: dict, resource: dict, scopes: list[str]) -> bool:
    """Create the AllPrincipals grant
    (https://learn.microsoft.com/graph/api/oauth2permissiongrant-post?view=graph-rest-1.0) or widen the
    one there (https://learn.microsoft.com/graph/api/oauth2permissiongrant-update?view=graph-rest-1.0);
    True when something changed."""
    for scope in scopes:
        _resolve(resource, "oauth2PermissionScopes", scope)
    existing = [
        g
        for g in _grants(graph, client_sp["id"])
        if g.get("resourceId") == resource["id"] and g.get("consentType") == "AllPrincipals"
    ]
    if existing:
        have = str(existing[0].get("scope") or "").split()
        missing = [s for s in scopes if s not in have]
        if not missing:
            return False
        graph.patch(f"/oauth2PermissionGrants/{existing[0]['id']}", {"scope": " ".join(have + missing)})
        return True
    body = {
        "clientId": client_sp["id"],
        "consentType": "AllPrincipals",
        "resourceId": resource["id"],
        "scope": " ".join(scopes),
    }
    graph.post("/oauth2PermissionGrants", body)
    return True


def _grant_role(graph: GraphClient, client_sp: dict, resource: dict, value: str) -> bool:
    """Assign the app role unless it is assigned already
    (https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignedto?view=graph-rest-1.0,
    https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto?view=graph-rest-1.0)."""
    role_id = _resolve(resource, "appRoles", value)
    assigned = graph.list(f"/servicePrincipals/{resource['id']}/appRoleAssignedTo")
    if any(a.get("principalId") == client_sp["id"] and a.get("appRoleId") == role_id for a in assigned):
        return False
    body = {"principalId": client_sp["id"], "resourceId": resource["id"], "appRoleId": role_id}
    graph.post(f"/servicePrincipals/{resource['id']}/appRoleAssignedTo", body)
    return True


def grant_admin_consent(graph: GraphClient, client_sp: dict, plan: RegistrationPlan) -> list[str]:
    """Grant every permission of ``plan`` tenant-wide; the list of what was newly granted."""
    cache: dict[str, dict] = {}
    done = []
    for app_id, scope in plan.delegated_grants.items():
        resource = resource_sp(graph, app_id, cache)
        if _grant_delegated(graph, client_sp, resource, scope.split()):
            done.append(f"{resource.get('displayName', app_id)}: {scope} (delegated, all users)")
    for p in plan.permissions:
        if p.type != "Role":
            continue
        resource = resource_sp(graph, p.resource_app_id, cache)
        if _grant_role(graph, client_sp, resource, p.value):
            done.append(f"{resource.get('displayName', p.resource_app_id)}: {p.value} (application)")
    return done
