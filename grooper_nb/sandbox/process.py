"""The sandbox service process (``python -m grooper_nb.sandbox serve``): three loopback listeners.

* the **TLS server** for the impersonated hosts (the registry :data:`.hosts.HOSTS`), dispatching on
  ``Host`` (``hosts.create_tls_app``); its certificate names every host of the registry;
* the **CONNECT proxy** (:mod:`.proxy`), the only way a client reaches that TLS server, letting through
  exactly the registry's host names;
* the plain-HTTP **browser server** for pages a person opens (``hosts.create_browser_app``).

Each listener is bounded by :mod:`.limits` (backlog, connections at once, request body; the proxy
also a deadline for a request head), read from ``GROOPER_NB_SANDBOX_*`` variables of the environment.

The launcher (:mod:`.launcher`) starts this process detached and waits on its ready pipe; nothing else
imports it. It writes ``service.json`` (ports, pid, admin key; 0600) once every listener is up, and
logs requests to ``service.log`` with secrets masked (:func:`redact_target`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.handlers
import os
import re
import secrets
import signal
import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Any

from ._files import touch_private, write_private
from .launcher import (
    BUNDLE_FILE,
    CA_DIR,
    DEFAULT_CONNECTOR,
    DEFAULT_SCALE,
    DEFAULT_SEED,
    LOG_FILE,
    SERVICE_JSON,
    SandboxError,
    check_state_dir,
    read_meta,
    resolve_state_dir,
)

__all__ = ["redact_target", "serve"]

log = logging.getLogger("grooper_nb.sandbox.process")

_HANDSHAKE_TIMEOUT = 10.0
_LOOPBACK_NAMES = ("localhost", "127.0.0.1")  # on the server certificate: a direct request to the TLS port
_IDLE_TIMEOUT = 120

# Parameters whose values never reach the log. With PKCE "plain" the code_challenge *is* the verifier.
_SENSITIVE_PARAMS = (
    "code",
    "code_challenge",
    "code_verifier",
    "access_token",
    "id_token",
    "id_token_hint",
    "refresh_token",
    "client_secret",
    "client_assertion",
    "assertion",
    "password",
    "passwd",
    "otc",
    "user_code",
    "device_code",
    "sig",
    "tempauth",  # a download URL's credential (sharepoint/download.py)
)
# name=value wherever it stands (a query string, a form body, a request line quoted in an error message);
# the name may be percent-encoded, the value ends at the next separator.
_SENSITIVE_PAIR = re.compile(
    r"(?i)(?<![\w%])("
    + "|".join(name.replace("_", "(?:_|%5F)") for name in _SENSITIVE_PARAMS)
    + r")=([^&\s'\"#;]*)"
)
_JWT_LIKE = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")


def redact(text: str) -> str:
    """``text`` safe to log: the value of every sensitive parameter and anything JWT-shaped masked.

    >>> redact("/cb?state=abc&code=0.AAA&code_challenge=xyz")
    '/cb?state=abc&code=***&code_challenge=***'
    """
    text = _SENSITIVE_PAIR.sub(lambda m: f"{m.group(1)}=***", text)
    return _JWT_LIKE.sub("eyJ***", text)


redact_target = redact  # a request target is just one more text


def _handler_class():
    from werkzeug.serving import WSGIRequestHandler

    access = logging.getLogger("grooper_nb.sandbox.access")

    class Handler(WSGIRequestHandler):
        """werkzeug's handler: idle keep-alive threads reaped, every log line redacted, no ``Server``
        header (it named werkzeug and Python; Microsoft's identity host sends none)."""

        timeout = _IDLE_TIMEOUT

        def setup(self) -> None:
            # werkzeug writes the status line, the headers and the body in separate small writes; with
            # Nagle's algorithm on, a write waits for the client's delayed ACK (about 10 ms a request).
            super().setup()
            with contextlib.suppress(OSError, AttributeError):
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def send_response(self, code: int, message: str | None = None) -> None:
            self.log_request(code)
            self.send_response_only(code, message)
            self.send_header("Date", self.date_time_string())

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            target = redact(getattr(self, "path", "") or "")
            host = self.headers.get("Host", "-") if getattr(self, "headers", None) else "-"
            access.info('%s "%s %s" %s %s', host, getattr(self, "command", "-"), target, code, size)

        def log(self, type: str, message: str, *args: Any) -> None:
            # Errors quote the raw request line (query string and all) - e.g. "Bad request syntax".
            access.log(
                logging.ERROR if type == "error" else logging.INFO,
                "%s %s",
                self.address_string(),
                redact(message % args if args else message),
            )

    return Handler


def _browser_server(app: Any, handler: type, limits: Any):
    """werkzeug's threaded server on 127.0.0.1 (plain http), holding at most ``limits.max_connections``."""
    from werkzeug.serving import ThreadedWSGIServer

    from .limits import ConnectionCap, busy_reply

    class BrowserServer(ConnectionCap, ThreadedWSGIServer):
        max_connections = limits.max_connections
        full_reply = busy_reply("browser server")

    return BrowserServer("127.0.0.1", 0, app, handler=handler)


def _tls_server(app: Any, ctx: ssl.SSLContext, handler: type, limits: Any):
    """A threaded werkzeug server on 127.0.0.1 that does each TLS handshake in the request thread.

    werkzeug's own ``ssl_context=`` wraps the listening socket, so handshakes run in the accept loop
    and one client that connects and stays silent blocks every other client. Here the listening
    socket stays plain; ``finish_request`` (already on the connection's own thread) does the
    handshake with a timeout.
    """
    from werkzeug.serving import ThreadedWSGIServer

    from .limits import ConnectionCap

    class TLSServer(ConnectionCap, ThreadedWSGIServer):
        max_connections = limits.max_connections  # past it: closed (a plain-text 503 is no TLS)

        def finish_request(self, request, client_address) -> None:  # type: ignore[override]
            request.settimeout(_HANDSHAKE_TIMEOUT)
            try:
                conn = ctx.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError) as exc:
                log.debug("TLS handshake with %s failed: %s", client_address, exc)
                return
            try:
                super().finish_request(conn, client_address)
            finally:
                with contextlib.suppress(OSError):
                    conn.close()

    server = TLSServer("127.0.0.1", 0, app, handler=handler)
    server.ssl_context = ctx  # so werkzeug reports wsgi.url_scheme = "https"
    return server


