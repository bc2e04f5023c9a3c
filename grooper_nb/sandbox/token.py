"""``POST /{tenant}/oauth2/v2.0/token`` (every grant) and ``/devicecode`` (reference §1.5, §1.7, §3).

One function per grant, named after it: :func:`authorization_code`, :func:`refresh_token`,
:func:`client_credentials`, :func:`password`, :func:`device_code`, :func:`on_behalf_of`. Shared steps:

* :func:`authenticate_client` — secret in the body or HTTP Basic, certificate assertion (PS256 +
  ``x5t#S256`` and RS256 + ``x5t``; MSAL pads its thumbprints; assertions may be reused), public clients;
  decides ``appidacr``/``azpacr`` (0 public, 1 secret, 2 certificate).
* :class:`Delegation` — what a delegated grant established (who, how, for what); the endpoint hands it to
  :func:`_delegated_token_response` (consent check, access/refresh/id tokens and ``client_info``).

MSAL traps honoured (msal-and-sandbox-notes.md §1.4–1.5): ``client_info=1`` in every request, device
polls send ``device_code`` *and* ``code``, the id_token must echo the authorize ``nonce``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import jwt
from cryptography import x509
from flask import Blueprint, Response, request

from .errors import AADSTSError
from .issuance import (
    Grant,
    ResourceScopes,
    Scopes,
    client_info,
    id_token,
    known_scope_values,
    mint_access_token,
    parse_scopes,
    response_scope,
)
from .keys import b64url, b64url_decode, thumbprint_sha1, thumbprint_sha256
from .login import PSEUDO_TENANTS, browser_url, check_audience, json_response, origin, store, tenant_or_raise
from .signin import check_enabled, check_password, needs_mfa
from .store import OIDC_SCOPES, hash_secret

__all__ = ["authenticate_client", "bp"]

bp = Blueprint("token", __name__)

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CODE_LIFETIME = 600
RT_INACTIVITY = 90 * 24 * 3600

_TOKEN_HEADERS = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache", "x-ms-clitelem": "1,0,0,,"}


def _ok(body: dict[str, Any]) -> Response:
    return json_response(body, 200, _TOKEN_HEADERS)


def _require(form: Any, name: str) -> str:
    """The parameter's value without surrounding blanks; AADSTS900144 when it is missing or blank."""
    value = (form.get(name) or "").strip()
    if not value:
        raise AADSTSError(900144, param=name)
    return value


def _reject_duplicates(form: Any) -> None:
    """RFC 6749 §3.1: request parameters must not be included more than once (AADSTS9002313)."""
    for name, values in form.lists():
        if len(values) > 1:
            raise AADSTSError(9002313, detail=f" The parameter '{name}' is included more than once.")


# -- the endpoint ---------------------------------------------------------------------------------------


@bp.post("/<segment>/oauth2/v2.0/token")
def token(segment: str) -> Response:
    tenant = tenant_or_raise(segment)
    form = request.form
    _reject_duplicates(form)
    grant_type = _require(form, "grant_type")
    if form.get("resource"):
        raise AADSTSError(901002)
    handler = _GRANTS.get(grant_type)
    if handler is None:
        raise AADSTSError(70003, grant_type=grant_type)
    if grant_type == "password" and segment.lower() in ("common", "consumers"):
        raise AADSTSError(9001023)
    # An app-only token must name the tenant whose data it reads: /common and /organizations span every
    # tenant, so Entra refuses client credentials there (AADSTS50059).
    if grant_type == "client_credentials" and segment.lower() in ("common", "organizations"):
        raise AADSTSError(50059)
    client_id = form.get("client_id") or _basic_auth()[0]
    if not client_id:
        raise AADSTSError(900144, param="client_id")
    app = store().application(client_id)
    if app is None:
        raise AADSTSError(700016, client_id=client_id, tenant_name=tenant["domain"])
    check_audience(segment, app)
    outcome = handler(tenant, app, form)
    if isinstance(outcome, Delegation):
        return _delegated_token_response(tenant, app, form, outcome)
    return outcome


