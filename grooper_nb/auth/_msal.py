"""The one place that builds MSAL applications from a profile and turns MSAL failures into AuthError.

Choices made here, once, for every flow:

* ``http_client=profile.session``: the profile's own proxy, CA bundle, timeouts and retries
  (:mod:`grooper_nb.http`; never os.environ's for the sandbox). With its own ``http_client`` MSAL does
  no retrying of its own, so the session's :class:`~grooper_nb.http.RetryPolicy` is the one that applies.
* ``azure_region=False``: a stray ``MSAL_FORCE_REGION`` must not send tokens requests to a regional host.
* Instance discovery stays on (MSAL's default): the sandbox answers ``/common/discovery/instance`` like
  Entra does, so the same code works for both.
* A fresh application object per flow call, sharing the persistent token cache: MSAL caches HTTP-400
  token responses for 60 s per application object, which would hide a fix the user just made (consent
  granted, secret replaced) behind a stale error.
* MSAL's own DEBUG logging (``msal.token_cache`` logs each token event's request data) would show the
  authorization code, the PKCE ``code_verifier`` and the device code: :func:`install_log_redaction`
  puts a filter on every ``msal`` logger the first time an app is built here (once per process; calling it
  again changes nothing). It masks those values and any JWT in MSAL's log records, and leaves everything
  else of the record as MSAL wrote it.
* Discovery documents are remembered per profile session (:class:`_MetadataCachingClient`, over the
  session's :class:`~grooper_nb.http.DocumentCache`): a fresh application object would otherwise fetch
  tenant (and instance) discovery again on every call, one extra round trip each time a cell re-runs
  (bench/bench_auth.py shows the difference).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import msal
import requests

from grooper_nb import __version__
from grooper_nb._redact import JWT_RE, mask, redact
from grooper_nb.auth.hints import HintContext, hints_for
from grooper_nb.auth.scopes import OIDC_SCOPES, RESERVED_SCOPES
from grooper_nb.errors.aadsts import AuthError, parse_error_body
from grooper_nb.http import documents_for

if TYPE_CHECKING:
    from grooper_nb.profile import Profile

APP_NAME = "grooper-nb"


def user_scopes(scopes: Sequence[str] | str | None) -> list[str]:
    """Scopes for a user flow, minus the ones MSAL adds itself (openid, profile, offline_access)."""
    if scopes is None:
        return []
    if isinstance(scopes, str):
        scopes = scopes.split()
    return [s for s in scopes if s not in RESERVED_SCOPES]


def scope_list(scopes: Sequence[str] | str | None) -> list[str]:
    if scopes is None:
        return []
    return scopes.split() if isinstance(scopes, str) else list(scopes)


def require_scopes(scopes: Sequence[str], flow: str, example: str) -> None:
    """Refuse, before anything is sent, a request that names no API (empty, or only openid/profile/
    offline_access): Entra's answer to it (AADSTS900144, or a token for whatever the cache holds)
    would not say what is missing."""
    if not [s for s in scopes if s not in OIDC_SCOPES]:
        sent = " ".join(scopes) or "none"
        raise AuthError.local(
            "invalid_scope",
            f"No scope names the API the token is for (scopes given: {sent}).",
            flow=flow,
            hints=[f"Pass the API's scopes, e.g. {example}."],
        )


def hint_context(
    profile: Profile, flow: str, scopes: Sequence[str] = (), redirect_uri: str | None = None
) -> HintContext:
    secret = getattr(profile.credential, "secret", None)
    return HintContext(
        flow=flow,
        tenant=profile.tenant,
        cloud=profile.cloud.name,
        client_id=profile.client_id,
        scopes=list(scopes),
        redirect_uri=redirect_uri,
        registered_redirect_uris=profile.registered_redirect_uris,
        secret=secret,
        is_sandbox=profile.is_sandbox,
        public_client=profile.public_client,
    )


def error_from_result(
    result: dict[str, Any],
    profile: Profile,
    flow: str,
    scopes: Sequence[str] = (),
    redirect_uri: str | None = None,
) -> AuthError:
    """AuthError from an MSAL/Entra error dict, with hints from what was sent."""
    err = AuthError.from_response(result, flow=flow, secrets=profile.secrets())
    err.hints.extend(hints_for(err.codes, err.error, hint_context(profile, flow, scopes, redirect_uri)))
    return err


def _network_hints(profile: Profile, exc: Exception) -> list[str]:
    hints = []
    text = str(exc)
    if profile.is_sandbox:
        state = profile.sandbox_info.state_dir if profile.sandbox_info else None
        hints.append(f"Is the sandbox running? `python -m grooper_nb.sandbox status --state-dir {state}`.")
        if "403" in text:
            hints.append("The sandbox proxy refused the host (it only serves Microsoft's hosts).")
    elif isinstance(exc, requests.exceptions.SSLError):
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        hints.append(
            "TLS verification failed. Behind a TLS-inspecting proxy, point REQUESTS_CA_BUNDLE at a bundle "
            "that contains its CA" + (f" (now: {bundle})." if bundle else ".")
        )
    elif isinstance(exc, requests.exceptions.ProxyError):
        hints.append("The HTTPS proxy refused or failed the connection; check HTTPS_PROXY / NO_PROXY.")
    return hints


@contextlib.contextmanager
def msal_errors(
    profile: Profile, flow: str, scopes: Sequence[str] = (), redirect_uri: str | None = None
) -> Iterator[None]:
    """Turn transport errors and MSAL's discovery ValueErrors into an explained AuthError."""
    try:
        yield
    except AuthError:
        raise
    except requests.exceptions.RequestException as exc:
        raise AuthError.local(
            "network_error",
            redact(f"{type(exc).__name__}: {exc}", profile.secrets()),
            flow=flow,
            hints=_network_hints(profile, exc),
        ) from None
    except msal.exceptions.MsalServiceError as exc:
        raise AuthError.local(
            "temporarily_unavailable", redact(str(exc), profile.secrets()), flow=flow
        ) from None
    except ValueError as exc:
        body = _discovery_error_body(exc)
        if body is None:
            raise
        raise error_from_result(body, profile, flow, scopes, redirect_uri) from None


