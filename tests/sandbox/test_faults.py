"""Fault scenarios (grooper_nb/sandbox/faults.py) met by a real client through the sandbox's proxy.

Faults are switched on per service, so this module has a sandbox of its own (``private_sandbox``) and
switches every fault off after each test: no other test file ever meets one. Tokens come from
grooper_nb's own flows; the client is grooper_nb.http's ProfileSession, whose ``sleep`` is replaced by
a recorder so no test waits for a ``Retry-After`` (or asserts a timing).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator

import pytest
import requests

from grooper_nb.auth import flows
from grooper_nb.errors import ews as ews_errors
from grooper_nb.errors import graph as graph_errors
from grooper_nb.errors import sharepoint as sharepoint_errors
from grooper_nb.http import RetryPolicy, sandbox_session
from grooper_nb.profile import connect
from grooper_nb.sandbox import faults, launcher
from tests.helpers import plain_user

GRAPH = "https://graph.microsoft.com"
USERS = f"{GRAPH}/v1.0/users"
EWS = "https://outlook.office365.com/EWS/Exchange.asmx"


@pytest.fixture(scope="module")
def state_dir(private_sandbox: dict) -> str:
    return private_sandbox["state_dir"]


@pytest.fixture(autouse=True)
def no_faults_left(state_dir: str) -> Iterator[None]:
    launcher.clear_faults(state_dir)
    yield
    launcher.clear_faults(state_dir)


def _token(state_dir: str) -> str:
    """A fresh app-only Graph token of the server-to-server app (User.Read.All)."""
    profile = connect(app="Grooper Server-to-Server", sandbox_dir=state_dir)
    return flows.client_credentials(profile, [f"{GRAPH}/.default"], use_cache=False).access_token.reveal()


@pytest.fixture(scope="module")
def token(state_dir: str) -> str:
    return _token(state_dir)


@pytest.fixture
def session(private_sandbox: dict) -> Callable[..., requests.Session]:
    """``session(max_attempts=N, on_wait=f)``: a ProfileSession to this sandbox whose waits are recorded
    in ``session.waits`` (and passed to ``on_wait``) instead of slept; ``max_attempts=1``: no retries."""

    def make(max_attempts: int = 4, on_wait: Callable[[float], None] | None = None) -> requests.Session:
        s = sandbox_session(private_sandbox["proxy"], private_sandbox["ca_bundle"])
        waits: list[float] = []

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            if on_wait is not None:
                on_wait(seconds)

        s.retry = RetryPolicy(max_attempts=max_attempts, sleep=sleep)
        s.waits = waits  # type: ignore[attr-defined]
        return s

    return make


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _graph_log(state_dir: str, since: int) -> list[dict]:
    return launcher.requests(state_dir, host="graph", since=since)["entries"]


def test_throttle_answers_429_in_graphs_words(state_dir, session, token):
    launcher.set_fault(state_dir, "throttle", rate=1.0)
    resp = session(max_attempts=1).get(USERS, headers=_auth(token))
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == str(faults.DEFAULT_RETRY_AFTER)
    error = resp.json()["error"]
    assert error["code"] == "TooManyRequests"
    assert "activityLimitReached" in error["message"]
    assert error["innerError"]["request-id"]
    explained = graph_errors.from_response(resp)
    assert explained.code == "TooManyRequests"


def test_the_retry_policy_waits_as_asked_and_succeeds_once_the_fault_is_off(state_dir, session, token):
    launcher.set_fault(state_dir, "throttle", rate=1.0, retry_after=5)
    since = launcher.requests(state_dir)["last"]
    s = session(on_wait=lambda _: launcher.clear_faults(state_dir))
    resp = s.get(USERS, headers=_auth(token))
    assert resp.status_code == 200
    assert s.waits == [5.0]
    assert [(e["status"], e["fault"]) for e in _graph_log(state_dir, since)] == [
        (429, "throttle"),
        (200, None),
    ]


def test_a_seeded_throttle_replays_the_same_run_and_the_client_gets_through(state_dir, session, token):
    def run() -> list[int]:
        launcher.set_fault(state_dir, "throttle", rate=0.5, seed=7)
        s = session(max_attempts=1)
        return [s.get(USERS, headers=_auth(token)).status_code for _ in range(12)]

    first = run()
    assert set(first) == {200, 429}
    assert run() == first
    launcher.set_fault(state_dir, "throttle", rate=0.5, seed=7)
    s = session(max_attempts=10)
    for _ in range(5):
        assert s.get(USERS, headers=_auth(token)).status_code == 200
    assert s.waits  # some of them were throttled, and retried


def test_a_burst_of_three_503s_then_success(state_dir, session, token):
    launcher.set_fault(state_dir, "unavailable", count=3, retry_after=1)
    since = launcher.requests(state_dir)["last"]
    s = session(max_attempts=5)
    resp = s.get(USERS, headers=_auth(token))
    assert resp.status_code == 200
    assert s.waits == [1.0, 1.0, 1.0]
    assert [e["status"] for e in _graph_log(state_dir, since)] == [503, 503, 503, 200]
    assert launcher.faults(state_dir)[0]["applied"] == 3


def test_reset_drops_the_connection_without_an_answer(state_dir, session, token):
    # Through a CONNECT proxy, urllib3 reports a connection dropped before any answer as a ProxyError
    # ("Unable to connect to proxy"), a ConnectionError all the same.
    launcher.set_fault(state_dir, "reset", count=1)
    since = launcher.requests(state_dir)["last"]
    s = session(max_attempts=1)
    with pytest.raises(requests.ConnectionError):
        s.get(USERS, headers=_auth(token))
    assert s.get(USERS, headers=_auth(token)).status_code == 200  # count=1: the next one passes
    assert [(e["status"], e["fault"]) for e in _graph_log(state_dir, since)] == [(None, "reset"), (200, None)]


def test_token_expiry_rejects_older_tokens_until_a_new_one_is_presented(state_dir, session, token):
    launcher.set_fault(state_dir, "token_expiry", after=1)
    s = session(max_attempts=1)
    assert s.get(USERS, headers=_auth(token)).status_code == 200  # the first N still pass
    resp = s.get(USERS, headers=_auth(token))
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert s.get(USERS, headers=_auth(_token(state_dir))).status_code == 200


def test_ews_blocked_refuses_ews_only(state_dir, session, token):
    launcher.set_fault(state_dir, "ews_blocked")
    s = session(max_attempts=1)
    resp = s.post(EWS, headers={**_auth(token), "Content-Type": "text/xml"}, data="<x/>")
    assert resp.status_code == 403
    assert "x-ms-diagnostics" in resp.headers
    assert "EWS is disabled for this organization" in resp.text
    assert s.get(USERS, headers=_auth(token)).status_code == 200


def test_ews_throttle_carries_back_off_milliseconds(state_dir, session, token):
    launcher.set_fault(state_dir, "throttle", host="ews", retry_after=3)
    s = session(max_attempts=1)
    resp = s.post(EWS, headers={**_auth(token), "Content-Type": "text/xml"}, data="<x/>")
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "3"
    explained = ews_errors.from_response(resp)
    assert (explained.error, explained.back_off_ms) == ("ErrorServerBusy", 3000)
    assert s.get(USERS, headers=_auth(token)).status_code == 200  # host=ews: Graph untouched


@pytest.mark.parametrize(
    ("accept", "envelope"),
    [
        ("application/json;odata=verbose", "error"),
        ("application/json;odata=minimalmetadata", "odata.error"),
        ("application/json;odata=nometadata", "odata.error"),
    ],
)
def test_sharepoint_throttle_is_a_429_with_retry_after(
    state_dir, session, token, private_sandbox, accept, envelope
):
    """SharePoint throttles with 429 and Retry-After (https://learn.microsoft.com/sharepoint/dev/
    general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online); the body is in
    the JSON form the Accept header asked for, labelled as such, with the request's id."""
    launcher.set_fault(state_dir, "throttle", host="sharepoint")
    site = private_sandbox["tenant"].get("sharepoint_host") or "contoso.sharepoint.com"
    resp = session(max_attempts=1).get(f"https://{site}/_api/web", headers={**_auth(token), "Accept": accept})
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == str(faults.DEFAULT_RETRY_AFTER)
    assert accept.split(";")[1] in resp.headers["Content-Type"] and list(resp.json()) == [envelope]
    assert resp.headers["request-id"] and resp.headers["request-id"] == resp.headers["SPRequestGuid"]
    explained = sharepoint_errors.from_response(resp)
    assert explained.error == "TooManyRequests" and explained.request_id == resp.headers["request-id"]


