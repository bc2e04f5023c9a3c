"""Client authentication at the token endpoint: a client secret (in the body or HTTP Basic), a
certificate assertion (``private_key_jwt``), or none for a public client.

* secret: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#first-case-access-token-request-with-a-shared-secret
* certificate: https://learn.microsoft.com/entra/identity-platform/certificate-credentials (PS256 +
  ``x5t#S256`` and RS256 + ``x5t``; MSAL pads its thumbprints; assertions may be reused).

:func:`authenticate_client` decides ``appidacr``/``azpacr``: "0" public, "1" secret, "2" certificate.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import time
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import jwt
from cryptography import x509
from flask import request

from ..keys import b64url, b64url_decode, thumbprint_sha1, thumbprint_sha256
from ..store import hash_secret
from .context import PSEUDO_TENANTS, directory
from .errors import AADSTSError

__all__ = ["ASSERTION_TYPE", "authenticate_client", "basic_auth"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def basic_auth() -> tuple[str | None, str | None]:
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
    secret = form.get("client_secret") or basic_auth()[1]
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
    """private_key_jwt: find the registered certificate by thumbprint, then verify."""
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
            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError as exc:
        raise AADSTSError(700027, detail="Client assertion failed signature validation.") from exc
    _check_assertion_times(claims)
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


# How far an assertion's clock may be off from the sandbox's.
ASSERTION_SKEW = 300


def _check_assertion_times(claims: dict[str, Any]) -> None:
    """The assertion's ``exp`` and ``nbf``: https://learn.microsoft.com/entra/identity-platform/certificate-credentials

    * no ``exp``: the page names it required. Entra's code for an assertion without it is unconfirmed;
      AADSTS90014 is the reference page's code for "an expected field isn't present in the credential"
      (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
    * outside ``nbf``..``exp`` (give or take :data:`ASSERTION_SKEW`), a future ``nbf`` included:
      AADSTS700024, with the times Entra prints (an absent ``nbf`` reads as 1970, as in Entra's answer).
    """
    exp, nbf = claims.get("exp"), claims.get("nbf", 0)
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise AADSTSError(90014, field="exp")
    if not isinstance(nbf, (int, float)) or isinstance(nbf, bool):
        nbf = 0
    now = time.time()
    if now > exp + ASSERTION_SKEW or now < nbf - ASSERTION_SKEW:
        raise AADSTSError(
            700024, current=_entra_time(now), valid_from=_entra_time(nbf), expiry=_entra_time(exp)
        )


def _entra_time(ts: float) -> str:
    """``2024-10-02T22:05:03.6755165Z``: seconds with seven decimals, as Entra prints times in messages."""
    when = dt.datetime.fromtimestamp(max(ts, 0), dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}0Z"


def _is_token_endpoint(aud: Any) -> bool:
    if not isinstance(aud, str):
        return False
    parts = urlsplit(aud)
    path = parts.path.rstrip("/").split("/")
    return (
        parts.scheme == "https"
        and len(path) >= 3
        and (parts.netloc.lower() == "login.microsoftonline.com" or parts.netloc == request.host)
        and (directory().resolve_tenant(path[1]) is not None or path[1].lower() in PSEUDO_TENANTS)
        and parts.path.rstrip("/").endswith(("/oauth2/v2.0/token", "/oauth2/token"))
    )
