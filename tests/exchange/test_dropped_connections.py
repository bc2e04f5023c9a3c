"""A connection dropped through the sandbox's CONNECT proxy (the ``reset`` fault) is retried for a GET,
and a listing goes on; a proxy that refuses connections is not retried: no retry fixes it.

urllib3 reports a tunnel closed without an answer as ``ProxyError("Unable to connect to proxy",
RemoteDisconnected(...))`` and a refused proxy as ``ProxyError(..., NewConnectionError(...))``; only the
first is a dropped connection (grooper_nb.http).
"""

from __future__ import annotations

import socket

import pytest
import requests

from grooper_nb.exchange.client import Exchange
from grooper_nb.http import RetryPolicy, sandbox_session
from grooper_nb.sandbox import launcher
from tests.exchange.conftest import SHARED

GRAPH_ORG = "https://graph.microsoft.com/v1.0/$metadata"


def test_a_listing_goes_on_after_a_dropped_connection(shared: Exchange, state_dir, waits) -> None:
    since = launcher.requests(state_dir)["last"]
    launcher.set_fault(state_dir, "reset", host="graph", count=2)
    folders = shared.folders()
    assert "Inbox/Vendors/Acme" in set(folders["path"])
    log = launcher.requests(state_dir, host="graph", since=since)["entries"]
    assert [e["fault"] for e in log].count("reset") == 2
    assert len(waits) >= 2  # each drop was followed by a (recorded) backoff and a retry


def test_a_dropped_get_through_the_proxy_is_retried_but_a_post_is_not(mail_sandbox, state_dir) -> None:
    waits: list[float] = []
    session = sandbox_session(mail_sandbox["proxy"], mail_sandbox["ca_bundle"])
    session.retry = RetryPolicy(max_attempts=3, sleep=waits.append)
    launcher.set_fault(state_dir, "reset", host="graph", count=1)
    assert session.get(f"https://graph.microsoft.com/v1.0/users/{SHARED}/mailFolders").status_code == 401
    assert len(waits) == 1  # dropped once, retried, answered (401: no token, but an answer)

    launcher.set_fault(state_dir, "reset", host="graph", count=1)
    with pytest.raises(requests.ConnectionError):  # how the drop surfaces depends on the tunnel's state
        session.post("https://graph.microsoft.com/v1.0/$batch", json={"requests": []})
    assert len(waits) == 1  # a POST may have been done: not sent twice


def test_a_refused_proxy_is_not_retried(mail_sandbox) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    session = sandbox_session(f"http://127.0.0.1:{port}", mail_sandbox["ca_bundle"])
    session.retry = RetryPolicy(max_attempts=3, sleep=waits.append)
    with pytest.raises(requests.exceptions.ProxyError, match="Unable to connect to proxy"):
        session.get(GRAPH_ORG)
    assert waits == []