@bp.post("/<segment>/oauth2/v2.0/devicecode")
def devicecode(segment: str) -> Response:
    """Device authorization (§1.5f): the user code a person types at ``{browser_url}/devicelogin``."""
    tenant = tenant_or_raise(segment)
    _reject_duplicates(request.form)
    client_id = _require(request.form, "client_id")
    app = store().application(client_id)
    if app is None:
        raise AADSTSError(700016, client_id=client_id, tenant_name=tenant["domain"])
    check_audience(segment, app)
    scope = _require(request.form, "scope")
    scopes = parse_scopes(store(), scope, tenant_name=tenant["display_name"])
    for entry in scopes.resources:
        known_scope_values(entry.sp, entry.values)
    settings = store().meta("settings", {})
    expires_in = int(settings.get("device_code_expires_in", 900))
    interval = int(settings.get("device_code_interval", 1))
    device, user_code = store().create_device_code(
        client_id, expires_in, {"scope": scope, "issuer_base": origin(), "tenant_id": tenant["id"]}
    )
    uri = f"{browser_url()}/devicelogin"
    return _ok(
        {
            "user_code": user_code,
            "device_code": device,
            "verification_uri": uri,
            "expires_in": expires_in,
            "interval": interval,
            "message": f"To sign in, use a web browser to open the page {uri} and enter the code {user_code} "
            "to authenticate.",
        }
    )


# -- client authentication ------------------------------------------------------------------------------


def _basic_auth() -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except ValueError:  # not base64 (binascii.Error), not ASCII, not UTF-8 (UnicodeDecodeError)
        return None, None
    user, _, password = decoded.partition(":")
    return unquote_plus(user), unquote_plus(password)


def _is_public_only(app: dict[str, Any]) -> bool:
    return (
        bool(app.get("isFallbackPublicClient"))
        and not app["passwordCredentials"]
        and not app["keyCredentials"]
    )


def authenticate_client(app: dict[str, Any], form: Any, *, public_allowed: bool) -> str:
    """Check the client's credential; the ``appidacr`` value it earns ("0", "1" or "2")."""
    secret = form.get("client_secret") or _basic_auth()[1]
    assertion = form.get("client_assertion")
    if secret or assertion:
        if _is_public_only(app):
            raise AADSTSError(700025)
        if assertion:
            if form.get("client_assertion_type") != ASSERTION_TYPE:
                raise AADSTSError(900144, param="client_assertion_type")
            _check_assertion(app, assertion)
            return "2"
        _check_secret(app, secret)
        return "1"
    if public_allowed:
        return "0"
    raise AADSTSError(7000218)


