"""What one local client may hold of the service: a deadline for a request head, a cap on connections,
a maximum request body, and bounded echoes in error messages.

Each test is the attack, over real sockets. The limits come from environment variables the service
reads (docs/sandbox.md, "Limits"), set small for a sandbox of this module's own so nothing waits
long; no test asserts on timing, only that the connection is closed or the answer is 413.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import time
from collections.abc import Iterator

import pytest
import requests

from grooper_nb.sandbox import launcher
from grooper_nb.sandbox.proxy import ConnectProxy

HOSTS = [
    "login.microsoftonline.com",
    "graph.microsoft.com",
    "outlook.office365.com",
    "contoso.sharepoint.com",
]


def _start_with(tmp_path_factory: pytest.TempPathFactory, name: str, **env: str) -> Iterator[dict]:
    state_dir = tmp_path_factory.mktemp(name) / "sandbox"
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        info = launcher.ensure_running(state_dir)
    try:
        yield info
    finally:
        launcher.stop(state_dir)


@pytest.fixture(scope="module")
def tight_sandbox(tmp_path_factory) -> Iterator[dict]:
    """A sandbox with a 1 s deadline for a request head and a 64 KiB request body."""
    yield from _start_with(
        tmp_path_factory,
        "tight",
        GROOPER_NB_SANDBOX_HEAD_TIMEOUT="1",
        GROOPER_NB_SANDBOX_MAX_BODY=str(64 * 1024),
    )


@pytest.fixture(scope="module")
def capped_sandbox(tmp_path_factory) -> Iterator[dict]:
    """A sandbox that holds at most 4 connections per listener."""
    yield from _start_with(tmp_path_factory, "capped", GROOPER_NB_SANDBOX_MAX_CONNECTIONS="4")


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].rstrip("/"))


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=15)


def _ended(sock: socket.socket) -> bool:
    """Whether the peer has closed ``sock`` (EOF or reset), reading away whatever it said first."""
    try:
        while sock.recv(65536):
            pass
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False
    return True


def _status(sock: socket.socket) -> int:
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0


@contextlib.contextmanager
def _tls_through_proxy(info: dict, host: str) -> Iterator[ssl.SSLSocket]:
    raw = _connect(_port(info["proxy"]))
    raw.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
    reply = b""
    while b"\r\n\r\n" not in reply:  # byte by byte: what follows the reply is the TLS handshake
        byte = raw.recv(1)
        assert byte, f"the proxy closed the CONNECT: {reply!r}"
        reply += byte
    assert reply.startswith(b"HTTP/1.1 200"), reply
    ctx = ssl.create_default_context(cafile=info["ca_bundle"])
    with ctx.wrap_socket(raw, server_hostname=host) as tls:
        yield tls


# -- the proxy -------------------------------------------------------------------------------------


def test_the_proxy_listens_with_a_backlog_of_at_least_128() -> None:
    proxy = ConnectProxy(upstream=("127.0.0.1", 9), allowed_hosts=["login.microsoftonline.com"])
    try:
        assert proxy.request_queue_size >= 128  # what socketserver passes to listen(2)
    finally:
        proxy.server_close()


def test_a_connect_head_trickled_one_byte_at_a_time_is_cut_off(tight_sandbox: dict) -> None:
    """One byte every 0.2 s never finishes a head and never reaches 16 KiB: only a deadline for the
    whole head, not one per read, ends it (here 1 s; the loop gives up long after that)."""
    sock = _connect(_port(tight_sandbox["proxy"]))
    trickle = b"CONNECT login.microsoftonline.com:443 HTTP/1.1\r\nX-Slow: " + b"a" * 400
    closed = False
    with sock:
        for byte in trickle:
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            readable, _, _ = select.select([sock], [], [], 0.2)
            if readable:
                closed = _ended(sock)
                break
    assert closed, "the proxy still holds a connection whose head never ends"


def test_connections_past_the_cap_are_turned_away(capped_sandbox: dict) -> None:
    held = [_connect(_port(capped_sandbox["proxy"])) for _ in range(4)]
    try:
        extra = _connect(_port(capped_sandbox["proxy"]))
        with extra:
            extra.settimeout(15)
            assert _ended(extra), "a fifth connection was held open past the cap of 4"
    finally:
        for sock in held:
            sock.close()


def test_browser_connections_past_the_cap_are_turned_away(capped_sandbox: dict) -> None:
    port = _port(capped_sandbox["browser_url"])
    held = [_connect(port) for _ in range(4)]
    try:
        with _connect(port) as extra:
            extra.settimeout(15)
            assert _ended(extra), "a fifth connection was held open past the cap of 4"
    finally:
        for sock in held:
            sock.close()


def test_the_proxy_serves_again_once_connections_are_released(capped_sandbox: dict) -> None:
    for sock in [_connect(_port(capped_sandbox["proxy"])) for _ in range(4)]:
        sock.close()
    proxies = {"https": capped_sandbox["proxy"]}
    for _ in range(50):  # the handlers notice the closed sockets on their own threads
        with contextlib.suppress(requests.ConnectionError):
            resp = requests.get(
                "https://login.microsoftonline.com/common/discovery/instance?api-version=1.1"
                "&authorization_endpoint=https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                proxies=proxies,
                verify=capped_sandbox["ca_bundle"],
                timeout=15,
            )
            assert resp.status_code == 200
            return
        time.sleep(0.1)
    pytest.fail("the proxy never served again after the held connections closed")


# -- request bodies --------------------------------------------------------------------------------


def _post_head(host: str, path: str, length: int | None) -> bytes:
    size = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n{size}\r\n\r\n"
    ).encode()


@pytest.mark.parametrize("host", HOSTS)
def test_a_body_over_the_limit_is_a_413_before_it_is_read(sandbox: dict, host: str) -> None:
    """A 200 MB form announced by Content-Length: refused at once, not read and parsed."""
    path = f"/{sandbox['tenant']['id']}/oauth2/v2.0/token"
    with _tls_through_proxy(sandbox, host) as tls:
        tls.settimeout(15)
        tls.sendall(_post_head(host, path, 200_000_000) + b"grant_type=client_credentials&client_id=")
        assert _status(tls) == 413


def test_a_body_over_the_limit_is_a_413_on_the_browser_server(sandbox: dict) -> None:
    port = _port(sandbox["browser_url"])
    with _connect(port) as sock:
        sock.sendall(_post_head(f"127.0.0.1:{port}", "/common/login", 200_000_000) + b"login=")
        assert _status(sock) == 413


def test_a_chunked_body_over_the_limit_is_a_413(tight_sandbox: dict) -> None:
    path = f"/{tight_sandbox['tenant']['id']}/oauth2/v2.0/token"
    chunk = b"a" * 8192
    with _tls_through_proxy(tight_sandbox, HOSTS[0]) as tls:
        tls.settimeout(15)
        tls.sendall(_post_head(HOSTS[0], path, None))
        with contextlib.suppress(OSError):  # the server may answer and close before the last chunk
            for _ in range(10):  # 80 KiB > 64 KiB
                tls.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            tls.sendall(b"0\r\n\r\n")
        assert _status(tls) == 413


def test_a_malformed_chunked_body_is_a_400_not_a_500(sandbox: dict) -> None:
    path = f"/{sandbox['tenant']['id']}/oauth2/v2.0/token"
    with _tls_through_proxy(sandbox, HOSTS[0]) as tls:
        tls.settimeout(15)
        tls.sendall(_post_head(HOSTS[0], path, None) + b"client_id=x\r\n0\r\n\r\n")
        assert _status(tls) == 400


def test_a_huge_client_id_is_not_echoed_whole(sandbox: dict, sandbox_env: dict) -> None:
    """AADSTS700016 names the client_id it did not find; a 400 KB one (under werkzeug's own 500 KB cap
    on a form field) must not come back whole."""
    resp = requests.post(
        f"https://login.microsoftonline.com/{sandbox['tenant']['id']}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "client_id": "a" * 400_000, "client_secret": "x"},
        timeout=30,
    )
    assert resp.status_code in (400, 401), resp.text[:300]
    assert len(resp.content) < 16_000
    assert "AADSTS" in resp.json()["error_description"]
