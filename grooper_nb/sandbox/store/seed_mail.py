"""The seed tenant's mail (docs/sandbox.md, "Mail"): mailboxes, folder trees, messages, attachments.

Every user the seed gives a mailbox (``has_mailbox``) gets one, plus the shared mailbox
``invoices@<domain>`` to which one ordinary user (:data:`SHARED_DELEGATE`) has FullAccess. Each mailbox
has the well-known folders (Inbox, Sent Items, Archive, Deleted Items, Drafts), Inbox's subfolders
"Invoices" and "Vendors/Acme", and a top-level "Invoices". Messages carry what an integrator filters
on: read and unread, importance, categories, from/to/cc, a unique ``internetMessageId``, a
``conversationId`` shared by replies, received times over the last 18 months, and real attachments
(small valid PDF invoices and PNG images, made here byte by byte).

Randomness comes from ``random.Random(f"mail/{seed}")``, a stream of its own, so every directory id,
password and secret of the seed stays what it was. Received times are relative to the day the tenant is
seeded; ids, subjects and addresses are the same for the same seed.

``scale``: ``small`` (about 300 messages, what the tests use), ``large`` (100,000 more in the shared
mailbox, across more than 20 folders) or an integer N (N more). The large part is written with one
``executemany`` per table in one transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
import struct
import uuid
import zlib
from typing import TYPE_CHECKING, Any

from .mail import attachment_row, message_row, new_id

if TYPE_CHECKING:
    from . import Store

__all__ = [
    "LARGE",
    "SHARED_DELEGATE",
    "SHARED_MAILBOX",
    "extra_messages",
    "make_pdf",
    "make_png",
    "seed_mail",
]

SHARED_MAILBOX = "invoices"  # invoices@<domain>
SHARED_DELEGATE = "adele.vance"  # has FullAccess to the shared mailbox
LARGE = 100_000
SMALL_PER_USER = 40
SMALL_SHARED = 60
DAYS = 548  # about 18 months

# (path, well-known name, weight of the small seed's messages)
FOLDERS = [
    ("Inbox", "inbox", 14),
    ("Inbox/Invoices", None, 6),
    ("Inbox/Vendors", None, 3),
    ("Inbox/Vendors/Acme", None, 4),
    ("Sent Items", "sentitems", 5),
    ("Archive", "archive", 3),
    ("Deleted Items", "deleteditems", 2),
    ("Drafts", "drafts", 1),
    ("Invoices", None, 2),
]
VENDORS = [
    ("Acme Billing", "billing@acme.example.com"),
    ("Fabrikam Accounts", "accounts@fabrikam.example.com"),
    ("Northwind Traders", "ar@northwind.example.com"),
    ("Tailspin Toys", "invoices@tailspin.example.com"),
]
TOPICS = ["Project update", "Weekly status", "Site visit photos", "Contract renewal", "Lunch on Friday?"]
CATEGORIES = ["Red category", "Blue category", "Invoices", "Vendors", "Follow up"]


def make_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF (PDF 1.4, correct xref offsets) showing ``text``."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_png(rgb: tuple[int, int, int], size: int = 16) -> bytes:
    """A valid ``size`` x ``size`` PNG of one colour (8-bit RGB, CRCs computed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _address(name: str, address: str) -> dict[str, Any]:
    return {"emailAddress": {"name": name, "address": address}}


class _Writer:
    """Draws messages for one mailbox from the mail stream and numbers their changes."""

    def __init__(self, rng: random.Random, domain: str, today: dt.datetime, people: list[dict]):
        self.rng, self.domain, self.today, self.people = rng, domain, today, people
        self.seq = 0
        self.conversations: list[tuple[str, str]] = []
        self.rows: list[tuple] = []
        self.attachments: list[tuple] = []

    def message(self, box: dict, folder_id: str, well_known: str | None, *, light: bool = False) -> None:
        rng = self.rng
        owner = _address(box["display_name"], box["address"])
        kind = rng.choice(("invoice", "invoice", "photo", "note", "note"))
        subject, sender, files = self._content(kind, owner, light)
        if well_known == "sentitems":
            sender = owner
        received = self.today - dt.timedelta(seconds=rng.randrange(DAYS * 86400))
        subject, conversation = self._conversation(subject)
        other = rng.choice(self.people)
        data = {
            "@odata.etag": f'W/"CQAAABYAAAA{base64.b64encode(rng.randbytes(12)).decode()}"',
            "id": new_id("AAMkAG", rng),
            "createdDateTime": _iso(received),
            "lastModifiedDateTime": _iso(received),
            "changeKey": f"CQAAABYAAAA{base64.b64encode(rng.randbytes(12)).decode()}",
            "categories": rng.sample(CATEGORIES, rng.choice((0, 0, 0, 1, 2))),
            "receivedDateTime": _iso(received),
            "sentDateTime": _iso(received - dt.timedelta(seconds=rng.randrange(2, 90))),
            "hasAttachments": bool(files),
            "internetMessageId": f"<{rng.randbytes(16).hex().upper()}@{self.domain}>",
            "subject": subject,
            "bodyPreview": f"{subject}. Please see the details below.",
            "importance": rng.choice(("normal", "normal", "normal", "low", "high")),
            "parentFolderId": folder_id,
            "conversationId": conversation,
            "isDeliveryReceiptRequested": False,
            "isReadReceiptRequested": False,
            "isRead": well_known in ("sentitems", "drafts") or rng.random() < 0.6,
            "isDraft": well_known == "drafts",
            "webLink": f"https://outlook.office365.com/owa/?ItemID={folder_id}&viewmodel=ReadMessageItem",
            "inferenceClassification": rng.choice(("focused", "focused", "other")),
            "body": {
                "contentType": "html",
                "content": f"<html><body><p>{subject}.</p><p>Please see the details below.</p></body></html>",
            },
            "sender": sender,
            "from": sender,
            "toRecipients": [owner if sender is not owner else _address(other["displayName"], other["mail"])],
            "ccRecipients": [_address(other["displayName"], other["mail"])] if rng.random() < 0.3 else [],
            "bccRecipients": [],
            "replyTo": [],
            "flag": {"flagStatus": rng.choice(("notFlagged", "notFlagged", "flagged"))},
        }
        self.seq += 1
        self.rows.append(message_row(box["id"], data, self.seq, sum(len(f["content"]) for f in files)))
        self.attachments += [attachment_row(data["id"], {**f, "id": new_id("AAMkAGA", rng)}) for f in files]

    def _content(self, kind: str, owner: dict, light: bool) -> tuple[str, dict, list[dict]]:
        rng = self.rng
        if kind == "invoice":
            vendor = rng.choice(VENDORS)
            number = f"INV-{rng.randrange(10000, 99999)}"
            files = (
                []
                if light and rng.random() < 0.9
                else [
                    {
                        "name": f"{number}.pdf",
                        "contentType": "application/pdf",
                        "content": make_pdf(f"Invoice {number}"),
                    }
                ]
            )
            return f"Invoice {number} from {vendor[0]}", _address(*vendor), files
        person = rng.choice(self.people)
        sender = _address(person["displayName"], person["mail"])
        if kind == "photo" and not light:
            colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            image = {
                "name": f"IMG_{rng.randrange(1000, 9999)}.png",
                "contentType": "image/png",
                "content": make_png(colour),
            }
            return "Site visit photos", sender, [image]
        return rng.choice(TOPICS), sender, []

    def _conversation(self, subject: str) -> tuple[str, str]:
        if self.conversations and self.rng.random() < 0.25:
            original, conversation = self.rng.choice(self.conversations)
            return f"RE: {original}", conversation
        conversation = "AAQkAG" + base64.urlsafe_b64encode(self.rng.randbytes(24)).decode()
        self.conversations.append((subject, conversation))
        return subject, conversation


def _folders(
    store: Store,
    rng: random.Random,
    box: dict,
    paths: list[tuple[str, str | None]],
    known: dict | None = None,
) -> dict[str, str]:
    """Create the folder tree ``paths`` (parents first, or in ``known``); path -> folder id."""
    ids: dict[str, str] = dict(known or {})
    for path, well_known in paths:
        parent, _, name = path.rpartition("/")
        ids[path] = store.mail.add_folder(
            box["id"],
            name,
            parent_id=ids.get(parent),
            well_known=well_known,
            folder_id=new_id("AAMkAGF", rng),
        )
    return ids


def extra_messages(scale: str) -> int:
    """How many messages ``scale`` adds to the shared mailbox beyond the small seed."""
    if scale == "small":
        return 0
    if scale == "large":
        return LARGE
    return int(scale)


def seed_mail(store: Store, *, seed: int, scale: str = "small") -> None:
    """Write the seed tenant's mailboxes into ``store`` (after its users)."""
    rng = random.Random(f"mail/{seed}")  # noqa: S311 - determinism is the point
    domain = store.directory.tenant["domain"]
    today = dt.datetime.now(dt.timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    users = sorted(
        (u for u in store.directory.users() if (u.get("_sandbox") or {}).get("has_mailbox")),
        key=lambda u: u["userPrincipalName"],
    )
    writer = _Writer(rng, domain, today, users)
    boxes = []
    for user in users:
        store.mail.add_mailbox(user["id"], user["mail"], user["displayName"])
        boxes.append(
            ({"id": user["id"], "address": user["mail"], "display_name": user["displayName"]}, SMALL_PER_USER)
        )
    shared = {
        "id": str(_guid(rng)),
        "address": f"{SHARED_MAILBOX}@{domain}",
        "display_name": "Invoices (shared)",
    }
    store.mail.add_mailbox(shared["id"], shared["address"], shared["display_name"], kind="shared")
    delegate = next(u for u in users if u["userPrincipalName"].startswith(f"{SHARED_DELEGATE}@"))
    store.mail.grant_full_access(shared["id"], delegate["id"])
    boxes.append((shared, SMALL_SHARED))
    paths = [(p, w) for p, w, _ in FOLDERS]
    weights = [weight for _, _, weight in FOLDERS]
    for box, count in boxes:
        ids = _folders(store, rng, box, paths)
        for path, well_known, _ in rng.choices(FOLDERS, weights=weights, k=count):
            writer.message(box, ids[path], well_known)
        if box is shared:
            shared_ids = ids
    extra = extra_messages(scale)
    if extra:
        _large(store, rng, writer, shared, shared_ids, extra)
    store.mail.bulk_add(writer.rows, writer.attachments)
    store.db.set_meta("mail", {"mailboxes": len(boxes), "messages": writer.seq, "extra": extra})


def _large(store: Store, rng: random.Random, writer: _Writer, box: dict, ids: dict[str, str], n: int) -> None:
    """``n`` more messages for ``box``, across its folders and 12 vendor folders more (21 in all)."""
    more = [(f"Inbox/Vendors/Vendor {i:02d}", None) for i in range(1, 13)]
    ids = _folders(store, rng, box, more, ids)
    well_known = {path: w for path, w, _ in FOLDERS}
    paths = list(ids)
    for _ in range(n):
        path = rng.choice(paths)
        writer.message(box, ids[path], well_known.get(path), light=True)


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