class _LateApp:
    """A WSGI app filled in after the servers are bound (the apps need the browser URL)."""

    app: Any = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def _setup_logging(d: Path) -> None:
    path = d / LOG_FILE
    touch_private(path)
    # Bounded: an export against --scale large logs hundreds of thousands of requests.
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=10_000_000, backupCount=2, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    # werkzeug only adds its own stderr handler when no handler at its level exists up the tree.
    logging.getLogger("werkzeug").setLevel(logging.INFO)


def _write_meta(d: Path, meta: dict) -> None:
    write_private(d / SERVICE_JSON, json.dumps(meta, indent=1).encode())


def serve(
    state_dir: str | os.PathLike[str],
    seed: int = DEFAULT_SEED,
    scale: str = DEFAULT_SCALE,
    ready_fd: int | None = None,
    detach: bool = False,
    *,
    connector: str = DEFAULT_CONNECTOR,
) -> int:
    """Run the service in this process until SIGTERM/SIGINT; the launcher's ``serve`` subcommand.

    With ``detach`` it forks first and the parent returns at once (the launcher then never owns the
    long-lived process). ``ready_fd`` receives JSON lines: ``{"pid": N}`` at once, then
    ``{"ok": true}`` when every listener is up and ``service.json`` is written, or
    ``{"ok": false, "error": ...}``.
    """
    if detach and os.fork() != 0:
        os._exit(0)
    ready = os.fdopen(ready_fd, "w", encoding="utf-8") if ready_fd is not None else None

    def say(**message: Any) -> None:
        if ready is not None:
            with contextlib.suppress(OSError):
                ready.write(json.dumps(message) + "\n")
                ready.flush()

    say(pid=os.getpid())
    d = resolve_state_dir(state_dir)
    try:
        check_state_dir(d)  # the launcher checked too; a hand-run `serve` must not skip it
    except SandboxError as exc:
        say(ok=False, error=str(exc))
        return 1
    _setup_logging(d)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    started = time.monotonic()
    try:
        store, servers, meta = _start(d, seed, scale, connector)
    except Exception as exc:
        log.exception("sandbox service failed to start")
        say(ok=False, error=f"{type(exc).__name__}: {exc}")
        return 1
    threads = [
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1}, name=n, daemon=True)
        for n, s in servers.items()
    ]
    for t in threads:
        t.start()
    _write_meta(d, meta)
    log.info(
        "sandbox service up in %.2f s: pid %d, proxy %s, browser %s, tls port %d",
        time.monotonic() - started,
        meta["pid"],
        meta["proxy"],
        meta["browser_url"],
        meta["tls_port"],
    )
    say(ok=True, pid=os.getpid())
    if ready is not None:
        with contextlib.suppress(OSError):
            ready.close()

    while not stopping.wait(0.2):
        pass
    log.info("stopping (signal received)")
    for server in servers.values():
        server.shutdown()
        server.server_close()
    with contextlib.suppress(Exception):
        store.close()
    current = None
    with contextlib.suppress(SandboxError):
        current = read_meta(d)
    if current is not None and current.get("pid") == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            (d / SERVICE_JSON).unlink()
    log.info("stopped")
    return 0


