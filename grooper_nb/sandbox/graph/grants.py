"""Delegated consent: ``/oauth2PermissionGrants``.

A grant lets a client (``clientId``, its service principal) ask a resource (``resourceId``) for the
delegated ``scope`` values, for every user (``consentType`` ``AllPrincipals``, what admin consent
writes) or for one (``Principal`` with ``principalId``). The token endpoint reads the same rows, so a
grant deleted here makes the next delegated request for its scopes fail with AADSTS65001:
https://learn.microsoft.com/graph/permissions-grant-via-msgraph
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from . import GRAPH
from .access import READ_APPS, WRITE_GRANTS, need, need_admin
from .odata import GraphError, bad_request, collection, entity, filtered, json_body, not_found


def _store() -> Any:
    return current_app.config["STORE"]


def _grant_or_404(grant_id: str) -> dict[str, Any]:
    grant = _store().applications.permission_grant(grant_id)
    if grant is None:
        raise not_found(grant_id)
    return grant


@GRAPH.get("/oauth2PermissionGrants")
def list_grants():
    """https://learn.microsoft.com/graph/api/oauth2permissiongrant-list?view=graph-rest-1.0"""
    need(delegated=(*READ_APPS, *WRITE_GRANTS), application=(*READ_APPS, *WRITE_GRANTS))
    grants = _store().directory.permission_grants()
    return collection(
        "oauth2PermissionGrants", filtered(grants, ("clientId", "resourceId", "consentType", "principalId"))
    )


@GRAPH.get("/oauth2PermissionGrants/<grant_id>")
def get_grant(grant_id: str):
    """https://learn.microsoft.com/graph/api/oauth2permissiongrant-get?view=graph-rest-1.0"""
    need(delegated=(*READ_APPS, *WRITE_GRANTS), application=(*READ_APPS, *WRITE_GRANTS))
    return entity("oauth2PermissionGrants", _grant_or_404(grant_id))


def _check_new_grant(body: dict[str, Any]) -> tuple[str, str, str, str | None, str]:
    directory = _store().directory
    client_id, resource_id = str(body.get("clientId") or ""), str(body.get("resourceId") or "")
    consent_type = str(body.get("consentType") or "")
    principal_id = body.get("principalId") or None
    scope = " ".join(str(body.get("scope") or "").split())
    if consent_type not in ("AllPrincipals", "Principal"):
        raise bad_request(
            "Invalid value specified for property 'consentType' of resource 'OAuth2PermissionGrant'."
        )
    if (consent_type == "Principal") != (principal_id is not None):
        raise bad_request(
            "principalId is required for consentType 'Principal' and must be null for 'AllPrincipals'."
        )
    if principal_id is not None and directory.user_by_id(str(principal_id)) is None:
        raise not_found(str(principal_id))
    if directory.service_principal_by_id(client_id) is None:
        raise not_found(client_id)
    resource = directory.service_principal_by_id(resource_id)
    if resource is None:
        raise not_found(resource_id)
    _check_scopes(resource, scope)
    return client_id, resource_id, consent_type, principal_id, scope


def _check_scopes(resource: dict[str, Any], scope: str) -> None:
    known = {s["value"].lower() for s in resource.get("oauth2PermissionScopes", [])}
    unknown = [s for s in scope.split() if s.lower() not in known]
    if unknown:
        raise bad_request(f"Invalid scope value(s): {' '.join(unknown)}")


@GRAPH.post("/oauth2PermissionGrants")
def create_grant():
    """https://learn.microsoft.com/graph/api/oauth2permissiongrant-post?view=graph-rest-1.0"""
    need_admin(WRITE_GRANTS)
    created = _store().applications.create_permission_grant(*_check_new_grant(json_body()))
    if created is None:
        raise GraphError(409, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.")
    return entity("oauth2PermissionGrants", created), 201


@GRAPH.patch("/oauth2PermissionGrants/<grant_id>")
def update_grant(grant_id: str):
    """https://learn.microsoft.com/graph/api/oauth2permissiongrant-update?view=graph-rest-1.0"""
    need_admin(WRITE_GRANTS)
    grant = _grant_or_404(grant_id)
    scope = " ".join(str(json_body().get("scope") or "").split())
    resource = _store().directory.service_principal_by_id(grant["resourceId"]) or {}
    _check_scopes(resource, scope)
    _store().applications.update_permission_grant(grant_id, scope)
    return "", 204


@GRAPH.delete("/oauth2PermissionGrants/<grant_id>")
def delete_grant(grant_id: str):
    """https://learn.microsoft.com/graph/api/oauth2permissiongrant-delete?view=graph-rest-1.0"""
    need_admin(WRITE_GRANTS)
    if not _store().applications.delete_permission_grant(grant_id):
        raise not_found(grant_id)
    return "", 204
