"""The ``/_sandbox/`` admin endpoints: the key-guarded describe, the Host and Origin guard, and input checks.

Plain http on loopback (``browser_url``), never through the proxy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests


def test_describe_route_needs_the_admin_key(sandbox: dict) -> None:
    url = f"{sandbox['browser_url']}/_sandbox/service/describe"
    assert requests.get(url, proxies={"http": None}, timeout=10).status_code == 403
    wrong = requests.get(url, headers={"X-Grooper-Sandbox-Key": "nope"}, proxies={"http": None}, timeout=10)
    assert wrong.status_code == 403
    assert "password" not in wrong.text


def _admin_request(sandbox: dict, method: str, path: str, **headers: str) -> requests.Response:
    return requests.request(
        method,
        f"{sandbox['browser_url']}/_sandbox/{path}",
        json={"seconds": 0} if method == "POST" else None,
        headers=headers,
        proxies={"http": None},
        timeout=10,
    )


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


@pytest.mark.parametrize("seconds", ["nan", "inf", "-inf", -5, "soon", None, [1]])
def test_clock_advance_refuses_what_is_not_a_finite_number_of_seconds(private_sandbox, seconds):
    url = f"{private_sandbox['browser_url']}/_sandbox/clock/advance"
    body = json.dumps({"seconds": float(seconds) if seconds in ("nan", "inf", "-inf") else seconds})
    resp = requests.post(
        url, data=body, headers={"Content-Type": "application/json"}, proxies={"http": None}, timeout=30
    )
    assert resp.status_code == 400, resp.text
    assert "seconds" in resp.json()["error"]


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', '{"seconds": 1, "upn": {"a": 1}}', "{not json"])
def test_clock_advance_refuses_a_body_of_the_wrong_shape(private_sandbox, body):
    url = f"{private_sandbox['browser_url']}/_sandbox/clock/advance"
    resp = requests.post(
        url, data=body, headers={"Content-Type": "application/json"}, proxies={"http": None}, timeout=30
    )
    assert resp.status_code == 400, resp.text
