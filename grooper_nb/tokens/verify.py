"""Is this token genuine, current, and from the right tenant?

How Microsoft says to validate a token: https://learn.microsoft.com/entra/identity-platform/access-tokens;
its claims: https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference.

:func:`validate` runs every check and collects *all* failures, each a :class:`Rejection` with a stable
``code`` you can test for, a message in plain words and the fix:

============================  ===================================================================
code                          meaning
============================  ===================================================================
``alg_none``                  header ``alg: none``: an unsigned token; never accept it
``hs256_key_confusion``       ``alg: HS256``: Entra never signs with HMAC; the classic key-confusion attack
``unsupported_alg``           any other algorithm than RS256
``missing_kid``               no ``kid``/``x5t`` header, so no key can be chosen
``unknown_kid``               ``kid`` not in the issuer's JWKS, even after one refresh
``bad_signature``             the signature does not match the key
``truncated``                 the signature is shorter than the key: the token was cut off
``wrong_issuer``              ``iss`` is not this cloud's v1/v2 issuer for ``tid``, or not the discovered one
``wrong_tenant``              ``tid`` is not the tenant you expected (the profile's)
``wrong_audience``            ``aud`` is not the audience you expected
``expired``                   ``exp`` has passed (beyond the allowed clock skew)
``not_yet_valid``             ``nbf`` is in the future (beyond the allowed clock skew)
``bad_time_claim``            ``exp``/``nbf``/``iat`` is not a whole number of seconds in 1970–9999
                              (NaN, infinite, a fraction, text, a boolean): no genuine token has one
``malformed``                 a required claim (``exp``, ``iss``) is missing or not the right type
============================  ===================================================================

Keys are found by ``kid`` through the issuer's discovery document for the profile's cloud:
v1.0 tokens ``https://{authority_host}/{tid}/.well-known/openid-configuration``, v2.0 tokens
``https://{authority_host}/{tid}/v2.0/.well-known/openid-configuration``, then its ``jwks_uri``.
Documents and key sets are cached per HTTP session (:class:`JwksCache`) for 24 hours; an unknown
``kid`` triggers exactly one refresh of the key set (keys rotate:
https://learn.microsoft.com/entra/identity-platform/signing-key-rollover).

**Microsoft Graph tokens** carry a header ``nonce`` and are, in Microsoft's words, not meant to be
validated by anyone but Graph (https://learn.microsoft.com/entra/identity-platform/access-tokens).
A plain check fails on them by design, so they are never reported as "invalid signature". The
inspector additionally tries the widely known convention — the signature covers the header with
``nonce`` replaced by the SHA-256 of the transmitted nonce — and says so when that succeeds
(``signature == "verified (Graph nonce convention)"``); when it does not, the token is
``unverifiable``, not invalid. This applies only to a token whose ``aud`` *is* Microsoft Graph (its
URL in any cloud of :mod:`grooper_nb.clouds`, or its app ID): anyone can put a ``nonce`` in a header,
so for every other audience a signature that does not verify is ``bad_signature``, ``nonce`` or not.
An ``unverifiable`` or ``not_verified`` token never gets a passing verdict
(:mod:`grooper_nb.tokens.verdict`): at best it "would work if genuine".
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwt.algorithms import RSAAlgorithm

from grooper_nb._ids import is_guid
from grooper_nb.clouds import CLOUDS, Cloud
from grooper_nb.http import DocumentCache, DocumentUnavailable, documents_for
from grooper_nb.tokens._time import duration
from grooper_nb.tokens.claims import GRAPH_APP_ID, resolve_audience
from grooper_nb.tokens.decode import DecodedToken, b64url_decode, b64url_encode

__all__ = [
    "DEFAULT_LEEWAY",
    "Check",
    "JwksCache",
    "JwksUnavailable",
    "Reason",
    "Rejection",
    "Validation",
    "cloud_for_token",
    "discovery_url",
    "is_graph_audience",
    "validate",
]

# Microsoft.IdentityModel's default ClockSkew is 5 minutes; APIs accept that much drift.
DEFAULT_LEEWAY = 300


@dataclass(frozen=True)
class Reason:
    """A named reason: a token must not be accepted (a rejection here), or will not work for a target (a
    verdict's reason, :mod:`grooper_nb.tokens.verdict`). ``code`` is stable; ``message`` says why in
    plain words, ``fix`` what to do."""

    code: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" + (f" Fix: {self.fix}" if self.fix else "")


Rejection = Reason  # the name validate() documents its findings under


@dataclass(frozen=True)
class Check:
    """One line of the validation table. ``status``: pass | fail | skip | info."""

    name: str
    status: str
    detail: str


@dataclass
class Validation:
    """The outcome of :func:`validate`.

    ``status``:

    * ``valid`` — signature verified, issuer/tenant/lifetime (and audience, if asked) all good;
    * ``invalid`` — at least one :class:`Rejection` (see ``rejections``/``reasons``);
    * ``unverifiable`` — nothing wrong was found, but the signature *cannot* be checked by us: a Graph
      token whose nonce convention did not match, an encrypted (JWE) or an opaque token;
    * ``not_verified`` — the claims were checked but the signature was not (``verify=False``, or the
      issuer's keys could not be fetched: see ``signature_detail``).
    """

    status: str
    checks: list[Check] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    signature: str = "not checked"
    signature_detail: str = ""
    key_source: str | None = None  # the jwks_uri the key came from
    server_time_offset: float | None = None  # local clock minus the STS's Date header, seconds
    leeway: int = DEFAULT_LEEWAY

    @property
    def ok(self) -> bool:
        return self.status == "valid"

    @property
    def signature_verified(self) -> bool:
        """The signature verified against the issuer's key (plainly, or under the Graph convention)."""
        return self.signature.startswith("verified")

    @property
    def reasons(self) -> list[str]:
        """The rejection codes, e.g. ``["expired", "wrong_audience"]``."""
        return [r.code for r in self.rejections]

    def rejection(self, code: str) -> Rejection | None:
        return next((r for r in self.rejections if r.code == code), None)


class JwksUnavailable(Exception):
    """The discovery document or key set could not be fetched (network, TLS, HTTP status, JSON)."""


class JwksCache:
    """The token inspector's view of a session's :class:`~grooper_nb.http.DocumentCache`: discovery
    documents and JWKS per URL, shared with MSAL's discovery (so a token just obtained is checked without
    fetching discovery again).

    ``fetches`` lists every URL actually fetched over the session, in order, so a notebook (or test) can
    see that a second token reused the cache and that an unknown ``kid`` caused exactly one refresh.
    """

    def __init__(self, documents: DocumentCache | None = None) -> None:
        self.documents = documents if documents is not None else DocumentCache()

    @property
    def fetches(self) -> list[str]:
        return self.documents.fetches

    @property
    def server_time_offset(self) -> float | None:
        return self.documents.server_time_offset

    def get(self, session: requests.Session, url: str, *, refresh: bool = False, timeout: float = 10) -> dict:
        try:
            return self.documents.get_json(session, url, refresh=refresh, timeout=timeout)
        except DocumentUnavailable as e:
            raise JwksUnavailable(str(e)) from None

    def key(self, session: requests.Session, jwks_uri: str, kid: str) -> tuple[dict | None, bool]:
        """The JWK for ``kid`` (or None) and whether the key set had to be refreshed to look for it."""
        keys = self.get(session, jwks_uri).get("keys") or []
        found = _find_key(keys, kid)
        if found is not None:
            return found, False
        keys = self.get(session, jwks_uri, refresh=True).get("keys") or []
        return _find_key(keys, kid), True

    def clear(self) -> None:
        self.documents.clear()


def _find_key(keys: list, kid: str) -> dict | None:
    for k in keys:
        if isinstance(k, dict) and (k.get("kid") == kid or k.get("x5t") == kid):
            return k
    return None


def cache_for(session: requests.Session) -> JwksCache:
    """The :class:`JwksCache` over ``session``'s document cache (one per profile session)."""
    return JwksCache(documents_for(session))


def token_version(claims: dict[str, Any]) -> str | None:
    """``v1``/``v2`` from ``ver``, else from the shape of ``iss``."""
    ver = str(claims.get("ver", ""))
    if ver.startswith("1"):
        return "v1"
    if ver.startswith("2"):
        return "v2"
    iss = claims.get("iss")
    if isinstance(iss, str):
        return "v2" if iss.rstrip("/").endswith("/v2.0") else "v1"
    return None


def cloud_for_token(claims: dict[str, Any]) -> Cloud:
    """The cloud implied by a token's issuer (and, for the shared v1 STS host, its audience host)."""
    iss = claims.get("iss") if isinstance(claims.get("iss"), str) else ""
    aud = str(claims.get("aud", ""))
    for cloud in CLOUDS.values():
        if iss.startswith(cloud.authority_url + "/"):
            if cloud.name == "usgov" and "dod" in aud:
                return CLOUDS["usgov-dod"]
            return cloud
    if iss.startswith(f"https://{CLOUDS['china'].sts_host}/"):
        return CLOUDS["china"]
    if ".us" in aud:
        return CLOUDS["usgov-dod"] if "dod" in aud or "-mil" in aud else CLOUDS["usgov"]
    return CLOUDS["global"]


def discovery_url(cloud: Cloud, tenant: str, version: str | None) -> str:
    """v1: ``/{tid}/.well-known/openid-configuration``; v2: ``/{tid}/v2.0/.well-known/...`` (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc)."""
    if version == "v2":
        return f"{cloud.authority_url}/{tenant}/v2.0/.well-known/openid-configuration"
    return f"{cloud.authority_url}/{tenant}/.well-known/openid-configuration"


def _utc(ts: float) -> str:
    try:
        return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"{ts} (not a representable time)"


def _nonce_signing_inputs(decoded: DecodedToken) -> list[tuple[str, bytes]]:
    """Signing inputs under the Graph nonce convention: header nonce → SHA-256(nonce), byte-exact.

    The replacement is done in the decoded header *text*, so the header's own JSON formatting (key
    order, spacing) is kept exactly as the issuer serialized it.
    """
    nonce = decoded.header.get("nonce")
    if not isinstance(nonce, str):
        return []
    header_text = b64url_decode(decoded.segments[0]).decode("utf-8")
    digest = hashlib.sha256(nonce.encode("utf-8")).digest()
    variants = [("base64url(SHA-256)", b64url_encode(digest)), ("hex(SHA-256)", digest.hex())]
    old = json.dumps(nonce)
    out = []
    for label, hashed in variants:
        if old not in header_text:
            break
        new_header = header_text.replace(old, json.dumps(hashed), 1)
        out.append((label, f"{b64url_encode(new_header.encode('utf-8'))}.{decoded.segments[1]}".encode()))
    return out


# Microsoft Graph's audiences: its URL in every cloud, and its app ID (what a v2.0 request may get).
_GRAPH_AUDIENCES = frozenset({GRAPH_APP_ID, *(cloud.graph_url for cloud in CLOUDS.values())})


def is_graph_audience(aud: Any) -> bool:
    """Whether ``aud`` is exactly Microsoft Graph (a trailing ``/`` allowed). Only Graph's tokens may
    carry a signature no one else can check; a look-alike (another host or path) is not Graph. Every
    other API's token is validated in full, signature included
    (https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens)."""
    return isinstance(aud, str) and aud.strip().lower().rstrip("/") in _GRAPH_AUDIENCES


def _rs256_ok(public_key: rsa.RSAPublicKey, signature: bytes, signing_input: bytes) -> bool:
    try:
        public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False


def _same_audience(actual: Any, expected: str) -> bool:
    if actual is None:
        return False
    a, e = str(actual).strip().lower().rstrip("/"), expected.strip().lower().rstrip("/")
    if a == e:
        return True
    ra, re_ = resolve_audience(actual), resolve_audience(expected)
    if ra.kind in ("graph", "exchange") and ra.kind == re_.kind:
        return True  # appId GUID and URL name the same first-party resource
    if ra.kind == "sharepoint" and re_.kind == "sharepoint":
        return bool(ra.host and re_.host and ra.host == re_.host)
    return False


def validate(
    decoded: DecodedToken,
    *,
    session: requests.Session | None,
    cloud: Cloud | None = None,
    expected_tenant: str | None = None,
    expected_audience: str | list[str] | None = None,
    now: float | None = None,
    leeway: int = DEFAULT_LEEWAY,
    verify_signature: bool = True,
    cache: JwksCache | None = None,
) -> Validation:
    """Check a decoded token; see the module docstring for every ``Rejection.code``.

    ``session`` is the HTTP session to reach the issuer with (the profile's); ``None`` (or
    ``verify_signature=False``) checks the claims only. ``cloud`` defaults to the one the issuer implies.
    ``expected_tenant`` is a tenant GUID (a domain name is ignored: compare GUIDs only).
    ``now`` is a Unix time to judge the lifetime at (default: the current time).

    Each check is one function below, run in this order; every one records its line in
    ``Validation.checks`` and its findings in ``Validation.rejections``.
    """
    v = Validation(status="valid", leeway=leeway)
    if _unverifiable_format(decoded, v):
        return v
    claims = decoded.claims or {}
    cloud = cloud or cloud_for_token(claims)
    version = token_version(claims)
    alg_ok = _check_algorithm(decoded.alg, v)
    _check_issuer(claims, cloud, version, v)
    _check_tenant(claims.get("tid"), expected_tenant, cloud, v)
    _check_audience(claims.get("aud"), expected_audience, v)
    _check_lifetime(claims, time.time() if now is None else now, leeway, v)
    if _signature_can_be_checked(decoded, v, alg_ok=alg_ok, verify=verify_signature and session is not None):
        tid = claims.get("tid")
        kid = decoded.header.get("kid") or decoded.header.get("x5t")
        _check_signature(
            decoded, v, session, cloud, version, str(tid) if tid else None, expected_tenant, kid, cache
        )
    v.status = _overall_status(v)
    return v


def _unverifiable_format(decoded: DecodedToken, v: Validation) -> bool:
    """An encrypted (JWE) or opaque token: nothing to check here, say why (True)."""
    if decoded.kind == "jwe":
        v.signature = "encrypted"
        v.signature_detail = (
            "This is an encrypted token (JWE). Only the API it was encrypted for can decrypt and validate it."
        )
    elif decoded.kind == "opaque":
        v.signature = "opaque"
        v.signature_detail = (
            "This is an opaque token (not a JWT), e.g. for a personal Microsoft account or a resource that "
            "uses its own format. Only the service that issued it can read it."
        )
    else:
        return False
    v.status = "unverifiable"
    v.checks.append(Check("format", "info", v.signature_detail))
    return True


def _check_algorithm(alg: Any, v: Validation) -> bool:
    """Only RS256 is acceptable (True); ``none`` and HMAC are named for what they are."""
    if alg is None or str(alg).lower() == "none":
        v.rejections.append(
            Rejection(
                "alg_none",
                "The header says alg: none — the token is unsigned and anyone could have written it.",
                "Never accept it. Get a real token from Entra ID (it signs with RS256).",
            )
        )
        v.checks.append(Check("algorithm", "fail", f"alg={alg!r}: unsigned"))
        return False
    if str(alg).upper().startswith("HS"):
        v.rejections.append(
            Rejection(
                "hs256_key_confusion",
                f"The header says alg: {alg} (HMAC). Entra ID never signs tokens with a shared secret; "
                "verifying this with the tenant's public RSA key as the HMAC secret is the key-confusion "
                "attack.",
                "Reject it. Only RS256 tokens from the tenant's JWKS are genuine.",
            )
        )
        v.checks.append(Check("algorithm", "fail", f"alg={alg}: HMAC is never used by Entra ID"))
        return False
    if alg != "RS256":
        v.rejections.append(
            Rejection(
                "unsupported_alg",
                f"The header says alg: {alg}; Entra ID access tokens are signed with RS256.",
                "This token was not issued by Entra ID as an access token.",
            )
        )
        v.checks.append(Check("algorithm", "fail", f"alg={alg}: not RS256"))
        return False
    v.checks.append(Check("algorithm", "pass", "RS256"))
    return True


def _check_issuer(claims: dict[str, Any], cloud: Cloud, version: str | None, v: Validation) -> None:
    """``iss`` must be this cloud's v1/v2 issuer for the token's own ``tid``."""
    iss, tid = claims.get("iss"), claims.get("tid")
    if not isinstance(iss, str):
        v.rejections.append(
            Rejection("malformed", "The token has no 'iss' (issuer) claim.", "This is not an Entra token.")
        )
        v.checks.append(Check("issuer", "fail", "no iss"))
        return
    tid_s = str(tid) if tid is not None else None
    if not tid_s:
        v.rejections.append(
            Rejection(
                "wrong_issuer",
                f"The issuer {iss} cannot be checked: the token has no 'tid' claim.",
                "Entra tokens always carry tid; this one was not issued by Entra ID.",
            )
        )
        v.checks.append(Check("issuer", "fail", f"{iss} (no tid)"))
        return
    expected_iss = cloud.v2_issuer(tid_s) if version == "v2" else cloud.v1_issuer(tid_s)
    if iss != expected_iss:
        v.rejections.append(
            Rejection(
                "wrong_issuer",
                f"iss is {iss} but a {version or 'v1'} token of tenant {tid_s} in the "
                f"{cloud.display_name} cloud must be issued by {expected_iss}.",
                "The token comes from another tenant, another cloud, or not from Entra ID at all. "
                "Sign in against the tenant (and cloud) the profile names.",
            )
        )
        v.checks.append(Check("issuer", "fail", f"{iss} ≠ {expected_iss}"))
        return
    v.checks.append(Check("issuer", "pass", f"{iss} ({version})"))


def _check_tenant(tid: Any, expected_tenant: str | None, cloud: Cloud, v: Validation) -> None:
    """``tid`` must be the profile's tenant, when that is known as a GUID."""
    if not (expected_tenant and is_guid(str(expected_tenant))):
        v.checks.append(Check("tenant", "skip", f"tid {tid}; no expected tenant given"))
        return
    if str(tid).lower() == str(expected_tenant).lower():
        v.checks.append(Check("tenant", "pass", str(tid)))
        return
    v.rejections.append(
        Rejection(
            "wrong_tenant",
            f"tid is {tid} but the profile's tenant is {expected_tenant}.",
            "Get the token from this tenant's authority "
            f"({cloud.authority(str(expected_tenant))}), not from another tenant or 'common'.",
        )
    )
    v.checks.append(Check("tenant", "fail", f"{tid} ≠ {expected_tenant}"))


def _check_audience(aud: Any, expected_audience: str | list[str] | None, v: Validation) -> None:
    """``aud`` must name the expected resource, when one is given."""
    if not expected_audience:
        v.checks.append(Check("audience", "skip", f"aud {aud}; no expected audience given"))
        return
    wanted = [expected_audience] if isinstance(expected_audience, str) else list(expected_audience)
    if any(_same_audience(aud, w) for w in wanted):
        v.checks.append(Check("audience", "pass", str(aud)))
        return
    v.rejections.append(
        Rejection(
            "wrong_audience",
            f"aud is {aud} ({resolve_audience(aud).describe()}) but {', '.join(wanted)} was expected.",
            f"Request a token for {wanted[0]} (scope {wanted[0].rstrip('/')}/.default or a named "
            "scope of that resource).",
        )
    )
    v.checks.append(Check("audience", "fail", f"{aud} not in {wanted}"))


# The last second a datetime can show (9999-12-31 23:59:59 UTC). Entra's times are whole seconds since
# 1970 (RFC 7519 section 2, NumericDate), far inside this range.
_LAST_TIME = 253402300799


def _time_problem(value: Any) -> str | None:
    """Why ``value`` is not a time claim (None when it is one): a whole number of seconds in 1970–9999."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"a {type(value).__name__ if not isinstance(value, str) else 'text'} value, not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return "not a finite number"
    if isinstance(value, float) and not value.is_integer():
        return "a fraction of a second"
    if not 0 <= value <= _LAST_TIME:
        return "outside the years 1970–9999"
    return None


def _time_claim(claims: dict[str, Any], name: str, v: Validation) -> int | None:
    """The claim ``name`` as whole seconds; None when absent or not a time (then ``bad_time_claim``)."""
    if name not in claims:
        return None
    problem = _time_problem(claims[name])
    if problem is None:
        return int(claims[name])
    v.rejections.append(
        Rejection(
            "bad_time_claim",
            f"The '{name}' claim is {problem}: a token's times are whole seconds since 1970 "
            "(RFC 7519 section 2). Entra never issues such a token; it was written by hand or forged.",
            "Get a real token from the tenant; never edit a token.",
        )
    )
    v.checks.append(Check(_TIME_CHECKS[name], "fail", f"{name} is {problem}"))
    return None


_TIME_CHECKS = {"exp": "expiry", "nbf": "not before", "iat": "issued at"}


def _check_lifetime(claims: dict[str, Any], now: float, leeway: int, v: Validation) -> None:
    """``exp``, ``nbf`` and ``iat`` against ``now``, allowing ``leeway`` seconds of clock skew."""
    exp, nbf, iat = (_time_claim(claims, name, v) for name in ("exp", "nbf", "iat"))
    if exp is not None or "exp" not in claims:
        _check_expiry(exp, now, leeway, v)
    if nbf is not None:
        _check_not_before(nbf, now, leeway, v)
    if iat is not None and iat - leeway > now:
        v.checks.append(Check("issued at", "info", f"iat {_utc(iat)} is in the future: this clock is behind"))


def _check_expiry(exp: int | None, now: float, leeway: int, v: Validation) -> None:
    if exp is None:
        v.rejections.append(
            Rejection("malformed", "The token has no 'exp' (expiry) claim.", "This is not an Entra token.")
        )
        v.checks.append(Check("expiry", "fail", "no exp"))
        return
    if exp + leeway >= now:
        v.checks.append(Check("expiry", "pass", f"valid until {_utc(exp)}"))
        return
    v.rejections.append(
        Rejection(
            "expired",
            f"The token expired at {_utc(exp)}, {duration(now - exp)} ago (allowed clock skew {leeway} s).",
            "Get a new token: acquire_token_silent / refresh (Grooper refreshes with its stored refresh "
            "token; if that fails, sign in again).",
        )
    )
    v.checks.append(Check("expiry", "fail", f"expired {_utc(exp)}"))


def _check_not_before(nbf: int, now: float, leeway: int, v: Validation) -> None:
    if nbf - leeway <= now:
        v.checks.append(Check("not before", "pass", f"valid from {_utc(nbf)}"))
        return
    v.rejections.append(
        Rejection(
            "not_yet_valid",
            f"The token is not valid before {_utc(nbf)}, {duration(nbf - now)} from now "
            f"(allowed clock skew {leeway} s).",
            "Check this machine's clock (and the API server's): one of them is wrong, "
            "or the token was forged.",
        )
    )
    v.checks.append(Check("not before", "fail", f"nbf {_utc(nbf)} is in the future"))


def _signature_can_be_checked(decoded: DecodedToken, v: Validation, *, alg_ok: bool, verify: bool) -> bool:
    """Whether to fetch the key and check the signature; when not, record why."""
    kid = decoded.header.get("kid") or decoded.header.get("x5t")
    if not alg_ok:
        v.signature = "rejected"
        v.signature_detail = "Not checked: the algorithm is not acceptable."
        return False
    if not isinstance(kid, str) or not kid:
        v.rejections.append(
            Rejection(
                "missing_kid",
                "The header names no signing key (kid/x5t), so no key can be chosen.",
                "Entra tokens always carry kid; this one was not issued by Entra ID.",
            )
        )
        v.signature = "rejected"
        return False
    if not verify:
        v.signature = "not checked"
        v.signature_detail = (
            "The signature was not checked (verification off). Pass profile= to check it against the "
            "tenant's keys."
        )
        return False
    return True


def _overall_status(v: Validation) -> str:
    if v.rejections:
        return "invalid"
    if v.signature.startswith("verified"):
        return "valid"
    if v.signature == "unverifiable (Graph nonce)":
        return "unverifiable"
    return "not_verified"


def _check_signature(
    decoded: DecodedToken,
    v: Validation,
    session: requests.Session,
    cloud: Cloud,
    version: str | None,
    tid: str | None,
    expected_tenant: str | None,
    kid: str,
    cache: JwksCache | None,
) -> None:
    """Find the signing key through the issuer's discovery document, then check the signature with it."""
    cache = cache or cache_for(session)
    tenant = tid if tid and is_guid(tid) else "common"
    try:
        doc, url, jwks_uri, jwk, refreshed = _fetch_key(
            session, cache, cloud, version, tenant, expected_tenant, kid
        )
    except JwksUnavailable as e:
        v.server_time_offset = cache.server_time_offset
        v.signature = "not checked"
        v.signature_detail = f"The issuer's keys could not be fetched, so the signature is not verified. {e}"
        v.checks.append(Check("signature", "skip", v.signature_detail))
        return
    v.server_time_offset = cache.server_time_offset
    v.key_source = jwks_uri
    iss = (decoded.claims or {}).get("iss")
    _check_discovered_issuer(doc, url, iss, cloud, tid, tenant, v)
    if jwk is None:
        _unknown_kid(kid, jwks_uri, refreshed, v)
        return
    _check_key_issuer(jwk, iss, tid, version, v)
    public_key = _public_key(jwk, kid, v)
    if public_key is not None:
        _verify_rs256(decoded, public_key, kid, jwks_uri, v)


def _fetch_key(
    session: requests.Session,
    cache: JwksCache,
    cloud: Cloud,
    version: str | None,
    tenant: str,
    expected_tenant: str | None,
    kid: str,
) -> tuple[dict, str, str, dict | None, bool]:
    """The discovery document (and its URL), the ``jwks_uri``, the JWK for ``kid`` (or None) and whether
    the key set was refreshed; :class:`JwksUnavailable` when they cannot be fetched."""
    url = discovery_url(cloud, tenant, version)
    try:
        doc = cache.get(session, url)
    except JwksUnavailable:
        if expected_tenant and is_guid(str(expected_tenant)) and expected_tenant != tenant:
            # A foreign tenant unknown to this authority: its keys are the same signing keys, so
            # look the kid up through the profile's own tenant instead.
            url = discovery_url(cloud, str(expected_tenant), version)
            doc = cache.get(session, url)
        else:
            raise
    jwks_uri = doc.get("jwks_uri")
    if not isinstance(jwks_uri, str):
        raise JwksUnavailable(f"{url} has no jwks_uri")
    jwk, refreshed = cache.key(session, jwks_uri, kid)
    return doc, url, jwks_uri, jwk, refreshed


def _check_discovered_issuer(
    doc: dict, url: str, iss: Any, cloud: Cloud, tid: str | None, tenant: str, v: Validation
) -> None:
    """The tenant's own discovery document names its issuer: the token's ``iss`` must be that one."""
    disc_iss = doc.get("issuer")
    if not (isinstance(disc_iss, str) and tid and tenant != "common"):
        return
    if not url.startswith(cloud.authority(tenant) + "/"):
        return
    want = disc_iss.replace("{tenantid}", tid)
    if isinstance(iss, str) and iss != want and "wrong_issuer" not in v.reasons:
        v.rejections.append(
            Rejection(
                "wrong_issuer",
                f"iss is {iss} but the tenant's discovery document ({url}) names {want}.",
                "The token was not issued by this tenant's STS.",
            )
        )
        v.checks.append(Check("issuer (discovery)", "fail", f"{iss} ≠ {want}"))


def _unknown_kid(kid: str, jwks_uri: str, refreshed: bool, v: Validation) -> None:
    v.rejections.append(
        Rejection(
            "unknown_kid",
            f"The signing key kid={kid} is not in the issuer's key set ({jwks_uri}), even after a refresh.",
            "The token was signed by another issuer (another cloud, a custom signing key, or a "
            "forger). If the app uses a custom signing key, its keys are at "
            ".../discovery/keys?appid={client_id}.",
        )
    )
    v.checks.append(
        Check("signature", "fail", f"kid {kid} unknown ({'refreshed' if refreshed else 'cached'})")
    )
    v.signature = "rejected"


def _check_key_issuer(jwk: dict, iss: Any, tid: str | None, version: str | None, v: Validation) -> None:
    """A v2 key may name the issuer allowed to use it."""
    key_iss = jwk.get("issuer")
    if not (isinstance(key_iss, str) and tid and version == "v2") or "wrong_issuer" in v.reasons:
        return
    if key_iss.replace("{tenantid}", tid) != iss:
        v.rejections.append(
            Rejection(
                "wrong_issuer",
                f"The signing key is for issuer {key_iss}, not {iss}.",
                "The token's issuer is not allowed to use this key.",
            )
        )


def _public_key(jwk: dict, kid: str, v: Validation) -> rsa.RSAPublicKey | None:
    """The RSA public key of the JWK; None (signature not checked) when the server's JWK is unusable."""
    try:
        public_key = RSAAlgorithm.from_jwk(jwk)
    except Exception as e:  # noqa: BLE001 - a bad JWK from the server is a server problem, reported
        v.signature = "not checked"
        v.signature_detail = f"The key kid={kid} in the JWKS is not a usable RSA key: {type(e).__name__}."
        v.checks.append(Check("signature", "skip", v.signature_detail))
        return None
    if not isinstance(public_key, rsa.RSAPublicKey):
        v.signature = "not checked"
        v.signature_detail = f"The key kid={kid} is not an RSA public key."
        return None
    return public_key


def _verify_rs256(
    decoded: DecodedToken, public_key: rsa.RSAPublicKey, kid: str, jwks_uri: str, v: Validation
) -> None:
    """Truncated, verified, a Graph token (nonce convention), or a bad signature."""
    want_len = (public_key.key_size + 7) // 8
    if len(decoded.signature) < want_len:
        v.rejections.append(
            Rejection(
                "truncated",
                f"The signature is {len(decoded.signature)} bytes; key kid={kid} makes {want_len}-byte "
                "signatures: the token was cut off.",
                "Copy the complete token.",
            )
        )
        v.checks.append(Check("signature", "fail", "signature too short (truncated)"))
        v.signature = "rejected"
        return
    if _rs256_ok(public_key, decoded.signature, decoded.signing_input):
        v.signature = "verified"
        v.signature_detail = f"RS256 signature verified with kid={kid} from {jwks_uri}."
        v.checks.append(Check("signature", "pass", v.signature_detail))
        return
    if "nonce" in decoded.header and is_graph_audience((decoded.claims or {}).get("aud")):
        _graph_nonce(decoded, public_key, kid, v)
        return
    v.rejections.append(
        Rejection(
            "bad_signature",
            f"The signature does not match key kid={kid}: the token was altered or forged.",
            "Get a fresh token from the tenant; never edit a token.",
        )
    )
    v.checks.append(Check("signature", "fail", f"RS256 signature does not verify with kid={kid}"))
    v.signature = "rejected"


def _graph_nonce(decoded: DecodedToken, public_key: rsa.RSAPublicKey, kid: str, v: Validation) -> None:
    """A Graph token (header ``nonce``): verified under the known convention, else unverifiable."""
    for label, signing_input in _nonce_signing_inputs(decoded):
        if _rs256_ok(public_key, decoded.signature, signing_input):
            v.signature = "verified (Graph nonce convention)"
            v.signature_detail = (
                "Microsoft Graph token (header nonce). Microsoft documents these as not verifiable by "
                "third parties; the signature did verify under the known convention (header nonce "
                f"replaced by {label} of the sent nonce) with kid={kid}. Graph itself is the authority."
            )
            v.checks.append(Check("signature", "pass", v.signature_detail))
            return
    v.signature = "unverifiable (Graph nonce)"
    v.signature_detail = (
        "Microsoft Graph token (header nonce): Graph uses a proprietary format and Microsoft says third "
        "parties cannot validate its signature. This is expected, not a sign of a bad token; Graph will "
        "validate it. (The known nonce-hash convention did not match either.)"
    )
    v.checks.append(Check("signature", "info", v.signature_detail))
