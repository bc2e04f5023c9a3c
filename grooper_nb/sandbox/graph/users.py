"""The tenant and its people: ``/organization``, ``/users``, ``/users/{id | userPrincipalName}``, ``/me``.

A user is served with Graph's default properties only (``$select`` asks for more, such as
``accountEnabled``), as https://learn.microsoft.com/graph/api/user-get says.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from . import GRAPH
from .access import READ_USERS, caller, need
from .odata import GraphError, collection, entity, filtered, not_found

# The properties GET /users returns without $select.
DEFAULT_USER = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
ALL_USER = (*DEFAULT_USER, "accountEnabled")


def _store() -> Any:
    return current_app.config["STORE"]


def _shape(user: dict[str, Any]) -> dict[str, Any]:
    names = ALL_USER if request.args.get("$select") else DEFAULT_USER
    full = {
        "businessPhones": [],
        "jobTitle": None,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": None,
        **user,
    }
    return {k: full.get(k) for k in names}


@GRAPH.get("/organization")
def list_organization():
    """https://learn.microsoft.com/graph/api/organization-list?view=graph-rest-1.0"""
    need(
        delegated=("User.Read", "Organization.Read.All", "Directory.Read.All"),
        application=("Organization.Read.All", "Directory.Read.All"),
    )
    tenant = _store().directory.tenant
    org = {
        "id": tenant["id"],
        "displayName": tenant["display_name"],
        "tenantType": "AAD",
        "createdDateTime": tenant.get("created"),
        "verifiedDomains": [
            {
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": domain == tenant["domain"],
                "isInitial": domain.endswith(".onmicrosoft.com"),
                "name": domain,
                "type": "Managed",
            }
            for domain in tenant["domains"]
        ],
    }
    return collection("organization", [org])


@GRAPH.get("/users")
def list_users():
    """https://learn.microsoft.com/graph/api/user-list?view=graph-rest-1.0"""
    need(delegated=READ_USERS, application=("User.Read.All", "User.ReadBasic.All", "Directory.Read.All"))
    users = [_shape(u) for u in _store().directory.users()]
    return collection("users", filtered(users, ("userPrincipalName", "displayName", "mail", "id")))


@GRAPH.get("/users/<key>")
def get_user(key: str):
    """https://learn.microsoft.com/graph/api/user-get?view=graph-rest-1.0"""
    who = caller()
    directory = _store().directory
    user = directory.user_by_id(key) or directory.user_by_upn(key)
    is_self = user is not None and who.user is not None and user["id"] == who.user["id"]
    if is_self:
        need(delegated=("User.Read", *READ_USERS), application=())
    else:
        need(delegated=READ_USERS, application=("User.Read.All", "User.ReadBasic.All", "Directory.Read.All"))
    if user is None:
        raise not_found(key)
    return entity("users", _shape(user))


@GRAPH.get("/me")
def get_me():
    """https://learn.microsoft.com/graph/api/user-get?view=graph-rest-1.0 (``GET /me``)"""
    who = caller()
    if who.app_only:
        raise GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
    need(delegated=("User.Read", *READ_USERS))
    return entity("users", _shape(who.user))
