"""The sandbox service as a process (launcher and process): CLI contract, lifecycle, proxy allow-list,
loopback-only, TLS. The admin endpoints are tests/sandbox/test_admin.py.

Everything here runs the real CLI in child processes and talks to the real service over real
sockets and real TLS. Tests that only need a running sandbox use the shared session ``sandbox``;
tests that start, kill, stop or reset one own their state dir (``own_state_dir``).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shlex
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from grooper_nb.sandbox import launcher, process

# --------------------------------------------------------------------------------------------------
# helpers


def _proxy_addr(info: dict) -> tuple[str, int]:
    host, port = info["proxy"].removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _raw_proxy_request(info: dict, request: bytes) -> bytes:
    """Send ``request`` to the proxy on a raw socket and return everything it answers."""
    with socket.create_connection(_proxy_addr(info), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _listening_sockets(pid: int) -> list[tuple[str, str, int]]:
    """(proto, local address hex, port) of every listening TCP socket (and every UDP socket) owned
    by ``pid``, read from /proc: the process's socket inodes matched against its net tables."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        lines = Path(f"/proc/{pid}/net/{proto}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if inode not in inodes:
                continue
            if proto.startswith("tcp") and state != "0A":  # 0A = LISTEN
                continue
            address, port = local.split(":")
            found.append((proto, address, int(port, 16)))
    return found


_LOOPBACK_HEX = {
    "0100007F",  # 127.0.0.1 (little-endian, as /proc/net/tcp prints it)
    "00000000000000000000000001000000",  # ::1
    "0000000000000000FFFF00000100007F",  # ::ffff:127.0.0.1
}


