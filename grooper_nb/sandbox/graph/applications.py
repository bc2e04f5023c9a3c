"""App registrations: ``/applications``, their properties, owners, and the routes that change them.

Secrets and certificates have their own module (:mod:`.credentials`). Reads need ``Application.Read.All``
(or ``Application.ReadWrite.All``, ``Directory.Read.All``); writes need ``Application.ReadWrite.All`` and,
for a user, an application administrator role (:func:`.access.need_admin`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import current_app

from . import GRAPH
from .access import READ_APPS, WRITE_APPS, need, need_admin
from .credentials import key_credentials
from .odata import GraphError, bad_request, collection, entity, filtered, json_body, not_found, public

# Properties a client may set with POST or PATCH; others are refused as Graph refuses read-only ones.
WRITABLE = (
    "displayName",
    "description",
    "signInAudience",
    "isFallbackPublicClient",
    "identifierUris",
    "api",
    "appRoles",
    "web",
    "publicClient",
    "spa",
    "requiredResourceAccess",
    "optionalClaims",
    "info",
    "notes",
    "tags",
    "keyCredentials",
    "groupMembershipClaims",
    "isDeviceOnlyAuthSupported",
    "parentalControlSettings",
    "serviceManagementReference",
    "defaultRedirectUri",
)
READ_ONLY = ("id", "appId", "createdDateTime", "publisherDomain", "deletedDateTime")


def _store() -> Any:
    return current_app.config["STORE"]


def application_or_404(object_id: str) -> dict[str, Any]:
    app = _store().applications.application_by_id(object_id)
    if app is None:
        raise not_found(object_id)
    return app


def served(app: dict[str, Any]) -> dict[str, Any]:
    """An application as Graph lists it: certificates without their ``key``."""
    return {**app, "keyCredentials": [{**c, "key": None} for c in app.get("keyCredentials", [])]}


def _shell(tenant: dict[str, Any]) -> dict[str, Any]:
    """A new application as Graph creates it when the body names only ``displayName``."""
    return {
        "id": str(uuid.uuid4()),
        "appId": str(uuid.uuid4()),
        "createdDateTime": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "publisherDomain": tenant["domain"],
        "signInAudience": "AzureADMyOrg",
        "isFallbackPublicClient": None,
        "identifierUris": [],
        "api": {
            "requestedAccessTokenVersion": None,
            "oauth2PermissionScopes": [],
            "preAuthorizedApplications": [],
            "knownClientApplications": [],
        },
        "appRoles": [],
        "info": {},
        "tags": [],
        "web": {
            "redirectUris": [],
            "homePageUrl": None,
            "logoutUrl": None,
            "implicitGrantSettings": {"enableIdTokenIssuance": False, "enableAccessTokenIssuance": False},
        },
        "publicClient": {"redirectUris": []},
        "spa": {"redirectUris": []},
        "passwordCredentials": [],
        "keyCredentials": [],
        "requiredResourceAccess": [],
        "_sandbox": {"owners": []},
    }


def _apply(app: dict[str, Any], body: dict[str, Any]) -> None:
    """Write the body's properties onto ``app``: 400 for a property a client may not set."""
    for name, value in body.items():
        if name.startswith("@odata."):
            continue
        if name == "passwordCredentials":
            raise bad_request(
                "Property 'passwordCredentials' can't be set with this request; use addPassword."
            )
        if name in READ_ONLY:
            raise bad_request(f"Property '{name}' is read-only and cannot be set.")
        if name not in WRITABLE:
            raise bad_request(f"Property '{name}' does not exist on type 'microsoft.graph.application'.")
        if name == "keyCredentials":
            app["keyCredentials"] = key_credentials(app, value)
        elif isinstance(value, dict) and isinstance(app.get(name), dict):
            app[name] = {**app[name], **value}
        else:
            app[name] = value


@GRAPH.get("/applications")
def list_applications():
    """https://learn.microsoft.com/graph/api/application-list?view=graph-rest-1.0"""
    need(delegated=READ_APPS, application=READ_APPS)
    apps = [served(a) for a in _store().directory.applications()]
    return collection("applications", filtered(apps, ("displayName", "appId")))


