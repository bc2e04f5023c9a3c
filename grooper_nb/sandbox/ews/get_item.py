"""``GetItem``: messages by ``ItemId``, in a batch, with recipients, ``From``, ``Categories``, ``Body``,
attachments' metadata and, with ``IncludeMimeContent``, the whole message as base64 MIME.
https://learn.microsoft.com/exchange/client-developer/web-service-reference/getitem-operation-email-message

One ``GetItemResponseMessage`` per id, in request order: a malformed id is that message's
``ErrorInvalidIdMalformed``, an id of nothing stored ``ErrorItemNotFound``, a mailbox the caller may not
open ``ErrorAccessDenied``.
"""

from __future__ import annotations

from . import ids
from .access import Context
from .items import message_xml, shape_of
from .soap import MNS, TNS, EwsError, ResponseCodes, el, message, response

__all__ = ["MAX_BATCH", "get_item"]

# Ids per GetItem. No Microsoft page publishes Exchange Online's limit (UNCONFIRMED); 100 is the batch
# Microsoft's EWS throttling guidance and exchangelib (services/common.py, CHUNK_SIZE = 100) work with,
# so a client that stays within it works against the real service too. More is refused as a whole.
MAX_BATCH = 100


def get_item(ctx: Context) -> bytes:
    op = ctx.request.operation
    holder = op.find(f"{{{MNS}}}ItemIds")
    targets = list(holder.iter(f"{{{TNS}}}ItemId")) if holder is not None else []
    if len(targets) > MAX_BATCH:
        raise EwsError(
            ResponseCodes.ErrorInvalidRequest,
            f"The request exceeds the maximum of {MAX_BATCH} items per GetItem.",
            fault=True,
        )
    shape = shape_of(op, find=False)
    messages = []
    for target in targets:
        try:
            mailbox_id, item_id = ids.decode(target.get("Id"), "item")
            mailbox = ctx.open_id(mailbox_id)
            msg = ctx.store.mail.message(mailbox["id"], item_id)
            if msg is None:
                raise EwsError(ResponseCodes.ErrorItemNotFound)
        except EwsError as error:
            messages.append(message("GetItem", error=error))
            continue
        messages.append(message("GetItem", el("m:Items", message_xml(ctx.store.mail, mailbox, msg, shape))))
    return response("GetItem", messages)
