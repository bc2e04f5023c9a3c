"""The one HTTP layer under MSAL, the token inspector and every Microsoft 365 client.

A profile owns one :class:`ProfileSession` (a ``requests.Session``). Everything that goes over the wire
goes through it, so the following is decided once, here:

* **Where requests go.** :func:`sandbox_session` reaches the embedded sandbox through its CONNECT proxy
  and CA bundle with ``trust_env=False``, so a preset ``REQUESTS_CA_BUNDLE``/``HTTPS_PROXY`` cannot
  override ``verify``/``proxies`` (requests lets those variables win over a session's ``verify``
  whenever ``trust_env`` is on), and reads the CA bundle once (:class:`PinnedCAAdapter`); a real-tenant
  session is an ordinary one.
* **Timeouts.** Every request gets ``(connect, read)`` seconds (:data:`DEFAULT_TIMEOUT`) unless the
  caller passes ``timeout=``.
* **Retries** (:class:`RetryPolicy`). HTTP 429 and 503, and an EWS ``ErrorServerBusy``, are retried for
  any method: the server refused the request without doing it. 502/504 and a connection dropped
  mid-request are retried for idempotent methods only, and for a request its caller marks
  ``replay_safe=True``: a POST that only reads (every EWS read is a SOAP POST), which the server may
  well have done already but which changes nothing when done twice. The wait is what the server asked for
  (``Retry-After`` in seconds or as an HTTP-date, `RFC 9110 section 10.2.3
  <https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3>`_; EWS ``BackOffMilliseconds``, see
  https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange),
  else exponential backoff with full jitter. A server asking for more than ``max_wait`` raises
  :class:`RetryAfterTooLong`, which says how long, instead of blocking the kernel for minutes.
* **Public documents** (OpenID discovery, instance discovery, JWKS) are remembered per session in one
  :class:`DocumentCache` (:func:`documents_for`), shared by MSAL's discovery and the token inspector.
* **Bearer tokens** (:class:`BearerAuth`): on a 401 the token is refreshed once and the request resent.
* **Graph paging** (:class:`GraphPages`): follows ``@odata.nextLink`` exactly as given and keeps the
  final ``@odata.deltaLink`` (https://learn.microsoft.com/graph/paging).
"""

from __future__ import annotations

import logging
import random
import re
import ssl
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.exceptions import ProtocolError

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "BearerAuth",
    "DocumentCache",
    "DocumentUnavailable",
    "GraphPages",
    "PinnedCAAdapter",
    "ProfileSession",
    "RetryAfterTooLong",
    "RetryPolicy",
    "documents_for",
    "ews_backoff_seconds",
    "retry_after_seconds",
    "sandbox_session",
]

DEFAULT_TIMEOUT = (10.0, 60.0)  # (connect, read) seconds for every request a profile makes
_log = logging.getLogger(__name__)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


# ---- how long the server asked us to wait -----------------------------------------------------------
def retry_after_seconds(response: requests.Response, now: float | None = None) -> float | None:
    """The delay a ``Retry-After`` header asks for, in seconds, or None when there is none (or it is
    unreadable).

    RFC 9110 section 10.2.3 allows delay-seconds (``Retry-After: 120``; Graph also sends fractions
    such as ``2.128``) or an HTTP-date (``Retry-After: Fri, 31 Dec 1999 23:59:59 GMT``). A date is
    measured from the response's own ``Date`` header when it has one, so a skewed local clock does not
    stretch or shrink the wait; a date in the past means "now" (0).
    """
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = _http_date(value)
    if when is None:
        return None
    base = _http_date(response.headers.get("Date") or "")
    reference = base.timestamp() if base is not None else (time.time() if now is None else now)
    return max(0.0, when.timestamp() - reference)


def _http_date(value: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)  # asctime dates carry no zone


_EWS_BUSY = re.compile(r"<(?:\w+:)?ResponseCode>\s*ErrorServerBusy\s*<")
_EWS_BACKOFF = re.compile(r"<(?:\w+:)?Value\s+Name=\"BackOffMilliseconds\"\s*>\s*(\d+)\s*<")


