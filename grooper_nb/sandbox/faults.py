"""Named faults a resource host can be told to answer with: throttling, outages, dropped connections.

An export that reads mail and documents for hours meets Microsoft 365's throttling and outages; the
sandbox plays them on request so a test (or a person at the CLI) sees the client wait, retry and resume
without losing or duplicating a row. :data:`CATALOGUE` holds one declarative :class:`Scenario` per fault:
which hosts it concerns, which requests it picks, and its answer in each host's own words. The
machinery (:class:`FaultBoard`, :func:`faulted`) is shared by every entry.

A fault is switched on per service (so per state dir) with parameters, all optional:

* ``rate``: the share of eligible requests that get the fault (drawn from ``random.Random(seed)``, one
  generator per fault, so the same ``seed`` replays the same run);
* ``count``: at most this many faulted requests, then the fault stays on but lets everything through
  (``unavailable`` defaults to a burst of 3);
* ``after``: let the first N eligible requests through before faulting any (``token_expiry``: the
  requests made before the token "expired");
* ``retry_after``: the seconds a 429/503 asks the client to wait;
* ``host``: ``graph``, ``ews``, ``sharepoint`` or ``all`` (the scenario's own hosts).

``python -m grooper_nb.sandbox faults on throttle --rate 0.2 --seed 7``, :func:`.launcher.set_fault`
and ``POST /_sandbox/faults`` all end in :meth:`FaultBoard.switch_on`. State lives in this process's
memory behind one lock, so every worker thread sees it; a restart of the service clears it.

Per-mailbox concurrency (:func:`mailbox_slot`) is not a switch: Exchange Online always enforces it
(https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits), and the mail endpoints call
it because only they know which mailbox a request reads.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .requestlog import FAULT_KEY, caller_of

__all__ = [
    "CATALOGUE",
    "MAILBOX_CONCURRENCY",
    "FaultBoard",
    "FaultError",
    "MailboxBusy",
    "Scenario",
    "board_for",
    "faulted",
    "mailbox_of",
    "mailbox_slot",
]

RESOURCE_HOSTS = ("graph", "ews", "sharepoint")
DEFAULT_RETRY_AFTER = 2
_THROTTLING = "https://learn.microsoft.com/graph/throttling"


class FaultError(ValueError):
    """A fault switched on with a name or a parameter the catalogue does not allow."""


# -- the answers, one builder per wire form ----------------------------------------------------------------

Reply = tuple[str, list[tuple[str, str]], bytes]  # WSGI status, headers, body


def _graph(status: str, code: str, message: str, headers: list[tuple[str, str]] = ()) -> Reply:
    """Graph's error envelope (https://learn.microsoft.com/graph/errors)."""
    rid = str(uuid.uuid4())
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
                "request-id": rid,
                "client-request-id": rid,
            },
        }
    }
    return (
        status,
        [("Content-Type", "application/json"), ("request-id", rid), *headers],
        json.dumps(body).encode(),
    )


def _ews_fault(status: str, code: str, message: str, back_off_ms: int | None = None) -> Reply:
    """A SOAP fault as EWS sends one; a throttled request carries ``BackOffMilliseconds`` in
    ``MessageXml`` (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange)."""
    extra = f'<t:Value Name="BackOffMilliseconds">{back_off_ms}</t:Value>' if back_off_ms is not None else ""
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        f'<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:{code}</faultcode>'
        f'<faultstring xml:lang="en-US">{message}</faultstring><detail>'
        f'<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">{code}</e:ResponseCode>'
        f'<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">{message}</e:Message>'
        '<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
        f"{extra}</t:MessageXml></detail></s:Fault></s:Body></s:Envelope>"
    )
    return status, [("Content-Type", "text/xml; charset=utf-8")], body.encode()


_SP_THROTTLING = (
    "https://learn.microsoft.com/sharepoint/dev/general-development/"
    "how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online"
)


def _sharepoint(status: str, code: str, message: str, headers: list[tuple[str, str]] = ()) -> Reply:
    """SharePoint REST's OData error, here in the JSON light form (``odata.error``); :func:`_dress` puts
    it in the form the request's ``Accept`` asks for, as the SharePoint host does (:mod:`.sharepoint.odata`).
    A throttled request gets 429 with ``Retry-After``, an overloaded farm 503 "Server Too Busy"
    (:data:`_SP_THROTTLING`)."""
    from .sharepoint import odata

    body = odata.error_body(odata.MINIMAL, code, message)
    return status, [("Content-Type", odata.content_type(odata.MINIMAL)), *headers], json.dumps(body).encode()


