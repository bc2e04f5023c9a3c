"""Messages as EWS renders them (``t:Message``), shared by FindItem and GetItem.

Which properties come back is the ``ItemShape``: a ``BaseShape`` (``IdOnly``, ``Default``,
``AllProperties``) plus ``AdditionalProperties`` FieldURIs
(https://learn.microsoft.com/exchange/client-developer/web-service-reference/itemshape). FindItem never
returns what the real service keeps for GetItem: the body, attachments, recipient lists and categories,
and gives ``From``/``Sender`` as a name without an address
(https://learn.microsoft.com/exchange/client-developer/web-service-reference/finditem-operation,
"Remarks"); a FindItem asking for them gets the other properties only.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from ..mail_size import message_size
from . import ids
from .mime import mime_message
from .soap import MNS, TNS, el, text

__all__ = ["Shape", "message_xml", "shape_of"]

IMPORTANCE = {"low": "Low", "normal": "Normal", "high": "High"}

# The FieldURIs the sandbox serves, in the order the schema's MessageType sequence puts them.
ORDER = [
    "item:MimeContent",
    "item:ItemId",
    "item:ParentFolderId",
    "item:ItemClass",
    "item:Subject",
    "item:Body",
    "item:Attachments",
    "item:DateTimeReceived",
    "item:Size",
    "item:Categories",
    "item:Importance",
    "item:IsDraft",
    "item:DateTimeSent",
    "item:DateTimeCreated",
    "item:HasAttachments",
    "item:LastModifiedTime",
    "item:ConversationId",
    "message:Sender",
    "message:ToRecipients",
    "message:CcRecipients",
    "message:BccRecipients",
    "message:From",
    "message:InternetMessageId",
    "message:IsRead",
]
FIND_DEFAULT = {
    "item:ItemId",
    "item:ParentFolderId",
    "item:ItemClass",
    "item:Subject",
    "item:DateTimeReceived",
    "item:Size",
    "item:Importance",
    "item:IsDraft",
    "item:DateTimeSent",
    "item:DateTimeCreated",
    "item:HasAttachments",
    "item:ConversationId",
    "message:Sender",
    "message:From",
    "message:IsRead",
}
GET_DEFAULT = FIND_DEFAULT | {"item:Body", "item:Attachments", "message:ToRecipients", "message:CcRecipients"}
ALL = set(ORDER) - {"item:MimeContent"}
GET_ONLY = {
    "item:Body",
    "item:Attachments",
    "message:ToRecipients",
    "message:CcRecipients",
    "message:BccRecipients",
    "item:Categories",
}


class Shape:
    """The properties to render, and whether this is FindItem's restricted view."""

    def __init__(self, fields: set[str], find: bool):
        self.fields = fields - GET_ONLY if find else fields
        self.find = find


def shape_of(operation: ET.Element, find: bool) -> Shape:
    shape = operation.find(f"{{{MNS}}}ItemShape")
    base = shape.findtext(f"{{{TNS}}}BaseShape") if shape is not None else "IdOnly"
    fields = {"item:ItemId"}
    if base == "Default":
        fields |= FIND_DEFAULT if find else GET_DEFAULT
    elif base == "AllProperties":
        fields |= ALL
    if shape is not None:
        extra = shape.find(f"{{{TNS}}}AdditionalProperties")
        for uri in extra.iter(f"{{{TNS}}}FieldURI") if extra is not None else ():
            fields.add(uri.get("FieldURI") or "")
        if (shape.findtext(f"{{{TNS}}}IncludeMimeContent") or "").strip().lower() == "true":
            fields.add("item:MimeContent")
    return Shape(fields, find)


def _mailbox(who: dict[str, Any] | None, with_address: bool = True) -> str:
    address = (who or {}).get("emailAddress") or {}
    parts = text("t:Name", address.get("name") or address.get("address") or "")
    if with_address:
        parts += text("t:EmailAddress", address.get("address") or "") + text("t:RoutingType", "SMTP")
        parts += text("t:MailboxType", "OneOff")
    return el("t:Mailbox", parts)


def _recipients(tag: str, people: list[dict[str, Any]]) -> str:
    return el(tag, "".join(_mailbox(p) for p in people)) if people else ""


def _optional(tag: str, value: object) -> str:
    """``<tag>value</tag>``, or nothing when there is no value (EWS leaves an unset property out)."""
    return text(tag, value) if value not in (None, "") else ""


