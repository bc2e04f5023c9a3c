"""The grants of ``POST /{tenant}/oauth2/v2.0/token``, one function each, named after it.

* :func:`authorization_code`: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#redeem-a-code-for-an-access-token
* :func:`refresh_token`: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token
* :func:`client_credentials`: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
* :func:`password` (ROPC): https://learn.microsoft.com/entra/identity-platform/v2-oauth-ropc
* :func:`device_code`: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code#authenticating-the-user
* :func:`on_behalf_of`: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow

MSAL habits honoured: ``client_info=1`` in every request, device polls send ``device_code`` *and*
``code``, the id_token must echo the authorize ``nonce``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from typing import Any

import jwt
from flask import Response

from ..keys import b64url
from .accounts import check_enabled, check_password, needs_mfa
from .client_auth import authenticate_client
from .context import artefacts, directory, origin, require, store
from .delegation import Delegation, graph_resource, one_resource, token_ok
from .errors import AADSTSError
from .issuance import Grant, mint_access_token, parse_scopes

__all__ = ["DEVICE_CODE", "GRANTS", "JWT_BEARER"]

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
CODE_LIFETIME = 600
RT_INACTIVITY = 90 * 24 * 3600


def _check_not_revoked(user: dict, issued: float) -> None:
    """AADSTS50173 for a grant issued before the user's sessions were revoked (both times precise)."""
    if issued < user["_tokens_valid_from"]:
        raise AADSTSError(50173, issued=_fmt_time(issued), valid_from=_fmt_time(user["_tokens_valid_from"]))


def authorization_code(tenant: dict, app: dict, form: Any) -> Delegation:
    """single-use code, exact redirect URI, PKCE (S256 and plain).

    Everything is checked before the code is used up: a client that fails to authenticate, or sends
    the wrong redirect URI or verifier, leaves the code for the real client.
    """
    code = require(form, "code")
    redirect_uri = form.get("redirect_uri", "")
    public_ok = bool(app.get("isFallbackPublicClient")) or redirect_uri in (
        app.get("publicClient") or {}
    ).get("redirectUris", [])
    acr = authenticate_client(app, form, public_allowed=public_ok)
    status, data, age = artefacts().code(code)
    if status == "unknown":
        raise AADSTSError(9002313)
    if status == "redeemed":
        raise AADSTSError(54005)
    if data["client_id"].lower() != app["appId"].lower():
        raise AADSTSError(70000)
    if age > CODE_LIFETIME:
        raise AADSTSError(70008)
    if redirect_uri != data["redirect_uri"]:
        raise AADSTSError(500112, redirect_uri=redirect_uri, expected=data["redirect_uri"])
    _check_code_verifier(data, form.get("code_verifier", ""))
    if not artefacts().redeem_code(code):  # another request redeemed it in the meantime
        raise AADSTSError(54005)
    user = directory().user_by_id(data["user_id"])
    check_enabled(user)
    code_scopes = parse_scopes(store(), data["scope"], tenant_name=tenant["display_name"])
    requested = form.get("scope")
    scopes = (
        parse_scopes(store(), requested, tenant_name=tenant["display_name"]) if requested else code_scopes
    )
    return Delegation(
        user=user,
        scopes=scopes,
        resource=one_resource(scopes, strict=False),
        acr=acr,
        amr=data["amr"],
        sid=data.get("sid"),
        issuer_base=data.get("issuer_base"),
        nonce=data.get("nonce"),
        offline=code_scopes.offline or scopes.offline,
        rt_scope=data["scope"],
    )


def _check_code_verifier(data: dict, verifier: str) -> None:
    """PKCE at redemption: the verifier must match the code's challenge (AADSTS501481), and a code issued
    without a challenge takes no verifier. RFC 9700 sec. 2.1.1 (PKCE downgrade attack): an attacker who strips
    the challenge from the authorization request must not be able to redeem the code with a made-up
    verifier. Which code Entra answers that with is unconfirmed; the sandbox uses 501481, "The
    Code_Verifier does not match the code_challenge supplied in the authorization request"
    (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
    """
    challenge = data.get("code_challenge")
    if not challenge:
        if verifier:
            raise AADSTSError(501481)
        return
    if data.get("code_challenge_method", "plain") == "S256":
        computed = b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
    else:
        computed = verifier
    if not verifier or not hmac.compare_digest(computed.encode(), challenge.encode()):
        raise AADSTSError(501481)


def refresh_token(tenant: dict, app: dict, form: Any) -> Delegation:
    """rotation (a new RT each time), revocation (50173) and 90-day inactivity (700082)."""
    rt = artefacts().refresh_token(require(form, "refresh_token"))
    if rt is None:
        raise AADSTSError(9002313)
    if rt["client_id"].lower() != app["appId"].lower():
        raise AADSTSError(70000)
    acr = authenticate_client(app, form, public_allowed=rt["public"])
    user = directory().user_by_id(rt["user_id"])
    _check_not_revoked(user, rt["created"])
    idle = time.time() - rt["last_used"]
    if idle > RT_INACTIVITY:
        raise AADSTSError(700082, issued=_fmt_time(rt["created"]), inactive=_fmt_span(RT_INACTIVITY))
    check_enabled(user)
    artefacts().touch_refresh_token(rt["_hash"])
    scopes = parse_scopes(store(), form.get("scope") or rt["scope"], tenant_name=tenant["display_name"])
    return Delegation(
        user=user,
        scopes=scopes,
        resource=one_resource(scopes, strict=False),
        acr=acr,
        amr=rt["amr"],
        sid=rt.get("sid"),
        issuer_base=rt.get("issuer_base"),
        offline=True,
        rt_scope=rt["scope"],
    )


