"""The EWS backend against the sandbox's EWS, with real tokens: folders, messages, attachments, and rows
equal to what Graph says about the same mailbox.

Graph's side is read here over raw HTTP (the Graph backend is not under test) and put into the schema's
columns by :func:`graph_row`, a mapping written from Graph's documentation, independent of the EWS code.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from grooper_nb.auth import flows
from grooper_nb.exchange import schema
from grooper_nb.exchange.ews import EwsBackend
from grooper_nb.exchange.ews.resolve_names import resolve_names
from grooper_nb.sandbox.store import Store
from grooper_nb.sandbox.store.mail import MessageQuery
from tests.exchange.ews.conftest import SHARED

GRAPH = "https://graph.microsoft.com/v1.0"
# Columns each API encodes its own way (schema.PER_API), and two that graph_row does not map from Graph's
# raw JSON (its extended property and $expand): tests/exchange/test_parity.py compares them through the
# front end of both backends.
API_SPECIFIC = schema.PER_API["messages"] | {"size_bytes", "attachment_count"}


def _messages(backend: EwsBackend, folder: dict, **kwargs) -> list[dict]:
    return [r for page in backend.message_pages(folder, **kwargs) for r in page.records]


def _folder(backend: EwsBackend, path: str) -> dict:
    return next(f for f in backend.folders() if f["path"] == path)


def _stored(store: Store, address: str, well_known: str) -> tuple[dict, list[dict]]:
    box = store.mail.mailbox(address)
    folder = store.mail.folder(box["id"], well_known)
    page, _ = store.mail.messages(box["id"], folder["id"], MessageQuery(top=5000))
    return box, page


def _address(who: dict | None) -> str | None:
    address = ((who or {}).get("emailAddress") or {}).get("address")
    return address.lower() if address else None


def graph_row(message: dict) -> dict:
    """A Graph ``message`` in the schema's columns
    (https://learn.microsoft.com/graph/api/resources/message)."""
    return {
        "internet_message_id": message["internetMessageId"],
        "subject": message["subject"],
        "sender_address": _address(message.get("sender")),
        "sender_name": (message.get("sender") or {}).get("emailAddress", {}).get("name"),
        "from_address": _address(message.get("from")),
        "from_name": (message.get("from") or {}).get("emailAddress", {}).get("name"),
        "to": schema.addresses(_address(r) for r in message.get("toRecipients") or []),
        "cc": schema.addresses(_address(r) for r in message.get("ccRecipients") or []),
        "bcc": schema.addresses(_address(r) for r in message.get("bccRecipients") or []),
        "received": message["receivedDateTime"],
        "sent": message["sentDateTime"],
        "created": message["createdDateTime"],
        "last_modified": message["lastModifiedDateTime"],
        "has_attachments": message["hasAttachments"],
        "is_read": message["isRead"],
        "is_draft": message["isDraft"],
        "importance": message["importance"],
        "categories": tuple(sorted(message.get("categories") or [])),
    }


def _compared(rows: list[dict]) -> schema.pd.DataFrame:
    keep = [c.name for c in schema.MESSAGES if c.name not in API_SPECIFIC | {"mailbox", "folder_path"}]
    frame = schema.frame(rows, "messages")[keep]
    return frame.sort_values(["internet_message_id"]).reset_index(drop=True)


def test_folders_are_the_mail_tree_with_paths_and_well_known_names(app_ews: EwsBackend, store: Store) -> None:
    folders = app_ews.folders()
    by_path = {f["path"]: f for f in folders}
    assert {"Inbox", "Inbox/Invoices", "Inbox/Vendors", "Inbox/Vendors/Acme", "Archive", "Invoices"} <= set(
        by_path
    )
    named = {f["well_known_name"]: f["path"] for f in folders if f["well_known_name"]}
    assert named == {
        "inbox": "Inbox",
        "sentitems": "Sent Items",
        "deleteditems": "Deleted Items",
        "drafts": "Drafts",
        "archive": "Archive",  # by its display name: EWS has no distinguished id for it
    }
    box = store.mail.mailbox(SHARED)
    inbox = store.mail.folder(box["id"], "inbox")
    assert (by_path["Inbox"]["total_count"], by_path["Inbox"]["unread_count"]) == (
        inbox["totalItemCount"],
        inbox["unreadItemCount"],
    )
    assert by_path["Inbox/Vendors"]["child_folder_count"] == 1
    assert by_path["Inbox/Vendors/Acme"]["parent_id"] == by_path["Inbox/Vendors"]["id"]
    frame = schema.frame(folders, "folders")
    assert list(frame.columns) == [c.name for c in schema.FOLDERS] and frame["id"].notna().all()


def _graph_get(s2s, path: str, **params: str) -> dict:
    token = flows.client_credentials(s2s, ["https://graph.microsoft.com/.default"]).access_token.reveal()
    resp = s2s.session.get(f"{GRAPH}{path}", params=params, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
    return resp.json()


def _graph_folders(s2s, mailbox: str) -> list[dict]:
    """Graph's folder tree (https://learn.microsoft.com/graph/api/mailfolder-list-childfolders) in the
    schema's columns, well-known names from ``GET /mailFolders/{name}``."""
    base = f"/users/{mailbox}/mailFolders"
    names = {}
    for name in ("inbox", "sentitems", "deleteditems", "drafts", "archive"):
        names[_graph_get(s2s, f"{base}/{name}")["id"]] = name
    rows, todo = [], [(f, f["displayName"]) for f in _graph_get(s2s, base, **{"$top": "1000"})["value"]]
    while todo:
        folder, path = todo.pop()
        rows.append(
            {
                "display_name": folder["displayName"],
                "path": path,
                "well_known_name": names.get(folder["id"]),
                "total_count": folder["totalItemCount"],
                "unread_count": folder["unreadItemCount"],
                "child_folder_count": folder["childFolderCount"],
            }
        )
        children = _graph_get(s2s, f"{base}/{folder['id']}/childFolders", **{"$top": "1000"})["value"]
        todo += [(c, f"{path}/{c['displayName']}") for c in children]
    return rows


def test_folders_equal_what_graph_says_about_the_same_mailbox(app_ews: EwsBackend, s2s) -> None:
    keep = ["display_name", "path", "well_known_name", "total_count", "unread_count", "child_folder_count"]

    def compared(rows: list[dict]) -> schema.pd.DataFrame:
        return schema.frame(rows, "folders")[keep].sort_values("path").reset_index(drop=True)

    ews, graph = compared(app_ews.folders()), compared(_graph_folders(s2s, SHARED))
    assert ews.equals(graph), ews.compare(graph)


def test_messages_equal_what_graph_says_about_the_same_mailbox(
    app_ews: EwsBackend, private_sandbox: dict, s2s
) -> None:
    ews_rows = _messages(app_ews, _folder(app_ews, "Inbox"))
    graph = _graph_get(s2s, f"/users/{SHARED}/mailFolders/inbox/messages", **{"$top": "1000"})
    graph_rows = [graph_row(m) for m in graph["value"]]
    assert len(ews_rows) == len(graph_rows) > 0
    ews, graph = _compared(ews_rows), _compared(graph_rows)
    assert ews.equals(graph), ews.compare(graph)
    assert any(r["cc"] for r in ews_rows) and any(r["categories"] for r in ews_rows)
    assert all(r["folder_path"] == "Inbox" and r["mailbox"] == SHARED for r in ews_rows)


def test_every_column_is_filled_as_the_store_has_it(app_ews: EwsBackend, store: Store) -> None:
    _, stored = _stored(store, SHARED, "inbox")
    rows = {r["internet_message_id"]: r for r in _messages(app_ews, _folder(app_ews, "Inbox"))}
    for message in stored:
        row = rows[message["internetMessageId"]]
        assert row["attachment_count"] == len(store.mail.attachments(message["id"]))
        assert row["has_attachments"] is bool(row["attachment_count"])
        assert row["size_bytes"] > 0 and row["importance"] == message["importance"]
        assert row["received"] == schema.utc(message["receivedDateTime"])
    assert set(schema.frame(list(rows.values()), "messages").columns) == {c.name for c in schema.MESSAGES}


def test_a_date_range_is_a_restriction_on_the_received_time(app_ews: EwsBackend, store: Store) -> None:
    _, stored = _stored(store, SHARED, "inbox")
    times = sorted(schema.utc(m["receivedDateTime"]) for m in stored)
    since, until = times[2], times[-2]
    rows = _messages(app_ews, _folder(app_ews, "Inbox"), since=since, until=until)
    assert sorted(r["received"] for r in rows) == [t for t in times if since <= t < until]
    assert _messages(app_ews, _folder(app_ews, "Inbox"), since=times[-1] + timedelta(seconds=1)) == []
    with pytest.raises(ValueError, match="time zone"):
        _messages(app_ews, _folder(app_ews, "Inbox"), since=since.replace(tzinfo=None))


def test_delegated_and_app_only_list_the_same_rows(shared_ews: EwsBackend, app_ews: EwsBackend) -> None:
    delegated = _messages(shared_ews, _folder(shared_ews, "Inbox/Invoices"))
    app_only = _messages(app_ews, _folder(app_ews, "Inbox/Invoices"))
    assert delegated == app_only and delegated
    assert [f["path"] for f in shared_ews.folders()] == [f["path"] for f in app_ews.folders()]


def test_attachments_and_their_bytes(megan_ews: EwsBackend, store: Store, megan: dict) -> None:
    rows = _messages(megan_ews, _folder(megan_ews, "Inbox"))
    _, stored = _stored(store, megan["upn"], "inbox")
    with_files = next(r for r in rows if r["attachment_count"])
    message = next(m for m in stored if m["internetMessageId"] == with_files["internet_message_id"])
    expected = store.mail.attachments(message["id"])
    attachments = megan_ews.attachments(with_files)
    assert [(a["name"], a["content_type"], a["size_bytes"], a["kind"]) for a in attachments] == [
        (a["name"], a["contentType"], a["size"], "file") for a in expected
    ]
    assert attachments[0]["message_id"] == with_files["id"]
    assert attachments[0]["internet_message_id"] == with_files["internet_message_id"]
    assert megan_ews.download(with_files, attachments[0]) == expected[0]["_content"]
    assert list(schema.frame(attachments, "attachments").columns) == [c.name for c in schema.ATTACHMENTS]


def test_bad_input_is_refused_with_a_way_to_fix_it(megan_ews: EwsBackend, connector) -> None:
    inbox = _folder(megan_ews, "Inbox")
    with pytest.raises(ValueError, match="resume token"):
        next(megan_ews.message_pages(inbox, resume="$skiptoken=abc"))
    with pytest.raises(ValueError, match="SMTP address"):
        EwsBackend(connector, "megan")
    assert "token" not in repr(megan_ews).lower()


def test_resolve_names_finds_the_shared_mailbox_by_address(megan_ews: EwsBackend) -> None:
    found = resolve_names(megan_ews.client, f"SMTP:{SHARED.upper()}")
    assert [(f["address"], f["routing_type"]) for f in found] == [(SHARED, "SMTP")]
    assert resolve_names(megan_ews.client, "zzzz-nobody") == []