def test_sharepoint_unavailable_is_503_server_too_busy(state_dir, session, token, private_sandbox):
    launcher.set_fault(state_dir, "unavailable", host="sharepoint")
    site = private_sandbox["tenant"].get("sharepoint_host") or "contoso.sharepoint.com"
    resp = session(max_attempts=1).get(f"https://{site}/_api/web", headers=_auth(token))
    assert (resp.status_code, resp.reason) == (503, "Server Too Busy") and resp.headers["Retry-After"]
    explained = sharepoint_errors.from_response(resp)
    assert explained.error == "ServiceUnavailable" and explained.request_id == resp.headers["SPRequestGuid"]


def test_sharepoint_token_expiry_answers_as_sharepoint_rejects_a_token(
    state_dir, session, token, private_sandbox
):
    """The fault's 401 is the one the SharePoint host gives an expired token (:mod:`grooper_nb.sandbox.
    sharepoint.auth`): ``error_description``, ``x-ms-diagnostics`` and the tenant's Bearer challenge."""
    launcher.set_fault(state_dir, "token_expiry", host="sharepoint")
    site = private_sandbox["tenant"].get("sharepoint_host") or "contoso.sharepoint.com"
    resp = session(max_attempts=1).get(f"https://{site}/_api/web", headers=_auth(token))
    assert resp.status_code == 401
    assert resp.json() == {"error_description": "Invalid JWT token. The token is expired."}
    assert resp.headers["x-ms-diagnostics"].startswith("3000006;")
    tenant_id = private_sandbox["tenant"]["id"]
    assert resp.headers["WWW-Authenticate"].startswith(f'Bearer realm="{tenant_id}",client_id="00000003-')
    assert resp.headers["request-id"] == resp.headers["SPRequestGuid"]
    assert sharepoint_errors.from_response(resp).request_id == resp.headers["request-id"]


