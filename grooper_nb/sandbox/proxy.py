"""The sandbox's HTTPS CONNECT proxy: the one door from a client to the impersonated hosts.

A client configured with ``HTTPS_PROXY=http://127.0.0.1:PORT`` asks ``CONNECT
login.microsoftonline.com:443``; the proxy answers ``200 Connection established`` and splices the
socket to the sandbox's TLS server, which presents a certificate for that name. Everything else
is refused with ``403`` and a plain-text body naming what was refused: other hosts, other ports, and
plain-HTTP proxying (``GET http://...``), so a misconfigured client fails loudly instead of leaking
to the internet. The host list comes from :func:`.hosts.host_names`; docs/sandbox.md has the whole
picture. Its limits (:mod:`.limits`): a backlog of 128, at most ``max_connections`` at once (past that a
``503``), and ``head_timeout`` seconds for the whole request head, after which it answers ``408`` and
closes (RFC 9110 section 15.5.9), however slowly the head trickles in::

    proxy = ConnectProxy(upstream=("127.0.0.1", tls_port),
                         allowed_hosts={"login.microsoftonline.com", "graph.microsoft.com"})
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    proxy.url    # 'http://127.0.0.1:PORT'
"""

from __future__ import annotations

import logging
import selectors
import socket
import socketserver
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from .limits import ConnectionCap, Limits, busy_reply

__all__ = ["ConnectProxy"]

log = logging.getLogger("grooper_nb.sandbox.proxy")

_MAX_HEAD = 16 * 1024
_IDLE_TIMEOUT = 300.0
_CHUNK = 64 * 1024


def leave_hint() -> str:
    """The way out for a shell whose every HTTPS request now goes here (``eval "$(... env)"``): a refusal
    says which hosts the proxy serves and then this."""
    return (
        'If this shell ran eval "$(python -m grooper_nb.sandbox env)", give it back to the internet with '
        'eval "$(python -m grooper_nb.sandbox env --unset)".'
    )


class _Refusal(Exception):
    def __init__(self, status: str, text: str, what: str = "") -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.what = what or text


