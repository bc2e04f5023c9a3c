"""The acceptance test through EWS: the shared mailbox (more than 5,000 messages, ``--scale 5000``)
exported app-only through EWS while the sandbox throttles (20% 429), has a burst of 503s and expires the
token mid-export, and while it drops connections: each export holds exactly the server's set of
messages, none twice.

Every EWS read is a SOAP POST; the client marks them replay-safe (grooper_nb.http), so a dropped
connection is sent again like a GET's. The session's waits are recorded, not slept (``app_profile``);
the request log says which faults were really met.
"""

from __future__ import annotations

import json

import pytest

from grooper_nb.exchange.client import Exchange
from grooper_nb.exchange.export import checkpoint_path, export_messages, read_export
from grooper_nb.sandbox import launcher
from tests.exchange.conftest import (
    SHARED,
    assert_exactly_the_servers,
    faults_met,
    switch_on_the_faults,
)


@pytest.fixture
def ews(app_profile) -> Exchange:
    mail = Exchange(app_profile, SHARED, via="ews")
    mail.folders()  # the tree first, unfaulted; the export itself meets the faults
    return mail


def test_an_ews_export_under_faults_holds_exactly_the_servers_messages(
    ews, store, state_dir, tmp_path, waits
):
    since = switch_on_the_faults(state_dir, "ews")
    out = tmp_path / "invoices.parquet"
    summary = export_messages(ews, out, "parquet", progress=False)
    assert summary.complete and summary.folders_done == summary.folders == 21
    df = read_export(out)
    assert_exactly_the_servers(df, store)
    assert summary.rows == len(df) and set(df["source"]) == {"ews"}
    met = faults_met(state_dir, "ews", since)
    assert met.get("throttle", 0) > 0 and met.get("unavailable") == 3
    # The refused token is replaced once per reading thread (four folders at once), not once per request.
    assert 1 <= met.get("token_expiry", 0) <= 4
    assert waits  # every 429/503 was waited for as asked (recorded, not slept)
    assert json.loads(checkpoint_path(out, "parquet").read_text())["folders"][0]["done"] is True


def test_an_ews_export_with_dropped_connections_holds_exactly_the_servers_messages(
    ews, store, state_dir, tmp_path, waits
) -> None:
    since = launcher.requests(state_dir)["last"]
    launcher.set_fault(state_dir, "reset", host="ews", count=6, after=3)
    out = tmp_path / "invoices.csv"
    summary = export_messages(ews, out, "csv", progress=False)
    assert summary.complete
    assert_exactly_the_servers(read_export(out), store)
    assert faults_met(state_dir, "ews", since).get("reset") == 6
    assert len(waits) >= 6  # each drop was followed by a (recorded) backoff and the same read again
