"""Graph's mail JSON as records of :mod:`grooper_nb.exchange.schema`: one function per table.

Graph's shapes: ``mailFolder`` (https://learn.microsoft.com/graph/api/resources/mailfolder), ``message``
(https://learn.microsoft.com/graph/api/resources/message), ``attachment``
(https://learn.microsoft.com/graph/api/resources/attachment). Conversions (UTC whole seconds,
lower-case addresses, sorted tuples) are the schema's own helpers, so EWS records come out the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from grooper_nb.exchange.schema import MESSAGES, addresses, utc

__all__ = [
    "MESSAGE_SELECT",
    "SIZE_PROPERTY",
    "attachment_record",
    "folder_record",
    "message_record",
]

Record = dict[str, Any]

# MAPI PidTagMessageSize as a Graph single-value extended property id
# (https://learn.microsoft.com/graph/api/resources/extended-properties-overview: "{type} {proptag}").
SIZE_PROPERTY = "Integer 0x0E08"
_SIZE_ID = re.compile(r"^Integer\s+0x0*e08$", re.IGNORECASE)


def _selected(columns) -> str:
    """The Graph properties behind ``columns``: the first segment of each plain property path (the
    schema's ``graph`` field); columns the front end fills or that come from an ``$expand`` are left
    out."""
    names: list[str] = []
    for c in columns:
        if c.graph.startswith(("(", "'")) or " " in c.graph:
            continue
        top = c.graph.split("/")[0]
        if top not in names:
            names.append(top)
    return ",".join(names)


MESSAGE_SELECT = _selected(MESSAGES)  # $select: exactly the schema's columns, nothing else


def _address(value: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    email = (value or {}).get("emailAddress") or {}
    address = (email.get("address") or "").strip().lower() or None
    return address, email.get("name") or None


def _recipients(values: Any) -> tuple[str, ...]:
    return addresses(_address(v)[0] for v in values or ())


def _size(message: Mapping[str, Any]) -> int | None:
    for prop in message.get("singleValueExtendedProperties") or ():
        if _SIZE_ID.match(str(prop.get("id") or "")):
            return int(prop["value"])
    return None


def _attachment_count(message: Mapping[str, Any]) -> int | None:
    if "attachments" not in message:
        return None  # not expanded (a delta round): unknown, not zero
    return len(message.get("attachments") or ())


def folder_record(folder: Mapping[str, Any], path: str, well_known: str | None) -> Record:
    return {
        "id": folder["id"],
        "parent_id": folder.get("parentFolderId"),
        "display_name": folder.get("displayName"),
        "path": path,
        "well_known_name": well_known,
        "total_count": folder.get("totalItemCount"),
        "unread_count": folder.get("unreadItemCount"),
        "child_folder_count": folder.get("childFolderCount"),
    }


def message_record(message: Mapping[str, Any]) -> Record:
    """A ``message`` (with the size and attachments expanded, when they were) as a messages record
    (``mailbox``, ``source`` and ``folder_path`` are the front end's)."""
    sender_address, sender_name = _address(message.get("sender"))
    from_address, from_name = _address(message.get("from"))
    return {
        "id": message["id"],
        "change_key": message.get("changeKey"),
        "folder_id": message.get("parentFolderId"),
        "internet_message_id": message.get("internetMessageId"),
        "conversation_id": message.get("conversationId"),
        "subject": message.get("subject"),
        "sender_address": sender_address,
        "sender_name": sender_name,
        "from_address": from_address,
        "from_name": from_name,
        "to": _recipients(message.get("toRecipients")),
        "cc": _recipients(message.get("ccRecipients")),
        "bcc": _recipients(message.get("bccRecipients")),
        "received": utc(message.get("receivedDateTime")),
        "sent": utc(message.get("sentDateTime")),
        "created": utc(message.get("createdDateTime")),
        "last_modified": utc(message.get("lastModifiedDateTime")),
        "size_bytes": _size(message),
        "has_attachments": message.get("hasAttachments"),
        "attachment_count": _attachment_count(message),
        "is_read": message.get("isRead"),
        "is_draft": message.get("isDraft"),
        "importance": (message.get("importance") or "").lower() or None,
        "categories": tuple(sorted(message.get("categories") or ())),
    }


_KINDS = {
    "#microsoft.graph.fileAttachment": "file",
    "#microsoft.graph.itemAttachment": "item",
    "#microsoft.graph.referenceAttachment": "reference",
}


def attachment_record(message: Mapping[str, Any], attachment: Mapping[str, Any]) -> Record:
    return {
        "message_id": message["id"],
        "internet_message_id": message.get("internet_message_id"),
        "attachment_id": attachment["id"],
        "kind": _KINDS.get(attachment.get("@odata.type") or "", "file"),
        "name": attachment.get("name"),
        "content_type": attachment.get("contentType"),
        "size_bytes": attachment.get("size"),
        "is_inline": attachment.get("isInline"),
        "content_id": attachment.get("contentId"),
        "last_modified": utc(attachment.get("lastModifiedDateTime")),
    }