def _start(d: Path, seed: int, scale: str, connector: str = DEFAULT_CONNECTOR) -> tuple[Any, dict, dict]:
    """Open the store, make TLS material, bind all three listeners; nothing serves yet."""
    from grooper_nb.sandbox import tls
    from grooper_nb.sandbox.admin import ServiceRoutes
    from grooper_nb.sandbox.hosts import ca_permitted_names, create_browser_app, create_tls_app, host_names
    from grooper_nb.sandbox.limits import Limits, limit_body
    from grooper_nb.sandbox.proxy import ConnectProxy
    from grooper_nb.sandbox.store import Store

    limits = Limits.from_env()
    store = Store.open(d, seed=seed, scale=scale, connector=connector)
    # An existing tenant keeps the seed it was made with, whatever this start was asked for: report
    # that one, or a later `reset` without --seed would silently switch to another tenant.
    made_with = store.meta("seed") or {}
    seed, scale = made_with.get("seed", seed), made_with.get("scale", scale)
    connector = made_with.get("connector", DEFAULT_CONNECTOR)
    try:
        tenant = store.directory.tenant
        hosts = host_names(tenant)
        ca = tls.ensure_ca(d / CA_DIR, [*ca_permitted_names(tenant), *_LOOPBACK_NAMES])
        cert, key = tls.ensure_server_cert(ca, [*hosts, *_LOOPBACK_NAMES])
        bundle = tls.write_bundle(ca, d / CA_DIR / BUNDLE_FILE)
        ctx = tls.server_context(cert, key)

        handler = _handler_class()
        browser_app, tls_app = _LateApp(), _LateApp()
        browser = _browser_server(limit_body(browser_app, limits.max_body), handler, limits)
        browser_url = f"http://127.0.0.1:{browser.port}"
        tls_server = _tls_server(limit_body(tls_app, limits.max_body), ctx, handler, limits)
        proxy = ConnectProxy(upstream=("127.0.0.1", tls_server.port), allowed_hosts=hosts, limits=limits)

        admin_key = secrets.token_urlsafe(32)
        identity = {"pid": os.getpid(), "state_dir": str(d)}
        tls_app.app = create_tls_app(store, browser_url=browser_url)
        browser_app.app = ServiceRoutes(
            create_browser_app(store, browser_url=browser_url, admin_key=admin_key),
            admin_key,
            store.directory.describe,
            identity,
            browser_url,
        )
    except BaseException:
        with contextlib.suppress(Exception):
            store.close()
        raise
    meta = {
        **identity,
        "proxy": proxy.url,
        "browser_url": browser_url,
        "proxy_port": proxy.port,
        "tls_port": tls_server.port,
        "browser_port": browser.port,
        "ca_cert": str(ca.cert_path),
        "ca_bundle": str(bundle),
        "seed": seed,
        "scale": scale,
        "connector": connector,
        "admin_key": admin_key,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return store, {"tls": tls_server, "proxy": proxy, "browser": browser}, meta
