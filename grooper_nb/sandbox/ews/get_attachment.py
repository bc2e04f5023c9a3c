"""``GetAttachment``: file attachments by ``AttachmentId``, their bytes as base64 ``Content``.
https://learn.microsoft.com/exchange/client-developer/web-service-reference/getattachment-operation
"""

from __future__ import annotations

import base64

from . import ids
from .access import Context
from .soap import MNS, TNS, EwsError, ResponseCodes, el, message, response, text

__all__ = ["get_attachment"]


def get_attachment(ctx: Context) -> bytes:
    holder = ctx.request.operation.find(f"{{{MNS}}}AttachmentIds")
    messages = []
    for target in holder.iter(f"{{{TNS}}}AttachmentId") if holder is not None else ():
        try:
            messages.append(message("GetAttachment", _one(ctx, target.get("Id"))))
        except EwsError as error:
            messages.append(message("GetAttachment", error=error))
    return response("GetAttachment", messages)


def _one(ctx: Context, value: str | None) -> str:
    mailbox_id, key = ids.decode(value, "attachment")
    message_id, _, attachment_id = key.partition("|")
    mailbox = ctx.open_id(mailbox_id)
    att = ctx.store.mail.attachment(message_id, attachment_id)
    if att is None or ctx.store.mail.message(mailbox["id"], message_id) is None:
        raise EwsError(ResponseCodes.ErrorItemNotFound)
    body = (
        el("t:AttachmentId", Id=value or "")
        + text("t:Name", att["name"])
        + text("t:ContentType", att["contentType"])
        + text("t:Size", att["size"])
        + text("t:IsInline", False)
        + text("t:Content", base64.b64encode(att["_content"]).decode())
    )
    return el("m:Attachments", el("t:FileAttachment", body))