def _parse_time(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _check_secret(app: dict[str, Any], secret: str) -> None:
    digest = hash_secret(secret)
    for cred in app["passwordCredentials"]:
        if hmac.compare_digest(cred.get("_secretHash", ""), digest):
            if _parse_time(cred["endDateTime"]) < time.time():
                raise AADSTSError(7000222, client_id=app["appId"])
            return
    raise AADSTSError(7000215, client_id=app["appId"])


def _check_assertion(app: dict[str, Any], assertion: str) -> None:
    """private_key_jwt (§1.5c): find the registered certificate by thumbprint, then verify."""
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.InvalidTokenError as exc:
        raise AADSTSError(
            700027,
            detail="Client assertion contains an invalid signature. [Reason - The "
            "assertion is not a valid JWT.]",
        ) from exc
    # MSAL sends padded base64url thumbprints (oauth2cli/assertion.py): compare without padding.
    x5t = str(header.get("x5t", "")).rstrip("=")
    x5t256 = str(header.get("x5t#S256", "")).rstrip("=")
    cert = None
    for cred in app["keyCredentials"]:
        der = base64.b64decode(cred["key"])
        if (x5t and b64url(thumbprint_sha1(der)) == x5t) or (
            x5t256 and b64url(thumbprint_sha256(der)) == x5t256
        ):
            cert = x509.load_der_x509_certificate(der)
            break
    if cert is None:
        used = x5t or x5t256
        try:
            used = b64url_decode(used).hex().upper() if used else "(none)"
        except (binascii.Error, ValueError):
            pass
        raise AADSTSError(
            700027,
            detail="The certificate with identifier used to sign the client assertion is not registered "
            f"on application. [Reason - The key was not found., Thumbprint of key used by client: '{used}', "
            "Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys "
            f"for app Id '{app['appId']}'. Review the documentation at "
            "https://docs.microsoft.com/en-us/graph/deployments if you're not using the global authority.]",
        )
    try:
        claims = jwt.decode(
            assertion,
            cert.public_key(),
            algorithms=["RS256", "PS256"],
            options={"verify_aud": False, "require": ["exp"]},
            leeway=300,
        )
    except jwt.ExpiredSignatureError as exc:
        raise AADSTSError(700024, detail="Current time is after the assertion's exp.") from exc
    except jwt.InvalidTokenError as exc:
        raise AADSTSError(700027, detail="Client assertion failed signature validation.") from exc
    if claims.get("iss") != app["appId"] or claims.get("sub") != app["appId"]:
        raise AADSTSError(
            700027, detail="Client assertion failed validation: 'iss' and 'sub' must be the client_id."
        )
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if not any(_is_token_endpoint(a) for a in auds):
        raise AADSTSError(
            700027, detail=f"Client assertion audience claim '{aud}' does not match the token endpoint."
        )


def _is_token_endpoint(aud: Any) -> bool:
    if not isinstance(aud, str):
        return False
    parts = urlsplit(aud)
    path = parts.path.rstrip("/").split("/")
    return (
        parts.scheme == "https"
        and len(path) >= 3
        and (parts.netloc.lower() == "login.microsoftonline.com" or parts.netloc == request.host)
        and (store().resolve_tenant(path[1]) is not None or path[1].lower() in PSEUDO_TENANTS)
        and parts.path.rstrip("/").endswith(("/oauth2/v2.0/token", "/oauth2/token"))
    )


# -- delegated helpers -------------------------------------------------------------------------------------


def _one_resource(scopes: Scopes, *, strict: bool) -> ResourceScopes | None:
    """The resource a token is for; with ``strict``, two resources are AADSTS700022 (else the first wins)."""
    if strict and len(scopes.resources) > 1:
        raise AADSTSError(700022, scope=scopes.text)
    return scopes.resources[0] if scopes.resources else None


def _graph_resource(tenant: dict[str, Any]) -> ResourceScopes:
    return parse_scopes(
        store(), "https://graph.microsoft.com/.default", tenant_name=tenant["display_name"]
    ).resources[0]


def _consented_scp(
    app: dict, client_sp: dict, resource: ResourceScopes, user: dict, oidc: list[str]
) -> list[str]:
    """The ``scp`` claim: every consented scope of the resource; AADSTS65001 if a requested one is not."""
    values = known_scope_values(resource.sp, resource.values)
    granted = store().granted_scopes(client_sp["id"], resource.sp["id"], user["id"])
    lower = {g.lower() for g in granted}
    missing = [v for v in values if v != ".default" and v.lower() not in lower]
    if missing or not [g for g in granted if g not in OIDC_SCOPES]:
        raise AADSTSError(65001, client_id=app["appId"], client_name=app["displayName"])
    scp = [g for g in granted if g != "offline_access"]
    scp += [s for s in ("openid", "profile", "email") if "openid" in oidc and s not in scp]
    return sorted(scp, key=str.lower)


@dataclass
class Delegation:
    """What a delegated grant established; :func:`_delegated_token_response` issues the tokens for it.

    Each grant function checks its own evidence (a code, a refresh token, a password, an approved device
    code, an incoming token) and returns one of these; the issuing is the same for all of them.
    """

    user: dict
    scopes: Scopes
    resource: ResourceScopes | None  # None: only OIDC scopes were asked for -> a Graph token
    acr: str  # "0" public, "1" secret, "2" certificate
    amr: list[str]
    sid: str | None = None
    issuer_base: str | None = None  # where the sign-in happened (default: this request's origin)
    nonce: str | None = None  # the authorize request's, echoed in the id_token
    offline: bool | None = None  # issue a refresh token (default: offline_access was asked for)
    rt_scope: str | None = None  # what the refresh token remembers (default: this request's scope)


def _delegated_token_response(tenant: dict, app: dict, form: Any, d: Delegation) -> Response:
    """The token response for ``d`` (§1.6): consent check, access token, refresh/id token, client_info."""
    user, scopes, amr, sid = d.user, d.scopes, d.amr, d.sid
    issuer_base = d.issuer_base or origin()
    client_sp = store().service_principal(app["appId"])
    resource = d.resource or _graph_resource(tenant)
    grant = Grant(
        tenant=tenant,
        issuer_base=issuer_base,
        client_app=app,
        client_sp=client_sp,
        resource=resource,
        client_acr=d.acr,
        user=user,
        amr=amr,
        sid=sid,
    )
    grant.scp = _consented_scp(app, client_sp, resource, user, scopes.oidc)
    access, lifetime = mint_access_token(store(), grant)
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "scope": response_scope(grant, scopes.oidc),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
    }
    if scopes.offline if d.offline is None else d.offline:
        body["refresh_token"] = store().create_refresh_token(
            user["id"],
            app["appId"],
            {
                "scope": d.rt_scope or scopes.text,
                "public": d.acr == "0",
                "amr": amr,
                "sid": sid,
                "issuer_base": issuer_base,
                "tenant_id": tenant["id"],
            },
        )
    if scopes.openid:
        body["id_token"] = id_token(
            store(),
            tenant=tenant,
            issuer_base=issuer_base,
            client_id=app["appId"],
            user=user,
            oidc=scopes.oidc,
            nonce=d.nonce,
            sid=sid,
        )
    if form.get("client_info") == "1":
        body["client_info"] = client_info(user, tenant)
    return _ok(body)


