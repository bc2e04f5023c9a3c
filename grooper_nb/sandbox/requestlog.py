"""What every host of the sandbox was asked, seen from the server's side: the request log.

A benchmark or a resumable export counts its requests here, not in the client: how many pages it read,
how many it retried, which of them a fault (:mod:`.faults`) answered. :func:`logged` wraps a host's WSGI
app and appends one entry per request to the service's :class:`RequestLog`:

``seq`` (1, 2, ... in the order requests finished), ``time``, ``method``, ``host``, ``path`` (the query
string kept, the values of ``code``, ``client_secret``, ``assertion``, ``access_token`` and their kin
masked), ``app_id`` and ``user`` (the bearer token's ``appid``/``azp`` and, for a delegated token,
``upn``/``oid``, read without verification: the log and the faults only need to know whose request it
was, and the resource itself still verifies), ``status`` (None when the connection was dropped),
``bytes`` sent, ``duration_ms`` and ``fault`` (the scenario that answered, or None).

It keeps the last :data:`MAX_ENTRIES` entries, so a long benchmark does not grow the service's memory
without limit; ``GET /_sandbox/requests?host=graph&since=N`` reads the entries after ``seq`` N.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from collections import deque
from typing import Any

__all__ = ["FAULT_KEY", "MAX_ENTRIES", "RequestLog", "caller_of", "log_for", "logged", "mask_query"]

MAX_ENTRIES = 100_000
FAULT_KEY = "grooper_nb.fault"  # environ key: the fault scenario that answered this request
_CLAIMS_KEY = "grooper_nb.unverified_claims"

_MASKED_PARAMS = (
    "code",
    "client_secret",
    "client_assertion",
    "assertion",
    "access_token",
    "refresh_token",
    "id_token",
    "code_verifier",
    "password",
    "device_code",
    "sig",
    "tempauth",  # a download URL's credential (sharepoint/download.py)
)
_MASKED_PAIR = re.compile(
    r"(?i)(?<![\w%])(" + "|".join(n.replace("_", "(?:_|%5F)") for n in _MASKED_PARAMS) + r")=([^&#]*)"
)

_JWT_LIKE = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")


def mask_query(query: str) -> str:
    """``query`` with the value of every secret-bearing parameter, and anything JWT-shaped, masked.

    >>> mask_query("state=s&code=0.AAA&client_secret=x")
    'state=s&code=***&client_secret=***'
    """
    return _JWT_LIKE.sub("eyJ***", _MASKED_PAIR.sub(lambda m: f"{m.group(1)}=***", query))


def _claims(authorization: str) -> dict[str, Any]:
    """The payload of a ``Bearer`` JWT, unverified; {} for anything else."""
    scheme, _, token = authorization.partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return {}
    return payload if isinstance(payload, dict) else {}


def caller_of(environ: dict) -> dict[str, Any]:
    """The request's bearer-token claims, read once per request without verifying the token."""
    if _CLAIMS_KEY not in environ:
        environ[_CLAIMS_KEY] = _claims(environ.get("HTTP_AUTHORIZATION", ""))
    return environ[_CLAIMS_KEY]


class RequestLog:
    """The last ``max_entries`` requests of the service, shared by every worker thread."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=max_entries)
        self._seq = 0

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            self._entries.append({"seq": self._seq, **entry})

    def read(self, host: str | None = None, since: int = 0, limit: int | None = None) -> dict[str, Any]:
        """``{"entries": [...], "last": N}``: the entries after ``seq`` ``since`` (of ``host`` only, if
        given), at most ``limit``; ``last`` is the highest ``seq`` written so far."""
        with self._lock:
            entries = [e for e in self._entries if e["seq"] > since and (host is None or e["host"] == host)]
            last = self._seq
        if limit is not None:
            entries = entries[:limit]
        return {"entries": entries, "last": last}

    def clear(self) -> int:
        """Forget every entry (``seq`` goes on counting); how many there were."""
        with self._lock:
            n = len(self._entries)
            self._entries.clear()
        return n


_LOGS_LOCK = threading.Lock()


def log_for(store: Any) -> RequestLog:
    """The :class:`RequestLog` of the service serving ``store`` (one per process and tenant)."""
    with _LOGS_LOCK:
        log = getattr(store, "_request_log", None)
        if log is None:
            log = RequestLog()
            store._request_log = log
        return log


class _Body:
    """The app's response iterable, counting the bytes sent and logging the request.

    The entry is written *before the last chunk is handed to the server*: a client that has read the
    whole answer then finds its request in the log. (Written at ``close()``, after the server had sent
    every byte, a fast client could read the log first and miss it.) A request whose body never
    reaches its end (the server stopped iterating) is logged at ``close()``, once."""

    def __init__(self, inner: Any, finish: Any) -> None:
        self.inner, self.finish, self.sent, self.logged = inner, finish, 0, False

    def __iter__(self):
        pending = None
        for chunk in self.inner:
            if pending is not None:
                yield pending
            self.sent += len(chunk)
            pending = chunk
        self._log()
        if pending is not None:
            yield pending

    def _log(self) -> None:
        if not self.logged:
            self.logged = True
            self.finish(self.sent)

    def close(self) -> None:
        try:
            if hasattr(self.inner, "close"):
                self.inner.close()
        finally:
            self._log()


def _entry(host: str, environ: dict) -> dict[str, Any]:
    claims = caller_of(environ)
    query = environ.get("QUERY_STRING", "")
    return {
        "time": time.time(),
        "method": environ.get("REQUEST_METHOD", ""),
        "host": host,
        "path": mask_query(environ.get("PATH_INFO", "") + (f"?{query}" if query else "")),
        "app_id": claims.get("appid") or claims.get("azp"),
        # An app-only token's oid is its service principal's: a user only for a delegated one (scp).
        "user": claims.get("upn") or (claims.get("oid") if "scp" in claims else None),
    }


def logged(app: Any, host: str, log: RequestLog) -> Any:
    """``app`` with every request it answers (or drops) appended to ``log``."""

    def wrapped(environ, start_response):
        started = time.monotonic()
        entry = _entry(host, environ)
        status: list[int | None] = [None]

        def finish(sent: int) -> None:
            duration = round((time.monotonic() - started) * 1000, 3)
            log.add({**entry, "status": status[0], "bytes": sent, "duration_ms": duration,
                     "fault": environ.get(FAULT_KEY)})  # fmt: skip

        def capture(code: str, headers: list, exc_info: Any = None):
            status[0] = int(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        try:
            inner = app(environ, capture)
        except BaseException:
            finish(0)
            raise
        return _Body(inner, finish)

    return wrapped
