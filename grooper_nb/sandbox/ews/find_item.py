"""``FindItem``: one page of a folder's messages, ``Shallow`` traversal, ``IndexedPageItemView`` paging.
https://learn.microsoft.com/exchange/client-developer/web-service-reference/finditem-operation

Paging (https://learn.microsoft.com/exchange/client-developer/web-service-reference/indexedpageitemview):
``Offset`` counts from ``BasePoint`` ``Beginning`` or ``End``; ``MaxEntriesReturned`` above 1000 has no
effect (Exchange Online's ``EWSFindCountLimit`` of 1000 items,
https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange).
The ``RootFolder`` says ``IndexedPagingOffset`` (the next request's offset), ``TotalItemsInView`` and
``IncludesLastItemInRange``. Items come newest received first unless ``SortOrder`` asks for
``item:DateTimeReceived`` ascending. A ``Restriction`` comparing ``item:DateTimeReceived`` is
evaluated (:mod:`.restriction`; ``TotalItemsInView`` then counts the matching items); any other
restriction, and a ``QueryString``, is refused with ``ErrorInvalidRestriction``: a page that ignored a
search would be silently wrong.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..store.mail import MessageQuery
from .access import Context
from .folders import folder_targets, resolve
from .items import message_xml, shape_of
from .restriction import restriction_where
from .soap import MNS, TNS, EwsError, el, message, response

__all__ = ["MAX_ENTRIES", "find_item"]

MAX_ENTRIES = 1000


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value)) if value is not None else default
    except ValueError:
        raise EwsError("ErrorSchemaValidation", "The request failed schema validation.", fault=True) from None


def _view(op: ET.Element) -> tuple[int, int, bool]:
    """``(max entries, offset, from the end)`` of the request's IndexedPageItemView."""
    view = op.find(f"{{{MNS}}}IndexedPageItemView")
    if view is None:
        return MAX_ENTRIES, 0, False
    size = min(_int(view.get("MaxEntriesReturned"), MAX_ENTRIES), MAX_ENTRIES)
    return size, _int(view.get("Offset"), 0), view.get("BasePoint") == "End"


def _descending(op: ET.Element) -> bool:
    order = op.find(f"{{{MNS}}}SortOrder/{{{TNS}}}FieldOrder")
    return order is None or order.get("Order") != "Ascending"


def _window(total: int, size: int, offset: int, from_end: bool) -> tuple[int, int, int, bool]:
    """``(skip, count, next offset, includes last)`` in the store's order."""
    if not from_end:
        count = max(0, min(size, total - offset))
        return offset, count, offset + count, offset + count >= total
    stop = max(0, total - offset)
    start = max(0, stop - size)
    return start, stop - start, offset + (stop - start), start == 0


def find_item(ctx: Context) -> bytes:
    op = ctx.request.operation
    messages = []
    for target in folder_targets(op, "ParentFolderIds"):
        try:
            messages.append(message("FindItem", _one(ctx, op, target)))
        except EwsError as error:
            messages.append(message("FindItem", error=error))
    return response("FindItem", messages)


def _one(ctx: Context, op: ET.Element, target: ET.Element) -> str:
    if op.find(f"{{{MNS}}}QueryString") is not None:
        raise EwsError("ErrorInvalidRestriction", "The sandbox does not evaluate QueryString.")
    where = restriction_where(op.find(f"{{{MNS}}}Restriction"))
    mailbox, folder = resolve(ctx, target)
    shape = shape_of(op, find=True)
    size, offset, from_end = _view(op)
    mail = ctx.store.mail
    _, total = mail.messages(mailbox["id"], folder["id"], MessageQuery(where=where, top=0))
    skip, count, next_offset, last = _window(total, size, offset, from_end)
    page, _ = mail.messages(
        mailbox["id"],
        folder["id"],
        MessageQuery(where=where, descending=_descending(op), skip=skip, top=count),
    )
    items = el("t:Items", "".join(message_xml(mail, mailbox, m, shape) for m in page))
    return el(
        "m:RootFolder",
        items,
        IndexedPagingOffset=str(next_offset),
        TotalItemsInView=str(total),
        IncludesLastItemInRange="true" if last else "false",
    )
