"""EWS elements as records of the one schema (:mod:`grooper_nb.exchange.schema`).

What is decided for both APIs is applied here for EWS: times to UTC whole seconds (:func:`~..schema.utc`),
addresses lower-cased, ``importance`` lower-case, categories and recipient lists sorted
(:func:`~..schema.addresses`). Element names follow the EWS schema's ``MessageType``
(https://learn.microsoft.com/exchange/client-developer/web-service-reference/message-ex15websvcsotherref)
and ``FileAttachment``
(https://learn.microsoft.com/exchange/client-developer/web-service-reference/fileattachment).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from ..schema import addresses, utc
from .soap import child, children, text_of

__all__ = ["attachment_record", "detail_fields", "folder_record", "message_record"]

Record = dict[str, Any]
ATTACHMENT_KINDS = {"FileAttachment": "file", "ItemAttachment": "item", "ReferenceAttachment": "reference"}


def _local(elem: ET.Element) -> str:
    return elem.tag.rpartition("}")[2]


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _bool(value: str | None) -> bool | None:
    return None if value in (None, "") else value.lower() == "true"


def _id(elem: ET.Element | None, name: str, key: str = "Id") -> str | None:
    found = child(elem, name)
    return found.get(key) if found is not None else None


def folder_record(elem: ET.Element) -> Record:
    """A ``t:Folder`` as a folders-table record (``path`` and ``well_known_name`` are the backend's)."""
    return {
        "source": "ews",
        "id": _id(elem, "FolderId"),
        "parent_id": _id(elem, "ParentFolderId"),
        "display_name": text_of(elem, "DisplayName"),
        "total_count": _int(text_of(elem, "TotalCount")),
        "unread_count": _int(text_of(elem, "UnreadCount")),
        "child_folder_count": _int(text_of(elem, "ChildFolderCount")),
    }


def folder_class(elem: ET.Element) -> str:
    return text_of(elem, "FolderClass") or ""


def _who(elem: ET.Element | None, name: str) -> tuple[str | None, str | None]:
    """``(address, name)`` of ``t:Sender`` / ``t:From``. EWS gives an SMTP address for a sender it can
    resolve; for one it cannot, ``RoutingType`` may be ``EX`` and the address an X.500 DN, where Graph
    may still show SMTP (UNCONFIRMED how often Exchange Online does this): kept as sent, lower-cased."""
    box = child(elem, name, "Mailbox")
    address = text_of(box, "EmailAddress")
    return (address.lower() if address else None), text_of(box, "Name")


def _recipients(elem: ET.Element | None, name: str) -> tuple[str, ...]:
    return addresses(text_of(box, "EmailAddress") for box in children(elem, name))


def message_record(found: ET.Element) -> Record:
    """The columns FindItem fills, from its ``t:Message``."""
    importance = text_of(found, "Importance")
    return {
        "source": "ews",
        "id": _id(found, "ItemId"),
        "change_key": _id(found, "ItemId", "ChangeKey"),
        "folder_id": _id(found, "ParentFolderId"),
        "internet_message_id": text_of(found, "InternetMessageId"),
        "conversation_id": _id(found, "ConversationId"),
        "subject": text_of(found, "Subject"),
        "received": utc(text_of(found, "DateTimeReceived")),
        "sent": utc(text_of(found, "DateTimeSent")),
        "created": utc(text_of(found, "DateTimeCreated")),
        "last_modified": utc(text_of(found, "LastModifiedTime")),
        "size_bytes": _int(text_of(found, "Size")),
        "has_attachments": _bool(text_of(found, "HasAttachments")),
        "is_read": _bool(text_of(found, "IsRead")),
        "is_draft": _bool(text_of(found, "IsDraft")),
        "importance": importance.lower() if importance else None,
    }


def detail_fields(item: ET.Element | None) -> Record:
    """The columns only GetItem fills, from its ``t:Message`` (None: the message is gone; columns missing)."""
    if item is None:
        return {}
    sender_address, sender_name = _who(item, "Sender")
    from_address, from_name = _who(item, "From")
    return {
        "sender_address": sender_address,
        "sender_name": sender_name,
        "from_address": from_address,
        "from_name": from_name,
        "to": _recipients(item, "ToRecipients"),
        "cc": _recipients(item, "CcRecipients"),
        "bcc": _recipients(item, "BccRecipients"),
        "categories": tuple(sorted(s.text or "" for s in children(item, "Categories"))),
        "attachment_count": len(children(item, "Attachments")),
    }


def attachment_record(elem: ET.Element, message: Record) -> Record:
    """A ``t:FileAttachment`` / ``t:ItemAttachment`` / ``t:ReferenceAttachment`` of ``message``."""
    return {
        "mailbox": message.get("mailbox"),
        "source": "ews",
        "message_id": message.get("id"),
        "internet_message_id": message.get("internet_message_id"),
        "attachment_id": _id(elem, "AttachmentId"),
        "kind": ATTACHMENT_KINDS.get(_local(elem), _local(elem)),
        "name": text_of(elem, "Name"),
        "content_type": text_of(elem, "ContentType"),
        "size_bytes": _int(text_of(elem, "Size")),
        "is_inline": _bool(text_of(elem, "IsInline")),
        "content_id": text_of(elem, "ContentId"),
        "last_modified": utc(text_of(elem, "LastModifiedTime")),
    }