def _split_authority(target: str) -> tuple[str, int]:
    """``host:port`` (or ``[v6]:port``) -> ``(host, port)``; raises ValueError when malformed."""
    if target.startswith("["):
        host, sep, rest = target[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ValueError(target)
        port = rest[1:]
    else:
        host, sep, port = target.rpartition(":")
        if not sep:
            raise ValueError(target)
    if not host or not port.isdigit():
        raise ValueError(target)
    return host.lower().rstrip("."), int(port)


class _Handler(socketserver.BaseRequestHandler):
    server: ConnectProxy

    def handle(self) -> None:
        conn: socket.socket = self.request
        try:
            head, early = self._read_head(conn, time.monotonic() + self.server.head_timeout)
            host, port = self._authorize(head)
        except _Refusal as refusal:
            log.info("refused %s (%s)", refusal.what, refusal.status)
            self._reply(conn, refusal.status, refusal.text)
            return
        except (OSError, ValueError) as exc:
            log.debug("client went away before its request was complete: %s", exc)
            return

        try:
            upstream = socket.create_connection(self.server.upstream, timeout=10)
            # Relay each chunk at once: with Nagle's algorithm a small write waits for the peer's
            # (delayed) ACK, which added milliseconds to every request through the tunnel.
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            log.error("cannot reach the sandbox TLS server at %s: %s", self.server.upstream, exc)
            self._reply(conn, "502 Bad Gateway", "grooper-nb sandbox proxy: the sandbox TLS server is down.")
            return
        log.info("CONNECT %s:%d", host, port)
        with upstream:
            try:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if early:
                    upstream.sendall(early)
                self._splice(conn, upstream)
            except OSError as exc:
                log.debug("tunnel to %s closed: %s", host, exc)

    @staticmethod
    def _read_head(conn: socket.socket, deadline: float) -> tuple[bytes, bytes]:
        """The request head and any bytes after it, by ``deadline`` (one for the whole head: a
        timeout per read would let one byte every few seconds hold the connection forever)."""
        buf = b""
        while b"\r\n\r\n" not in buf:
            if len(buf) > _MAX_HEAD:
                raise _Refusal("431 Request Header Fields Too Large", "request head too large")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Refusal(
                    "408 Request Timeout", "grooper-nb sandbox proxy: the request head took too long."
                )
            conn.settimeout(remaining)
            try:
                data = conn.recv(4096)
            except TimeoutError:
                continue  # the deadline check above answers
            if not data:
                raise ValueError("EOF before the end of the request head")
            buf += data
        head, _, early = buf.partition(b"\r\n\r\n")
        return head, early

    def _authorize(self, head: bytes) -> tuple[str, int]:
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split()
        if len(parts) != 3:
            raise _Refusal("400 Bad Request", f"malformed request line: {request_line[:200]!r}")
        method, target, _version = parts
        allowed = ", ".join(f"{h}:443" for h in sorted(self.server.allowed_hosts))
        if method.upper() != "CONNECT":
            raise _Refusal(
                "403 Forbidden",
                f"grooper-nb sandbox proxy refused {method} {target[:300]}: it only tunnels HTTPS "
                f"(CONNECT) to the impersonated Microsoft 365 hosts ({allowed}); plain-HTTP proxying "
                f"is not offered. {leave_hint()}",
                f"{method} for {urlsplit(target).netloc or '(no host)'}",  # never log a query string
            )
        try:
            host, port = _split_authority(target)
        except ValueError:
            raise _Refusal("400 Bad Request", f"malformed CONNECT target: {target[:300]!r}") from None
        if host not in self.server.allowed_hosts or port != 443:
            raise _Refusal(
                "403 Forbidden",
                f"grooper-nb sandbox proxy refused CONNECT to {host}:{port}: the sandbox only "
                f"impersonates {allowed}. Anything else is not reachable through it. {leave_hint()}",
                f"CONNECT {host}:{port}",
            )
        return host, port

    @staticmethod
    def _reply(conn: socket.socket, status: str, text: str) -> None:
        body = (text + "\n").encode("utf-8")
        head = (
            f"HTTP/1.1 {status}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode("latin-1")
        try:
            conn.sendall(head + body)
        except OSError:
            pass  # the client hung up first; nothing left to tell it

    @staticmethod
    def _splice(a: socket.socket, b: socket.socket) -> None:
        """Copy bytes both ways until both sides have finished sending (half-close aware)."""
        a.settimeout(None)
        b.settimeout(None)
        peer = {a: b, b: a}
        with selectors.DefaultSelector() as sel:
            sel.register(a, selectors.EVENT_READ)
            sel.register(b, selectors.EVENT_READ)
            open_reads = 2
            while open_reads:
                events = sel.select(timeout=_IDLE_TIMEOUT)
                if not events:
                    return  # idle tunnel: let both ends reconnect
                for key, _ in events:
                    src: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = src.recv(_CHUNK)
                    if data:
                        peer[src].sendall(data)
                        continue
                    sel.unregister(src)
                    open_reads -= 1
                    try:
                        peer[src].shutdown(socket.SHUT_WR)
                    except OSError:
                        return


class ConnectProxy(ConnectionCap, socketserver.ThreadingTCPServer):
    """A CONNECT-only proxy on 127.0.0.1 that tunnels allow-listed ``host:443`` to ``upstream``.

    ``allowed_hosts`` are matched exactly (case-insensitive, trailing dot ignored). Bind port 0
    (the default) to get a free port; read it back from :attr:`port` or :attr:`url`. ``limits``
    (default :class:`.limits.Limits`) bounds connections and the time for a request head.
    """

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    full_reply = busy_reply("proxy")

    def __init__(
        self,
        upstream: tuple[str, int],
        allowed_hosts: Iterable[str],
        address: tuple[str, int] = ("127.0.0.1", 0),
        limits: Limits | None = None,
    ) -> None:
        limits = limits or Limits()
        self.upstream = upstream
        self.allowed_hosts = frozenset(h.lower().rstrip(".") for h in allowed_hosts)
        self.head_timeout = limits.head_timeout
        self.max_connections = limits.max_connections
        super().__init__(address, _Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.server_address[0]}:{self.port}"