def _check_not_revoked(user: dict, issued: float) -> None:
    """AADSTS50173 for a grant issued before the user's sessions were revoked (both times precise)."""
    if issued < user["_tokens_valid_from"]:
        raise AADSTSError(50173, issued=_fmt_time(issued), valid_from=_fmt_time(user["_tokens_valid_from"]))


# -- grants ---------------------------------------------------------------------------------------------


def authorization_code(tenant: dict, app: dict, form: Any) -> Delegation:
    """§1.5a: single-use code, exact redirect URI, PKCE (S256 and plain).

    Everything is checked before the code is used up: a client that fails to authenticate, or sends
    the wrong redirect URI or verifier, leaves the code for the real client.
    """
    code = _require(form, "code")
    redirect_uri = form.get("redirect_uri", "")
    public_ok = bool(app.get("isFallbackPublicClient")) or redirect_uri in (
        app.get("publicClient") or {}
    ).get("redirectUris", [])
    acr = authenticate_client(app, form, public_allowed=public_ok)
    status, data, age = store().code(code)
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
    challenge = data.get("code_challenge")
    if challenge:
        verifier = form.get("code_verifier", "")
        if data.get("code_challenge_method", "plain") == "S256":
            computed = b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
        else:
            computed = verifier
        if not verifier or not hmac.compare_digest(computed.encode(), challenge.encode()):
            raise AADSTSError(501481)
    if not store().redeem_code(code):  # another request redeemed it in the meantime
        raise AADSTSError(54005)
    user = store().user_by_id(data["user_id"])
    check_enabled(user)
    code_scopes = parse_scopes(store(), data["scope"], tenant_name=tenant["display_name"])
    requested = form.get("scope")
    scopes = (
        parse_scopes(store(), requested, tenant_name=tenant["display_name"]) if requested else code_scopes
    )
    return Delegation(
        user=user,
        scopes=scopes,
        resource=_one_resource(scopes, strict=False),
        acr=acr,
        amr=data["amr"],
        sid=data.get("sid"),
        issuer_base=data.get("issuer_base"),
        nonce=data.get("nonce"),
        offline=code_scopes.offline or scopes.offline,
        rt_scope=data["scope"],
    )


def refresh_token(tenant: dict, app: dict, form: Any) -> Delegation:
    """§1.5d: rotation (a new RT each time), revocation (50173) and 90-day inactivity (700082)."""
    rt = store().refresh_token(_require(form, "refresh_token"))
    if rt is None:
        raise AADSTSError(9002313)
    if rt["client_id"].lower() != app["appId"].lower():
        raise AADSTSError(70000)
    acr = authenticate_client(app, form, public_allowed=rt["public"])
    user = store().user_by_id(rt["user_id"])
    _check_not_revoked(user, rt["created"])
    idle = time.time() - rt["last_used"]
    if idle > RT_INACTIVITY:
        raise AADSTSError(700082, issued=_fmt_time(rt["created"]), inactive=_fmt_span(RT_INACTIVITY))
    check_enabled(user)
    store().touch_refresh_token(rt["_hash"])
    scopes = parse_scopes(store(), form.get("scope") or rt["scope"], tenant_name=tenant["display_name"])
    return Delegation(
        user=user,
        scopes=scopes,
        resource=_one_resource(scopes, strict=False),
        acr=acr,
        amr=rt["amr"],
        sid=rt.get("sid"),
        issuer_base=rt.get("issuer_base"),
        offline=True,
        rt_scope=rt["scope"],
    )