def _throttle(host: str, retry_after: int) -> Reply:
    wait = [("Retry-After", str(retry_after))]
    if host == "ews":
        status, headers, body = _ews_fault(
            "429 Too Many Requests",
            "ErrorServerBusy",
            "The server cannot service this request right now. Try again later.",
            back_off_ms=retry_after * 1000,
        )
        return status, headers + wait, body
    if host == "sharepoint":
        return _sharepoint(
            "429 Too Many Requests",
            "-2147024860, Microsoft.SharePoint.SPRequestLimitExceededException",
            "The request has been throttled. Try again after the time in Retry-After.",
            wait,
        )
    return _graph(
        "429 Too Many Requests",
        "TooManyRequests",
        "Too many requests. activityLimitReached: the application or user has been throttled.",
        wait,
    )


def _unavailable(host: str, retry_after: int) -> Reply:
    wait = [("Retry-After", str(retry_after))]
    if host == "ews":
        status, headers, body = _ews_fault(
            "503 Service Unavailable", "ErrorServerBusy", "The server is temporarily unavailable."
        )
        return status, headers + wait, body
    if host == "sharepoint":
        # The reason phrase is SharePoint Online's (_SP_THROTTLING); the body's code: UNCONFIRMED.
        return _sharepoint(
            "503 Server Too Busy",
            "-2147024860, Microsoft.SharePoint.SPServerTooBusyException",
            "The server is too busy. Try again after the time in Retry-After.",
            wait,
        )
    return _graph(
        "503 Service Unavailable", "serviceNotAvailable", "The service is temporarily unavailable.", wait
    )


def _token_expired(host: str, retry_after: int) -> Reply:
    if host == "ews":
        challenge = 'Bearer error="invalid_token", error_description="The token has expired"'
        diagnostics = '2000003;reason="The token has expired";error_category="invalid_token"'
        return "401 Unauthorized", [("WWW-Authenticate", challenge), ("x-ms-diagnostics", diagnostics)], b""
    if host == "sharepoint":
        # What the SharePoint host answers an expired token (its auth module); :func:`_dress` adds the
        # tenant's Bearer challenge.
        from .sharepoint.auth import expired_token

        rejected = expired_token()
        headers = [("Content-Type", "application/json"), ("x-ms-diagnostics", rejected.diagnostics or "")]
        return "401 Unauthorized", headers, json.dumps({"error_description": rejected.message}).encode()
    return _graph(
        "401 Unauthorized", "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."
    )


def _ews_blocked(host: str, retry_after: int) -> Reply:
    # UNCONFIRMED: Microsoft has announced that Exchange Online turns EWS off in 2026, but not the exact
    # wire form of a blocked request. This is a guess in Exchange's usual manner: a 403,
    # an x-ms-diagnostics header and a body saying EWS is disabled for the organization.
    diagnostics = '2000010;reason="EWS is disabled for this organization.";error_category="ews_disabled"'
    body = b"EWS is disabled for this organization. Use Microsoft Graph instead."
    return (
        "403 Forbidden",
        [("Content-Type", "text/plain; charset=utf-8"), ("x-ms-diagnostics", diagnostics)],
        body,
    )


def _mailbox_not_enabled(host: str, retry_after: int) -> Reply:
    return _graph(
        "404 Not Found",
        "MailboxNotEnabledForRESTAPI",
        "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
    )


# -- which requests a scenario picks -----------------------------------------------------------------------

_MAILBOX_PATH = re.compile(
    r"(?i)^/(?:v1\.0|beta)/(?:me|users/[^/]+)/"
    r"(?:messages|mailFolders|events|calendars?|calendarView|contacts|contactFolders|"
    r"mailboxSettings|inferenceClassification|outlook|sendMail)\b"
)
_USER_PATH = re.compile(r"(?i)^/(?:v1\.0|beta)/(?:(me)\b|users/([^/?]+))")


def _any(environ: dict, board_fault: Any) -> bool:
    return True


def _mailbox_request(environ: dict, fault: Any) -> bool:
    return bool(_MAILBOX_PATH.match(environ.get("PATH_INFO", "")))


def _old_token(environ: dict, fault: Any) -> bool:
    """A token issued before the fault began. Issuance backdates ``iat`` by five minutes (as Entra does),
    so the moment of issue is ``iat + BACKDATE``, to the second."""
    from .login.issuance import BACKDATE

    iat = caller_of(environ).get("iat")
    if not isinstance(iat, (int, float)):
        return bool(environ.get("HTTP_AUTHORIZATION"))
    return iat + BACKDATE < fault.began


