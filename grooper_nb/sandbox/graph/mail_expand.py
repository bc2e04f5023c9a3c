"""``$expand`` on Graph's messages (lists, one message, and the delta query, whose documented options
include it: https://learn.microsoft.com/graph/api/message-delta#odata-query-parameters): the message size
property and the attachment list, inline with each message, so one request per page reads what a listing
needs.

* ``singleValueExtendedProperties($filter=id eq 'Integer 0x0E08')``: MAPI ``PidTagMessageSize`` as a
  single-value extended property (https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get,
  "Get a message with an extended property expanded"); the value is a string, as Graph sends every
  extended property value. The sandbox knows this one property (:func:`..mail_size.message_size`, the
  same size its EWS reports as ``item:Size``); another id expands to an empty list, as a property the
  message does not carry does in Graph.
* ``attachments`` (optionally ``($select=...)``): the message's attachments without their content
  (https://learn.microsoft.com/graph/api/resources/message, relationship ``attachments``).

Anything else is 400, as Graph answers an unknown navigation property.
"""

from __future__ import annotations

import re
from typing import Any

from flask import request

from ..mail_size import message_size
from .odata import bad_request

__all__ = ["expand_message", "expansions"]

_ITEM = re.compile(r"^\s*(\w+)\s*(?:\((.*)\))?\s*$", re.DOTALL)
_ID_FILTER = re.compile(r"^\$filter\s*=\s*id\s+eq\s+'([^']*)'$", re.IGNORECASE)
_SIZE = re.compile(r"^Integer\s+0x0*e08$", re.IGNORECASE)
_KNOWN = {"singlevalueextendedproperties": "singleValueExtendedProperties", "attachments": "attachments"}


def _split(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def expansions(raw: str | None = None) -> dict[str, str]:
    """The request's ``$expand`` (or ``raw``, one a delta token kept): navigation property -> its options
    (``""`` when none)."""
    if raw is None:
        raw = request.args.get("$expand")
    out: dict[str, str] = {}
    for part in _split(raw or ""):
        match = _ITEM.match(part)
        name = _KNOWN.get(match.group(1).lower()) if match else None
        if name is None:
            raise bad_request(
                f"Could not find a property named '{part.strip()}' on type 'microsoft.graph.message'.",
                "BadRequest",
            )
        out[name] = (match.group(2) or "").strip()
    return out


def _extended(mail: Any, message: dict[str, Any], options: str) -> list[dict[str, str]]:
    match = _ID_FILTER.match(options)
    if not match:
        raise bad_request("Expand singleValueExtendedProperties with $filter=id eq '...'.", "BadRequest")
    if not _SIZE.match(match.group(1)):
        return []
    return [{"id": "Integer 0xe08", "value": str(message_size(mail, message))}]


def _attachments(mail: Any, message: dict[str, Any], options: str) -> list[dict[str, Any]]:
    select = options.partition("=")[2] if options.lower().startswith("$select") else ""
    names = [n.strip() for n in select.split(",") if n.strip()]
    out = []
    for att in mail.attachments(message["id"]):
        shaped = {k: v for k, v in att.items() if not k.startswith("_") and k != "contentBytes"}
        if names:
            picked = {n: att.get(n) for n in names}
            shaped = {"@odata.type": shaped["@odata.type"], "id": shaped["id"], **picked}
        out.append(shaped)
    return out


def expand_message(
    mail: Any, stored: dict[str, Any], shaped: dict[str, Any], expand: dict[str, str]
) -> dict[str, Any]:
    """``shaped`` (the message as the caller sees it) with each of ``expand`` added from ``stored``."""
    if "singleValueExtendedProperties" in expand:
        shaped["singleValueExtendedProperties"] = _extended(
            mail, stored, expand["singleValueExtendedProperties"]
        )
    if "attachments" in expand:
        shaped["attachments"] = _attachments(mail, stored, expand["attachments"])
    return shaped
