"""Enterprise apps: ``/servicePrincipals`` and the application permissions granted to them.

An ``appRoleAssignment`` is "Grant admin consent" for one application permission: the client's service
principal (``principalId``) holds one ``appRole`` (``appRoleId``) of a resource's service principal
(``resourceId``). The token endpoint reads the same rows for the ``roles`` claim, so an assignment made
or deleted here changes the next client-credentials token:
https://learn.microsoft.com/graph/permissions-grant-via-msgraph
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import current_app

from . import GRAPH
from .access import READ_APPS, WRITE_APP_ROLES, WRITE_APPS, need, need_admin
from .odata import bad_request, collection, entity, filtered, json_body, not_found


def _store() -> Any:
    return current_app.config["STORE"]


def _sp_or_404(object_id: str) -> dict[str, Any]:
    sp = _store().directory.service_principal_by_id(object_id)
    if sp is None:
        raise not_found(object_id)
    return sp


@GRAPH.get("/servicePrincipals")
def list_service_principals():
    """https://learn.microsoft.com/graph/api/serviceprincipal-list?view=graph-rest-1.0"""
    need(delegated=READ_APPS, application=READ_APPS)
    sps = _store().directory.service_principals()
    return collection("servicePrincipals", filtered(sps, ("appId", "displayName", "servicePrincipalType")))


@GRAPH.post("/servicePrincipals")
def create_service_principal():
    """https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals?view=graph-rest-1.0"""
    need_admin(WRITE_APPS)
    app_id = str(json_body().get("appId") or "")
    store = _store()
    app = store.directory.application(app_id)
    if app is None:
        raise bad_request(
            f"The appId '{app_id}' of the service principal does not reference a valid application object."
        )
    if store.directory.service_principal(app_id) is not None:
        raise bad_request(
            "Another object with the same value for property servicePrincipalNames already exists.",
            "Request_MultipleObjectsWithSameKeyValue",
        )
    sp = {
        "id": str(uuid.uuid4()),
        "accountEnabled": True,
        "appId": app["appId"],
        "appDisplayName": app["displayName"],
        "displayName": app["displayName"],
        "appOwnerOrganizationId": store.directory.tenant["id"],
        "servicePrincipalType": "Application",
        "signInAudience": app.get("signInAudience"),
        "servicePrincipalNames": [*app.get("identifierUris", []), app["appId"]],
        "accessTokenAcceptedVersion": (app.get("api") or {}).get("requestedAccessTokenVersion") or 1,
        "appRoles": list(app.get("appRoles", [])),
        "oauth2PermissionScopes": list((app.get("api") or {}).get("oauth2PermissionScopes", [])),
        "replyUrls": list((app.get("web") or {}).get("redirectUris", [])),
        "tags": [],
    }
    store.directory.add_service_principal(sp)
    return entity("servicePrincipals", sp), 201


@GRAPH.get("/servicePrincipals/<object_id>")
def get_service_principal(object_id: str):
    """https://learn.microsoft.com/graph/api/serviceprincipal-get?view=graph-rest-1.0"""
    need(delegated=READ_APPS, application=READ_APPS)
    return entity("servicePrincipals", _sp_or_404(object_id))


# -- app role assignments ------------------------------------------------------------------------------


def _served(assignment: dict[str, Any]) -> dict[str, Any]:
    directory = _store().directory
    principal = directory.service_principal_by_id(assignment["principalId"]) or {}
    resource = directory.service_principal_by_id(assignment["resourceId"]) or {}
    created = dt.datetime.fromtimestamp(assignment["created"], dt.timezone.utc)
    return {
        "id": assignment["id"],
        "deletedDateTime": None,
        "appRoleId": assignment["appRoleId"],
        "createdDateTime": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "principalDisplayName": principal.get("displayName"),
        "principalId": assignment["principalId"],
        "principalType": "ServicePrincipal",
        "resourceDisplayName": resource.get("displayName"),
        "resourceId": assignment["resourceId"],
    }


@GRAPH.get("/servicePrincipals/<object_id>/appRoleAssignedTo")
def list_app_role_assigned_to(object_id: str):
    """https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignedto?view=graph-rest-1.0"""
    need(delegated=READ_APPS, application=READ_APPS)
    _sp_or_404(object_id)
    rows = _store().applications.app_role_assignments(resource_id=object_id)
    return collection(f"servicePrincipals('{object_id}')/appRoleAssignedTo", [_served(r) for r in rows])


@GRAPH.get("/servicePrincipals/<object_id>/appRoleAssignments")
def list_app_role_assignments(object_id: str):
    """https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments?view=graph-rest-1.0"""
    need(delegated=READ_APPS, application=READ_APPS)
    _sp_or_404(object_id)
    rows = _store().applications.app_role_assignments(principal_id=object_id)
    return collection(f"servicePrincipals('{object_id}')/appRoleAssignments", [_served(r) for r in rows])


@GRAPH.post("/servicePrincipals/<object_id>/appRoleAssignedTo")
def grant_app_role(object_id: str):
    """https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto?view=graph-rest-1.0"""
    need_admin(WRITE_APP_ROLES)
    resource = _sp_or_404(object_id)
    body = json_body()
    principal_id, role_id = str(body.get("principalId") or ""), str(body.get("appRoleId") or "")
    if str(body.get("resourceId") or object_id) != object_id:
        raise bad_request("The resourceId must be the service principal the request is sent to.")
    if _store().directory.service_principal_by_id(principal_id) is None:
        raise not_found(principal_id)
    if not any(r["id"] == role_id for r in resource.get("appRoles", [])):
        raise bad_request("Permission being assigned was not found on application")
    created = _store().applications.create_app_role_assignment(principal_id, object_id, role_id)
    if created is None:
        raise bad_request("Permission being assigned already exists on the object", "Request_BadRequest")
    return {
        "@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('{object_id}')/appRoleAssignedTo/$entity",
        **_served(created),
    }, 201


@GRAPH.delete("/servicePrincipals/<object_id>/appRoleAssignedTo/<assignment_id>")
def revoke_app_role(object_id: str, assignment_id: str):
    """https://learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignedto?view=graph-rest-1.0"""
    need_admin(WRITE_APP_ROLES)
    _sp_or_404(object_id)
    if not _store().applications.delete_app_role_assignment(object_id, assignment_id):
        raise not_found(assignment_id)
    return "", 204