# -- the catalogue -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One fault: the hosts it concerns, which requests it may pick, its answer, its defaults."""

    name: str
    summary: str
    hosts: tuple[str, ...]
    answer: Callable[[str, int], Reply | None]  # (host, retry_after) -> reply; None: drop the connection
    docs: str
    picks: Callable[[dict, Any], bool] = _any
    defaults: dict[str, Any] = field(default_factory=dict)
    # Begins on the next whole second: token times (iat) are whole seconds, so a token issued before
    # the switch-on returned is then always older than the fault, and one issued after it never.
    whole_second: bool = False


# fmt: off
CATALOGUE: tuple[Scenario, ...] = (
    Scenario("throttle", "429 with Retry-After (Graph TooManyRequests, EWS ErrorServerBusy with "
             "BackOffMilliseconds, SharePoint 429)", RESOURCE_HOSTS, _throttle, _THROTTLING),
    Scenario("unavailable", "a burst of 503s with Retry-After", RESOURCE_HOSTS, _unavailable, _THROTTLING,
             defaults={"count": 3}),
    Scenario("reset", "the connection is dropped without an answer", RESOURCE_HOSTS, lambda h, r: None,
             _THROTTLING),
    Scenario("token_expiry", "after the first N requests, tokens issued before the fault began are "
             "expired (401) until the client brings a new one", RESOURCE_HOSTS, _token_expired,
             "https://learn.microsoft.com/entra/identity-platform/access-tokens#token-lifetime",
             picks=_old_token, whole_second=True),
    Scenario("ews_blocked", "EWS refuses the tenant (403; the wire form is unconfirmed)", ("ews",),
             _ews_blocked, "https://learn.microsoft.com/exchange/client-developer/exchange-web-services/"
             "start-using-web-services-in-exchange"),
    Scenario("mailbox_not_enabled", "Graph mailbox requests answer 404 MailboxNotEnabledForRESTAPI",
             ("graph",), _mailbox_not_enabled, "https://learn.microsoft.com/graph/errors",
             picks=_mailbox_request),
)
# fmt: on
SCENARIOS = {s.name: s for s in CATALOGUE}


# -- the machinery ----------------------------------------------------------------------------------------


@dataclass
class Fault:
    """A scenario switched on, with its parameters and what it has done so far."""

    scenario: Scenario
    rate: float = 1.0
    seed: int | None = None
    count: int | None = None
    after: int = 0
    retry_after: int = DEFAULT_RETRY_AFTER
    hosts: tuple[str, ...] = RESOURCE_HOSTS
    began: float = field(default_factory=time.time)
    seen: int = 0
    applied: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.scenario.name,
            "summary": self.scenario.summary,
            "rate": self.rate,
            "seed": self.seed,
            "count": self.count,
            "after": self.after,
            "retry_after": self.retry_after,
            "hosts": list(self.hosts),
            "began": self.began,
            "seen": self.seen,
            "applied": self.applied,
        }

    def hits(self, host: str, environ: dict) -> bool:
        """Whether this request gets the fault (call under the board's lock: it counts and draws)."""
        if host not in self.hosts or not self.scenario.picks(environ, self):
            return False
        self.seen += 1
        if self.seen <= self.after or (self.count is not None and self.applied >= self.count):
            return False
        if self.rate < 1.0 and self.rng.random() >= self.rate:
            return False
        self.applied += 1
        return True


def _number(params: dict, key: str, kind: type, low: float, high: float | None = None) -> Any:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FaultError(f"{key!r} must be a number")
    if kind is int and value != int(value):
        raise FaultError(f"{key!r} must be a number")
    if value < low or (high is not None and value > high):
        raise FaultError(f"{key!r} must be from {low} to {high if high is not None else 'any'}")
    return kind(value)


def _default(value: Any, default: Any) -> Any:
    return default if value is None else value


def _hosts(scenario: Scenario, host: Any) -> tuple[str, ...]:
    if host in (None, "all"):
        return scenario.hosts
    if host not in scenario.hosts:
        raise FaultError(f"{scenario.name} concerns {', '.join(scenario.hosts)}, not {host!r}")
    return (host,)


