"""The ``/_sandbox/`` admin endpoints: the admin key, the Host and Origin guard, and input checks.

Plain http on loopback (``browser_url``), never through the proxy. Another local user can reach that
port too: every state-changing route needs the admin key from ``service.json`` (0600), which only the
service's own user can read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from grooper_nb.sandbox import launcher
from tests.sandbox.login.identity_helpers import pca, user

KEY = "X-Grooper-Sandbox-Key"


def _key(sandbox: dict) -> str:
    return json.loads((Path(sandbox["state_dir"]) / "service.json").read_text())["admin_key"]


def test_describe_route_needs_the_admin_key(sandbox: dict) -> None:
    url = f"{sandbox['browser_url']}/_sandbox/service/describe"
    assert requests.get(url, proxies={"http": None}, timeout=10).status_code == 403
    wrong = requests.get(url, headers={"X-Grooper-Sandbox-Key": "nope"}, proxies={"http": None}, timeout=10)
    assert wrong.status_code == 403
    assert "password" not in wrong.text


def _admin_request(
    sandbox: dict, method: str, path: str, body: object = None, *, key: bool = True, **headers: str
) -> requests.Response:
    """An admin call as the launcher makes it (with the admin key), unless ``key=False``."""
    if key:
        headers[KEY] = _key(sandbox)
    if body is None and method == "POST":
        body = {"seconds": 0}
    return requests.request(
        method,
        f"{sandbox['browser_url']}/_sandbox/{path}",
        data=None if body is None else body if isinstance(body, str) else json.dumps(body),
        headers={"Content-Type": "application/json", **headers},
        proxies={"http": None},
        timeout=30,
    )


@pytest.mark.parametrize("given", [None, "", "nope", "x" * 43])
@pytest.mark.parametrize("path", ["clock/advance", "users/{upn}/revoke-sessions"])
def test_state_changing_admin_routes_refuse_a_request_without_the_admin_key(
    private_sandbox: dict, path: str, given: str | None
) -> None:
    """Another local user can reach the browser port; only the service's own user can read the key."""
    person = user(private_sandbox, "nomail.user")
    headers = {} if given is None else {KEY: given}
    resp = _admin_request(private_sandbox, "POST", path.format(upn=person["upn"]), key=False, **headers)
    assert resp.status_code == 403, resp.text
    assert KEY in resp.json()["error"]


def test_state_changing_admin_routes_answer_with_the_admin_key(private_sandbox: dict) -> None:
    person = user(private_sandbox, "nomail.user")
    assert _admin_request(private_sandbox, "POST", "clock/advance").status_code == 200
    revoked = _admin_request(private_sandbox, "POST", f"users/{person['upn']}/revoke-sessions")
    assert revoked.status_code == 200 and revoked.json()["value"] is True


def test_the_launcher_gives_its_own_user_the_admin_headers(private_sandbox: dict) -> None:
    headers = launcher.admin_headers(private_sandbox["state_dir"])
    assert headers == {KEY: _key(private_sandbox)}
    answer = launcher.admin_post("clock/advance", {"seconds": 0}, state_dir=private_sandbox["state_dir"])
    assert "aged" in answer


def test_the_cli_admin_command_sends_the_admin_key(private_sandbox: dict, sandbox_cli) -> None:
    state_dir = private_sandbox["state_dir"]
    proc = sandbox_cli("admin", "--state-dir", state_dir, "clock/advance", '{"seconds": 0}')
    assert proc.returncode == 0, proc.stderr
    assert "aged" in json.loads(proc.stdout)
    refused = sandbox_cli("admin", "--state-dir", state_dir, "clock/advance", '{"seconds": -1}')
    assert refused.returncode == 1 and "400" in refused.stderr


@pytest.mark.parametrize("path", ["health", "describe", "service/describe"])
def test_admin_endpoints_refuse_a_foreign_host_header(sandbox: dict, path: str) -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example:PORT."""
    port = sandbox["browser_url"].rsplit(":", 1)[1]
    key = json.loads((Path(sandbox["state_dir"]) / "service.json").read_text())["admin_key"]
    headers = {"X-Grooper-Sandbox-Key": key}
    assert _admin_request(sandbox, "GET", path, Host=f"evil.example:{port}", **headers).status_code == 403
    assert _admin_request(sandbox, "GET", path, **headers).status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost:1"])
def test_state_changing_admin_requests_refuse_a_foreign_origin(sandbox: dict, origin: str) -> None:
    """CSRF: a cross-site page's fetch or form carries its Origin; the browser_url's own pages do not."""
    resp = _admin_request(sandbox, "POST", "clock/advance", Origin=origin)
    assert resp.status_code == 403 and "origin" in resp.text.lower()
    same = _admin_request(sandbox, "POST", "clock/advance", Origin=sandbox["browser_url"])
    assert same.status_code == 200, same.text
    assert _admin_request(sandbox, "POST", "clock/advance").status_code == 200  # a script sends no Origin
    assert _admin_request(sandbox, "GET", "health", key=False).status_code == 200  # reading needs no key


@pytest.mark.parametrize("seconds", ["nan", "inf", "-inf", -5, "soon", None, [1]])
def test_clock_advance_refuses_what_is_not_a_finite_number_of_seconds(private_sandbox, seconds):
    body = json.dumps({"seconds": float(seconds) if seconds in ("nan", "inf", "-inf") else seconds})
    resp = _admin_request(private_sandbox, "POST", "clock/advance", body)
    assert resp.status_code == 400, resp.text
    assert "seconds" in resp.json()["error"]


@pytest.mark.parametrize(
    "seconds", ["1" + "0" * 400, "1e300", "1e308", "3153600001"], ids=["10**400", "1e300", "1e308", "cap+1"]
)
def test_clock_advance_refuses_more_than_it_can_count_with_a_400(private_sandbox, seconds):
    """A JSON number too large for a float (or for a date) is a 400, not an OverflowError 500."""
    resp = _admin_request(private_sandbox, "POST", "clock/advance", '{"seconds": ' + seconds + "}")
    assert resp.status_code == 400, resp.text
    assert "seconds" in resp.json()["error"]


def test_no_request_crashes_after_the_clock_went_as_far_back_as_it_goes(private_sandbox, private_env):
    """Aged as far as allowed, many times over: stored times stay dates, a refresh is an AADSTS error."""
    person = user(private_sandbox, "nomail.user")
    client, _ = pca(private_sandbox, "Grooper NB Bootstrap")
    first = client.acquire_token_by_username_password(person["upn"], person["password"], scopes=["User.Read"])
    assert "refresh_token" in first, first
    assert _admin_request(private_sandbox, "POST", f"users/{person['upn']}/revoke-sessions").ok
    for _ in range(25):  # 2500 years: before year 1, where a Python date cannot go
        aged = _admin_request(
            private_sandbox, "POST", "clock/advance", {"seconds": 3153600000, "upn": person["upn"]}
        )
        assert aged.status_code == 200, aged.text
    result = client.acquire_token_by_refresh_token(first["refresh_token"], scopes=["User.Read"])
    assert result.get("error") == "invalid_grant", result
    assert _admin_request(private_sandbox, "GET", "describe", key=False).status_code == 200


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', '{"seconds": 1, "upn": {"a": 1}}', "{not json"])
def test_clock_advance_refuses_a_body_of_the_wrong_shape(private_sandbox, body):
    resp = _admin_request(private_sandbox, "POST", "clock/advance", body)
    assert resp.status_code == 400, resp.text
