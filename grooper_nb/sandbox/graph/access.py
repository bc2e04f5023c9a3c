"""Who may call a Graph operation: :mod:`..resource`'s checks, answered in Graph's words.

* a token that does not authenticate: 401 ``InvalidAuthenticationToken`` with Graph's
  ``WWW-Authenticate`` challenge (https://learn.microsoft.com/graph/errors);
* a caller without the operation's permission: 403 ``Authorization_RequestDenied``, "Insufficient
  privileges to complete the operation." Each operation's permissions are the ones its page on
  https://learn.microsoft.com/graph/api/overview lists;
* writes to applications and grants by a user also need one of the directory roles that may manage
  them: https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
  (Global Administrator, Application Administrator, Cloud Application Administrator).

Usage in a route: ``caller = need(delegated=READ_APPS, application=READ_APPS)``.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, g, request

from ..login import RESOURCE_CHALLENGE_URI
from ..resource import AccessDenied, Caller, TokenRejected, authenticate, require, require_role
from ..store.seed import GRAPH_APP_ID
from .odata import GraphError

__all__ = [
    "APP_ADMIN_ROLES",
    "READ_APPS",
    "READ_USERS",
    "WRITE_APPS",
    "WRITE_APP_ROLES",
    "WRITE_GRANTS",
    "caller",
    "need",
    "need_admin",
]

CHALLENGE = f'Bearer realm="", authorization_uri="{RESOURCE_CHALLENGE_URI}", client_id="{GRAPH_APP_ID}"'

APP_ADMIN_ROLES = ("Global Administrator", "Application Administrator", "Cloud Application Administrator")
READ_APPS = ("Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All")
WRITE_APPS = ("Application.ReadWrite.All",)
WRITE_APP_ROLES = ("AppRoleAssignment.ReadWrite.All",)
WRITE_GRANTS = ("DelegatedPermissionGrant.ReadWrite.All",)
READ_USERS = ("User.Read.All", "User.ReadBasic.All", "Directory.Read.All")


def caller() -> Caller:
    """The request's authenticated caller (checked once per request), or a 401 :class:`GraphError`."""
    if "caller" not in g:
        store = current_app.config["STORE"]
        try:
            g.caller = authenticate(store, request.headers.get("Authorization"), resource_app_id=GRAPH_APP_ID)
        except TokenRejected as exc:
            raise GraphError(
                401, "InvalidAuthenticationToken", exc.message, {"WWW-Authenticate": CHALLENGE}
            ) from None
    return g.caller


def need(*, delegated: Iterable[str] = (), application: Iterable[str] = ()) -> Caller:
    """The caller, who must hold one of the permissions; else 403 ``Authorization_RequestDenied``."""
    who = caller()
    try:
        require(who, delegated=delegated, application=application)
    except AccessDenied as exc:
        raise GraphError(403, "Authorization_RequestDenied", exc.message) from None
    return who


def need_admin(permissions: Iterable[str]) -> Caller:
    """A write: the permission (delegated or application) and, for a user, an application admin role."""
    permissions = tuple(permissions)
    who = need(delegated=permissions, application=permissions)
    try:
        require_role(who, APP_ADMIN_ROLES)
    except AccessDenied as exc:
        raise GraphError(403, "Authorization_RequestDenied", exc.message) from None
    return who