def make_fault(name: str, params: dict[str, Any]) -> Fault:
    """A :class:`Fault` for the scenario ``name``; raises :class:`FaultError` on a bad name or value."""
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise FaultError(f"no fault scenario {name!r}; known: {', '.join(SCENARIOS)}")
    unknown = set(params) - {"rate", "seed", "count", "after", "retry_after", "host"}
    if unknown:
        raise FaultError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    merged = {**scenario.defaults, **{k: v for k, v in params.items() if v is not None}}
    seed = _number(merged, "seed", int, -(2**63), 2**63)
    rate = _number(merged, "rate", float, 0.0, 1.0)
    return Fault(
        scenario,
        rate=1.0 if rate is None else rate,
        seed=seed,
        count=_number(merged, "count", int, 0),
        after=_default(_number(merged, "after", int, 0), 0),
        retry_after=_default(_number(merged, "retry_after", int, 0, 3600), DEFAULT_RETRY_AFTER),
        hosts=_hosts(scenario, merged.get("host")),
        rng=random.Random(seed),  # noqa: S311 - a reproducible draw, not a secret
    )


class FaultBoard:
    """The faults switched on in this service, shared by every worker thread behind one lock."""

    def __init__(self, tenant_id: str | None = None) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self.tenant_id = tenant_id  # SharePoint's Bearer challenge names the tenant (realm)

    def switch_on(self, name: str, **params: Any) -> dict[str, Any]:
        """Switch ``name`` on (again: its counters and generator start over); its description."""
        fault = make_fault(name, params)
        if fault.scenario.whole_second:
            fault.began = float(int(time.time()) + 1)
            time.sleep(max(0.0, fault.began - time.time()))
        with self._lock:
            self._faults[name] = fault
        return fault.describe()

    def switch_off(self, name: str | None = None) -> list[str]:
        """Switch ``name`` off, or every fault; the names switched off."""
        with self._lock:
            names = list(self._faults) if name is None else [name] if name in self._faults else []
            for n in names:
                del self._faults[n]
        return names

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._faults.values()]

    def pick(self, host: str, environ: dict) -> Fault | None:
        """The fault this request gets, if any (the first one, in catalogue order, that hits)."""
        with self._lock:
            for scenario in CATALOGUE:
                fault = self._faults.get(scenario.name)
                if fault is not None and fault.hits(host, environ):
                    return fault
        return None


_BOARD_LOCK = threading.Lock()


def board_for(store: Any) -> FaultBoard:
    """The :class:`FaultBoard` of the service serving ``store`` (one per process and tenant)."""
    with _BOARD_LOCK:
        board = getattr(store, "_fault_board", None)
        if board is None:
            board = FaultBoard(store.directory.tenant["id"])
            store._fault_board = board
        return board


def _drop_connection(environ: dict) -> None:
    """Close the connection without an answer. werkzeug hands the app its socket (``werkzeug.socket``):
    ``SO_LINGER`` 0 makes the close a TCP reset, shutting the read side ends werkzeug's keep-alive loop
    (it reads EOF), and the raised ``ConnectionResetError`` is what werkzeug treats as a dropped client,
    so it writes nothing. The client reaches the TLS server through the CONNECT proxy, so what it sees is
    the tunnel closed with no response (``RemoteDisconnected``), not the reset itself.

    The shutdown is the plain socket's, both ways: ``ssl.SSLSocket.shutdown`` would first drop the TLS
    session, after which werkzeug read the request's unread body as a new request line and answered
    "400 Bad request" in clear text inside the tunnel (the client saw an ``SSLError``, "wrong version
    number", instead of a dropped connection)."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
    raise ConnectionResetError("sandbox fault: reset")


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def _graph_ids(environ: dict, headers: list, body: bytes, rid: str) -> tuple[list, bytes]:
    """Graph echoes the caller's ``client-request-id`` (header and ``innerError``;
    https://learn.microsoft.com/graph/errors)."""
    client_rid = environ.get("HTTP_CLIENT_REQUEST_ID") or rid
    try:
        data = json.loads(body)
        data["error"]["innerError"]["client-request-id"] = client_rid
        body = json.dumps(data).encode()
    except (ValueError, KeyError, TypeError):
        pass
    return [*headers, ("client-request-id", client_rid)], body


def _sharepoint_form(environ: dict, headers: list, body: bytes) -> tuple[list, bytes]:
    """An OData error in the form ``Accept`` asks for (``{"error"}`` for verbose, ``{"odata.error"}``
    otherwise), labelled so."""
    from .sharepoint import odata

    form = odata.negotiate(environ.get("HTTP_ACCEPT"))
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and "odata.error" in data:
        err = data["odata.error"]
        body = json.dumps(odata.error_body(form, err["code"], err["message"]["value"])).encode()
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
        headers.append(("Content-Type", odata.content_type(form)))
    return headers, body