def client_credentials(tenant: dict, app: dict, form: Any) -> Response:
    """app-only; ``{resource}/.default`` only (1002012), one resource (700022), no refresh token."""
    acr = authenticate_client(app, form, public_allowed=False)
    text = require(form, "scope")
    for raw in text.split():
        if not raw.endswith("/.default"):
            raise AADSTSError(1002012, scope=raw)
    scopes = parse_scopes(store(), text, tenant_name=tenant["display_name"])
    resource = one_resource(scopes, strict=True)
    if resource is None:
        raise AADSTSError(1002012, scope=text)
    client_sp = directory().service_principal(app["appId"])
    if client_sp is None:
        # App-only tokens are for an app the tenant has a service principal for: a multi-tenant app nobody
        # consented to here yet has none.
        # https://learn.microsoft.com/entra/identity-platform/app-objects-and-service-principals
        raise AADSTSError(7000229, client_id=app["appId"], tenant=tenant["id"])
    grant = Grant(
        tenant=tenant,
        issuer_base=origin(),
        client_app=app,
        client_sp=client_sp,
        resource=resource,
        client_acr=acr,
        roles=directory().granted_roles(client_sp["id"], resource.sp),
    )
    access, lifetime = mint_access_token(store(), grant)
    # Real client-credentials responses carry no scope (recorded: token_type, expires_in, ext_expires_in,
    # access_token), so neither does this one.
    return token_ok(
        {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": access}
    )


def password(tenant: dict, app: dict, form: Any) -> Delegation:
    """ROPC: bad password 50126 (10 of them lock: 50053), unknown 50034, disabled 50057, MFA 50076."""
    acr = authenticate_client(app, form, public_allowed=bool(app.get("isFallbackPublicClient")))
    scopes = parse_scopes(store(), require(form, "scope"), tenant_name=tenant["display_name"])
    resource = one_resource(scopes, strict=True)
    username = require(form, "username")
    user = check_password(store(), username, form.get("password", ""), domain=tenant["domain"])
    if needs_mfa(user, ["pwd"]):
        raise AADSTSError(
            50076, resource=(resource.sp["appId"] if resource else graph_resource(tenant).sp["appId"])
        )
    return Delegation(
        user=user,
        scopes=scopes,
        resource=resource,
        acr=acr,
        amr=["pwd"],
    )


def device_code(tenant: dict, app: dict, form: Any) -> Delegation:
    """Polling: 70016 pending, 70019 expired, 70020 declined, then tokens once."""
    code = form.get("device_code") or form.get("code")
    if not code:
        raise AADSTSError(900144, param="device_code")
    acr = authenticate_client(app, form, public_allowed=bool(app.get("isFallbackPublicClient")))
    entry = artefacts().device_code(code)
    if entry is None or entry["client_id"].lower() != app["appId"].lower():
        raise AADSTSError(70018)
    if entry["status"] == "redeemed":
        raise AADSTSError(70018)
    if entry["expired"] and entry["status"] != "approved":
        raise AADSTSError(70019)
    if entry["status"] == "declined":
        raise AADSTSError(70020)
    if entry["status"] != "approved":
        raise AADSTSError(70016)
    if not artefacts().claim_device_code(entry["_hash"]):
        raise AADSTSError(70018)
    user = directory().user_by_id(entry["user_id"])
    scopes = parse_scopes(store(), entry["scope"], tenant_name=tenant["display_name"])
    return Delegation(
        user=user,
        scopes=scopes,
        resource=one_resource(scopes, strict=False),
        acr=acr,
        amr=entry.get("amr", ["pwd"]),
        sid=entry.get("sid"),
        issuer_base=entry.get("issuer_base"),
    )


def on_behalf_of(tenant: dict, app: dict, form: Any) -> Delegation:
    """the middle tier swaps a user's token *for itself* (aud check: 500131) for one to another API."""
    if form.get("requested_token_use") != "on_behalf_of":
        raise AADSTSError(900144, param="requested_token_use")
    assertion = require(form, "assertion")
    acr = authenticate_client(app, form, public_allowed=False)
    try:
        claims = store().keys.verify(assertion)
    except jwt.InvalidTokenError as exc:
        raise AADSTSError(50013, detail="The key was not found or the signature is invalid.") from exc
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, (int, float)) or not isinstance(iat, (int, float)) or exp < time.time():
        raise AADSTSError(500133)
    aud = str(claims.get("aud", ""))
    own = {app["appId"].lower(), *(u.rstrip("/").lower() for u in app.get("identifierUris", []))}
    if aud.rstrip("/").lower() not in own:
        raise AADSTSError(500131, audience=aud, client_id=app["appId"])
    if claims.get("idtyp") == "app" or "scp" not in claims:
        raise AADSTSError(7000114, client_id=app["appId"])
    user = directory().user_by_id(str(claims.get("oid", "")))
    if user is None:
        raise AADSTSError(50034, domain=tenant["domain"])
    check_enabled(user)
    issued = artefacts().access_token_issued(str(claims.get("uti", "")))
    _check_not_revoked(user, iat if issued is None else issued)
    scopes = parse_scopes(store(), require(form, "scope"), tenant_name=tenant["display_name"])
    amr = list(claims.get("amr") or ["pwd"])
    return Delegation(
        user=user,
        scopes=scopes,
        resource=one_resource(scopes, strict=True),
        acr=acr,
        amr=amr,
        sid=claims.get("sid"),
    )


GRANTS = {
    "authorization_code": authorization_code,
    "refresh_token": refresh_token,
    "client_credentials": client_credentials,
    "password": password,
    DEVICE_CODE: device_code,
    JWT_BEARER: on_behalf_of,
}


def _fmt_time(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%m/%d/%Y %H:%M:%S")


def _fmt_span(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days}.{hours:02d}:{minutes:02d}:{secs:02d}"
