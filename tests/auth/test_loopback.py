"""The auth-code loopback listener takes only its own sign-in's redirect.

Any process on the machine can reach ``http://localhost:<port>``. The listener therefore answers 400 to
every request that is not the redirect of *this* sign-in — another ``state`` (RFC 6749 section 10.12),
another path, another ``Host`` (RFC 8252 section 8.3), an unreadable ``Content-Length`` — and keeps
listening, so a stray or hostile request can neither end the sign-in nor tie up the listener. Each test
is the attack, then the real sign-in on the sandbox's pages, which must still succeed.
"""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from grooper_nb.auth import flows

EWS = "https://outlook.office365.com/EWS.AccessAsUser.All"


def _plain() -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # straight to loopback, never through a proxy from the environment
    return s


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _raw(port: int, request: bytes) -> bytes:
    """Send raw bytes to the listener and return its whole answer (it closes the connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
    return answer


def test_a_request_with_another_state_is_refused_and_the_sign_in_still_succeeds(grooper, person):
    refused = []

    def browser(url: str) -> None:
        redirect = _query(url)["redirect_uri"]
        http = _plain()
        # Another local process ends the sign-in with its own code, before the person signs in.
        refused.append(http.post(redirect, data={"code": "attacker-code", "state": "not-the-state"}))
        refused.append(http.get(redirect, params={"code": "attacker-code"}))  # no state at all
        refused.append(http.get(redirect, params={"error": "access_denied", "state": "x"}))
        person.sign_in(url, follow_redirect=True)

    result = flows.auth_code_interactive(grooper, [EWS], open_browser=browser, timeout=60)
    assert [r.status_code for r in refused] == [400, 400, 400]
    assert result.flow == "auth_code" and result.username == person.upn


def test_the_right_state_on_another_path_or_host_is_refused(grooper, person):
    flow = flows.AuthCodeFlow(grooper, [EWS], listen=True)
    try:
        state = _query(flow.url)["state"]
        port = urlsplit(flow.redirect_uri).port
        http = _plain()
        other_path = http.get(f"http://localhost:{port}/evil", params={"code": "x", "state": state})
        other_host = http.get(
            f"http://127.0.0.1:{port}/",
            params={"code": "x", "state": state},
            headers={"Host": "attacker.example"},  # DNS rebinding: a page of another site
        )
        no_host = _raw(port, f"GET /?code=x&state={state} HTTP/1.0\r\n\r\n".encode())
        assert other_path.status_code == 400 and other_host.status_code == 400
        assert no_host.startswith(b"HTTP/1.0 400")
        person.sign_in(flow.url, follow_redirect=True)
        result = flow.wait(60)
    finally:
        flow.close()
    assert result.username == person.upn


@pytest.mark.parametrize("length", ["1000000000000", "-1", "abc", "1e3", "70000"])
def test_an_unreadable_content_length_is_a_400(grooper, person, length):
    flow = flows.AuthCodeFlow(grooper, [EWS], listen=True)
    try:
        port = urlsplit(flow.redirect_uri).port
        request = (
            f"POST / HTTP/1.1\r\nHost: localhost:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\ncode=x&state=y"
        ).encode()
        assert _raw(port, request).startswith(b"HTTP/1.0 400")
        person.sign_in(flow.url, follow_redirect=True)
        assert flow.wait(60).username == person.upn
    finally:
        flow.close()


def test_a_sign_in_that_times_out_says_how_many_requests_were_refused(grooper):
    """A redirect of an older attempt used to fail at once (state_mismatch); now it is refused, so the
    timeout must say that something did arrive, and why it was not taken."""
    from grooper_nb.errors.aadsts import AuthError

    flow = flows.AuthCodeFlow(grooper, [EWS], listen=True)
    try:
        refused = _plain().get(flow.redirect_uri, params={"code": "old", "state": "older-attempt"})
        assert refused.status_code == 400
        with pytest.raises(AuthError) as info:
            flow.wait(0.5)
    finally:
        flow.close()
    assert info.value.error == "timeout"
    assert "1 request reached the listener but was refused" in str(info.value)
