"""The tenant's Exchange Online mail: mailboxes, folders, messages, attachments, who may open them.

Objects keep Microsoft Graph's JSON shape in a ``data`` column, so Graph (and, next, EWS) can serve them
as they are: ``mailFolder`` (https://learn.microsoft.com/graph/api/resources/mailfolder?view=graph-rest-1.0),
``message`` (https://learn.microsoft.com/graph/api/resources/message?view=graph-rest-1.0) and
``fileAttachment`` (https://learn.microsoft.com/graph/api/resources/fileattachment?view=graph-rest-1.0).
The columns beside ``data`` are what queries filter and sort on (received time, read, attachments,
sender), indexed so a mailbox of 100,000 messages pages quickly.

A mailbox belongs to a user (its id is the user's object id) or is a shared mailbox (an address of its
own). Delegate rights are Exchange's ``Add-MailboxPermission -AccessRights FullAccess``
(https://learn.microsoft.com/powershell/module/exchange/add-mailboxpermission); an application access
policy is ``New-ApplicationAccessPolicy -AccessRight RestrictAccess``, which limits an app's application
permissions to a set of mailboxes
(https://learn.microsoft.com/graph/auth-limit-mailbox-access).

Every change to a message takes the next number of one counter (``change_seq``); a delta query's token
is the number it saw last, so "what changed since" is ``change_seq > token``
(https://learn.microsoft.com/graph/delta-query-messages). A deleted message stays as a tombstone.

Usage::

    mail = store.mail
    box = mail.mailbox("megan.bowen@contoso.onmicrosoft.com")
    inbox = mail.folder(box["id"], "inbox")
    page, total = mail.messages(box["id"], inbox["id"], query=MessageQuery(top=50))
    mail.add_message(box["id"], inbox["id"], {...}, attachments=[...])
"""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .db import Database

__all__ = ["WELL_KNOWN", "Mail", "MessageQuery", "new_id"]

# Well-known folder names (https://learn.microsoft.com/graph/api/resources/mailfolder) -> display name.
WELL_KNOWN = {
    "inbox": "Inbox",
    "sentitems": "Sent Items",
    "archive": "Archive",
    "deleteditems": "Deleted Items",
    "drafts": "Drafts",
}

# Columns a query may filter on: Graph property -> (column, kind).
FILTER_COLUMNS = {
    "receivedDateTime": ("received", "datetime"),
    "hasAttachments": ("has_attachments", "bool"),
    "isRead": ("is_read", "bool"),
    "from/emailAddress/address": ("from_address", "text"),
}


def new_id(prefix: str = "AAMkAG", rng: Any = None) -> str:
    """An Exchange-looking item id (opaque, URL-safe base64), from ``rng`` when the seed draws it."""
    raw = rng.randbytes(33) if rng is not None else secrets.token_bytes(33)
    return prefix + base64.urlsafe_b64encode(raw).decode()


@dataclass
class MessageQuery:
    """What a message list asks for: ``where`` clauses ``(property, operator, value)`` on
    :data:`FILTER_COLUMNS`, order by received time, a window, and the tombstones or not."""

    where: list[tuple[str, str, Any]] = field(default_factory=list)
    descending: bool = True
    skip: int = 0
    top: int = 10


_OPS = {"eq": "=", "ne": "<>", "ge": ">=", "gt": ">", "le": "<=", "lt": "<"}


