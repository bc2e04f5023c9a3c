"""Exchange through Graph mail against the sandbox: the folder tree, messages, dates, attachments.

What the server holds is read through the sandbox's store (beside the running service), so every
assertion compares the client's DataFrame with the tenant itself, not with a second client call.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

import pandas as pd
import pytest

from grooper_nb.exchange import schema
from grooper_nb.exchange.client import Exchange
from grooper_nb.sandbox import launcher
from grooper_nb.sandbox.mail_size import message_size
from tests.exchange.conftest import SHARED, mailbox_ids


def _store_paths(store, address: str) -> dict[str, dict]:
    """path -> stored folder, walked from the top like the client."""
    box = store.mail.mailbox(address)
    out: dict[str, dict] = {}

    def walk(parent_id, prefix):
        for folder in store.mail.folders(box["id"], parent_id):
            path = f"{prefix}/{folder['displayName']}" if prefix else folder["displayName"]
            out[path] = folder
            walk(folder["id"], path)

    walk(None, "")
    return out


def test_the_folder_tree_is_the_mailboxs(shared: Exchange, store) -> None:
    folders = shared.folders()
    assert list(folders.columns) == [c.name for c in schema.FOLDERS]
    expected = _store_paths(store, SHARED)
    assert list(folders["path"]) == sorted(expected, key=lambda p: p.split("/"))
    by_path = folders.set_index("path")
    for path, stored in expected.items():
        row = by_path.loc[path]
        assert row["id"] == stored["id"]
        assert (row["total_count"], row["unread_count"]) == (
            stored["totalItemCount"],
            stored["unreadItemCount"],
        )
        assert row["well_known_name"] is pd.NA or row["well_known_name"] == stored["_wellKnownName"]
    known = folders[folders["well_known_name"].notna()]
    named = dict(zip(known["well_known_name"], known["path"], strict=True))
    assert named == {
        "inbox": "Inbox",
        "sentitems": "Sent Items",
        "archive": "Archive",
        "deleteditems": "Deleted Items",
        "drafts": "Drafts",
    }
    assert by_path.loc["Inbox/Vendors/Acme", "parent_id"] == by_path.loc["Inbox/Vendors", "id"]
    assert (folders["mailbox"] == SHARED).all() and (folders["source"] == "graph").all()


def test_one_folders_messages_are_exactly_the_servers(shared: Exchange, store) -> None:
    df = shared.messages("Inbox/Vendors/Acme", progress=False)
    assert df.attrs["complete"] is True
    assert list(df.columns) == [c.name for c in schema.MESSAGES]
    folder = shared.select_folders("Inbox/Vendors/Acme")[0]
    assert sorted(df["internet_message_id"]) == sorted(mailbox_ids(store, SHARED, folder["id"]))
    assert (df["folder_path"] == "Inbox/Vendors/Acme").all()
    box = store.mail.mailbox(SHARED)
    for row in df.head(25).itertuples():
        stored = store.mail.message(box["id"], row.id)
        assert row.size_bytes == message_size(store.mail, stored)  # what the sandbox's EWS says too
        assert row.attachment_count == len(store.mail.attachments(row.id))
        assert row.subject == stored["subject"] and row.is_read == stored["isRead"]
        assert row.received == pd.Timestamp(stored["receivedDateTime"])


def test_since_and_until_pick_by_received_time(shared: Exchange, store) -> None:
    everything = shared.messages("inbox", progress=False)
    times = everything["received"].sort_values().reset_index(drop=True)
    since, until = times[len(times) // 4].to_pydatetime(), times[3 * len(times) // 4].to_pydatetime()
    window = shared.messages("inbox", since=since, until=until, progress=False)
    expected = everything[(everything["received"] >= since) & (everything["received"] < until)]
    assert sorted(window["id"]) == sorted(expected["id"]) and 0 < len(window) < len(everything)
    later = shared.messages("inbox", since=until + timedelta(days=9999), progress=False)
    assert len(later) == 0 and later.attrs["complete"] is True
    with pytest.raises(ValueError, match="timezone-aware"):
        shared.messages("inbox", since=since.replace(tzinfo=None), progress=False)


def test_every_folder_at_once_is_the_whole_mailbox(shared: Exchange, store) -> None:
    df = shared.messages(progress=False)
    assert df.attrs["complete"] is True
    ids = mailbox_ids(store, SHARED)
    assert len(ids) > 5000
    assert sorted(df["internet_message_id"]) == sorted(ids)
    assert not df["id"].duplicated().any()


def test_attachments_and_a_pdf_download(shared: Exchange, store, tmp_path) -> None:
    df = shared.messages("Inbox/Invoices", progress=False)
    with_files = df[df["has_attachments"]].head(5)
    assert len(with_files)
    atts = shared.attachments(with_files)
    assert list(atts.columns) == [c.name for c in schema.ATTACHMENTS]
    assert set(atts["message_id"]) == set(with_files["id"])
    stored = {a["id"]: a for mid in with_files["id"] for a in store.mail.attachments(mid)}
    assert set(atts["attachment_id"]) == set(stored)
    assert (atts["size_bytes"] == [stored[a]["size"] for a in atts["attachment_id"]]).all()
    pdfs = atts[atts["content_type"] == "application/pdf"]
    assert len(pdfs)
    written = shared.download(pdfs, to=tmp_path / "out")
    assert len(written) == len(pdfs)
    for path, (_, att) in zip(written, pdfs.iterrows(), strict=True):
        data = path.read_bytes()
        assert data.startswith(b"%PDF") and data == stored[att["attachment_id"]]["_content"]
    one = shared.attachments(with_files.iloc[0])  # a single row works too
    assert set(one["message_id"]) == {with_files.iloc[0]["id"]}


def test_delegated_own_mailbox_through_me(delegated, user: dict, store) -> None:
    profile, signed_in = delegated
    mine = Exchange(profile, None, account=signed_in)
    assert mine.mailbox == store.mail.mailbox(user["upn"])["address"].lower()
    df = mine.messages(progress=False)
    assert sorted(df["internet_message_id"]) == sorted(mailbox_ids(store, user["upn"]))
    assert repr(mine).startswith("Exchange(GraphBackend('https://graph.microsoft.com/v1.0/me'")
    by_address = Exchange(profile, user["upn"], account=signed_in).folders()
    assert list(by_address["path"]) == list(mine.folders()["path"])


def test_an_unknown_folder_says_what_to_name(shared: Exchange) -> None:
    with pytest.raises(KeyError, match="well-known name"):
        shared.messages("No Such Folder", progress=False)


def test_via_must_be_graph_or_ews(app_profile) -> None:
    with pytest.raises(ValueError, match="'graph', 'ews'"):
        Exchange(app_profile, SHARED, via="imap")


def test_four_folders_are_read_at_once_and_never_a_fifth(shared: Exchange, state_dir, store) -> None:
    """Four workers must be inside the backend together (a barrier of four that a one-at-a-time reader
    would never pass), and the server never had to refuse a fifth concurrent request (no 429)."""
    backend = shared.backend
    real_pages = backend.message_pages
    together = threading.Barrier(4, timeout=60)
    inside, most, started, lock = [0], [0], [0], threading.Lock()

    def pages(folder, **kwargs):
        with lock:
            inside[0] += 1
            started[0] += 1
            most[0] = max(most[0], inside[0])
            first_four = started[0] <= 4
        try:
            if first_four:  # the first four folders meet here before any of them reads a page
                with contextlib.suppress(threading.BrokenBarrierError):
                    together.wait()
            yield from real_pages(folder, **kwargs)
        finally:
            with lock:
                inside[0] -= 1

    shared.folders()
    since = launcher.requests(state_dir)["last"]
    backend.message_pages = pages
    try:
        df = shared.messages(progress=False)
    finally:
        del backend.message_pages
    assert not together.broken and most[0] == 4
    assert df.attrs["complete"] is True and len(df) == len(mailbox_ids(store, SHARED))
    statuses = {e["status"] for e in launcher.requests(state_dir, host="graph", since=since)["entries"]}
    assert statuses == {200}
