"""``GetItem``: messages by id, in batches, for what FindItem does not return.
https://learn.microsoft.com/exchange/client-developer/web-service-reference/getitem-operation-email-message

:data:`BATCH_SIZE` ids a request. No Microsoft page publishes how many ids Exchange Online accepts in one
GetItem (UNCONFIRMED); 100 is what exchangelib sends (``CHUNK_SIZE = 100`` in its services/common.py,
https://github.com/ecederstrand/exchangelib) and what the sandbox enforces, so a listing that works
against the sandbox works against the real service too. One response message per id, in request order;
each may fail alone (``ErrorItemNotFound`` for a message deleted since FindItem listed it).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from .soap import SoapClient, attr, field_uris, m

__all__ = ["BATCH_SIZE", "DETAIL_FIELDS", "get_items"]

BATCH_SIZE = 100
DETAIL_FIELDS = (
    "message:Sender",
    "message:From",
    "message:ToRecipients",
    "message:CcRecipients",
    "message:BccRecipients",
    "item:Categories",
    "item:Attachments",
)


def _request(ids: Sequence[str], fields: Iterable[str]) -> str:
    return (
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>"
        f"<t:AdditionalProperties>{field_uris(fields)}</t:AdditionalProperties></m:ItemShape>"
        f"<m:ItemIds>{''.join(f'<t:ItemId Id={attr(i)}/>' for i in ids)}</m:ItemIds></m:GetItem>"
    )


def get_items(
    client: SoapClient, ids: Sequence[str], fields: Iterable[str] = DETAIL_FIELDS, *, missing_ok: bool = True
) -> dict[str, ET.Element]:
    """``{item id: t:Message}`` for ``ids``, :data:`BATCH_SIZE` a request. With ``missing_ok`` a message
    deleted in the meantime (``ErrorItemNotFound``) is left out; any other failure raises."""
    fields = tuple(fields)
    out: dict[str, ET.Element] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        answer = client.call(_request(batch, fields))
        for item_id, message in zip(batch, answer.messages, strict=False):
            if missing_ok and answer.code(message) == "ErrorItemNotFound":
                continue
            items = answer.check(message).find(m("Items"))
            if items is not None and len(items):
                out[item_id] = items[0]
    return out
