"""What one local client may hold of the sandbox service: connections, time for a request head, body size.

Every local user can reach the service's loopback ports, so each listener bounds what a client can tie
up (docs/sandbox.md, "Limits"):

* a listen backlog of 128 (socketserver's default is 5: a burst of connects would be refused);
* at most ``max_connections`` connections at once per listener (:class:`ConnectionCap`); past that a
  new one gets a ``503`` (plain-http listeners) or is closed at once (TLS);
* ``head_timeout`` seconds for the whole head of a proxy request, however slowly it trickles in
  (a per-read timeout lets one byte every few seconds hold a thread forever);
* a request body of at most ``max_body`` bytes on every host (:func:`limit_body`): ``413`` before it is
  read, whether announced by ``Content-Length`` or sent chunked (RFC 9110 section 15.5.14).

The service reads them from the environment it was started with, so a test can make them small::

    GROOPER_NB_SANDBOX_HEAD_TIMEOUT=1 GROOPER_NB_SANDBOX_MAX_CONNECTIONS=4 python -m grooper_nb.sandbox start
"""

from __future__ import annotations

import io
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["BACKLOG", "ConnectionCap", "Limits", "limit_body"]

log = logging.getLogger("grooper_nb.sandbox.limits")

BACKLOG = 128
ENV_HEAD_TIMEOUT = "GROOPER_NB_SANDBOX_HEAD_TIMEOUT"
ENV_MAX_CONNECTIONS = "GROOPER_NB_SANDBOX_MAX_CONNECTIONS"
ENV_MAX_BODY = "GROOPER_NB_SANDBOX_MAX_BODY"


@dataclass(frozen=True)
class Limits:
    """The service's limits; :meth:`from_env` reads them from ``GROOPER_NB_SANDBOX_*``."""

    head_timeout: float = 30.0
    max_connections: int = 256
    max_body: int = 10 * 1024 * 1024

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Limits:
        """The defaults, overridden by each variable that is set to a positive number."""
        default = cls()
        return cls(
            head_timeout=_positive(environ, ENV_HEAD_TIMEOUT, float, default.head_timeout),
            max_connections=_positive(environ, ENV_MAX_CONNECTIONS, int, default.max_connections),
            max_body=_positive(environ, ENV_MAX_BODY, int, default.max_body),
        )


def _positive(environ: Mapping[str, str], name: str, kind: type, default: Any) -> Any:
    text = environ.get(name)
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number") from None
    if not value > 0:
        raise ValueError(f"{name}={text!r} must be more than 0")
    return value


class ConnectionCap:
    """Mixin for a ``socketserver.ThreadingMixIn`` server: at most ``max_connections`` at once.

    A connection past the cap is answered with :attr:`full_reply` (if any) and closed in the accept
    loop, so it never gets a thread. Put it first in the bases::

        class Server(ConnectionCap, socketserver.ThreadingTCPServer): ...
    """

    request_queue_size = BACKLOG
    max_connections = 256
    full_reply: bytes | None = None

    def _slots(self) -> threading.BoundedSemaphore:
        slots = self.__dict__.get("_connection_slots")
        if slots is None:
            slots = self.__dict__["_connection_slots"] = threading.BoundedSemaphore(self.max_connections)
        return slots

    def process_request(self, request, client_address) -> None:
        slots = self._slots()
        if not slots.acquire(blocking=False):
            log.warning(
                "turned a connection away: %d are open, the most this listener holds", self.max_connections
            )
            if self.full_reply:
                try:
                    request.settimeout(1.0)
                    request.sendall(self.full_reply)
                except OSError:
                    pass
            self.shutdown_request(request)  # type: ignore[attr-defined]
            return
        try:
            super().process_request(request, client_address)  # type: ignore[misc]
        except BaseException:
            slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)  # type: ignore[misc]
        finally:
            self._slots().release()


def busy_reply(what: str) -> bytes:
    """A plain-text ``503`` for a listener that holds all the connections it may."""
    body = f"grooper-nb sandbox {what}: too many connections at once; try again.\n".encode()
    return (
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )


def limit_body(app: Any, max_body: int) -> Any:
    """WSGI middleware: a request body over ``max_body`` bytes is a ``413`` before the app reads it.

    A ``Content-Length`` over the limit is refused unread. A chunked body (no ``Content-Length``;
    the server marks its input ``wsgi.input_terminated``) is read up to the limit and handed on as
    bytes, or refused once it goes past it. The ``413`` closes the connection (``Connection: close``),
    since the rest of the body is never read.
    """

    def limited(environ, start_response):
        length = environ.get("CONTENT_LENGTH") or ""
        if length:
            if not length.isdigit():
                return _plain(start_response, "400 Bad Request", "Content-Length is not a number")
            if int(length) > max_body:
                return _too_large(start_response, max_body)
        elif environ.get("wsgi.input_terminated"):
            try:
                body = _read_at_most(environ["wsgi.input"], max_body + 1)
            except OSError:  # werkzeug's dechunker: "Invalid chunk header"
                return _plain(start_response, "400 Bad Request", "malformed chunked request body")
            if len(body) > max_body:
                return _too_large(start_response, max_body)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return app(environ, start_response)

    return limited


def _read_at_most(stream: Any, limit: int) -> bytes:
    parts, total = [], 0
    while total < limit:
        chunk = stream.read(min(65536, limit - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def _too_large(start_response, max_body: int):
    return _plain(
        start_response,
        "413 Content Too Large",
        f"grooper-nb sandbox: a request body may hold at most {max_body} bytes",
    )


def _plain(start_response, status: str, text: str):
    body = (text + "\n").encode()
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ],
    )
    return [body]