def _attachments(ctx_mail: Any, mailbox: dict, msg: dict) -> str:
    parts = []
    for att in ctx_mail.attachments(msg["id"]):
        att_id = ids.encode("attachment", mailbox["id"], f"{msg['id']}|{att['id']}")
        parts.append(
            el(
                "t:FileAttachment",
                el("t:AttachmentId", Id=att_id)
                + text("t:Name", att["name"])
                + text("t:ContentType", att["contentType"])
                + text("t:Size", att["size"])
                + _optional("t:LastModifiedTime", att.get("lastModifiedDateTime"))
                + text("t:IsInline", bool(att.get("isInline"))),
            )
        )
    return el("t:Attachments", "".join(parts)) if parts else ""


def _renderers(mail: Any, mailbox: dict, msg: dict, find: bool) -> dict[str, Callable[[], str]]:
    mailbox_id = mailbox["id"]
    return {
        "item:MimeContent": lambda: el(
            "t:MimeContent", base64.b64encode(mime_message(mail, msg)).decode(), CharacterSet="UTF-8"
        ),
        "item:ItemId": lambda: el(
            "t:ItemId", Id=ids.encode("item", mailbox_id, msg["id"]), ChangeKey=ids.change_key(msg)
        ),
        "item:ParentFolderId": lambda: el(
            "t:ParentFolderId",
            Id=ids.encode("folder", mailbox_id, msg["parentFolderId"]),
            ChangeKey="AQAAAA==",
        ),
        "item:ItemClass": lambda: text("t:ItemClass", "IPM.Note"),
        "item:Subject": lambda: text("t:Subject", msg.get("subject") or ""),
        "item:Body": lambda: _body(msg),
        "item:Attachments": lambda: _attachments(mail, mailbox, msg),
        "item:DateTimeReceived": lambda: text("t:DateTimeReceived", msg.get("receivedDateTime") or ""),
        "item:Size": lambda: text("t:Size", message_size(mail, msg)),
        "item:Categories": lambda: el(
            "t:Categories", "".join(text("t:String", c) for c in msg.get("categories") or [])
        ),
        "item:Importance": lambda: text(
            "t:Importance", IMPORTANCE.get(msg.get("importance") or "normal", "Normal")
        ),
        "item:IsDraft": lambda: text("t:IsDraft", bool(msg.get("isDraft"))),
        "item:DateTimeSent": lambda: text("t:DateTimeSent", msg.get("sentDateTime") or ""),
        "item:DateTimeCreated": lambda: text("t:DateTimeCreated", msg.get("createdDateTime") or ""),
        "item:HasAttachments": lambda: text("t:HasAttachments", bool(msg.get("hasAttachments"))),
        "item:LastModifiedTime": lambda: text("t:LastModifiedTime", msg.get("lastModifiedDateTime") or ""),
        "item:ConversationId": lambda: el("t:ConversationId", Id=msg.get("conversationId") or ""),
        "message:Sender": lambda: el("t:Sender", _mailbox(msg.get("sender"), not find)),
        "message:ToRecipients": lambda: _recipients("t:ToRecipients", msg.get("toRecipients") or []),
        "message:CcRecipients": lambda: _recipients("t:CcRecipients", msg.get("ccRecipients") or []),
        "message:BccRecipients": lambda: _recipients("t:BccRecipients", msg.get("bccRecipients") or []),
        "message:From": lambda: el("t:From", _mailbox(msg.get("from"), not find)),
        "message:InternetMessageId": lambda: text("t:InternetMessageId", msg.get("internetMessageId") or ""),
        "message:IsRead": lambda: text("t:IsRead", bool(msg.get("isRead"))),
    }


def _body(msg: dict[str, Any]) -> str:
    body = msg.get("body") or {}
    kind = "HTML" if (body.get("contentType") or "html").lower() == "html" else "Text"
    return f'<t:Body BodyType="{kind}">{escape(body.get("content") or "")}</t:Body>'


def message_xml(mail: Any, mailbox: dict[str, Any], msg: dict[str, Any], shape: Shape) -> str:
    renderers = _renderers(mail, mailbox, msg, shape.find)
    return el("t:Message", "".join(renderers[f]() for f in ORDER if f in shape.fields))
