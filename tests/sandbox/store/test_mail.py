"""The mail store and its seed, used directly: SQLite in a temporary state dir."""

from __future__ import annotations

import struct
import zlib

import pytest

from grooper_nb.sandbox.store import Store
from grooper_nb.sandbox.store.mail import MessageQuery
from grooper_nb.sandbox.store.seed_mail import SHARED_DELEGATE, make_pdf, make_png

SHARED = "invoices@contoso.onmicrosoft.com"
FOLDERS = {"Inbox", "Sent Items", "Archive", "Deleted Items", "Drafts", "Invoices"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = Store.open(tmp_path_factory.mktemp("mail") / "state")
    yield s
    s.close()


def _fingerprint(store: Store) -> list[tuple]:
    rows = store.db.execute("SELECT id, folder_id, from_address, data FROM mail_messages ORDER BY change_seq")
    return [(r["id"], r["folder_id"], r["from_address"], r["data"].split('"subject"')[1][:60]) for r in rows]


def test_every_user_with_a_mailbox_has_one_and_the_shared_mailbox_exists(store: Store) -> None:
    users = store.directory.users()
    with_mailbox = {u["id"] for u in users if u["_sandbox"]["has_mailbox"]}
    boxes = store.mail.mailboxes()
    assert {b["id"] for b in boxes if b["kind"] == "user"} == with_mailbox
    assert [b["address"] for b in boxes if b["kind"] == "shared"] == [SHARED]
    nomail = next(u for u in users if not u["_sandbox"]["has_mailbox"])
    assert store.mail.mailbox(nomail["id"]) is None
    delegate = next(u for u in users if u["userPrincipalName"].startswith(f"{SHARED_DELEGATE}@"))
    assert store.mail.delegates(store.mail.mailbox(SHARED)["id"]) == [delegate["id"]]


def test_the_small_seed_is_small_and_realistic(store: Store) -> None:
    assert 200 <= store.mail.count() <= 400
    for box in store.mail.mailboxes():
        top = store.mail.folders(box["id"])
        assert {f["displayName"] for f in top} == FOLDERS
        inbox = store.mail.folder(box["id"], "inbox")
        children = {f["displayName"]: f for f in store.mail.folders(box["id"], inbox["id"])}
        assert set(children) == {"Invoices", "Vendors"}
        assert [f["displayName"] for f in store.mail.folders(box["id"], children["Vendors"]["id"])] == [
            "Acme"
        ]
    messages, total = store.mail.messages(store.mail.mailbox(SHARED)["id"], query=MessageQuery(top=1000))
    assert total == len(messages)
    ids = [m["internetMessageId"] for m in messages]
    assert len(set(ids)) == len(ids) and all(i.endswith("@contoso.onmicrosoft.com>") for i in ids)
    assert {m["isRead"] for m in messages} == {True, False}
    assert {m["importance"] for m in messages} >= {"normal", "high"}
    assert any(m["categories"] for m in messages) and any(m["ccRecipients"] for m in messages)
    conversations = [m["conversationId"] for m in messages]
    assert len(set(conversations)) < len(conversations)  # replies share their conversation
    dates = sorted(m["receivedDateTime"] for m in messages)
    assert dates[0][:4] < dates[-1][:4] or dates[0][:7] < dates[-1][:7]


def test_attachments_are_valid_pdfs_and_pngs(store: Store) -> None:
    rows = store.db.execute("SELECT message_id, id, content_type FROM mail_attachments").fetchall()
    kinds = {r["content_type"] for r in rows}
    assert kinds == {"application/pdf", "image/png"}
    for row in rows[:20]:
        content = store.mail.attachment(row["message_id"], row["id"])["_content"]
        if row["content_type"] == "application/pdf":
            assert content.startswith(b"%PDF-1.4") and content.endswith(b"%%EOF\n")
        else:
            assert content.startswith(b"\x89PNG\r\n\x1a\n")
    with_files = store.db.execute(
        "SELECT COUNT(*) FROM mail_messages WHERE has_attachments=1 AND id NOT IN "
        "(SELECT message_id FROM mail_attachments)"
    ).fetchone()[0]
    assert with_files == 0


def test_the_pdf_xref_points_at_its_objects() -> None:
    pdf = make_pdf("Invoice INV-1")
    assert 300 <= len(pdf) <= 1000
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[start:].startswith(b"xref\n0 6\n")
    offsets = [int(line[:10]) for line in pdf[start:].split(b"\n")[3:8]]
    for number, offset in enumerate(offsets, 1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)


def test_the_png_chunks_check_out() -> None:
    png = make_png((10, 20, 30), size=4)
    pos, kinds = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(kind + data)
        kinds.append(kind)
        pos += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
    assert zlib.decompress(png[8 + 8 + 13 + 4 + 8 : -12 - 4])[:4] == b"\x00\n\x14\x1e"


def test_the_mail_seed_is_deterministic_and_leaves_the_directory_alone(tmp_path, store: Store) -> None:
    again = Store.open(tmp_path / "again")
    other = Store.open(tmp_path / "other", seed=7)
    bigger = Store.open(tmp_path / "bigger", scale="50")
    try:
        assert _fingerprint(again) == _fingerprint(store)
        assert _fingerprint(other) != _fingerprint(store)
        assert bigger.directory.describe()["users"] == store.directory.describe()["users"]
        assert _fingerprint(bigger)[: len(_fingerprint(store))] == _fingerprint(store)
    finally:
        for s in (again, other, bigger):
            s.close()


def test_a_large_scale_fills_the_shared_mailbox_across_twenty_folders(tmp_path) -> None:
    big = Store.open(tmp_path / "big", scale="2000")
    try:
        box = big.mail.mailbox(SHARED)
        folders = big.db.execute(
            "SELECT COUNT(*) FROM mail_folders WHERE mailbox_id=?", (box["id"],)
        ).fetchone()[0]
        assert folders >= 20
        assert big.mail.count(box["id"]) == 2000 + 60
        used = big.db.execute(
            "SELECT COUNT(DISTINCT folder_id) FROM mail_messages WHERE mailbox_id=?", (box["id"],)
        ).fetchone()[0]
        assert used >= 20
    finally:
        big.close()


def test_changes_count_up_and_tombstones_stay(store: Store, tmp_path) -> None:
    s = Store.open(tmp_path / "changes")
    try:
        box = s.mail.mailbox(SHARED)
        inbox = s.mail.folder(box["id"], "INBOX".lower())
        before = s.mail.last_change()
        added = s.mail.add_message(
            box["id"], inbox["id"], {"subject": "new", "receivedDateTime": "2026-01-01T00:00:00Z"}
        )
        s.mail.update_message(box["id"], added["id"], {"isRead": True})
        s.mail.delete_message(box["id"], added["id"])
        assert s.mail.message(box["id"], added["id"]) is None
        assert s.mail.changes(inbox["id"], before, s.mail.last_change()) == [
            {"id": added["id"], "@removed": {"reason": "deleted"}}
        ]
        with pytest.raises(KeyError):
            s.mail.update_message(box["id"], added["id"], {"isRead": False})
    finally:
        s.close()


def test_a_delivered_message_has_created_and_modified_times(tmp_path) -> None:
    """Exchange stamps both on every message; a caller of add_message need not (and the seed's have them)."""
    s = Store.open(tmp_path / "times")
    try:
        box = s.mail.mailbox(SHARED)
        inbox = s.mail.folder(box["id"], "inbox")
        seeded, _ = s.mail.messages(box["id"], inbox["id"], MessageQuery(top=50))
        assert all(m["createdDateTime"] and m["lastModifiedDateTime"] for m in seeded)
        added = s.mail.add_message(
            box["id"],
            inbox["id"],
            {"subject": "new", "receivedDateTime": "2026-01-01T00:00:00Z"},
            attachments=[{"name": "a.txt", "contentType": "text/plain", "content": b"a"}],
        )
        stored = s.mail.message(box["id"], added["id"])
        assert stored["createdDateTime"] == stored["lastModifiedDateTime"] == "2026-01-01T00:00:00Z"
        attached = s.mail.attachments(added["id"])
        assert [a["lastModifiedDateTime"] for a in attached] == ["2026-01-01T00:00:00Z"]
        changed = s.mail.update_message(box["id"], added["id"], {"isRead": True})
        assert changed["lastModifiedDateTime"] > stored["lastModifiedDateTime"]
        assert changed["createdDateTime"] == stored["createdDateTime"]
    finally:
        s.close()


def test_application_access_policy_scopes_an_app(store: Store) -> None:
    shared = store.mail.mailbox(SHARED)["id"]
    user = next(b["id"] for b in store.mail.mailboxes() if b["kind"] == "user")
    app = "11111111-2222-3333-4444-555555555555"
    assert store.mail.app_may_open(app, user) and store.mail.app_may_open(app, shared)
    store.mail.set_application_access_policy(app.upper(), [shared])
    assert store.mail.app_may_open(app, shared) and not store.mail.app_may_open(app, user)
    assert store.mail.app_may_open("another-app", user)
    store.mail.set_application_access_policy(app, [])
    assert store.mail.app_may_open(app, user)
