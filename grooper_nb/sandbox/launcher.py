"""The sandbox launcher: find, start, stop or reset the one background service per state dir.

Client code calls :func:`ensure_running` (``profile.connect()`` is the only caller in the package);
the CLI (``python -m grooper_nb.sandbox``) wraps the same functions::

    info = ensure_running()            # starts it, or finds the one already running for the dir
    info["env"]                        # HTTPS_PROXY + CA bundle variables: any requests client works
    status(); stop(); reset()

``ensure_running`` returns the start JSON (docs/sandbox.md, "CLI"). Tenant, users and apps come live from the
running service (a key-guarded route on the browser server; the key sits in ``service.json``, 0600).
The service process itself (TLS server, proxy, browser server) is :mod:`.process`; this module only
spawns it (``python -m grooper_nb.sandbox serve``) and never imports it.

State dir layout (the service's part): ``ca/`` (CA, server cert, bundle), ``service.json`` (ports,
pid, seed, scale and connector of the tenant, admin key; 0600), ``service.lock`` (serialises start/stop/reset
across processes), ``service.log`` (access and error log; never secrets).

The state dir belongs to its user: one that another user owns, or that group or others may write, is
refused (:func:`check_state_dir`), because whoever may write it could plant a ``service.json`` that
sends every secret through their own proxy and CA. ``service.json`` itself is trusted only as the
service writes it (:func:`read_meta`): the user's own, mode 0600, its CA files in the state dir and
its proxy and browser server on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._files import open_private

__all__ = [
    "CONNECTOR_STATES",
    "DEFAULT_CONNECTOR",
    "DEFAULT_SCALE",
    "DEFAULT_SEED",
    "SandboxError",
    "admin_get",
    "admin_headers",
    "admin_post",
    "check_state_dir",
    "clear_faults",
    "clear_requests",
    "default_state_dir",
    "ensure_running",
    "faults",
    "requests",
    "reset",
    "resolve_state_dir",
    "set_ews_policy",
    "set_fault",
    "status",
    "stop",
]

log = logging.getLogger("grooper_nb.sandbox.launcher")

DEFAULT_SEED = 42
DEFAULT_SCALE = "small"
# Where the seed tenant starts with Grooper's multi-tenant connector (docs/sandbox.md, "Seed"). in-tenant:
# registered in the customer tenant itself, consented (the historical starting point, where its application
# object, secrets included, can be audited); consented / unconsented: registered in its publisher's tenant,
# as Grooper's really is, with or without the customer's consent.
DEFAULT_CONNECTOR = "in-tenant"
CONNECTOR_STATES = ("in-tenant", "consented", "unconsented")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

SERVICE_JSON = "service.json"
LOCK_FILE = "service.lock"
LOG_FILE = "service.log"
CA_DIR = "ca"
BUNDLE_FILE = "bundle.pem"
CA_CERT_FILE = "ca.pem"
# Where a sandbox profile keeps its client token cache (``Profile.cache_path``); ``reset`` empties it,
# because the tokens in it were signed by the keys the reset wipes.
CLIENT_TOKEN_CACHE_DIR = "client-token-cache"
_LOOPBACK_URL = re.compile(r"http://127\.0\.0\.1:[0-9]{1,5}")

DESCRIBE_PATH = "/_sandbox/service/describe"  # key-guarded route the server mounts for the launcher
KEY_HEADER = "X-Grooper-Sandbox-Key"


class SandboxError(RuntimeError):
    """The sandbox service could not be started, found or stopped; the message says why."""


# --------------------------------------------------------------------------------------------------
# State dir


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


def check_state_dir(d: Path) -> None:
    """Refuse a state dir that is not a directory of this user's that only this user may write.

    Whoever may write it could plant ``service.json`` or a ``service.log`` symlink; the same rule
    OpenSSH applies to ``~/.ssh`` (sshd(8), "StrictModes").
    """
    try:
        st = os.lstat(d)
    except OSError as exc:
        raise SandboxError(f"the sandbox state dir {d} cannot be read: {exc.strerror}") from None
    way_out = "or use a directory of your own (--state-dir or $GROOPER_NB_SANDBOX_DIR)"
    if not stat.S_ISDIR(st.st_mode):
        raise SandboxError(f"the sandbox state dir {d} is not a directory; remove it {way_out}")
    if st.st_uid != os.geteuid():
        raise SandboxError(
            f"the sandbox state dir {d} is owned by uid {st.st_uid}, not by you (uid {os.geteuid()}): "
            f"its owner could plant the files the sandbox trusts. `chown` it to yourself {way_out}."
        )
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise SandboxError(
            f"the sandbox state dir {d} may be written by group or others (mode "
            f"{stat.S_IMODE(st.st_mode):o}), who could plant the files the sandbox trusts. "
            f"Run `chmod 700 {d}` {way_out}."
        )


# --------------------------------------------------------------------------------------------------
# Launcher side: find, start, stop (runs in the caller's process)


def ensure_running(
    state_dir: str | os.PathLike[str] | None = None,
    seed: int | None = None,
    scale: str | None = None,
    *,
    connector: str | None = None,
    timeout: float = START_TIMEOUT,
) -> dict:
    """Start the sandbox for ``state_dir`` or reuse the one running there; return the start JSON.

    Safe to call from several processes at once: a lock file in the state dir makes them share one
    service. ``seed`` (default 42), ``scale`` (default "small") and ``connector`` (default "in-tenant";
    "consented" / "unconsented": the connector lives in its publisher's tenant, with or without a service
    principal in this one) only matter when
    the tenant is created; an existing tenant keeps its own (a warning says so if they differ).
    """
    d = resolve_state_dir(state_dir)
    _make_state_dir(d)
    info = _live_info(d, attempts=1)
    if info is None:
        with _locked(d):
            info = _live_info(d, attempts=3)
            if info is None:
                _stop_locked(d)
                info = _spawn_locked(d, seed, scale, timeout, connector)
    _warn_if_different(d, seed, scale, connector)
    return info


def status(state_dir: str | os.PathLike[str] | None = None) -> dict | None:
    """The start JSON of the service running for ``state_dir``, or None if none answers."""
    d = resolve_state_dir(state_dir)
    if not d.exists():
        return None
    check_state_dir(d)
    return _live_info(d, attempts=2)


def stop(state_dir: str | os.PathLike[str] | None = None, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the service for ``state_dir``. True if one was running; never fails when none is."""
    d = resolve_state_dir(state_dir)
    if not d.exists():
        return False
    check_state_dir(d)
    with _locked(d):
        return _stop_locked(d, timeout)


