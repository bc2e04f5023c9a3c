"""The sandbox service: one background process per state dir, and the launcher that finds or starts it.

One process serves three loopback listeners:

* the **TLS server** for the impersonated hosts (``login.microsoftonline.com``, ``graph.microsoft.com``,
  ``outlook.office365.com``, ``{tenant}.sharepoint.com``, ``{tenant}-my.sharepoint.com``), dispatching on
  ``Host`` (``hosts.create_tls_app``);
* the **CONNECT proxy** (:mod:`.proxy`), the only way a client reaches that TLS server;
* the plain-HTTP **browser server** for pages a person opens (``hosts.create_browser_app``).

Client code calls :func:`ensure_running` (``profile.connect()`` is the only caller in the package);
the CLI (``python -m grooper_nb.sandbox``) wraps the same functions::

    info = ensure_running()            # starts it, or finds the one already running for the dir
    info["env"]                        # HTTPS_PROXY + CA bundle variables: any requests client works
    status(); stop(); reset()

``ensure_running`` returns the JSON of contracts.md §1. Tenant, users and apps come live from the
running service (a key-guarded route on the browser server; the key sits in ``service.json``, 0600).

State dir layout (the service's part): ``ca/`` (CA, server cert, bundle), ``service.json`` (ports,
pid, admin key; 0600), ``service.lock`` (serialises start/stop/reset across processes),
``service.log`` (access and error log; never secrets).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import logging.handlers
import os
import re
import secrets
import select
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_SCALE",
    "DEFAULT_SEED",
    "SandboxError",
    "default_state_dir",
    "ensure_running",
    "impersonated_hosts",
    "reset",
    "resolve_state_dir",
    "serve",
    "status",
    "stop",
]

log = logging.getLogger("grooper_nb.sandbox.service")

DEFAULT_SEED = 42
DEFAULT_SCALE = "small"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

SERVICE_JSON = "service.json"
LOCK_FILE = "service.lock"
LOG_FILE = "service.log"
CA_DIR = "ca"

_FIXED_HOSTS = ("login.microsoftonline.com", "graph.microsoft.com", "outlook.office365.com")
_DESCRIBE_PATH = "/_sandbox/service/describe"
_KEY_HEADER = "X-Grooper-Sandbox-Key"
_HANDSHAKE_TIMEOUT = 10.0
_IDLE_TIMEOUT = 120


class SandboxError(RuntimeError):
    """The sandbox service could not be started, found or stopped; the message says why."""


# --------------------------------------------------------------------------------------------------
# State dir and host names


def default_state_dir() -> Path:
    """``$GROOPER_NB_SANDBOX_DIR``, else ``$XDG_CACHE_HOME/grooper-nb/sandbox`` (``~/.cache/...``)."""
    explicit = os.environ.get("GROOPER_NB_SANDBOX_DIR")
    if explicit:
        return Path(explicit).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "grooper-nb" / "sandbox"


def resolve_state_dir(state_dir: str | os.PathLike[str] | None = None) -> Path:
    """The absolute state dir for ``state_dir`` (or the default), without creating it."""
    return Path(os.path.realpath(Path(state_dir).expanduser() if state_dir else default_state_dir()))


def impersonated_hosts(sharepoint_host: str) -> list[str]:
    """Every host name the proxy lets through and the server certificate names, for one tenant.

    >>> impersonated_hosts("contoso.sharepoint.com")[-2:]
    ['contoso.sharepoint.com', 'contoso-my.sharepoint.com']
    """
    label, dot, rest = sharepoint_host.lower().partition(".")
    return [*_FIXED_HOSTS, sharepoint_host.lower(), f"{label}-my{dot}{rest}"]


# --------------------------------------------------------------------------------------------------
# Launcher side: find, start, stop (runs in the caller's process)


def ensure_running(
    state_dir: str | os.PathLike[str] | None = None,
    seed: int | None = None,
    scale: str | None = None,
    *,
    timeout: float = START_TIMEOUT,
) -> dict:
    """Start the sandbox for ``state_dir`` or reuse the one running there; return the start JSON.

    Safe to call from several processes at once: a lock file in the state dir makes them share one
    service. ``seed`` (default 42) and ``scale`` (default "small") only matter when the tenant is
    created; a running service keeps its own (a warning says so if they differ).
    """
    d = resolve_state_dir(state_dir)
    _make_state_dir(d)
    info = _live_info(d, attempts=1)
    if info is None:
        with _locked(d):
            info = _live_info(d, attempts=3)
            if info is None:
                _stop_locked(d)
                info = _spawn_locked(d, seed, scale, timeout)
    _warn_if_different(d, seed, scale)
    return info


def status(state_dir: str | os.PathLike[str] | None = None) -> dict | None:
    """The start JSON of the service running for ``state_dir``, or None if none answers."""
    d = resolve_state_dir(state_dir)
    if not d.is_dir():
        return None
    return _live_info(d, attempts=2)


def stop(state_dir: str | os.PathLike[str] | None = None, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the service for ``state_dir``. True if one was running; never fails when none is."""
    d = resolve_state_dir(state_dir)
    if not d.is_dir():
        return False
    with _locked(d):
        return _stop_locked(d, timeout)