def ews_backoff_seconds(response: requests.Response) -> float | None:
    """For an EWS ``ErrorServerBusy`` answer: its ``BackOffMilliseconds`` in seconds (0.0 when the fault
    names no delay). None when the response is not an EWS busy answer.

    Exchange sends it in the SOAP fault's ``MessageXml`` (usually with HTTP 500), see
    https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange::

        <e:ResponseCode>ErrorServerBusy</e:ResponseCode>
        <t:MessageXml><t:Value Name="BackOffMilliseconds">297749</t:Value></t:MessageXml>

    Only error answers (429, 500, 503) are read: a 200 whose response messages carry ``ErrorServerBusy`` for
    some items is the EWS client's to handle item by item, and a large 200 body is not scanned here. A
    regular expression rather than an XML parser: only these two elements matter, and the body of an
    error page is no place to expand entities.
    """
    ctype = response.headers.get("Content-Type", "")
    if "xml" not in ctype or response.status_code not in (429, 500, 503):
        return None
    text = response.text
    if not _EWS_BUSY.search(text):
        return None
    m = _EWS_BACKOFF.search(text)
    return int(m.group(1)) / 1000.0 if m else 0.0


# ---- retry policy -------------------------------------------------------------------------------------
class RetryAfterTooLong(requests.RequestException):
    """The server asked to wait longer than the session's ceiling (:attr:`RetryPolicy.max_wait`).

    ``wait`` is what the server asked for, in seconds; ``response`` the answer that asked for it.
    """

    def __init__(self, method: str, url: str, wait: float, ceiling: float, source: str, response) -> None:
        super().__init__(
            f"{method} {_where(url)} was throttled (HTTP {response.status_code}): the server asked to wait "
            f"{wait:.0f} s ({source}), longer than this session waits per attempt ({ceiling:.0f} s). "
            "Wait that long and run it again, or allow more with RetryPolicy(max_wait=...).",
            response=response,
        )
        self.wait = wait
        self.ceiling = ceiling


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long a :class:`ProfileSession` retries.

    ``max_attempts`` counts the first try; ``max_wait`` is the longest single wait (a server asking for
    more raises :class:`RetryAfterTooLong`); without a server-named delay the wait is a random value in
    ``[0, min(max_backoff, backoff * 2**retry)]`` (exponential backoff, full jitter). ``sleep`` is
    injectable so tests (and progress bars) see every wait::

        waits = []
        session = ProfileSession(retry=RetryPolicy(max_attempts=3, sleep=waits.append))

    When attempts run out the last response is returned as it is, so the caller's own error handling
    (MSAL's, ``raise_for_status``, the error catalogue) explains it.
    """

    max_attempts: int = 4
    max_wait: float = 60.0
    backoff: float = 0.5
    max_backoff: float = 8.0
    retry_statuses: frozenset[int] = frozenset({429, 503})  # the server did not do it: any method
    idempotent_statuses: frozenset[int] = frozenset({502, 504})  # it may have: idempotent methods only
    sleep: Callable[[float], Any] = field(default=time.sleep, repr=False, compare=False)
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def jitter(self, retry: int) -> float:
        """A full-jitter exponential backoff for the ``retry``-th retry (0-based)."""
        return self.rng.uniform(0.0, min(self.max_backoff, self.backoff * (2**retry)))

    def server_delay(self, response: requests.Response) -> tuple[float | None, str]:
        """The delay the server named and where it said so (``Retry-After`` / ``BackOffMilliseconds``).

        An EWS throttle may carry both (a 429 or 503 with ``Retry-After`` and an ``ErrorServerBusy``
        fault naming ``BackOffMilliseconds``); then the longer of the two is waited, so neither is cut
        short."""
        delay = retry_after_seconds(response)
        backoff = ews_backoff_seconds(response)
        if backoff and (delay is None or backoff > delay):
            return backoff, "BackOffMilliseconds"
        if delay is not None:
            return delay, "Retry-After"
        return None, ""

    def should_retry(self, method: str, response: requests.Response, replay_safe: bool = False) -> bool:
        """Whether ``response`` is worth another attempt; ``replay_safe``: the request may be sent twice
        although ``method`` is not idempotent (see :meth:`ProfileSession.request`)."""
        if response.status_code in self.retry_statuses:
            return True
        if response.status_code in self.idempotent_statuses and (replay_safe or method in IDEMPOTENT_METHODS):
            return True
        return ews_backoff_seconds(response) is not None

    def wait_for(self, method: str, url: str, response: requests.Response, retry: int) -> float:
        """How long to wait before retry number ``retry``; raises when the server asks too much."""
        delay, source = self.server_delay(response)
        if delay is None:
            return self.jitter(retry)
        if delay > self.max_wait:
            raise RetryAfterTooLong(method, url, delay, self.max_wait, source, response)
        return delay


DEFAULT_RETRY = RetryPolicy()


def _where(url: str) -> str:
    """``url`` without its query string, for messages and logs (a query is not ours to print)."""
    s = urlsplit(url)
    return f"{s.scheme}://{s.netloc}{s.path}"


# What a connection closed or reset mid-request looks like (http.client's RemoteDisconnected is a
# ConnectionResetError); a refused connection (NewConnectionError, ConnectionRefusedError) is not one.
_DROPS = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, ProtocolError)
# Where the TLS layer meets a connection that broke after the handshake: reading the answer, or
# sending the request. A TLS error anywhere else (the handshake: a bad certificate, an unknown CA, a
# proxy that speaks no TLS) is a real failure that no retry fixes.
_TLS_IO = frozenset({"read", "recv", "recv_into", "write", "send", "sendall"})


def _causes(exc: BaseException, depth: int = 4) -> Iterator[BaseException]:
    """The exceptions ``exc`` wraps in its ``args`` (and urllib3's ``MaxRetryError.reason``), nested."""
    inner = [a for a in exc.args if isinstance(a, BaseException)]
    reason = getattr(exc, "reason", None)
    if isinstance(reason, BaseException):
        inner.append(reason)
    for cause in inner:
        yield cause
        if depth > 1:
            yield from _causes(cause, depth - 1)


def _dropped_connection(exc: BaseException) -> bool:
    """A connection reset or closed mid-request (not a refused connection or a TLS failure, which no
    retry fixes).

    Through a CONNECT proxy (the sandbox's, a corporate one) urllib3 reports a tunnel that the far end
    closed without an answer as ``ProxyError("Unable to connect to proxy", RemoteDisconnected(...))``;
    that is a dropped connection like any other. A proxy that refuses the connection is
    ``ProxyError(..., NewConnectionError(...))`` and is not retried. An ``SSLError`` is a dropped
    connection only when it was raised reading or writing an established connection
    (:func:`_broken_tls_stream`).
    """
    if isinstance(exc, requests.exceptions.SSLError):
        return _broken_tls_stream(exc)
    if not isinstance(exc, requests.ConnectionError):
        return False
    if isinstance(exc, requests.exceptions.ProxyError):
        return any(isinstance(c, _DROPS) for c in _causes(exc))
    return any(isinstance(a, ProtocolError) for a in exc.args)


def _broken_tls_stream(exc: BaseException) -> bool:
    """An ``SSLError`` raised after the handshake, reading or writing a connection that was working:
    the connection broke mid-request (closed without ``close_notify``, ``SSLEOFError``; or what arrived
    is no TLS record at all, ``WRONG_VERSION_NUMBER`` on a kept-alive connection whose far end gave up
    its TLS session and answered in clear text). The handshake is where a certificate is checked, so a
    bad or untrusted certificate is never taken for a dropped connection."""
    causes = [c for c in _causes(exc) if isinstance(c, ssl.SSLError)]
    if not causes or any(isinstance(c, ssl.SSLCertVerificationError) for c in causes):
        return False
    innermost = causes[-1]
    frames = traceback.extract_tb(innermost.__traceback__)
    if not frames or any(f.name == "do_handshake" for f in frames):
        return False
    return frames[-1].name in _TLS_IO


def _replayable(kwargs: Mapping[str, Any]) -> bool:
    """A request body that can be sent again (not a file or generator already read once)."""
    data = kwargs.get("data")
    return data is None or isinstance(data, str | bytes | Mapping | list | tuple)


def _pause(policy: RetryPolicy, wait: float, why: str, verb: str, url: str, attempt: int) -> None:
    _log.info("%s for %s %s: retry %d in %.1f s", why, verb, _where(url), attempt, wait)
    policy.sleep(wait)


# ---- sessions ------------------------------------------------------------------------------------------
class ProfileSession(requests.Session):
    """A ``requests.Session`` with a default timeout and a retry policy on every request.

    MSAL (as its ``http_client``), the token inspector and the clients all use one per profile::

        session = ProfileSession()                       # (10 s connect, 60 s read), DEFAULT_RETRY
        session.get(url)                                 # retried on 429/503 as the server asks
        session.get(url, timeout=(5, 300))               # a long export page: override per request
        ProfileSession(retry=None)                       # no retries at all

    ``session.documents`` is the session's :class:`DocumentCache`; ``session.get_json_cached(url)``
    reads a public JSON document through it.
    """

    def __init__(
        self,
        timeout: tuple[float, float] | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = DEFAULT_RETRY,
    ) -> None:
        super().__init__()
        self.timeout = timeout
        self.retry = retry
        self.documents = DocumentCache()

    def request(self, method, url, *args, replay_safe: bool = False, **kwargs):  # type: ignore[override]
        """``requests.Session.request`` with the session's timeout and retries. ``replay_safe=True``
        says that sending the request twice does no harm although its method is not idempotent (a POST
        that only reads, such as every EWS read): it is then retried after a dropped connection or a
        502/504 like a GET."""
        kwargs.setdefault("timeout", self.timeout)
        policy = self.retry
        if policy is None or args or not _replayable(kwargs):
            return super().request(method, url, *args, **kwargs)
        verb = str(method).upper()
        replayable = replay_safe or verb in IDEMPOTENT_METHODS
        for attempt in range(1, policy.max_attempts + 1):
            last = attempt == policy.max_attempts
            try:
                response = super().request(method, url, **kwargs)
            except requests.ConnectionError as exc:
                if last or not replayable or not _dropped_connection(exc):
                    raise
                _pause(policy, policy.jitter(attempt - 1), "Connection dropped", verb, url, attempt)
                continue
            if last or not policy.should_retry(verb, response, replayable):
                return response
            wait = policy.wait_for(verb, url, response, attempt - 1)
            response.close()
            _pause(policy, wait, f"HTTP {response.status_code}", verb, url, attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def get_json_cached(self, url: str, *, refresh: bool = False) -> dict:
        """A public JSON document (discovery, JWKS) through :attr:`documents`."""
        return self.documents.get_json(self, url, refresh=refresh)

    def __repr__(self) -> str:
        return (
            f"ProfileSession(proxies={self.proxies!r}, verify={self.verify!r}, "
            f"trust_env={self.trust_env}, timeout={self.timeout!r})"
        )


def sandbox_session(
    proxy: str, ca_bundle: str, timeout: tuple[float, float] | float = DEFAULT_TIMEOUT
) -> ProfileSession:
    """Reach the sandbox: its CONNECT proxy for https, its CA bundle, and *no* environment settings.

    ``trust_env=False`` is what keeps a preset ``REQUESTS_CA_BUNDLE``/``HTTPS_PROXY`` from overriding
    ``verify``/``proxies``: with ``trust_env`` on, requests merges those variables over the session's
    own settings (``Session.merge_environment_settings``), so the sandbox's CA would be ignored::

        s = sandbox_session(info.proxy, info.ca_bundle)
        s.get("https://graph.microsoft.com/v1.0/$metadata")   # through the sandbox, over real TLS
    """
    s = ProfileSession(timeout)
    s.trust_env = False
    s.proxies = {"https": proxy}
    s.verify = ca_bundle
    s.mount("https://", PinnedCAAdapter(ca_bundle))
    return s


class PinnedCAAdapter(HTTPAdapter):
    """An adapter that reads a CA bundle once, not once per connection.

    Given ``verify=<path>``, requests hands urllib3 the path for every new connection, and urllib3 loads
    the file into a fresh SSL context each time (about 15 ms for the sandbox's bundle). The sandbox's
    server closes each connection after its answer (werkzeug turns HTTP keep-alive off), so that cost
    was paid on every request. Here the bundle is loaded once into one ``ssl.SSLContext`` (certificate
    and host name checks on, trusting only that bundle) that every connection of the session shares;
    requests made with another ``verify`` are left to requests' usual handling.
    """

    def __init__(self, ca_bundle: str, **kwargs: Any) -> None:
        self.ca_bundle = str(ca_bundle)
        self.ssl_context = ssl.create_default_context(cafile=self.ca_bundle)
        super().__init__(**kwargs)

    def _pinned(self, verify: Any) -> bool:
        return isinstance(verify, str) and verify == self.ca_bundle

    def build_connection_pool_key_attributes(self, request, verify, cert=None):  # type: ignore[override]
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if self._pinned(verify):
            pool_kwargs.pop("ca_certs", None)
            pool_kwargs["ssl_context"] = self.ssl_context
        return host_params, pool_kwargs

    def cert_verify(self, conn, url, verify, cert):  # type: ignore[override]
        super().cert_verify(conn, url, verify, cert)
        if self._pinned(verify):
            conn.ca_certs = None  # the shared context already trusts the bundle: do not load it again


# ---- public documents: discovery and JWKS ---------------------------------------------------------------
class DocumentUnavailable(Exception):
    """A public document could not be fetched (network, TLS, HTTP status, not a JSON object)."""


class DocumentCache:
    """Public JSON documents per URL for one session: OpenID discovery, instance discovery, JWKS.

    MSAL's discovery (through :meth:`get`, which returns the response MSAL expects) and the token
    inspector's key lookup (through :meth:`get_json`) share it, so a cell that signs in and then inspects
    the token fetches each document once. Only successful answers are kept; an error (an unknown tenant's
    AADSTS90002) is fetched again next time::

        docs = documents_for(profile.session)
        config = docs.get_json(profile.session, profile.cloud.discovery_url(profile.tenant))
        keys = docs.get_json(profile.session, config["jwks_uri"])
        docs.fetches        # every URL actually fetched, in order (a second read is not listed)

    ``server_time_offset`` is the local clock minus the last answer's ``Date`` header, in seconds.
    """

    def __init__(self, max_age: float = 24 * 3600) -> None:
        self.max_age = max_age
        self.fetches: list[str] = []
        self.server_time_offset: float | None = None
        self._answers: dict[str, tuple[float, requests.Response]] = {}
        self._lock = threading.Lock()

    def get(
        self,
        session: requests.Session,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        max_age: float | None = None,
        refresh: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        """The response for ``url`` (+ ``params``): remembered if it was a 200 younger than ``max_age``."""
        key = url + ("?" + urlencode(sorted(params.items())) if params else "")
        limit = self.max_age if max_age is None else max_age
        with self._lock:
            hit = self._answers.get(key)
        if hit is not None and not refresh and time.monotonic() - hit[0] < limit:
            return hit[1]
        with self._lock:
            self.fetches.append(key)
        resp = session.get(url, params=params, **kwargs)
        self._note_clock(resp)
        if resp.status_code == 200:
            with self._lock:
                self._answers[key] = (time.monotonic(), resp)
        return resp

    def get_json(
        self, session: requests.Session, url: str, *, refresh: bool = False, timeout: Any = None
    ) -> dict:
        """The JSON object at ``url``; :class:`DocumentUnavailable` says why when there is none."""
        extra = {} if timeout is None else {"timeout": timeout}
        try:
            resp = self.get(session, url, refresh=refresh, **extra)
        except requests.RequestException as e:
            raise DocumentUnavailable(f"GET {url} failed: {type(e).__name__}: {e}") from None
        if resp.status_code != 200:
            raise DocumentUnavailable(f"GET {url} answered HTTP {resp.status_code}: {resp.text[:200]}")
        try:
            doc = resp.json()
        except ValueError:
            raise DocumentUnavailable(f"GET {url} did not return JSON") from None
        if not isinstance(doc, dict):
            raise DocumentUnavailable(f"GET {url} did not return a JSON object")
        return doc

    def _note_clock(self, resp: requests.Response) -> None:
        server = _http_date(resp.headers.get("Date") or "")
        if server is not None:
            self.server_time_offset = round(time.time() - server.timestamp(), 1)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


_DOCUMENTS: weakref.WeakKeyDictionary[requests.Session, DocumentCache] = weakref.WeakKeyDictionary()
_DOCUMENTS_LOCK = threading.Lock()


def documents_for(session: requests.Session) -> DocumentCache:
    """The :class:`DocumentCache` of ``session``: its own when it is a :class:`ProfileSession`, else one
    kept alongside any other ``requests.Session`` for as long as that session lives."""
    own = getattr(session, "documents", None)
    if isinstance(own, DocumentCache):
        return own
    with _DOCUMENTS_LOCK:
        cache = _DOCUMENTS.get(session)
        if cache is None:
            cache = _DOCUMENTS[session] = DocumentCache()
        return cache


# ---- bearer tokens --------------------------------------------------------------------------------------
class BearerAuth(AuthBase):
    """``Authorization: Bearer <token>`` from ``get_token(force_refresh)``, refreshed once on a 401.

    ``get_token(False)`` may answer from a cache; after a 401 the request is resent once with
    ``get_token(True)`` (a token revoked or expired mid-export). A second 401 is returned as it is: the
    token is fresh, so the refusal is about permissions, and the caller explains it::

        def get_token(force_refresh: bool) -> str:
            result = flows.client_credentials(profile, GRAPH_DEFAULT, use_cache=not force_refresh)
            return result.access_token.reveal()

        rows = profile.session.get(url, auth=BearerAuth(get_token)).json()

    The token goes into the header and nowhere else: not into logs, exceptions or this object's repr.
    """

    def __init__(self, get_token: Callable[[bool], str]) -> None:
        self._get_token = get_token
        self.refreshes = 0  # how many times a 401 made it ask for a fresh token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._get_token(False)}"
        request.register_hook("response", self._retry_401)
        return request

    def _retry_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        if response.status_code != 401 or getattr(response.request, "_grooper_refreshed", False):
            return response
        response.content  # noqa: B018 -- read the body so the connection can be reused
        response.close()
        retry = response.request.copy()
        retry._grooper_refreshed = True  # type: ignore[attr-defined]
        self.refreshes += 1
        retry.headers["Authorization"] = f"Bearer {self._get_token(True)}"
        again = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again

    def __repr__(self) -> str:
        return "BearerAuth(<token provider>)"


# ---- Microsoft Graph paging -----------------------------------------------------------------------------
class GraphPages:
    """Every item of a Microsoft Graph collection, page by page (https://learn.microsoft.com/graph/paging).

    The first request carries ``params``; after that each ``@odata.nextLink`` is requested exactly as
    Graph gave it (it already holds ``$select``, ``$top`` and the skip token; adding the query again
    would repeat it). Items of a page are yielded only after the whole page arrived, and a failed page is
    retried by the session at the same link, so no row is lost or repeated. At the end
    :attr:`delta_link` holds ``@odata.deltaLink`` when Graph sent one (a delta query), for the next round::

        pages = GraphPages(session, "https://graph.microsoft.com/v1.0/me/messages",
                           params={"$select": "id,subject", "$top": 1000}, auth=BearerAuth(get_token))
        rows = list(pages)              # every message once
        pages.pages, pages.delta_link   # how many pages; None unless it was a delta query

        for page in GraphPages(session, url).iter_pages():   # whole page objects instead
            ...

    A non-2xx answer raises ``requests.HTTPError`` (the response is on the exception).
    """

    def __init__(
        self,
        session: requests.Session,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.session = session
        self.url = url
        self.params = dict(params or {})
        self.kwargs = kwargs  # auth=, headers=, timeout= for every page
        self.next_link: str | None = None  # where an interrupted iteration would continue
        self.delta_link: str | None = None
        self.pages = 0

    def iter_pages(self) -> Iterator[dict]:
        """Each page's JSON object, following ``@odata.nextLink`` until there is none."""
        url: str | None = self.url
        params: Mapping[str, Any] | None = self.params or None
        while url is not None:
            resp = self.session.get(url, params=params, **self.kwargs)
            resp.raise_for_status()
            page = resp.json()
            self.pages += 1
            self.next_link = page.get("@odata.nextLink")
            if "@odata.deltaLink" in page:
                self.delta_link = page["@odata.deltaLink"]
            yield page
            url, params = self.next_link, None

    def __iter__(self) -> Iterator[Any]:
        for page in self.iter_pages():
            yield from page.get("value", [])