def reset(
    state_dir: str | os.PathLike[str] | None = None,
    seed: int | None = None,
    scale: str | None = None,
    *,
    connector: str | None = None,
    timeout: float = START_TIMEOUT,
) -> dict:
    """Stop, wipe the tenant (database, signing keys, per-app certificates), start fresh; return the
    start JSON.

    The client token cache of sandbox profiles in this dir goes too (its tokens were signed by the
    wiped keys). The CA is kept, so CA bundles handed out before stay valid. Without
    ``seed``/``scale``/``connector`` the previous tenant's values are reused (as recorded in
    ``service.json``; else the defaults).
    """
    d = resolve_state_dir(state_dir)
    _make_state_dir(d)
    with _locked(d):
        meta = read_meta(d) or {}
        seed = meta.get("seed") if seed is None else seed
        scale = meta.get("scale") if scale is None else scale
        connector = meta.get("connector") if connector is None else connector
        _stop_locked(d)
        _wipe_tenant(d)
        shutil.rmtree(d / CLIENT_TOKEN_CACHE_DIR, ignore_errors=True)
        return _spawn_locked(d, seed, scale, timeout, connector)


def _make_state_dir(d: Path) -> None:
    existed = d.exists()
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not existed:
        os.chmod(d, 0o700)
    check_state_dir(d)


@contextlib.contextmanager
def _locked(d: Path, timeout: float = 2 * START_TIMEOUT) -> Iterator[None]:
    """Hold the state dir's lock file (``flock``), so start/stop/reset never interleave."""
    import fcntl  # POSIX only; imported here so merely importing this module works everywhere

    fd = _open_in_state_dir(d / LOCK_FILE, os.O_RDWR)
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


def _open_in_state_dir(path: Path, flags: int) -> int:
    try:
        return open_private(path, flags)
    except OSError as exc:
        raise SandboxError(
            f"cannot open {path}: {exc.strerror}. If it is a symlink, nothing the sandbox made: remove it."
        ) from None


def read_meta(d: Path) -> dict | None:
    """``service.json`` of ``d`` if there is one, None if there is none (or it is not JSON).

    Raises :class:`SandboxError` when it is not as the service writes it: another user's, readable
    by others, a symlink, or pointing anywhere but this state dir's CA files and 127.0.0.1.
    """
    path = d / SERVICE_JSON
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SandboxError(f"{path} cannot be read ({exc.strerror}); remove it") from None
    with os.fdopen(fd, "rb") as f:
        _check_meta_file(path, os.fstat(f.fileno()))
        text = f.read()
    try:
        meta = json.loads(text)
    except ValueError:
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("pid"), int):
        return None
    _check_meta_points_home(d, meta)
    return meta