def _discovery_error_body(exc: BaseException) -> dict[str, Any] | None:
    """MSAL wraps a failed tenant discovery (e.g. AADSTS90002, unknown tenant) in a ValueError whose
    context quotes the server's JSON body; recover it."""
    for e in (exc, exc.__context__, exc.__cause__):
        if e is not None:
            body = parse_error_body(str(e))
            if body is not None:
                return body
    return None


_METADATA_MAX_AGE = 3600.0  # Entra sends Cache-Control: max-age=86400 on discovery; an hour is modest
_METADATA_PATHS = ("/.well-known/openid-configuration", "/common/discovery/instance")


class _MetadataCachingClient:
    """The profile's ``requests.Session`` as MSAL's ``http_client``, reading discovery answers (public
    metadata) through the session's :class:`~grooper_nb.http.DocumentCache`, the one the token inspector
    reads JWKS through, for up to an hour. Token requests (POST) and every other GET go straight through;
    errors (e.g. AADSTS90002 for an unknown tenant) are never remembered."""

    def __init__(self, session: requests.Session) -> None:
        self._session = session
        self._documents = documents_for(session)

    def get(self, url: str, params: Any = None, **kwargs: Any) -> requests.Response:
        if not any(p in url for p in _METADATA_PATHS):
            return self._session.get(url, params=params, **kwargs)
        return self._documents.get(self._session, url, params, max_age=_METADATA_MAX_AGE, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._session.post(url, **kwargs)

    def close(self) -> None:  # MSAL never closes a client it was given; the profile owns the session
        pass


def http_client_for(session: requests.Session) -> _MetadataCachingClient:
    """MSAL's http_client for a profile session (its discovery cache lives with the session)."""
    return _MetadataCachingClient(session)


# Request/response fields MSAL logs in clear at DEBUG that are secret for as long as they live.
_LOGGED_SECRETS = ("code", "code_verifier", "device_code", "client_assertion", "assertion", "refresh_token")
_FIELDS = "|".join(_LOGGED_SECRETS)
_JSON_FIELD = re.compile(r'("(?:' + _FIELDS + r')"\s*:\s*")([^"]*)(")')
_QUERY_FIELD = re.compile(r"([?&#](?:" + _FIELDS + r")=)([^&#\s\"']+)")


class _MsalSecretsFilter(logging.Filter):
    """Masks authorization codes, PKCE verifiers, device codes, assertions and JWTs in MSAL's records."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            return True  # a record MSAL cannot format itself: leave it to the handler's error path
        clean = _JSON_FIELD.sub(lambda m: f"{m.group(1)}{mask(m.group(2))}{m.group(3)}", text)
        clean = _QUERY_FIELD.sub(lambda m: f"{m.group(1)}{mask(m.group(2))}", clean)
        clean = JWT_RE.sub(lambda m: f"<token {mask(m.group(0))}>", clean)
        if clean != text:
            record.msg, record.args = clean, ()
        return True


_LOG_FILTER = _MsalSecretsFilter()
_LOG_LOCK = threading.Lock()


def install_log_redaction() -> None:
    """Put the redacting filter on the ``msal`` logger and each of its child loggers (a logger's filters
    do not apply to its children's records, so each gets it). Idempotent."""
    with _LOG_LOCK:
        manager = logging.getLogger().manager
        names = {"msal", "msal.token_cache", "msal.application", "msal.authority", "msal.oauth2cli.oauth2"}
        names |= {n for n in manager.loggerDict if n == "msal" or n.startswith("msal.")}
        for name in sorted(names):
            logger = logging.getLogger(name)
            if _LOG_FILTER not in logger.filters:
                logger.addFilter(_LOG_FILTER)


def build_app(
    profile: Profile, flow: str, *, public: bool | None = None, token_cache: msal.TokenCache | None = None
) -> msal.ClientApplication:
    """A new MSAL app for ``profile``: confidential when it has a credential (unless ``public=True``).
    ``token_cache`` defaults to the profile's persistent cache."""
    install_log_redaction()
    confidential = profile.credential is not None and not public
    kwargs: dict[str, Any] = {
        "authority": profile.authority,
        "http_client": http_client_for(profile.session),
        "token_cache": token_cache if token_cache is not None else profile.token_cache,
        "azure_region": False,
        "app_name": APP_NAME,
        "app_version": __version__,
    }
    with msal_errors(profile, flow):
        if confidential:
            return msal.ConfidentialClientApplication(
                profile.client_id, client_credential=profile.credential.for_msal(), **kwargs
            )
        return msal.PublicClientApplication(profile.client_id, **kwargs)


def account_for(app: msal.ClientApplication, result: dict[str, Any]) -> dict[str, Any] | None:
    """The MSAL account the tokens in ``result`` were cached under (None for app-only tokens)."""
    import base64
    import json

    info = result.get("client_info")
    home = None
    if isinstance(info, str):
        try:
            data = json.loads(base64.urlsafe_b64decode(info + "=" * (-len(info) % 4)))
            home = f"{data['uid']}.{data['utid']}"
        except (ValueError, KeyError):
            home = None
    claims = result.get("id_token_claims") or {}
    for account in app.token_cache.search(app.token_cache.CredentialType.ACCOUNT):
        if home and account.get("home_account_id") == home:
            return account
    if claims.get("oid"):
        for account in app.token_cache.search(app.token_cache.CredentialType.ACCOUNT):
            if account.get("local_account_id") == claims["oid"]:
                return account
    return None


_APP_ONLY_CACHES: dict[tuple[str, str, str, str], msal.TokenCache] = {}
_APP_ONLY_LOCK = threading.Lock()


def app_only_cache(profile: Profile) -> msal.TokenCache:
    """An in-memory cache for app-only tokens, one per (authority, client, *credential*).

    MSAL keys app-only tokens by client ID alone, so a cached token would hide a wrong or expired secret
    tried right after a good one. App-only tokens also need no refresh token, so nothing is written to
    disk for them. A sandbox's tokens are also keyed by its service process: ``reset`` wipes the tenant's
    signing keys and starts a new process, and a token signed by the wiped key must not be served after.
    """
    cred = profile.credential
    if cred is None:
        fingerprint = "none"
    elif cred.kind == "secret":
        fingerprint = hashlib.sha256(cred.for_msal().encode()).hexdigest()
    else:
        fingerprint = cred.thumbprint_sha256
    incarnation = str(profile.sandbox_info.pid) if profile.sandbox_info is not None else ""
    key = (profile.authority.lower(), profile.client_id.lower(), fingerprint, incarnation)
    with _APP_ONLY_LOCK:
        cache = _APP_ONLY_CACHES.get(key)
        if cache is None:
            cache = _APP_ONLY_CACHES[key] = msal.TokenCache()
        return cache
