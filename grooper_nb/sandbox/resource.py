"""What every resource host checks on a bearer token before it serves anything, once for all hosts.

A resource server validates an Entra access token the way
https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens describes, one small
check after another:

1. a ``Bearer`` token is present and is a compact JWS;
2. its signature verifies with one of the tenant's signing keys (``store.keys``; Graph's header
   ``nonce`` convention included);
3. ``iss`` is the tenant's v1.0 (``https://sts.windows.net/{tid}/``) or v2.0 issuer;
4. ``aud`` names this resource, as a URI or as its appId GUID (a Graph token says
   ``https://graph.microsoft.com`` or ``00000003-0000-0000-c000-000000000000``);
5. ``nbf`` and ``exp`` hold, with five minutes of clock skew;
6. ``tid`` is this tenant;
7. for a delegated token, the user still exists, is enabled, and has not had their sign-in sessions
   revoked since the token was issued (what continuous access evaluation enforces:
   https://learn.microsoft.com/entra/identity/conditional-access/concept-continuous-access-evaluation).

Then the operation's own rule: :func:`require` a delegated scope (``scp``) or an application
permission (``roles``). Usage, in any host::

    caller = authenticate(store, environ.get("HTTP_AUTHORIZATION"), resource_app_id=GRAPH_APP_ID)
    require(caller, delegated=["User.Read.All"], application=["User.Read.All"])

Failures are :class:`TokenRejected` (the host answers 401 in its own words) and :class:`AccessDenied`
(403). Each carries a ``reason`` a host can map, and a message in Microsoft Graph's words.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt

__all__ = ["SKEW", "AccessDenied", "Caller", "TokenRejected", "authenticate", "require", "require_role"]

SKEW = 300  # seconds of clock skew a resource tolerates on nbf and exp

LOGIN_ISSUER = "https://login.microsoftonline.com"


class TokenRejected(Exception):
    """The token does not authenticate the caller (401). ``reason`` names the failed check."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


class AccessDenied(Exception):
    """The caller is authenticated but may not do this (403)."""

    def __init__(self, message: str = "Insufficient privileges to complete the operation."):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Caller:
    """Who called: the validated claims, the user (None for an app-only token), the client app."""

    claims: dict[str, Any]
    app_id: str
    user: dict[str, Any] | None = None
    scp: tuple[str, ...] = field(default_factory=tuple)
    roles: tuple[str, ...] = field(default_factory=tuple)

    @property
    def app_only(self) -> bool:
        return self.user is None

    @property
    def directory_roles(self) -> tuple[str, ...]:
        """The signed-in user's Entra directory roles (names, as the seed writes them)."""
        if self.user is None:
            return ()
        return tuple((self.user.get("_sandbox") or {}).get("directory_roles", []))


def authenticate(store: Any, authorization: str | None, *, resource_app_id: str) -> Caller:
    """The :class:`Caller` of a request whose ``Authorization`` header is ``authorization``.

    ``resource_app_id`` names the resource (its service principal's appId); the accepted audiences are
    that appId and every ``servicePrincipalName`` of its service principal. Raises :class:`TokenRejected`.
    """
    token = _bearer(authorization)
    claims = _signature(store, token)
    tenant_id = store.directory.tenant["id"]
    _issuer(claims, tenant_id)
    _audience(store, claims, resource_app_id)
    _lifetime(claims)
    _tenant(claims, tenant_id)
    user = _user(store, claims)
    return Caller(
        claims=claims,
        app_id=str(claims.get("appid") or claims.get("azp") or ""),
        user=user,
        scp=tuple(str(claims.get("scp", "")).split()) if user else (),
        roles=tuple(claims.get("roles") or ()),
    )


def require(caller: Caller, *, delegated: Iterable[str] = (), application: Iterable[str] = ()) -> None:
    """The caller holds one of ``delegated`` (user tokens' ``scp``) or ``application`` (app-only
    ``roles``); else :class:`AccessDenied`. An empty list means that kind of token is never enough."""
    held = {v.lower() for v in (caller.roles if caller.app_only else caller.scp)}
    wanted = {v.lower() for v in (application if caller.app_only else delegated)}
    if not held & wanted:
        raise AccessDenied()


def require_role(caller: Caller, roles: Iterable[str]) -> None:
    """A delegated caller's user holds one of the directory ``roles``; app-only callers pass (their
    application permission is the whole authorisation). Else :class:`AccessDenied`."""
    if caller.app_only:
        return
    if not set(caller.directory_roles) & set(roles):
        raise AccessDenied()


# -- the checks, in order -----------------------------------------------------------------------------


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("empty", "Access token is empty.")
    return token.strip()


def _signature(store: Any, token: str) -> dict[str, Any]:
    try:
        return store.keys.verify(token)
    except jwt.InvalidSignatureError:
        raise TokenRejected("signature", "Access token validation failure. Invalid signature.") from None
    except jwt.InvalidTokenError:
        raise TokenRejected("malformed", "CompactToken parsing failed with error code: 80049217") from None


def _issuer(claims: dict[str, Any], tenant_id: str) -> None:
    allowed = {f"https://sts.windows.net/{tenant_id}/", f"{LOGIN_ISSUER}/{tenant_id}/v2.0"}
    if claims.get("iss") not in allowed:
        raise TokenRejected("issuer", "Access token validation failure. Invalid issuer.")


def _audiences(store: Any, resource_app_id: str) -> set[str]:
    sp = store.directory.service_principal(resource_app_id) or {}
    names = [resource_app_id, *sp.get("servicePrincipalNames", [])]
    return {n.rstrip("/").lower() for n in names}


def _audience(store: Any, claims: dict[str, Any], resource_app_id: str) -> None:
    aud = claims.get("aud")
    if not isinstance(aud, str) or aud.rstrip("/").lower() not in _audiences(store, resource_app_id):
        raise TokenRejected("audience", "Access token validation failure. Invalid audience.")


def _lifetime(claims: dict[str, Any]) -> None:
    now = time.time()
    try:
        exp, nbf = float(claims["exp"]), float(claims.get("nbf", 0))
    except (KeyError, TypeError, ValueError):
        raise TokenRejected("malformed", "CompactToken parsing failed with error code: 80049217") from None
    if now > exp + SKEW:
        raise TokenRejected("expired", "Lifetime validation failed, the token is expired.")
    if now < nbf - SKEW:
        raise TokenRejected("not_yet_valid", "Lifetime validation failed, the token is not yet valid.")


def _tenant(claims: dict[str, Any], tenant_id: str) -> None:
    if str(claims.get("tid", "")).lower() != tenant_id.lower():
        raise TokenRejected("tenant", "Access token validation failure. Invalid tenant.")


def _user(store: Any, claims: dict[str, Any]) -> dict[str, Any] | None:
    """The user of a delegated token (one with ``scp``), checked; None for an app-only token."""
    if "scp" not in claims:
        return None
    user = store.directory.user_by_id(str(claims.get("oid", "")))
    if user is None or not user.get("accountEnabled", True):
        raise TokenRejected(
            "user_disabled",
            "Continuous access evaluation resulted in challenge with result: InteractionRequired and "
            "code: UserDisabled",
        )
    issued = store.artefacts.access_token_issued(str(claims.get("uti", "")))
    if issued is None:
        issued = float(claims.get("iat", 0)) + 300  # Entra backdates iat by five minutes
    if issued < (user.get("_tokens_valid_from") or 0):
        raise TokenRejected(
            "revoked",
            "Continuous access evaluation resulted in challenge with result: InteractionRequired and "
            "code: TokenIssuedBeforeRevocationTimestamp",
        )
    return user