def client_credentials(tenant: dict, app: dict, form: Any) -> Response:
    """§1.5b/c: app-only; ``{resource}/.default`` only (1002012), one resource (700022), no refresh token."""
    acr = authenticate_client(app, form, public_allowed=False)
    text = _require(form, "scope")
    for raw in text.split():
        if not raw.endswith("/.default"):
            raise AADSTSError(1002012, scope=raw)
    scopes = parse_scopes(store(), text, tenant_name=tenant["display_name"])
    resource = _one_resource(scopes, strict=True)
    if resource is None:
        raise AADSTSError(1002012, scope=text)
    client_sp = store().service_principal(app["appId"])
    grant = Grant(
        tenant=tenant,
        issuer_base=origin(),
        client_app=app,
        client_sp=client_sp,
        resource=resource,
        client_acr=acr,
        roles=store().granted_roles(client_sp["id"], resource.sp),
    )
    access, lifetime = mint_access_token(store(), grant)
    # Real client-credentials responses carry no scope (recorded: token_type, expires_in, ext_expires_in,
    # access_token), so neither does this one.
    return _ok(
        {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": access}
    )


def password(tenant: dict, app: dict, form: Any) -> Delegation:
    """§1.5e ROPC: bad password 50126 (10 of them lock: 50053), unknown 50034, disabled 50057, MFA 50076."""
    acr = authenticate_client(app, form, public_allowed=bool(app.get("isFallbackPublicClient")))
    scopes = parse_scopes(store(), _require(form, "scope"), tenant_name=tenant["display_name"])
    resource = _one_resource(scopes, strict=True)
    username = _require(form, "username")
    user = check_password(store(), username, form.get("password", ""), domain=tenant["domain"])
    if needs_mfa(user, ["pwd"]):
        raise AADSTSError(
            50076, resource=(resource.sp["appId"] if resource else _graph_resource(tenant).sp["appId"])
        )
    return Delegation(
        user=user,
        scopes=scopes,
        resource=resource,
        acr=acr,
        amr=["pwd"],
    )


def device_code(tenant: dict, app: dict, form: Any) -> Delegation:
    """§1.5f polling: 70016 pending, 70019 expired, 70020 declined, then tokens once."""
    code = form.get("device_code") or form.get("code")
    if not code:
        raise AADSTSError(900144, param="device_code")
    acr = authenticate_client(app, form, public_allowed=bool(app.get("isFallbackPublicClient")))
    entry = store().device_code(code)
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
    if not store().claim_device_code(entry["_hash"]):
        raise AADSTSError(70018)
    user = store().user_by_id(entry["user_id"])
    scopes = parse_scopes(store(), entry["scope"], tenant_name=tenant["display_name"])
    return Delegation(
        user=user,
        scopes=scopes,
        resource=_one_resource(scopes, strict=False),
        acr=acr,
        amr=entry.get("amr", ["pwd"]),
        sid=entry.get("sid"),
        issuer_base=entry.get("issuer_base"),
    )


def on_behalf_of(tenant: dict, app: dict, form: Any) -> Delegation:
    """§1.5g: the middle tier swaps a user's token *for itself* (aud check: 500131) for one to another API."""
    if form.get("requested_token_use") != "on_behalf_of":
        raise AADSTSError(900144, param="requested_token_use")
    assertion = _require(form, "assertion")
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
    user = store().user_by_id(str(claims.get("oid", "")))
    if user is None:
        raise AADSTSError(50034, domain=tenant["domain"])
    check_enabled(user)
    issued = store().access_token_issued(str(claims.get("uti", "")))
    _check_not_revoked(user, iat if issued is None else issued)
    scopes = parse_scopes(store(), _require(form, "scope"), tenant_name=tenant["display_name"])
    amr = list(claims.get("amr") or ["pwd"])
    return Delegation(
        user=user,
        scopes=scopes,
        resource=_one_resource(scopes, strict=True),
        acr=acr,
        amr=amr,
        sid=claims.get("sid"),
    )


_GRANTS = {
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
