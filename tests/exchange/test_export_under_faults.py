"""The acceptance test: a 5,000-message mailbox exported while the sandbox throttles (20% 429), has a
burst of 503s and expires the token mid-export, then an export interrupted half-way and resumed. Both
must hold exactly the server's set of messages, none twice.

The session's waits are recorded, not slept (``app_profile``), so the faults cost no time; the request
log says which faults were really met.
"""

from __future__ import annotations

import json
import os
import signal
import threading

import pytest

from grooper_nb.exchange.client import Exchange, IncompleteListing
from grooper_nb.exchange.export import checkpoint_path, export_messages, read_export
from tests.exchange.conftest import (
    SHARED,
    assert_exactly_the_servers,
    faults_met,
    mailbox_ids,
    switch_on_the_faults,
)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_an_export_under_faults_holds_exactly_the_servers_messages(
    shared: Exchange, store, state_dir, tmp_path, waits, fmt
) -> None:
    shared.folders()  # the tree first, unfaulted; the export itself meets the faults
    since = switch_on_the_faults(state_dir, "graph")
    out = tmp_path / f"invoices.{fmt}"
    summary = export_messages(shared, out, fmt, progress=False)
    assert summary.complete and summary.folders_done == summary.folders == 21
    df = read_export(out)
    assert_exactly_the_servers(df, store)
    assert summary.rows == len(df)
    met = faults_met(state_dir, "graph", since)
    assert met.get("throttle", 0) > 0 and met.get("unavailable") == 3 and met.get("token_expiry", 0) >= 1
    assert waits  # every 429/503 was waited for as asked (recorded, not slept)
    assert set(waits) <= {0.0, 1.0} or all(w <= 8 for w in waits)
    assert json.loads(checkpoint_path(out, fmt).read_text())["folders"][0]["done"] is True


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_an_export_interrupted_half_way_resumes_without_loss_or_repeat(
    app_profile, store, state_dir, tmp_path, fmt
) -> None:
    # 200-message pages (two per folder), so folders stop between their own pages and resume from a nextLink.
    mail = Exchange(app_profile, SHARED, page_size=200)
    mail.folders()
    switch_on_the_faults(state_dir, "graph")
    out = tmp_path / f"invoices.{fmt}"
    pages = []

    def stop_half_way(path: str, page: int, rows: int) -> None:
        pages.append((path, page))
        if len(pages) == 15:
            raise KeyboardInterrupt

    with pytest.warns(UserWarning, match="interrupted"):
        first = export_messages(mail, out, fmt, progress=False, on_page=stop_half_way)
    assert not first.complete and 0 < first.rows < 5000
    state = json.loads(checkpoint_path(out, fmt).read_text())
    mid_folder = [f for f in state["folders"] if f["resume"] and not f["done"]]
    assert mid_folder, "the interrupt should leave a folder half read, to resume from its nextLink"
    assert len(read_export(out)) == first.rows  # what the checkpoint says is what is on disk

    second = export_messages(mail, out, fmt, progress=False)
    assert second.complete and second.rows == len(read_export(out))
    assert_exactly_the_servers(read_export(out), store)
    assert export_messages(mail, out, fmt, progress=False).rows == second.rows  # done: nothing more


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_page_written_but_not_checkpointed_is_not_repeated(app_profile, store, tmp_path, fmt) -> None:
    """The process dies after a page reached the output but before its checkpoint did: the resume
    drops what the checkpoint does not cover and writes that page again, once."""
    mail = Exchange(app_profile, SHARED, page_size=50)
    out = tmp_path / f"crash.{fmt}"
    cp = checkpoint_path(out, fmt)
    seen: list[str] = []

    def crash(path: str, page: int, rows: int) -> None:
        seen.append(cp.read_text())
        if len(seen) == 3:
            raise RuntimeError("the kernel died here")

    with pytest.raises(RuntimeError):
        export_messages(mail, out, fmt, folder="Inbox/Vendors/Acme", progress=False, on_page=crash)
    cp.write_text(seen[1])  # the checkpoint as it was before the third page was recorded
    if fmt == "csv":
        with open(out, "a", encoding="utf-8") as fh:
            fh.write("half a row that never made it,")
    recorded = json.loads(seen[1])
    if fmt == "csv":
        assert out.stat().st_size > recorded["csv_bytes"]  # more on disk than recorded
    else:
        assert len(read_export(out)) > recorded["folders"][0]["rows"]

    summary = export_messages(mail, out, fmt, folder="Inbox/Vendors/Acme", progress=False)
    df = read_export(out)
    folder = mail.select_folders("Inbox/Vendors/Acme")[0]
    assert summary.complete and summary.rows == len(df)
    assert not df["internet_message_id"].duplicated().any()
    assert sorted(df["internet_message_id"]) == sorted(mailbox_ids(store, SHARED, folder["id"]))


def test_messages_interrupted_returns_the_partial_frame(shared: Exchange, store) -> None:
    """A real SIGINT (what a notebook's stop button sends) while four folders are being read."""
    backend = shared.backend
    real_pages = backend.message_pages
    served = []

    def pages_then_interrupt(folder, **kwargs):
        for page in real_pages(folder, **kwargs):
            served.append(folder["path"])
            if len(served) == 6:
                os.kill(os.getpid(), signal.SIGINT)
            yield page

    backend.message_pages = pages_then_interrupt  # the real backend, with an interrupt after 6 pages
    try:
        with pytest.warns(IncompleteListing, match="missing or incomplete"):
            df = shared.messages(progress=False)
    finally:
        del backend.message_pages
    assert df.attrs["complete"] is False
    assert 0 < len(df) < len(mailbox_ids(store, SHARED))
    assert df.attrs["missing_folders"]
    assert not df["internet_message_id"].duplicated().any()
    assert set(df["internet_message_id"]) < set(mailbox_ids(store, SHARED))
    assert threading.active_count() < 20  # the interrupted workers ended


def test_a_checkpoint_of_another_export_is_refused(shared: Exchange, tmp_path) -> None:
    out = tmp_path / "acme.csv"
    export_messages(shared, out, "csv", folder="Inbox/Vendors/Acme", progress=False)
    with pytest.raises(ValueError, match="restart=True"):
        export_messages(shared, out, "csv", folder="Inbox/Invoices", progress=False)
    again = export_messages(shared, out, "csv", folder="Inbox/Invoices", progress=False, restart=True)
    assert again.complete and set(read_export(out)["folder_path"]) == {"Inbox/Invoices"}