def _untrusted(path: Path, why: str) -> SandboxError:
    return SandboxError(
        f"{path} is not trusted: {why}. The sandbox service writes it 0600, for its own user, pointing "
        "at its own state dir and 127.0.0.1; another user may have planted it. Remove it (and stop the "
        "process it names yourself if one still runs), then start again."
    )


def _check_meta_file(path: Path, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
        raise _untrusted(path, f"it is owned by uid {st.st_uid}, not by you")
    if st.st_mode & 0o077:
        raise _untrusted(path, f"its mode is {stat.S_IMODE(st.st_mode):o}, not 600")


def _check_meta_points_home(d: Path, meta: dict) -> None:
    path = d / SERVICE_JSON
    expected = {
        "state_dir": str(d),
        "ca_bundle": str(d / CA_DIR / BUNDLE_FILE),
        "ca_cert": str(d / CA_DIR / CA_CERT_FILE),
    }
    for key, value in expected.items():
        if meta.get(key) != value:
            raise _untrusted(path, f"its {key} is not {value}")  # never echo what was planted
    for key in ("proxy", "browser_url"):
        if not isinstance(meta.get(key), str) or not _LOOPBACK_URL.fullmatch(meta[key]):
            raise _untrusted(path, f"its {key} is not an http://127.0.0.1:PORT address")


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
    url = f"http://127.0.0.1:{int(meta['browser_port'])}{DESCRIBE_PATH}"  # loopback http, by construction
    request = urllib.request.Request(url, headers={KEY_HEADER: meta["admin_key"]})
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
    meta = read_meta(d)
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
    """The start JSON (docs/sandbox.md) from service.json and the live description."""
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
        "publisher_tenant": described.get("publisher_tenant"),
        "users": described["users"],
        "apps": described["apps"],
        "browser_url": meta["browser_url"],
        "state_dir": meta["state_dir"],
        "pid": meta["pid"],
    }