@pytest.mark.parametrize("name", ["throttle", "unavailable", "token_expiry"])
def test_every_fault_reply_carries_a_request_id(state_dir, session, token, private_sandbox, name):
    """On every host, so an explained fault error names the request; Graph echoes client-request-id."""
    launcher.set_fault(state_dir, name, count=10)
    s = session(max_attempts=1)
    graph = s.get(
        USERS, headers={**_auth(token), "client-request-id": "c0ffee00-0000-4000-8000-000000000001"}
    )
    assert (
        graph.headers["request-id"]
        and graph.headers["client-request-id"] == "c0ffee00-0000-4000-8000-000000000001"
    )
    explained = graph_errors.from_response(graph)
    assert explained.request_id == graph.headers["request-id"]
    assert explained.client_request_id == "c0ffee00-0000-4000-8000-000000000001"
    ews = s.post(EWS, headers=_auth(token), data=b"<x/>")
    assert ews.status_code >= 400 and ews.headers["request-id"]


def test_mailbox_not_enabled_answers_mailbox_requests_only(state_dir, session, token, private_sandbox):
    launcher.set_fault(state_dir, "mailbox_not_enabled")
    s = session(max_attempts=1)
    upn = plain_user(private_sandbox)["upn"]
    resp = s.get(f"{GRAPH}/v1.0/users/{upn}/messages", headers=_auth(token))
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "MailboxNotEnabledForRESTAPI"
    assert s.get(USERS, headers=_auth(token)).status_code == 200


