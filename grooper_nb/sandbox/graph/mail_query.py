"""The query options of Graph's message lists, read into a :class:`..store.mail.MessageQuery`.

* ``$top``: 10 by default, at most 1000 (https://learn.microsoft.com/graph/api/user-list-messages);
  more is 400;
* ``$filter``: ``receivedDateTime`` (``ge``, ``gt``, ``le``, ``lt``, ``eq``), ``hasAttachments`` and
  ``isRead`` (``eq``, ``ne``), ``from/emailAddress/address`` (``eq``), joined by ``and``
  (https://learn.microsoft.com/graph/filter-query-parameter);
* ``$orderby=receivedDateTime [asc|desc]`` (newest first without it); with a ``$filter``, the ordered
  property must come first in the filter, else 400 ``InefficientFilter``
  (https://learn.microsoft.com/graph/api/user-list-messages, "Using filter and orderby in the same query");
* ``$count=true``: ``@odata.count`` (https://learn.microsoft.com/graph/query-parameters#count-parameter);
* paging with ``@odata.nextLink`` and an opaque ``$skiptoken`` (https://learn.microsoft.com/graph/paging);
* ``$select``: the named properties, plus ``@odata.etag`` and ``id``, which Graph always returns.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from flask import request

from ..store.mail import FILTER_COLUMNS, MessageQuery
from .odata import GRAPH, bad_request, context

__all__ = ["message_page", "message_query", "next_link", "page_size", "select_message", "skip_from_token"]

_SAFE = "$',()/:"
MAX_TOP = 1000
DEFAULT_TOP = 10

_CLAUSE = re.compile(r"^\s*([\w/]+)\s+(eq|ne|ge|gt|le|lt)\s+(.+?)\s*$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$")


def page_size(default: int = DEFAULT_TOP) -> int:
    raw = request.args.get("$top")
    if raw is None:
        return default
    try:
        top = int(raw)
    except ValueError:
        raise bad_request(f"Invalid value '{raw}' for $top.", "BadRequest") from None
    if top > MAX_TOP:
        raise bad_request(
            f"The limit of '{MAX_TOP}' for Top query has been exceeded. The value from the incoming request "
            f"is '{top}'.",
            "BadRequest",
        )
    if top < 1:
        raise bad_request(f"Invalid value '{raw}' for $top.", "BadRequest")
    return top


def skip_from_token() -> int:
    raw = request.args.get("$skiptoken")
    if not raw:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(raw + "==").decode().partition(":")
        if kind != "skip":
            raise ValueError(raw)
        return int(value)
    except ValueError:
        raise bad_request("The skip token is not valid.", "BadRequest") from None


def _token(skip: int) -> str:
    return base64.urlsafe_b64encode(f"skip:{skip}".encode()).decode().rstrip("=")


def _datetime(value: str) -> str:
    match = _DATE.match(value)
    if not match:
        raise bad_request(f"Invalid filter clause: '{value}' is not a DateTimeOffset.", "BadRequest")
    text = value if match.group(2) else f"{value}T00:00:00Z"
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _value(prop: str, op: str, raw: str) -> Any:
    kind = FILTER_COLUMNS[prop][1]
    if kind == "datetime":
        return _datetime(raw)
    if kind == "bool" and op in ("eq", "ne") and raw.lower() in ("true", "false"):
        return int(raw.lower() == "true")
    if kind == "text" and op == "eq" and len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'").lower()
    raise bad_request(f"Invalid filter clause: {prop} {op} {raw}", "BadRequest")


def _clauses(text: str) -> list[tuple[str, str, Any]]:
    out = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.match(part)
        if not match:
            raise bad_request(f"Invalid filter clause: {part.strip()}", "BadRequest")
        name, op, raw = match.group(1), match.group(2).lower(), match.group(3)
        prop = next((p for p in FILTER_COLUMNS if p.lower() == name.lower()), None)
        if prop is None:
            raise bad_request(f"Could not find a property named '{name}' on type 'microsoft.graph.message'.")
        out.append((prop, op, _value(prop, op, raw)))
    return out


def _descending(where: list[tuple[str, str, Any]]) -> bool:
    raw = (request.args.get("$orderby") or "").strip()
    if not raw:
        return True
    parts = raw.split()
    if (
        parts[0].lower() != "receiveddatetime"
        or len(parts) > 2
        or parts[-1].lower() not in ("asc", "desc", parts[0].lower())
    ):
        raise bad_request(f"The $orderby '{raw}' is not supported; order by receivedDateTime.", "BadRequest")
    if where and where[0][0] != "receivedDateTime":
        raise bad_request(
            "The restriction or sort order is too complex for this operation.", "InefficientFilter"
        )
    return parts[-1].lower() == "desc"


def message_query() -> MessageQuery:
    """The request's ``$filter``, ``$orderby``, ``$top`` and ``$skiptoken``, checked."""
    raw = request.args.get("$filter")
    where = _clauses(raw) if raw else []
    return MessageQuery(where=where, descending=_descending(where), skip=skip_from_token(), top=page_size())


def select_message(
    message: dict[str, Any], *, basic: bool = False, select: str | None = None
) -> dict[str, Any]:
    """``message`` as the caller may see it: no body under ``Mail.ReadBasic``, ``$select`` (or
    ``select``) applied."""
    data = {k: v for k, v in message.items() if not k.startswith("_")}
    if basic:
        data.pop("body", None)
        data.pop("bodyPreview", None)
    raw = select if select is not None else request.args.get("$select")
    if not raw:
        return data
    names = [n.strip() for n in raw.split(",") if n.strip()]
    return {"@odata.etag": data.get("@odata.etag"), "id": data["id"], **{n: data.get(n) for n in names}}


def message_page(
    fragment: str, items: list[dict[str, Any]], total: int, query: MessageQuery
) -> dict[str, Any]:
    """A page of messages: ``@odata.context``, ``@odata.count`` if asked, ``value``, ``@odata.nextLink``."""
    body: dict[str, Any] = {"@odata.context": context(fragment)}
    if (request.args.get("$count") or "").lower() == "true":
        body["@odata.count"] = total
    body["value"] = items
    if query.skip + query.top < total:
        body["@odata.nextLink"] = next_link(query.skip + query.top)
    return body


def next_link(skip: int, **extra: str) -> str:
    args = {k: v for k, v in request.args.items() if k != "$skiptoken"}
    args.update(extra)
    args["$skiptoken"] = _token(skip)
    return f"{GRAPH}{request.path}?{urlencode(args, safe=_SAFE)}"
