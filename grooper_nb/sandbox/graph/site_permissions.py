"""Sites.Selected grants through Graph: the application permissions of a site.

* ``GET /sites/{site-id}/permissions``: https://learn.microsoft.com/graph/api/site-list-permissions;
* ``GET /sites/{site-id}/permissions/{permission-id}``: https://learn.microsoft.com/graph/api/site-get-permission;
* ``POST /sites/{site-id}/permissions`` with ``{"roles": ["read" | "write" | ...], "grantedToIdentities":
  [{"application": {"id", "displayName"}}]}``: https://learn.microsoft.com/graph/api/site-post-permissions
  (application grants only; 201 with the permission);
* ``DELETE /sites/{site-id}/permissions/{permission-id}`` (204):
  https://learn.microsoft.com/graph/api/site-delete-permission.

Each needs ``Sites.FullControl.All``: the application permission, or the delegated one held by a Global
Administrator or SharePoint Administrator (the pages' "Permissions" and their note on delegated calls).
A grant is what opens a site to an app holding only ``Sites.Selected`` (:mod:`.sites_access`). Roles:
``read``, ``write``, ``owner`` and ``fullcontrol`` as https://learn.microsoft.com/graph/permissions-selected-overview
names them, ``manage`` as SharePoint's own documentation does.
"""

from __future__ import annotations

from typing import Any

from flask import Response

from . import GRAPH
from .access import caller
from .drive_shapes import graph_site_id
from .odata import context, json_body
from .site_lookup import site_by_key
from .site_paging import page
from .sites_access import access_denied, invalid_request, item_not_found, sharepoint

__all__: list[str] = []

FULL_CONTROL = "sites.fullcontrol.all"
ADMIN_ROLES = ("Global Administrator", "SharePoint Administrator")
ROLES = ("read", "write", "owner", "manage", "fullcontrol")
DEPRECATED = "GrantedToIdentities has been deprecated. Refer to GrantedToIdentitiesV2"


def _need_full_control() -> None:
    who = caller()
    held = {v.lower() for v in (who.roles if who.app_only else who.scp)}
    if FULL_CONTROL not in held:
        raise access_denied()
    if not who.app_only and not set(who.directory_roles) & set(ADMIN_ROLES):
        raise access_denied()


def _site(site_key: str) -> dict[str, Any]:
    _need_full_control()
    return site_by_key(site_key)


def _permission_json(grant: dict[str, Any]) -> dict[str, Any]:
    """https://learn.microsoft.com/graph/api/resources/permission"""
    identity = {"application": {"id": grant["app_id"], "displayName": grant.get("display_name") or ""}}
    return {
        "id": grant["id"],
        "@deprecated.GrantedToIdentities": DEPRECATED,
        "roles": list(grant["roles"]),
        "grantedToIdentities": [identity],
        "grantedToIdentitiesV2": [identity],
    }


def _grant(site: dict[str, Any], permission_id: str) -> dict[str, Any]:
    found = next((g for g in sharepoint().site_grants(site["id"]) if g["id"] == permission_id), None)
    if found is None:
        raise item_not_found()
    return found


@GRAPH.get("/sites/<site_key>/permissions")
def list_site_permissions(site_key: str):
    """https://learn.microsoft.com/graph/api/site-list-permissions"""
    site = _site(site_key)
    fragment = f"sites('{graph_site_id(site)}')/permissions"
    return page(fragment, sharepoint().site_grants(site["id"]), _permission_json)


@GRAPH.get("/sites/<site_key>/permissions/<permission_id>")
def get_site_permission(site_key: str, permission_id: str):
    """https://learn.microsoft.com/graph/api/site-get-permission"""
    site = _site(site_key)
    fragment = f"sites('{graph_site_id(site)}')/permissions/$entity"
    return {"@odata.context": context(fragment), **_permission_json(_grant(site, permission_id))}


def _application(body: dict[str, Any]) -> dict[str, Any]:
    identities = body.get("grantedToIdentities") or body.get("grantedToIdentitiesV2")
    if not isinstance(identities, list) or len(identities) != 1:
        raise invalid_request("grantedToIdentities must name exactly one application.")
    app = (identities[0] or {}).get("application") if isinstance(identities[0], dict) else None
    if not isinstance(app, dict) or not isinstance(app.get("id"), str) or not app["id"].strip():
        raise invalid_request("grantedToIdentities[0].application.id is required: the app's client id.")
    return app


def _roles(body: dict[str, Any]) -> list[str]:
    roles = body.get("roles")
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        raise invalid_request('roles must be a non-empty list, e.g. ["read"] or ["write"].')
    unknown = [r for r in roles if r.lower() not in ROLES]
    if unknown:
        raise invalid_request(f"Unknown role(s) {unknown}: use {', '.join(ROLES)}.")
    return [r.lower() for r in roles]


@GRAPH.post("/sites/<site_key>/permissions")
def create_site_permission(site_key: str):
    """https://learn.microsoft.com/graph/api/site-post-permissions"""
    site = _site(site_key)
    body = json_body()
    roles, app = _roles(body), _application(body)
    grant = sharepoint().grant_site(site["id"], app["id"].strip(), roles, app.get("displayName") or "")
    fragment = f"sites('{graph_site_id(site)}')/permissions/$entity"
    return {"@odata.context": context(fragment), **_permission_json(grant)}, 201


@GRAPH.delete("/sites/<site_key>/permissions/<permission_id>")
def delete_site_permission(site_key: str, permission_id: str):
    """https://learn.microsoft.com/graph/api/site-delete-permission"""
    site = _site(site_key)
    _grant(site, permission_id)
    sharepoint().revoke_site_grant(site["id"], permission_id)
    return Response(status=204)