def test_faults_off_restores_and_the_cli_switches_and_lists(state_dir, session, token, sandbox_cli):
    proc = sandbox_cli("faults", "on", "throttle", "--rate", "1", "--seed", "3", "--state-dir", state_dir)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["seed"] == 3
    listed = json.loads(sandbox_cli("faults", "list", "--state-dir", state_dir).stdout)
    assert [f["name"] for f in listed["active"]] == ["throttle"]
    assert {s["name"] for s in listed["catalogue"]} == {s.name for s in faults.CATALOGUE}
    assert session(max_attempts=1).get(USERS, headers=_auth(token)).status_code == 429
    proc = sandbox_cli("faults", "off", "--state-dir", state_dir)
    assert json.loads(proc.stdout) == {"off": ["throttle"]}
    assert launcher.faults(state_dir) == []
    assert session(max_attempts=1).get(USERS, headers=_auth(token)).status_code == 200


def test_an_unknown_fault_or_parameter_is_refused(state_dir, sandbox_cli):
    with pytest.raises(launcher.SandboxError, match="no fault scenario"):
        launcher.set_fault(state_dir, "meteor")
    with pytest.raises(launcher.SandboxError, match="rate"):
        launcher.set_fault(state_dir, "throttle", rate=2)
    with pytest.raises(launcher.SandboxError, match="concerns"):
        launcher.set_fault(state_dir, "ews_blocked", host="graph")
    assert sandbox_cli("faults", "on", "meteor", "--state-dir", state_dir).returncode == 1
    assert launcher.faults(state_dir) == []


def test_switching_a_fault_needs_the_admin_key(private_sandbox, state_dir):
    url = f"{private_sandbox['browser_url']}/_sandbox/faults"
    direct = {"http": None, "https": None}
    resp = requests.post(url, json={"name": "throttle"}, proxies=direct, timeout=30)
    assert resp.status_code == 403
    assert launcher.faults(state_dir) == []
    listed = requests.get(url, proxies=direct, timeout=30)
    assert listed.status_code == 200
    assert listed.json()["active"] == []


# -- per-mailbox concurrency ------------------------------------------------------------------------------


def _hold(app_id: str, mailbox: str, entered: threading.Barrier, release: threading.Event) -> None:
    with faults.mailbox_slot(app_id, mailbox):
        entered.wait()
        release.wait()


def test_a_fifth_concurrent_request_on_one_mailbox_is_throttled():
    release = threading.Event()
    entered = threading.Barrier(faults.MAILBOX_CONCURRENCY + 1)
    holders = [
        threading.Thread(target=_hold, args=("app-a", "Adele@contoso.com", entered, release))
        for _ in range(faults.MAILBOX_CONCURRENCY)
    ]
    for t in holders:
        t.start()
    try:
        entered.wait()
        with pytest.raises(faults.MailboxBusy) as busy:
            with faults.mailbox_slot("APP-A", "adele@contoso.com"):
                pass
        status, headers, body = busy.value.reply("graph")
        assert status.startswith("429")
        assert dict(headers)["Retry-After"]
        assert json.loads(body)["error"]["code"] == "ApplicationThrottled"
        with faults.mailbox_slot("app-b", "adele@contoso.com"):  # another app: its own four
            pass
        with faults.mailbox_slot("app-a", "megan@contoso.com"):  # another mailbox: its own four
            pass
    finally:
        release.set()
        for t in holders:
            t.join()
    with faults.mailbox_slot("app-a", "adele@contoso.com"):  # released: free again
        pass


def test_the_mailbox_of_a_request():
    assert faults.mailbox_of("graph", {"PATH_INFO": "/v1.0/users/adele@contoso.com/messages"}) == (
        "adele@contoso.com"
    )
    assert faults.mailbox_of("graph", {"PATH_INFO": "/v1.0/organization"}) is None
    assert faults.mailbox_of("ews", {"HTTP_X_ANCHORMAILBOX": "megan@contoso.com"}) == "megan@contoso.com"


def test_a_burst_is_counted_exactly_across_concurrent_requests(state_dir, session, token):
    launcher.set_fault(state_dir, "unavailable", count=3)
    statuses: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        status = session(max_attempts=1).get(USERS, headers=_auth(token)).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 5 + [503] * 3
    assert launcher.faults(state_dir)[0]["applied"] == 3