@GRAPH.post("/applications")
def create_application():
    """https://learn.microsoft.com/graph/api/application-post-applications?view=graph-rest-1.0"""
    who = need_admin(WRITE_APPS)
    body = json_body()
    if not str(body.get("displayName") or "").strip():
        raise bad_request("Property 'displayName' is required.")
    store = _store()
    app = _shell(store.directory.tenant)
    _apply(app, body)
    if who.user is not None:  # the user who registers an app owns it
        app["_sandbox"]["owners"].append(who.user["id"])
    store.directory.add_application(app)
    return entity("applications", served(app)), 201


@GRAPH.get("/applications/<object_id>")
def get_application(object_id: str):
    """https://learn.microsoft.com/graph/api/application-get?view=graph-rest-1.0"""
    need(delegated=READ_APPS, application=READ_APPS)
    return entity("applications", served(application_or_404(object_id)))


@GRAPH.patch("/applications/<object_id>")
def update_application(object_id: str):
    """https://learn.microsoft.com/graph/api/application-update?view=graph-rest-1.0"""
    need_admin(WRITE_APPS)
    app = application_or_404(object_id)
    _apply(app, json_body())
    _store().applications.save_application(app)
    return "", 204


@GRAPH.delete("/applications/<object_id>")
def delete_application(object_id: str):
    """https://learn.microsoft.com/graph/api/application-delete?view=graph-rest-1.0"""
    need_admin(WRITE_APPS)
    if not _store().applications.delete_application(object_id):
        raise not_found(object_id)
    return "", 204


# -- owners ------------------------------------------------------------------------------------------


@GRAPH.get("/applications/<object_id>/owners")
def list_owners(object_id: str):
    """https://learn.microsoft.com/graph/api/application-list-owners?view=graph-rest-1.0"""
    need(delegated=READ_APPS, application=READ_APPS)
    app = application_or_404(object_id)
    directory = _store().directory
    owners = []
    for user_id in app.get("_sandbox", {}).get("owners", []):
        user = directory.user_by_id(user_id)
        if user is not None:
            owners.append({"@odata.type": "#microsoft.graph.user", **_owner(user)})
    return collection("directoryObjects", owners)


def _owner(user: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "displayName", "userPrincipalName", "mail", "givenName", "surname")
    return {k: public(user).get(k) for k in keys}


@GRAPH.get("/applications/<object_id>/owners/$ref")
def list_owner_refs(object_id: str):
    """https://learn.microsoft.com/graph/api/application-list-owners?view=graph-rest-1.0 (``$ref``)"""
    need(delegated=READ_APPS, application=READ_APPS)
    owners = application_or_404(object_id).get("_sandbox", {}).get("owners", [])
    refs = [
        {
            "@odata.id": f"https://graph.microsoft.com/v2/{_tenant_id()}/directoryObjects/{o}/Microsoft.DirectoryServices.User"
        }
        for o in owners
    ]
    return {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects", "value": refs}


def _tenant_id() -> str:
    return _store().directory.tenant["id"]


@GRAPH.delete("/applications/<object_id>/owners/<user_id>/$ref")
def remove_owner(object_id: str, user_id: str):
    """https://learn.microsoft.com/graph/api/application-delete-owners?view=graph-rest-1.0"""
    need_admin(WRITE_APPS)
    app = application_or_404(object_id)
    owners = app.get("_sandbox", {}).get("owners", [])
    if user_id not in owners:
        raise not_found(user_id)
    owners.remove(user_id)
    _store().applications.save_application(app)
    return "", 204


@GRAPH.post("/applications/<object_id>/owners/$ref")
def add_owner(object_id: str):
    """https://learn.microsoft.com/graph/api/application-post-owners?view=graph-rest-1.0"""
    need_admin(WRITE_APPS)
    app = application_or_404(object_id)
    ref = str(json_body().get("@odata.id") or "")
    user_id = ref.rstrip("/").rsplit("/", 1)[-1]
    if not ref or _store().directory.user_by_id(user_id) is None:
        raise not_found(user_id or ref)
    owners = app.setdefault("_sandbox", {}).setdefault("owners", [])
    if user_id in owners:
        raise GraphError(
            400,
            "Request_BadRequest",
            "One or more added object references already exist for the following modified properties: "
            "'owners'.",
        )
    owners.append(user_id)
    _store().applications.save_application(app)
    return "", 204