def admin_headers(state_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The header a state-changing ``/_sandbox/`` request needs: the admin key from ``service.json``.

    Only the user who owns the state dir can read it (0600); raises :class:`SandboxError` when no
    service runs there.
    """
    d = resolve_state_dir(state_dir)
    if d.exists():
        check_state_dir(d)
    meta = read_meta(d)
    if meta is None or not isinstance(meta.get("admin_key"), str):
        raise SandboxError(f"no sandbox service runs for {d}; start it first")
    return {KEY_HEADER: meta["admin_key"]}


def admin_post(
    path: str, payload: dict | None = None, *, state_dir: str | os.PathLike[str] | None = None
) -> dict:
    """POST ``payload`` to ``{browser_url}/_sandbox/{path}`` with the admin key; the JSON answer.

    ``admin_post("clock/advance", {"seconds": 3600})``,
    ``admin_post(f"users/{upn}/revoke-sessions")`` (docs/sandbox.md, "Admin endpoints"). Raises
    :class:`SandboxError` with the service's answer when it is not a 200.
    """
    d = resolve_state_dir(state_dir)
    headers = {**admin_headers(d), "Content-Type": "application/json"}
    meta = read_meta(d) or {}
    url = f"http://127.0.0.1:{int(meta['browser_port'])}/_sandbox/{path.lstrip('/')}"  # loopback http
    body = json.dumps(payload or {}).encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy
    try:
        with opener.open(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise SandboxError(f"POST /_sandbox/{path} answered {exc.code}: {exc.read()[:500]!r}") from None
    except (OSError, ValueError) as exc:
        raise SandboxError(f"POST /_sandbox/{path} failed: {exc}") from None


def admin_get(path: str, *, state_dir: str | os.PathLike[str] | None = None, **query: Any) -> dict:
    """GET ``{browser_url}/_sandbox/{path}?query`` (None values left out); the JSON answer. Raises
    :class:`SandboxError` when no service runs or it answers other than 200."""
    d = resolve_state_dir(state_dir)
    if d.exists():
        check_state_dir(d)
    meta = read_meta(d)
    if meta is None:
        raise SandboxError(f"no sandbox service runs for {d}; start it first")
    params = urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
    url = f"http://127.0.0.1:{int(meta['browser_port'])}/_sandbox/{path.lstrip('/')}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy
    try:
        with opener.open(url + (f"?{params}" if params else ""), timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise SandboxError(f"GET /_sandbox/{path} answered {exc.code}: {exc.read()[:500]!r}") from None
    except (OSError, ValueError) as exc:
        raise SandboxError(f"GET /_sandbox/{path} failed: {exc}") from None


def set_ews_policy(
    state_dir: str | os.PathLike[str] | None,
    enabled: bool | None,
    allowed_app_ids: list[str] | None = None,
) -> dict:
    """Set the tenant's EWS policy (docs/sandbox.md, "Exchange Web Services"): ``enabled`` False blocks
    EWS for every app; True with ``allowed_app_ids`` only lets those apps in; None (both) is Exchange
    Online's default. Returns the policy now in force."""
    return admin_post(
        "ews-policy", {"enabled": enabled, "allowed_app_ids": allowed_app_ids}, state_dir=state_dir
    )


def set_fault(state_dir: str | os.PathLike[str] | None, name: str, **params: Any) -> dict:
    """Switch the fault scenario ``name`` on in the service of ``state_dir`` (docs/sandbox.md, "Faults"):
    ``set_fault(d, "throttle", rate=0.2, seed=7)``, ``set_fault(d, "unavailable", count=3)``. Returns
    the fault as switched on."""
    return admin_post("faults", {"name": name, **params}, state_dir=state_dir)["on"]


def clear_faults(state_dir: str | os.PathLike[str] | None = None, name: str | None = None) -> list[str]:
    """Switch fault ``name`` off, or every fault; the names switched off."""
    return admin_post("faults", {"off": name or True}, state_dir=state_dir)["off"]


def faults(state_dir: str | os.PathLike[str] | None = None) -> list[dict]:
    """The faults switched on in the service of ``state_dir``, with what each has done so far."""
    return admin_get("faults", state_dir=state_dir)["active"]


def requests(
    state_dir: str | os.PathLike[str] | None = None,
    host: str | None = None,
    since: int = 0,
    limit: int | None = None,
) -> dict:
    """The service's request log (docs/sandbox.md, "Request log"): ``{"entries": [...], "last": N}``,
    the entries after ``since`` (of ``host`` only, if given); pass ``last`` as the next ``since``."""
    return admin_get("requests", state_dir=state_dir, host=host, since=since, limit=limit)


def clear_requests(state_dir: str | os.PathLike[str] | None = None) -> int:
    """Forget the request log's entries; how many there were."""
    return admin_post("requests/clear", state_dir=state_dir)["cleared"]


def _warn_if_different(d: Path, seed: int | None, scale: str | None, connector: str | None = None) -> None:
    """Say so when the tenant in ``d`` was made with another seed/scale/connector than the caller asked for.

    ``service.json`` records the tenant's own values (read from its database by the server), so this
    also catches a tenant made earlier with ``--seed 7`` and started again with the default.
    """
    meta = read_meta(d) or {}
    for name, wanted in (("seed", seed), ("scale", scale), ("connector", connector)):
        if wanted is not None and meta.get(name) is not None and str(meta[name]) != str(wanted):
            warnings.warn(
                f"the sandbox tenant in {d} was made with {name} {meta[name]}, not {wanted}; "
                f"run `python -m grooper_nb.sandbox reset --{name} {wanted}` to switch",
                stacklevel=3,
            )


def _stop_locked(d: Path, timeout: float = STOP_TIMEOUT) -> bool:
    meta = read_meta(d)
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

    Store.wipe(d)


def _package_root() -> str:
    """The directory holding this ``grooper_nb`` (from this file: works for namespace imports too)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _spawn_locked(
    d: Path, seed: int | None, scale: str | None, timeout: float, connector: str | None = None
) -> dict:
    """Start ``serve`` detached (double fork: never our zombie) and wait for it to say it is ready."""
    seed = DEFAULT_SEED if seed is None else int(seed)
    scale = DEFAULT_SCALE if scale is None else str(scale)
    connector = DEFAULT_CONNECTOR if connector is None else str(connector)
    if connector not in CONNECTOR_STATES:
        raise SandboxError(f"connector must be one of {', '.join(CONNECTOR_STATES)}, not {connector!r}")
    env = dict(os.environ)
    # The service must run this very checkout of grooper_nb, whatever the caller's cwd.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_package_root(), env.get("PYTHONPATH")) if p)
    argv = [sys.executable, "-m", "grooper_nb.sandbox", "serve", "--state-dir", str(d)]
    argv += ["--seed", str(seed), "--scale", scale, "--connector", connector, "--detach"]
    read_fd, write_fd = os.pipe()
    log_fd = _open_in_state_dir(d / LOG_FILE, os.O_WRONLY | os.O_APPEND)
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