def _dress(host: str, environ: dict, reply: Reply, board: FaultBoard) -> Reply:
    """The host's own headers on a fault's reply: a ``request-id`` everywhere (so an explained error
    names the request), Graph's ``client-request-id``, SharePoint's ``SPRequestGuid``, its JSON form and
    its challenge."""
    status, headers, body = reply
    headers = list(headers)
    rid = _header(headers, "request-id") or str(uuid.uuid4())
    if _header(headers, "request-id") is None:
        headers.append(("request-id", rid))
    if host == "graph":
        headers, body = _graph_ids(environ, headers, body, rid)
    elif host == "sharepoint":
        headers, body = _sharepoint_form(environ, headers, body)
        headers.append(("SPRequestGuid", rid))
        if status.startswith("401") and board.tenant_id:
            from .sharepoint.auth import challenge

            headers.append(("WWW-Authenticate", challenge(board.tenant_id)))
    return status, headers, body


def faulted(app: Any, host: str, board: FaultBoard) -> Any:
    """``app`` behind ``board``: a request a fault picks gets the fault's answer instead of ``app``'s,
    and its name goes into the request log (``environ[FAULT_KEY]``)."""

    def wrapped(environ, start_response):
        fault = board.pick(host, environ)
        if fault is None:
            return app(environ, start_response)
        environ[FAULT_KEY] = fault.scenario.name
        reply = fault.scenario.answer(host, fault.retry_after)
        if reply is None:
            _drop_connection(environ)
        status, headers, body = _dress(host, environ, reply, board)
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return wrapped


# -- per-mailbox concurrency ------------------------------------------------------------------------------

MAILBOX_CONCURRENCY = 4  # https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits
_SLOTS: dict[tuple[str, str], int] = {}
_SLOTS_LOCK = threading.Lock()


class MailboxBusy(Exception):
    """Past :data:`MAILBOX_CONCURRENCY` requests at once by one app on one mailbox: answer 429 with
    ``Retry-After`` (:meth:`reply`)."""

    def __init__(self, app_id: str, mailbox: str, retry_after: int = 1):
        super().__init__(f"Application is over its MailboxConcurrency limit ({app_id} on {mailbox}).")
        self.app_id, self.mailbox, self.retry_after = app_id, mailbox, retry_after

    def reply(self, host: str = "graph") -> Reply:
        """The 429 in ``host``'s words (Graph's ``ApplicationThrottled``, EWS's ``ErrorServerBusy``)."""
        if host == "ews":
            return _throttle("ews", self.retry_after)
        return _graph(
            "429 Too Many Requests",
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
            [("Retry-After", str(self.retry_after))],
        )


@contextlib.contextmanager
def mailbox_slot(app_id: str, mailbox: str, limit: int = MAILBOX_CONCURRENCY) -> Iterator[None]:
    """Hold one of an app's ``limit`` concurrent slots on ``mailbox`` for the body of the ``with``;
    raises :class:`MailboxBusy` at once when all are taken::

        try:
            with faults.mailbox_slot(caller.app_id, mailbox):
                ...serve the request...
        except faults.MailboxBusy as busy:
            status, headers, body = busy.reply("graph")
    """
    key = (app_id.lower(), mailbox.lower())
    with _SLOTS_LOCK:
        if _SLOTS.get(key, 0) >= limit:
            raise MailboxBusy(app_id, mailbox)
        _SLOTS[key] = _SLOTS.get(key, 0) + 1
    try:
        yield
    finally:
        with _SLOTS_LOCK:
            _SLOTS[key] -= 1
            if not _SLOTS[key]:
                del _SLOTS[key]


def mailbox_of(host: str, environ: dict) -> str | None:
    """The mailbox a request addresses: Graph's ``/users/{id|upn}/...`` (``me``: the token's user),
    EWS's ``X-AnchorMailbox`` header; None when it names none."""
    if host == "ews":
        return environ.get("HTTP_X_ANCHORMAILBOX") or None
    match = _USER_PATH.match(environ.get("PATH_INFO", ""))
    if match is None:
        return None
    if match.group(1):
        claims = caller_of(environ)
        return claims.get("oid") or claims.get("upn")
    return match.group(2)
