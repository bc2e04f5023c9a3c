"""``FindItem``: one page of a folder's messages, newest received first.
https://learn.microsoft.com/exchange/client-developer/web-service-reference/finditem-operation

Paging is ``IndexedPageItemView`` with ``MaxEntriesReturned="1000"`` (Exchange Online returns at most
1000 items a page, its ``EWSFindCountLimit``,
https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange)
and an ``Offset`` from the beginning; the answer's ``RootFolder`` gives ``IndexedPagingOffset`` (where the
next page starts), ``TotalItemsInView`` and ``IncludesLastItemInRange``
(https://learn.microsoft.com/exchange/client-developer/web-service-reference/indexedpageitemview).
That offset, as a string, is the resume token of :class:`~grooper_nb.exchange.backend.MessagePage`.

FindItem returns only what it can read from the folder's table: :data:`FIELDS`. Recipients, categories,
attachments and the sender's and From's addresses need GetItem (:mod:`.get_item`), as the operation's
page says under "Remarks". A date range is a ``Restriction`` on ``item:DateTimeReceived``
(https://learn.microsoft.com/exchange/client-developer/web-service-reference/restriction).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone

from .soap import SoapClient, attr, field_uris, m, t

__all__ = ["FIELDS", "PAGE_SIZE", "ItemPage", "find_item_page", "received_between"]

PAGE_SIZE = 1000
FIELDS = (
    "item:ItemId",
    "item:ParentFolderId",
    "item:Subject",
    "item:DateTimeReceived",
    "item:Size",
    "item:Importance",
    "item:IsDraft",
    "item:DateTimeSent",
    "item:DateTimeCreated",
    "item:HasAttachments",
    "item:LastModifiedTime",
    "item:ConversationId",
    "message:InternetMessageId",
    "message:IsRead",
)


@dataclass(frozen=True)
class ItemPage:
    """A page: its ``t:Message`` elements, the next page's offset, how many match, whether it is the last."""

    items: list[ET.Element]
    next_offset: int
    total: int | None
    last: bool


def _stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone: pass a timezone-aware datetime (UTC).")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _compare(op: str, moment: datetime) -> str:
    return (
        f'<t:{op}><t:FieldURI FieldURI="item:DateTimeReceived"/>'
        f"<t:FieldURIOrConstant><t:Constant Value={attr(_stamp(moment))}/></t:FieldURIOrConstant></t:{op}>"
    )


def received_between(since: datetime | None, until: datetime | None) -> str:
    """``m:Restriction`` for ``since <= received < until`` ("" when both are None)."""
    parts = []
    if since is not None:
        parts.append(_compare("IsGreaterThanOrEqualTo", since))
    if until is not None:
        parts.append(_compare("IsLessThan", until))
    if not parts:
        return ""
    inner = parts[0] if len(parts) == 1 else f"<t:And>{''.join(parts)}</t:And>"
    return f"<m:Restriction>{inner}</m:Restriction>"


def _request(parent: str, offset: int, restriction: str) -> str:
    return (
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
        f"<t:AdditionalProperties>{field_uris(FIELDS)}</t:AdditionalProperties></m:ItemShape>"
        f'<m:IndexedPageItemView MaxEntriesReturned="{PAGE_SIZE}" Offset="{offset}" BasePoint="Beginning"/>'
        f"{restriction}"
        '<m:SortOrder><t:FieldOrder Order="Descending"><t:FieldURI FieldURI="item:DateTimeReceived"/>'
        "</t:FieldOrder></m:SortOrder>"
        f"<m:ParentFolderIds>{parent}</m:ParentFolderIds></m:FindItem>"
    )


def find_item_page(client: SoapClient, parent: str, offset: int = 0, restriction: str = "") -> ItemPage:
    """The page of ``parent``'s messages (folder id XML) starting at ``offset``."""
    answer = client.call(_request(parent, offset, restriction))
    root = answer.check(answer.messages[0]).find(m("RootFolder"))
    if root is None:
        return ItemPage([], offset, 0, True)
    holder = root.find(t("Items"))
    items = list(holder) if holder is not None else []
    total = root.get("TotalItemsInView")
    return ItemPage(
        items=items,
        next_offset=int(root.get("IndexedPagingOffset") or offset + len(items)),
        total=int(total) if total is not None else None,
        last=root.get("IncludesLastItemInRange", "true") == "true" or not items,
    )