def _serve_processes(state_dir: Path) -> list[int]:
    """Pids of every ``serve`` process for ``state_dir`` (there must never be two)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in argv and b"grooper_nb.sandbox" in argv and os.fsencode(str(state_dir)) in argv:
            pids.append(int(entry.name))
    return pids


def _gone(pid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not launcher._pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    """A minimal environment (no inherited proxy or CA variables) plus ``extra``."""
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "PYTHONPATH") if k in os.environ}
    return {**keep, **extra}


# --------------------------------------------------------------------------------------------------
# the proxy


def test_proxy_refuses_a_host_outside_the_allow_list_naming_it(sandbox: dict) -> None:
    answer = _raw_proxy_request(sandbox, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 403 "), answer
    assert b"text/plain" in head
    assert b"example.com:443" in body and b"login.microsoftonline.com:443" in body


def test_proxy_refuses_an_allowed_host_on_another_port(sandbox: dict) -> None:
    answer = _raw_proxy_request(sandbox, b"CONNECT login.microsoftonline.com:80 HTTP/1.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 403 "), answer
    assert b"login.microsoftonline.com:80" in answer


def test_proxy_refuses_plain_http_proxying(sandbox: dict) -> None:
    answer = _raw_proxy_request(
        sandbox,
        b"GET http://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration HTTP/1.1\r\n"
        b"Host: login.microsoftonline.com\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 403 "), answer
    assert b"plain-HTTP proxying is not offered" in answer


def test_requests_through_the_proxy_fails_loudly_for_other_hosts(sandbox: dict) -> None:
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.exceptions.ProxyError, match="403"):
        session.get(
            "https://www.example.org/",
            proxies={"https": sandbox["proxy"]},
            verify=sandbox["ca_bundle"],
            timeout=10,
        )


def test_proxy_tunnels_every_impersonated_host_to_the_sandbox_certificate(sandbox: dict) -> None:
    sharepoint = sandbox["tenant"]["sharepoint_host"]
    label, _, rest = sharepoint.partition(".")
    session = requests.Session()
    session.trust_env = False
    for host in (
        "login.microsoftonline.com",
        "graph.microsoft.com",
        "outlook.office365.com",
        sharepoint,
        f"{label}-my.{rest}",
    ):
        # Any HTTP status will do: getting one at all means TLS verified the production name
        # against the sandbox CA (a failure raises SSLError or ProxyError here).
        response = session.get(
            f"https://{host}/", proxies={"https": sandbox["proxy"]}, verify=sandbox["ca_bundle"], timeout=10
        )
        assert response.raw.version == 11, host


def test_a_silent_client_does_not_block_the_tls_server(sandbox: dict) -> None:
    """werkzeug would handshake in its accept loop; ours does it per connection."""
    with socket.create_connection(_proxy_addr(sandbox), timeout=10) as silent:
        silent.sendall(b"CONNECT login.microsoftonline.com:443 HTTP/1.1\r\n\r\n")
        assert silent.recv(1024).startswith(b"HTTP/1.1 200")
        # ... and never sends a ClientHello. Another client must still be served at once.
        session = requests.Session()
        session.trust_env = False
        response = session.get(
            f"https://login.microsoftonline.com/{sandbox['tenant']['id']}/v2.0/.well-known/openid-configuration",
            proxies={"https": sandbox["proxy"]},
            verify=sandbox["ca_bundle"],
            timeout=10,
        )
        assert response.status_code == 200


# --------------------------------------------------------------------------------------------------
# loopback only, private files


def test_no_socket_of_the_service_listens_beyond_loopback(sandbox: dict) -> None:
    sockets = _listening_sockets(sandbox["pid"])
    meta = json.loads((Path(sandbox["state_dir"]) / "service.json").read_text())
    ports = {port for _, _, port in sockets}
    # The check must see the service's own listeners, or it proves nothing.
    assert {meta["proxy_port"], meta["tls_port"], meta["browser_port"]} <= ports, sockets
    beyond = [s for s in sockets if s[1] not in _LOOPBACK_HEX]
    assert beyond == [], f"sockets not bound to loopback: {beyond}"


def test_ca_key_server_key_and_service_json_are_private(sandbox: dict) -> None:
    state_dir = Path(sandbox["state_dir"])
    for private in ("ca/ca-key.pem", "ca/server-key.pem", "service.json"):
        mode = stat.S_IMODE((state_dir / private).stat().st_mode)
        assert mode == 0o600, f"{private} has mode {mode:o}"
    assert stat.S_IMODE((state_dir / "ca").stat().st_mode) == 0o700


def test_bundle_holds_public_cas_and_the_sandbox_ca(sandbox: dict) -> None:
    import certifi

    bundle = Path(sandbox["ca_bundle"]).read_text()
    ca = Path(sandbox["ca_cert"]).read_text()
    assert ca.strip() in bundle
    public = Path(certifi.where()).read_text().count("BEGIN CERTIFICATE")
    assert bundle.count("BEGIN CERTIFICATE") == public + 1


# --------------------------------------------------------------------------------------------------
# the env a third-party client gets


def test_requests_with_only_the_printed_env_reaches_tenant_discovery(sandbox: dict, sandbox_cli) -> None:
    proc = sandbox_cli("env", "--state-dir", sandbox["state_dir"])
    assert proc.returncode == 0, proc.stderr
    exported = {}
    for line in proc.stdout.splitlines():
        keyword, assignment = line.split(" ", 1)
        assert keyword == "export"
        key, value = shlex.split(assignment)[0].split("=", 1)
        exported[key] = value
    assert exported == sandbox["env"]

    tenant_id = sandbox["tenant"]["id"]
    url = f"https://login.microsoftonline.com/{tenant_id}/v2.0/.well-known/openid-configuration"
    script = (
        "import json, sys, requests\n"
        "r = requests.get(sys.argv[1], timeout=20)\n"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script, url],
        env=_clean_env(exported),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout)
    assert result["status"] == 200
    assert result["body"]["issuer"] == f"https://login.microsoftonline.com/{tenant_id}/v2.0"


def test_curl_with_the_printed_env_reaches_tenant_discovery(sandbox: dict, sandbox_cli) -> None:
    proc = sandbox_cli("env", "--state-dir", sandbox["state_dir"])
    tenant_id = sandbox["tenant"]["id"]
    url = f"https://login.microsoftonline.com/{tenant_id}/v2.0/.well-known/openid-configuration"
    shell = f'{proc.stdout}\ncurl --silent --show-error --fail "{url}"\n'
    child = subprocess.run(
        ["sh", "-c", shell], env=_clean_env({}), capture_output=True, text=True, timeout=60, check=False
    )
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout)["issuer"] == f"https://login.microsoftonline.com/{tenant_id}/v2.0"


# --------------------------------------------------------------------------------------------------
# logging: quiet terminal, no secrets


def test_start_prints_only_the_json_and_the_log_keeps_secrets_out(sandbox: dict, sandbox_cli) -> None:
    proc = sandbox_cli("start", "--state-dir", sandbox["state_dir"])
    assert proc.returncode == 0 and proc.stderr == ""
    assert json.loads(proc.stdout)["pid"] == sandbox["pid"]

    # A person's browser lands on the native-client page with the auth code in the query string.
    requests.get(
        f"{sandbox['browser_url']}/common/oauth2/nativeclient?code=SECRET-AUTH-CODE-123&state=s1",
        proxies={"http": None},
        timeout=10,
    )
    log_text = (Path(sandbox["state_dir"]) / "service.log").read_text()
    assert "/common/oauth2/nativeclient?code=***&state=s1" in log_text
    assert "SECRET-AUTH-CODE-123" not in log_text
    secrets = [u["password"] for u in sandbox["users"] if u.get("password")]
    secrets += [a[k] for a in sandbox["apps"] for k in ("client_secret", "expired_client_secret") if a.get(k)]
    assert secrets, "the seed tenant should have passwords and client secrets to check against"
    leaked = [s for s in secrets if s in log_text]
    assert leaked == []
    meta = json.loads((Path(sandbox["state_dir"]) / "service.json").read_text())
    assert meta["admin_key"] not in log_text


# --------------------------------------------------------------------------------------------------
# lifecycle (own state dirs)


def test_two_concurrent_starts_on_a_new_dir_share_one_process(
    own_state_dir: Path, sandbox_cli, report_timing
) -> None:
    def start() -> tuple[float, subprocess.CompletedProcess]:
        began = time.monotonic()
        proc = sandbox_cli("start", "--state-dir", str(own_state_dir))
        return time.monotonic() - began, proc

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: start(), range(2)))
    infos = []
    for seconds, proc in results:
        assert proc.returncode == 0, proc.stderr
        infos.append(json.loads(proc.stdout))
        report_timing("`start` on a new state dir (2 concurrent calls)", seconds)
    assert infos[0]["pid"] == infos[1]["pid"]
    assert infos[0]["proxy"] == infos[1]["proxy"]
    assert _serve_processes(own_state_dir) == [infos[0]["pid"]]


def test_status_stop_and_their_exit_codes(own_state_dir: Path, sandbox_cli, start_json) -> None:
    before = sandbox_cli("status", "--state-dir", str(own_state_dir))
    assert before.returncode == 3
    assert json.loads(before.stdout) == {"running": False, "state_dir": str(own_state_dir)}

    started = start_json(own_state_dir)
    running = sandbox_cli("status", "--state-dir", str(own_state_dir))
    assert running.returncode == 0
    assert json.loads(running.stdout) == started

    assert sandbox_cli("stop", "--state-dir", str(own_state_dir)).returncode == 0
    assert _gone(started["pid"])
    assert not (own_state_dir / "service.json").exists()
    assert sandbox_cli("status", "--state-dir", str(own_state_dir)).returncode == 3
    assert sandbox_cli("stop", "--state-dir", str(own_state_dir)).returncode == 0  # idempotent


def test_start_reuses_a_running_service_and_replaces_a_dead_one(own_state_dir: Path, start_json) -> None:
    first = start_json(own_state_dir)
    assert start_json(own_state_dir)["pid"] == first["pid"]

    os.kill(first["pid"], 9)  # leaves a stale service.json behind
    assert _gone(first["pid"])
    assert json.loads((own_state_dir / "service.json").read_text())["pid"] == first["pid"]

    second = start_json(own_state_dir)
    assert second["pid"] != first["pid"]
    assert second["tenant"] == first["tenant"]  # the tenant survives a restart (SQLite)
    assert _serve_processes(own_state_dir) == [second["pid"]]


def test_reset_yields_a_fresh_tenant(own_state_dir: Path, start_json) -> None:
    first = start_json(own_state_dir)
    other_seed = start_json(own_state_dir, "--seed", "7", command="reset")
    assert other_seed["tenant"]["id"] != first["tenant"]["id"]
    assert other_seed["pid"] != first["pid"] and _gone(first["pid"])
    assert other_seed["ca_cert"] == first["ca_cert"]  # the CA is kept; handed-out bundles stay valid

    # Without --seed, reset keeps the seed (same ids) but the tenant state is new: fresh app keys.
    again = start_json(own_state_dir, command="reset")
    assert again["tenant"]["id"] == other_seed["tenant"]["id"]
    thumbprints = {a["name"]: a["certificate_thumbprint"] for a in other_seed["apps"]}
    fresh = {a["name"]: a["certificate_thumbprint"] for a in again["apps"]}
    with_certs = [name for name, thumb in thumbprints.items() if thumb]
    assert with_certs, "the seed tenant should have an app with a certificate"
    assert all(fresh[name] != thumbprints[name] for name in with_certs)


# --------------------------------------------------------------------------------------------------
# pure parts


def test_default_state_dir_follows_env_then_xdg_then_home(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GROOPER_NB_SANDBOX_DIR", str(tmp_path / "explicit"))
    assert launcher.default_state_dir() == tmp_path / "explicit"
    monkeypatch.delenv("GROOPER_NB_SANDBOX_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert launcher.default_state_dir() == tmp_path / "xdg" / "grooper-nb" / "sandbox"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert launcher.default_state_dir() == tmp_path / "home" / ".cache" / "grooper-nb" / "sandbox"


def test_access_log_redaction_masks_codes_and_jwts() -> None:
    jwt = ".".join(["eyJhbGciOiJSUzI1NiJ9", "eyJzdWIiOiJ4In0", "c2lnbmF0dXJl"])  # built, not committed
    line = process.redact_target(f"/cb?state=abc&code=0.AAA-secret&x={jwt}&client_secret=s3")
    assert line == "/cb?state=abc&code=***&x=eyJ***&client_secret=***"


def test_importing_the_sandbox_starts_nothing_and_stays_off_the_client_side(tmp_path: Path) -> None:
    script = (
        "import sys, threading\n"
        "import grooper_nb.sandbox, grooper_nb.sandbox.launcher, grooper_nb.sandbox.process\n"
        "import grooper_nb.sandbox.proxy\n"
        "import grooper_nb.sandbox.tls, grooper_nb.sandbox.__main__\n"
        "client = [m for m in sys.modules if m.split('.')[:2] in (['grooper_nb', 'auth'],\n"
        "          ['grooper_nb', 'tokens'], ['grooper_nb', 'profile'], ['grooper_nb', 'widgets'])]\n"
        "print(threading.active_count(), client)\n"
    )
    home = tmp_path / "home"
    home.mkdir()
    child = subprocess.run(
        [sys.executable, "-c", script],
        env=_clean_env({"HOME": str(home), "GROOPER_NB_SANDBOX_DIR": str(tmp_path / "sbx")}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "1 []"
    assert list(home.iterdir()) == [] and not (tmp_path / "sbx").exists()


# --------------------------------------------------------------------------------------------------
# the tenant's seed, as the store knows it


def test_the_seed_of_an_existing_tenant_is_the_one_reported_and_kept(own_state_dir: Path, start_json) -> None:
    seven = start_json(own_state_dir, "--seed", "7")
    assert json.loads((own_state_dir / "service.json").read_text())["seed"] == 7
    assert launcher.stop(own_state_dir)
    again = start_json(own_state_dir)  # no --seed: the tenant in tenant.db is still seed 7's
    assert again["tenant"]["id"] == seven["tenant"]["id"]
    assert json.loads((own_state_dir / "service.json").read_text())["seed"] == 7
    fresh = start_json(own_state_dir, command="reset")  # reset keeps the tenant's seed
    assert fresh["tenant"]["id"] == seven["tenant"]["id"]


# --------------------------------------------------------------------------------------------------
# the log: no secret of any kind, wherever it is in a request


def test_the_log_masks_every_secret_parameter_and_pkce_plain_challenges(sandbox: dict) -> None:
    names = [
        "code",
        "code_challenge",
        "code_verifier",
        "client_assertion",
        "assertion",
        "refresh_token",
        "password",
        "client_secret",
        "device_code",
    ]
    values = {name: f"LEAK-{name}-{os.urandom(4).hex()}" for name in names}
    query = "&".join(f"{name}={value}" for name, value in values.items())
    requests.get(
        f"{sandbox['browser_url']}/common/oauth2/nativeclient?{query}", proxies={"http": None}, timeout=10
    )
    # A request line werkzeug cannot parse is logged as an error, request line and all.
    with socket.create_connection(("127.0.0.1", int(sandbox["browser_url"].rsplit(":", 1)[1])), 10) as sock:
        sock.sendall(f"GET /x?client_secret={values['client_secret']}x HTTP/1.1 junk\r\n\r\n".encode())
        sock.recv(4096)
    log_text = (Path(sandbox["state_dir"]) / "service.log").read_text()
    assert "LEAK-code_challenge-" not in log_text  # with PKCE "plain" the challenge IS the verifier
    assert [value for value in values.values() if value in log_text] == []
    assert "code_challenge=***" in log_text


def test_responses_do_not_name_the_server_software(sandbox: dict, sandbox_env) -> None:
    tls = requests.get(
        f"https://login.microsoftonline.com/{sandbox['tenant']['id']}/v2.0/.well-known/openid-configuration",
        timeout=10,
    )
    browser = requests.get(f"{sandbox['browser_url']}/devicelogin", proxies={"http": None}, timeout=10)
    for resp in (tls, browser):
        assert resp.status_code == 200
        server = resp.headers.get("Server", "")
        assert "Werkzeug" not in server and "Python" not in server, server
