"""The request log (grooper_nb/sandbox/requestlog.py): the server's own count of what it was asked.

A private sandbox, so the counts are this module's requests only; real tokens from grooper_nb's flows,
real requests through the proxy.
"""

from __future__ import annotations

import json

import pytest
import requests

from grooper_nb.auth import flows
from grooper_nb.profile import connect
from grooper_nb.sandbox import launcher
from grooper_nb.sandbox.requestlog import RequestLog, mask_query
from tests.helpers import plain_user
from tests.sandbox.graph.graph_helpers import ropc_token

GRAPH = "https://graph.microsoft.com"


@pytest.fixture(scope="module")
def state_dir(private_sandbox: dict) -> str:
    return private_sandbox["state_dir"]


@pytest.fixture(scope="module")
def app_profile(state_dir: str):
    return connect(app="Grooper Server-to-Server", sandbox_dir=state_dir)


@pytest.fixture(scope="module")
def token(app_profile) -> str:
    return flows.client_credentials(app_profile, [f"{GRAPH}/.default"], use_cache=False).access_token.reveal()


def _get(profile, path: str, token: str) -> requests.Response:
    return profile.session.get(f"{GRAPH}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_the_log_counts_exactly_the_requests_made(state_dir, app_profile, token):
    since = launcher.requests(state_dir)["last"]
    for path in ("/v1.0/users", "/v1.0/users?$top=1", "/v1.0/users"):
        assert _get(app_profile, path, token).status_code == 200
    entries = launcher.requests(state_dir, host="graph", since=since)["entries"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/v1.0/users", 200),
        ("GET", "/v1.0/users?$top=1", 200),
        ("GET", "/v1.0/users", 200),
    ]
    assert all(e["host"] == "graph" and e["fault"] is None and e["bytes"] > 0 for e in entries)
    assert {e["app_id"] for e in entries} == {app_profile.client_id}
    assert all(e["user"] is None for e in entries)  # app-only: no user
    assert all(e["duration_ms"] >= 0 for e in entries)


def test_since_reads_on_from_the_last_entry(state_dir, app_profile, token):
    first = launcher.requests(state_dir)
    _get(app_profile, "/v1.0/users?$select=id", token)
    second = launcher.requests(state_dir, since=first["last"])
    assert [e["path"] for e in second["entries"]] == ["/v1.0/users?$select=id"]
    assert launcher.requests(state_dir, since=second["last"])["entries"] == []


def test_a_delegated_request_names_its_user_and_the_login_host_is_logged(private_sandbox, state_dir):
    since = launcher.requests(state_dir)["last"]
    bootstrap = connect(app="Grooper NB Bootstrap", sandbox_dir=state_dir)
    user = plain_user(private_sandbox)
    token = ropc_token(bootstrap, user)
    assert _get(bootstrap, "/v1.0/me", token).status_code == 200
    log = launcher.requests(state_dir, since=since)["entries"]
    assert any(e["host"] == "login" and e["method"] == "POST" and e["path"].endswith("/token") for e in log)
    me = [e for e in log if e["host"] == "graph"]
    assert [(e["path"], e["user"], e["app_id"]) for e in me] == [
        ("/v1.0/me", user["upn"], bootstrap.client_id)
    ]


def test_secret_query_values_are_masked(state_dir, app_profile, token):
    since = launcher.requests(state_dir)["last"]
    _get(app_profile, "/v1.0/users?$top=1&code=s3cr3t-code&client_secret=s3cr3t-pw", token)
    [entry] = launcher.requests(state_dir, host="graph", since=since)["entries"]
    assert "s3cr3t" not in entry["path"]
    assert entry["path"] == "/v1.0/users?$top=1&code=***&client_secret=***"
    assert token not in str(launcher.requests(state_dir))


def test_clear_needs_the_admin_key_and_forgets(private_sandbox, state_dir, app_profile, token):
    _get(app_profile, "/v1.0/users?$select=id", token)
    url = f"{private_sandbox['browser_url']}/_sandbox/requests/clear"
    resp = requests.post(url, proxies={"http": None, "https": None}, timeout=30)
    assert resp.status_code == 403
    assert launcher.requests(state_dir)["entries"]
    last = launcher.requests(state_dir)["last"]
    assert launcher.clear_requests(state_dir) > 0
    after = launcher.requests(state_dir)
    assert after["entries"] == []
    assert after["last"] == last  # numbering goes on


def test_the_log_is_bounded():
    log = RequestLog(max_entries=3)
    for i in range(5):
        log.add({"host": "graph", "path": f"/{i}"})
    read = log.read()
    assert [e["path"] for e in read["entries"]] == ["/2", "/3", "/4"]
    assert read["last"] == 5
    assert [e["seq"] for e in log.read(since=3)["entries"]] == [4, 5]


def test_mask_query():
    assert mask_query("assertion=a&access_token=b&x=1") == "assertion=***&access_token=***&x=1"
    assert mask_query("client%5Fsecret=s") == "client%5Fsecret=***"
    assert mask_query("postcode=1") == "postcode=1"
    assert mask_query("/x?t=eyJhbGciOi.eyJzdWIiOi.c2ln") == "/x?t=eyJ***"


def test_the_cli_prints_the_log(state_dir, app_profile, token, sandbox_cli):
    since = launcher.requests(state_dir)["last"]
    _get(app_profile, "/v1.0/users", token)
    proc = sandbox_cli("requests", "--host", "graph", "--since", str(since), "--state-dir", state_dir)
    assert proc.returncode == 0, proc.stderr
    assert [e["path"] for e in json.loads(proc.stdout)["entries"]] == ["/v1.0/users"]