def reset(
    state_dir: str | os.PathLike[str] | None = None,
    seed: int | None = None,
    scale: str | None = None,
    *,
    timeout: float = START_TIMEOUT,
) -> dict:
    """Stop, wipe the tenant (database, per-app certificates), start fresh; return the start JSON.

    The CA is kept, so CA bundles handed out before stay valid. Without ``seed``/``scale`` the
    previous service's values are reused (else the defaults).
    """
    d = resolve_state_dir(state_dir)
    _make_state_dir(d)
    with _locked(d):
        meta = _read_meta(d) or {}
        seed = meta.get("seed") if seed is None else seed
        scale = meta.get("scale") if scale is None else scale
        _stop_locked(d)
        _wipe_tenant(d)
        return _spawn_locked(d, seed, scale, timeout)


def _make_state_dir(d: Path) -> None:
    existed = d.exists()
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not existed:
        os.chmod(d, 0o700)


@contextlib.contextmanager
def _locked(d: Path, timeout: float = 2 * START_TIMEOUT) -> Iterator[None]:
    """Hold the state dir's lock file (``flock``), so start/stop/reset never interleave."""
    import fcntl  # POSIX only; imported here so merely importing this module works everywhere

    fd = os.open(d / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SandboxError(
                        f"another process has held {d / LOCK_FILE} for {timeout:.0f} s; "
                        "is a sandbox start hanging? See " + str(d / LOG_FILE)
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def _read_meta(d: Path) -> dict | None:
    try:
        meta = json.loads((d / SERVICE_JSON).read_text())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and isinstance(meta.get("pid"), int) else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie still answers kill(0) but is gone for our purposes
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_our_service(pid: int, d: Path) -> bool:
    """Whether ``pid`` is a ``serve`` process for ``d`` (guards against recycled pids)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return False
    except OSError:
        return True  # no /proc to ask: trust service.json
    return b"grooper_nb.sandbox" in argv and b"serve" in argv and os.fsencode(str(d)) in argv


def _query_describe(meta: dict, timeout: float) -> dict | None:
    """Ask the running service for its live tenant description; None if it does not answer as ours."""
    url = f"http://127.0.0.1:{int(meta['browser_port'])}{_DESCRIBE_PATH}"  # loopback http, by construction
    request = urllib.request.Request(url, headers={_KEY_HEADER: meta["admin_key"]})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy
    try:
        with opener.open(request, timeout=timeout) as response:
            payload = json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None
    if payload.get("pid") != meta["pid"] or payload.get("state_dir") != meta["state_dir"]:
        return None
    return payload


def _live_info(d: Path, attempts: int) -> dict | None:
    meta = _read_meta(d)
    if meta is None or not _pid_alive(meta["pid"]):
        return None
    for attempt in range(attempts):
        described = _query_describe(meta, timeout=3.0 + 2.0 * attempt)
        if described is not None:
            return _start_json(meta, described)
        if not _pid_alive(meta["pid"]):
            return None
    return None


def _start_json(meta: dict, described: dict) -> dict:
    """The contract's start JSON (contracts.md §1) from service.json and the live description."""
    bundle = meta["ca_bundle"]
    return {
        "proxy": meta["proxy"],
        "ca_bundle": bundle,
        "ca_cert": meta["ca_cert"],
        "env": {
            "HTTPS_PROXY": meta["proxy"],
            "REQUESTS_CA_BUNDLE": bundle,
            "SSL_CERT_FILE": bundle,
            "CURL_CA_BUNDLE": bundle,
        },
        "tenant": described["tenant"],
        "users": described["users"],
        "apps": described["apps"],
        "browser_url": meta["browser_url"],
        "state_dir": meta["state_dir"],
        "pid": meta["pid"],
    }


def _warn_if_different(d: Path, seed: int | None, scale: str | None) -> None:
    meta = _read_meta(d) or {}
    for name, wanted in (("seed", seed), ("scale", scale)):
        if wanted is not None and meta.get(name) is not None and str(meta[name]) != str(wanted):
            warnings.warn(
                f"the sandbox in {d} is already running with {name} {meta[name]}; "
                f"run `python -m grooper_nb.sandbox reset --{name} {wanted}` to switch",
                stacklevel=3,
            )


def _stop_locked(d: Path, timeout: float = STOP_TIMEOUT) -> bool:
    meta = _read_meta(d)
    stopped = False
    if meta is not None and _pid_alive(meta["pid"]) and _is_our_service(meta["pid"], d):
        pid = meta["pid"]
        _signal(pid, signal.SIGTERM)
        if not _wait_gone(pid, timeout):
            log.warning("sandbox pid %d ignored SIGTERM for %.0f s; killing it", pid, timeout)
            _signal(pid, signal.SIGKILL)
            _wait_gone(pid, 5.0)
        stopped = True
    with contextlib.suppress(FileNotFoundError):
        (d / SERVICE_JSON).unlink()
    return stopped


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _wipe_tenant(d: Path) -> None:
    from grooper_nb.sandbox.store import Store

    wipe = getattr(Store, "wipe", None)
    if wipe is None:
        raise SandboxError(
            "reset needs Store.wipe(state_dir) from grooper_nb.sandbox.store, which is missing; "
            "the tenant was left as it was"
        )
    wipe(d)


def _package_root() -> str:
    """The directory holding this ``grooper_nb`` (from this file: works for namespace imports too)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _spawn_locked(d: Path, seed: int | None, scale: str | None, timeout: float) -> dict:
    """Start ``serve`` detached (double fork: never our zombie) and wait for it to say it is ready."""
    seed = DEFAULT_SEED if seed is None else int(seed)
    scale = DEFAULT_SCALE if scale is None else str(scale)
    env = dict(os.environ)
    # The service must run this very checkout of grooper_nb, whatever the caller's cwd.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_package_root(), env.get("PYTHONPATH")) if p)
    argv = [sys.executable, "-m", "grooper_nb.sandbox", "serve", "--state-dir", str(d)]
    argv += ["--seed", str(seed), "--scale", scale, "--detach"]
    read_fd, write_fd = os.pipe()
    log_fd = os.open(d / LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        launcher = subprocess.Popen(
            [*argv, "--ready-fd", str(write_fd)],
            pass_fds=(write_fd,),
            stdin=subprocess.DEVNULL,
            stdout=log_fd,
            stderr=log_fd,
            cwd=str(d),
            env=env,
            start_new_session=True,
        )
    finally:
        os.close(write_fd)
        os.close(log_fd)
    try:
        launcher.wait(timeout=timeout)
        messages = _read_ready(read_fd, timeout)
    finally:
        os.close(read_fd)
    final = messages[-1] if messages else {}
    if final.get("ok") is not True:
        pid = next((m["pid"] for m in messages if "pid" in m), None)
        if pid is not None and _pid_alive(pid):
            _signal(pid, signal.SIGKILL)
        reason = final.get("error") or (
            f"no ready signal within {timeout:.0f} s" if pid is not None else "it exited at once"
        )
        raise SandboxError(f"the sandbox service for {d} did not start: {reason}\n{_log_tail(d)}")
    info = _live_info(d, attempts=3)
    if info is None:
        raise SandboxError(f"the sandbox service for {d} started but does not answer\n{_log_tail(d)}")
    return info


def _read_ready(fd: int, timeout: float) -> list[dict]:
    """JSON lines the service writes on its ready pipe, until it closes the pipe or time runs out."""
    deadline = time.monotonic() + timeout
    buf = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buf += chunk
    messages = []
    for line in buf.decode("utf-8", "replace").splitlines():
        with contextlib.suppress(ValueError):
            messages.append(json.loads(line))
    return messages


def _log_tail(d: Path, lines: int = 25) -> str:
    try:
        tail = (d / LOG_FILE).read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return f"(no log at {d / LOG_FILE})"
    return f"--- last lines of {d / LOG_FILE} ---\n" + "\n".join(tail)


# --------------------------------------------------------------------------------------------------
# Service side: the `serve` process


_SENSITIVE_PARAMS = frozenset(
    {
        "code",
        "access_token",
        "id_token",
        "refresh_token",
        "client_secret",
        "client_assertion",
        "assertion",
        "password",
        "passwd",
        "code_verifier",
        "otc",
        "user_code",
        "device_code",
        "sig",
    }
)
_JWT_LIKE = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")


def _redact_target(target: str) -> str:
    """A request target safe to log: sensitive query values and anything JWT-shaped masked."""
    path, sep, query = target.partition("?")
    if sep:
        parts = []
        for pair in query.split("&"):
            name, eq, _value = pair.partition("=")
            if eq and urllib.parse.unquote_plus(name).lower() in _SENSITIVE_PARAMS:
                pair = f"{name}=***"
            parts.append(pair)
        target = path + "?" + "&".join(parts)
    return _JWT_LIKE.sub("eyJ***", target)


def _handler_class():
    from werkzeug.serving import WSGIRequestHandler

    access = logging.getLogger("grooper_nb.sandbox.access")

    class Handler(WSGIRequestHandler):
        """werkzeug's handler, with idle keep-alive threads reaped and a redacting access log."""

        timeout = _IDLE_TIMEOUT

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            target = _redact_target(getattr(self, "path", "") or "")
            host = self.headers.get("Host", "-") if getattr(self, "headers", None) else "-"
            access.info('%s "%s %s" %s %s', host, getattr(self, "command", "-"), target, code, size)

    return Handler


def _tls_server(app: Any, ctx: ssl.SSLContext, handler: type):
    """A threaded werkzeug server on 127.0.0.1 that does each TLS handshake in the request thread.

    werkzeug's own ``ssl_context=`` wraps the listening socket, so handshakes run in the accept loop
    and one client that connects and stays silent blocks every other client. Here the listening
    socket stays plain; ``finish_request`` (already on the connection's own thread) does the
    handshake with a timeout.
    """
    from werkzeug.serving import ThreadedWSGIServer

    class TLSServer(ThreadedWSGIServer):
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


class _ServiceRoutes:
    """Service-private routes in front of the browser app: live describe, guarded by the admin key."""

    def __init__(self, app: Any, key: str, describe: Any, identity: dict) -> None:
        self.app, self.key, self.describe, self.identity = app, key, describe, identity

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != _DESCRIBE_PATH:
            return self.app(environ, start_response)
        given = environ.get("HTTP_" + _KEY_HEADER.upper().replace("-", "_"), "")
        if not hmac.compare_digest(given.encode(), self.key.encode()):
            return _plain(start_response, "403 Forbidden", "missing or wrong sandbox admin key\n")
        body = json.dumps({**self.identity, **self.describe()}).encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [body]


def _plain(start_response, status: str, text: str):
    body = text.encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]


def _setup_logging(d: Path) -> None:
    path = d / LOG_FILE
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    # Bounded: an export against --scale large logs hundreds of thousands of requests.
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=10_000_000, backupCount=2, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    # werkzeug only adds its own stderr handler when no handler at its level exists up the tree.
    logging.getLogger("werkzeug").setLevel(logging.INFO)


def _write_meta(d: Path, meta: dict) -> None:
    tmp = d / f".{SERVICE_JSON}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, json.dumps(meta, indent=1).encode())
    finally:
        os.close(fd)
    os.replace(tmp, d / SERVICE_JSON)


def serve(
    state_dir: str | os.PathLike[str],
    seed: int = DEFAULT_SEED,
    scale: str = DEFAULT_SCALE,
    ready_fd: int | None = None,
    detach: bool = False,
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
    _setup_logging(d)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    started = time.monotonic()
    try:
        store, servers, meta = _start(d, seed, scale)
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
    current = _read_meta(d)
    if current is not None and current.get("pid") == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            (d / SERVICE_JSON).unlink()
    log.info("stopped")
    return 0


def _start(d: Path, seed: int, scale: str) -> tuple[Any, dict, dict]:
    """Open the store, make TLS material, bind all three listeners; nothing serves yet."""
    from werkzeug.serving import make_server

    from grooper_nb.sandbox import tls
    from grooper_nb.sandbox.hosts import create_browser_app, create_tls_app
    from grooper_nb.sandbox.proxy import ConnectProxy
    from grooper_nb.sandbox.store import Store

    store = Store.open(d, seed=seed, scale=scale)
    try:
        hosts = impersonated_hosts(store.describe()["tenant"]["sharepoint_host"])
        ca = tls.ensure_ca(d / CA_DIR)
        cert, key = tls.ensure_server_cert(ca, [*hosts, "localhost", "127.0.0.1"])
        bundle = tls.write_bundle(ca, d / CA_DIR / "bundle.pem")
        ctx = tls.server_context(cert, key)

        handler = _handler_class()
        browser_app, tls_app = _LateApp(), _LateApp()
        browser = make_server("127.0.0.1", 0, browser_app, threaded=True, request_handler=handler)
        browser_url = f"http://127.0.0.1:{browser.port}"
        tls_server = _tls_server(tls_app, ctx, handler)
        proxy = ConnectProxy(upstream=("127.0.0.1", tls_server.port), allowed_hosts=hosts)

        admin_key = secrets.token_urlsafe(32)
        identity = {"pid": os.getpid(), "state_dir": str(d)}
        tls_app.app = create_tls_app(store, browser_url=browser_url)
        browser_app.app = _ServiceRoutes(
            create_browser_app(store, browser_url=browser_url), admin_key, store.describe, identity
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
        "admin_key": admin_key,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return store, {"tls": tls_server, "proxy": proxy, "browser": browser}, meta