class Mail:
    """Mailboxes and their contents; ``store.mail``."""

    def __init__(self, db: Database):
        self.db = db

    # -- mailboxes ---------------------------------------------------------------------------------
    def add_mailbox(self, mailbox_id: str, address: str, display_name: str, kind: str = "user") -> None:
        """A mailbox: ``kind`` is ``user`` (``mailbox_id`` is the user's object id) or ``shared``."""
        self.db.execute(
            "INSERT INTO mailboxes VALUES (?, ?, ?, ?)", (mailbox_id, address, display_name, kind)
        )

    def mailbox(self, key: str) -> dict[str, Any] | None:
        """The mailbox whose id or address is ``key`` (case-insensitive), or None."""
        row = self.db.execute(
            "SELECT * FROM mailboxes WHERE id=? COLLATE NOCASE OR address=?", (key, key)
        ).fetchone()
        return dict(row) if row else None

    def mailboxes(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM mailboxes ORDER BY address")]

    # -- delegates and application access policies ----------------------------------------------------
    def grant_full_access(self, mailbox_id: str, user_id: str) -> None:
        """``Add-MailboxPermission -User user -AccessRights FullAccess`` on ``mailbox_id``."""
        self.db.execute(
            "INSERT OR REPLACE INTO mail_delegates VALUES (?, ?, 'FullAccess')", (mailbox_id, user_id)
        )

    def delegates(self, mailbox_id: str) -> list[str]:
        """The user ids with FullAccess to ``mailbox_id``."""
        rows = self.db.execute("SELECT user_id FROM mail_delegates WHERE mailbox_id=?", (mailbox_id,))
        return [r["user_id"] for r in rows]

    def has_full_access(self, mailbox_id: str, user_id: str) -> bool:
        return user_id in self.delegates(mailbox_id)

    def set_application_access_policy(self, app_id: str, mailbox_ids: Iterable[str]) -> None:
        """``New-ApplicationAccessPolicy -AppId app -PolicyScopeGroupId group -AccessRight
        RestrictAccess``: ``app_id``'s application permissions reach only ``mailbox_ids`` from now on.
        An empty set removes the policy (``Remove-ApplicationAccessPolicy``)."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM mail_app_policies WHERE app_id=?", (app_id.lower(),))
            conn.executemany(
                "INSERT INTO mail_app_policies VALUES (?, ?)", [(app_id.lower(), m) for m in mailbox_ids]
            )

    def app_may_open(self, app_id: str, mailbox_id: str) -> bool:
        """``Test-ApplicationAccessPolicy``: no policy for the app, or the mailbox is in its scope."""
        rows = self.db.execute(
            "SELECT mailbox_id FROM mail_app_policies WHERE app_id=?", (app_id.lower(),)
        ).fetchall()
        return not rows or mailbox_id in {r["mailbox_id"] for r in rows}

    # -- folders -----------------------------------------------------------------------------------
    def add_folder(
        self,
        mailbox_id: str,
        display_name: str,
        *,
        parent_id: str | None = None,
        well_known: str | None = None,
        folder_id: str | None = None,
    ) -> str:
        folder_id = folder_id or new_id("AAMkAGF")
        self.db.execute(
            "INSERT INTO mail_folders VALUES (?, ?, ?, ?, ?)",
            (folder_id, mailbox_id, parent_id, well_known, display_name),
        )
        return folder_id

    def folder(self, mailbox_id: str, key: str) -> dict[str, Any] | None:
        """The folder of ``mailbox_id`` whose id or well-known name (any case) is ``key``."""
        row = self.db.execute(
            "SELECT * FROM mail_folders WHERE mailbox_id=? AND (id=? OR well_known=?)",
            (mailbox_id, key, key.lower()),
        ).fetchone()
        return self._folder(row) if row else None

    def folders(self, mailbox_id: str, parent_id: str | None = None) -> list[dict[str, Any]]:
        """The top-level folders of the mailbox (``parent_id`` None), or a folder's children."""
        rows = self.db.execute(
            "SELECT * FROM mail_folders WHERE mailbox_id=? AND parent_id IS ? ORDER BY display_name",
            (mailbox_id, parent_id),
        )
        return [self._folder(r) for r in rows]

    def _folder(self, row: sqlite3.Row) -> dict[str, Any]:
        counts = self.db.execute(
            "SELECT COUNT(*) AS total, COALESCE(SUM(is_read = 0), 0) AS unread FROM mail_messages "
            "WHERE folder_id=? AND deleted=0",
            (row["id"],),
        ).fetchone()
        children = self.db.execute(
            "SELECT COUNT(*) FROM mail_folders WHERE parent_id=?", (row["id"],)
        ).fetchone()[0]
        return {
            "id": row["id"],
            "displayName": row["display_name"],
            "parentFolderId": row["parent_id"] or self._root_id(row["mailbox_id"]),
            "childFolderCount": children,
            "unreadItemCount": counts["unread"],
            "totalItemCount": counts["total"],
            "sizeInBytes": 0,
            "isHidden": False,
            "_wellKnownName": row["well_known"],
        }

    @staticmethod
    def _root_id(mailbox_id: str) -> str:
        """The id of the mailbox's root ("Top of Information Store"), which Graph does not list."""
        return "AAMkAGR" + base64.urlsafe_b64encode(mailbox_id.encode()).decode().rstrip("=")

    # -- messages ----------------------------------------------------------------------------------
    def _next_seq(self, conn: sqlite3.Connection) -> int:
        return conn.execute("SELECT COALESCE(MAX(change_seq), 0) + 1 FROM mail_messages").fetchone()[0]

    def last_change(self) -> int:
        """The counter's current value: a delta token that means "everything up to now"."""
        return self.db.execute("SELECT COALESCE(MAX(change_seq), 0) FROM mail_messages").fetchone()[0]

    def add_message(
        self,
        mailbox_id: str,
        folder_id: str,
        data: dict[str, Any],
        attachments: list[dict[str, Any]] = (),
    ) -> dict[str, Any]:
        """Deliver a message (Graph ``message`` shape; ``id`` made if absent) with ``attachments``
        (``name``, ``contentType``, ``content`` bytes). Returns the stored message."""
        data = {**data, "id": data.get("id") or new_id(), "parentFolderId": folder_id}
        data["hasAttachments"] = bool(attachments)
        _stamp_times(data)
        data[SIZE_KEY] = stored_size(data, sum(len(a["content"]) for a in attachments))
        with self.db.transaction() as conn:
            seq = self._next_seq(conn)
            conn.execute(
                "INSERT INTO mail_messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                (*_message_row(mailbox_id, data), seq, json.dumps(data)),
            )
            conn.executemany(
                "INSERT INTO mail_attachments VALUES (?, ?, ?, ?, ?, ?)",
                [_attachment_row(data["id"], a) for a in attachments],
            )
        return data

    def bulk_add(self, rows: list[tuple], attachments: list[tuple]) -> None:
        """Seed-speed insert in one transaction: ``rows`` from :func:`message_row`, ``attachments``
        from :func:`attachment_row`. The caller numbers ``change_seq`` itself."""
        with self.db.transaction() as conn:
            conn.executemany("INSERT INTO mail_messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)", rows)
            conn.executemany("INSERT INTO mail_attachments VALUES (?, ?, ?, ?, ?, ?)", attachments)

    def update_message(self, mailbox_id: str, message_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change properties of a message (``isRead``, ``categories``, ``importance``, ...; a new
        ``parentFolderId`` moves it); its ``lastModifiedDateTime`` becomes now unless ``changes`` names
        one. Raises KeyError if there is no such message."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT data FROM mail_messages WHERE id=? AND mailbox_id=? AND deleted=0",
                (message_id, mailbox_id),
            ).fetchone()
            if row is None:
                raise KeyError(message_id)
            data = {**json.loads(row["data"]), "lastModifiedDateTime": _now(), **changes}
            attached = conn.execute(
                "SELECT COALESCE(SUM(size), 0) FROM mail_attachments WHERE message_id=?", (message_id,)
            ).fetchone()[0]
            data[SIZE_KEY] = stored_size(data, attached)
            conn.execute(
                "UPDATE mail_messages SET folder_id=?, received=?, is_read=?, has_attachments=?, "
                "from_address=?, change_seq=?, data=? WHERE id=?",
                (*_message_row(mailbox_id, data)[2:], self._next_seq(conn), json.dumps(data), message_id),
            )
        return data

    def delete_message(self, mailbox_id: str, message_id: str) -> None:
        """Hard-delete a message; a delta query then reports it ``@removed``."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE mail_messages SET deleted=1, change_seq=? WHERE id=? AND mailbox_id=?",
                (self._next_seq(conn), message_id, mailbox_id),
            )
            conn.execute("DELETE FROM mail_attachments WHERE message_id=?", (message_id,))

    def message(self, mailbox_id: str, message_id: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT data FROM mail_messages WHERE id=? AND mailbox_id=? AND deleted=0",
            (message_id, mailbox_id),
        ).fetchone()
        return json.loads(row["data"]) if row else None

    def messages(
        self, mailbox_id: str, folder_id: str | None = None, query: MessageQuery | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """A window of the mailbox's (or folder's) messages matching ``query``, and how many match."""
        query = query or MessageQuery()
        where, params = ["mailbox_id=?", "deleted=0"], [mailbox_id]
        if folder_id is not None:
            where.append("folder_id=?")
            params.append(folder_id)
        for prop, op, value in query.where:
            column, _kind = FILTER_COLUMNS[prop]
            where.append(f"{column} {_OPS[op]} ?")  # column and operator from fixed tables
            params.append(value)
        clause = " AND ".join(where)
        total = self.db.execute(f"SELECT COUNT(*) FROM mail_messages WHERE {clause}", params).fetchone()[0]  # noqa: S608
        order = "DESC" if query.descending else "ASC"
        rows = self.db.execute(
            f"SELECT data FROM mail_messages WHERE {clause} ORDER BY received {order}, id {order} "  # noqa: S608
            "LIMIT ? OFFSET ?",
            (*params, query.top, query.skip),
        )
        return [json.loads(r["data"]) for r in rows], total

    def changes(
        self, folder_id: str, since: int, until: int, *, skip: int = 0, top: int = 100
    ) -> list[dict[str, Any]]:
        """Messages of ``folder_id`` changed after ``since`` up to ``until`` (counter values), oldest
        change first; a deleted one as ``{"id": ..., "@removed": {"reason": "deleted"}}``."""
        rows = self.db.execute(
            "SELECT id, deleted, data FROM mail_messages "
            "WHERE folder_id=? AND change_seq>? AND change_seq<=? AND NOT (deleted=1 AND ?=0) "
            "ORDER BY change_seq LIMIT ? OFFSET ?",
            (folder_id, since, until, since, top, skip),
        )
        return [
            {"id": r["id"], "@removed": {"reason": "deleted"}} if r["deleted"] else json.loads(r["data"])
            for r in rows
        ]

    # -- attachments -------------------------------------------------------------------------------
    # An attachment's lastModifiedDateTime is its message's createdDateTime: it was attached when the
    # message was made, and the store keeps no time of its own per attachment.
    _ATTACHMENT_SELECT = (
        "SELECT a.*, json_extract(m.data, '$.createdDateTime') AS modified FROM mail_attachments a "
        "LEFT JOIN mail_messages m ON m.id = a.message_id "
    )

    def attachments(self, message_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            self._ATTACHMENT_SELECT + "WHERE a.message_id=? ORDER BY a.name", (message_id,)
        )
        return [_attachment(r) for r in rows]

    def attachment(self, message_id: str, attachment_id: str) -> dict[str, Any] | None:
        """The attachment, with its bytes under ``_content``."""
        row = self.db.execute(
            self._ATTACHMENT_SELECT + "WHERE a.message_id=? AND a.id=?", (message_id, attachment_id)
        ).fetchone()
        return _attachment(row) if row else None

    def count(self, mailbox_id: str | None = None) -> int:
        sql, params = "SELECT COUNT(*) FROM mail_messages WHERE deleted=0", ()
        if mailbox_id is not None:
            sql, params = sql + " AND mailbox_id=?", (mailbox_id,)
        return self.db.execute(sql, params).fetchone()[0]


SIZE_KEY = "_size"  # the stored message's size (stored_size); a private key no API shows


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp_times(data: dict[str, Any]) -> None:
    """Fill what Exchange sets on every stored message and a caller may leave out: when it was created
    and last modified (Graph ``createdDateTime``/``lastModifiedDateTime``, EWS ``DateTimeCreated``/
    ``LastModifiedTime``, https://learn.microsoft.com/graph/api/resources/message). A delivered message is
    created when it is received; one with no received time (a draft) is created now."""
    created = data.get("createdDateTime") or data.get("receivedDateTime") or _now()
    data["createdDateTime"] = created
    data["lastModifiedDateTime"] = data.get("lastModifiedDateTime") or created


def _message_row(mailbox_id: str, data: dict[str, Any]) -> tuple:
    sender = ((data.get("from") or {}).get("emailAddress") or {}).get("address")
    return (
        data["id"],
        mailbox_id,
        data["parentFolderId"],
        data.get("receivedDateTime") or "",
        int(bool(data.get("isRead"))),
        int(bool(data.get("hasAttachments"))),
        (sender or "").lower(),
    )


def message_row(mailbox_id: str, data: dict[str, Any], seq: int, attachment_bytes: int = 0) -> tuple:
    """A ``mail_messages`` row for :meth:`Mail.bulk_add` (``attachment_bytes``: the sizes of the
    attachments stored with it, for its :func:`stored_size`)."""
    data = {**data, SIZE_KEY: stored_size(data, attachment_bytes)}
    return (*_message_row(mailbox_id, data), seq, json.dumps(data))


def stored_size(data: dict[str, Any], attachment_bytes: int) -> int:
    """The size Exchange reports for a message: MAPI ``PidTagMessageSize``, "the sum, in bytes, of the
    sizes of all properties on a message object" and its attachments
    (https://learn.microsoft.com/office/client-developer/outlook/mapi/pidtagmessagesize-canonical-property),
    sent by EWS as ``item:Size`` and by Graph as the extended property ``Integer 0x0E08``.

    The sandbox has no MAPI property store, so it counts the bytes of the message's stored properties
    (their JSON form, private keys left out) plus its attachments' bytes. Like Exchange, it keeps the
    number with the message (:data:`SIZE_KEY`), set when the message is stored or changed, so every host
    reports the same value without working it out again per request."""
    public = {k: v for k, v in data.items() if not k.startswith("_")}
    return len(json.dumps(public, sort_keys=True).encode()) + int(attachment_bytes)


def _attachment_row(message_id: str, att: dict[str, Any]) -> tuple:
    return (
        att.get("id") or new_id("AAMkAGA"),
        message_id,
        att["name"],
        att["contentType"],
        len(att["content"]),
        att["content"],
    )


attachment_row = _attachment_row


def _attachment(row: sqlite3.Row) -> dict[str, Any]:
    content = bytes(row["content"])
    return {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "id": row["id"],
        "name": row["name"],
        "contentType": row["content_type"],
        "size": row["size"],
        "isInline": False,
        "lastModifiedDateTime": row["modified"],
        "contentId": None,
        "contentLocation": None,
        "contentBytes": base64.b64encode(content).decode(),
        "_content": content,
    }
