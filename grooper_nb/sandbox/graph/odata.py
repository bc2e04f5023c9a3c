"""Microsoft Graph's wire conventions, shared by every Graph resource module.

* the error envelope, with ``innerError`` carrying ``date``, ``request-id`` and ``client-request-id``:
  https://learn.microsoft.com/graph/errors (:class:`GraphError`, :func:`envelope`);
* collections ``{"@odata.context", "value", "@odata.nextLink"}`` and paging with ``$top`` and an opaque
  ``$skiptoken``: https://learn.microsoft.com/graph/paging (:func:`collection`);
* ``$filter`` with ``eq`` (joined by ``and``) and ``$select``:
  https://learn.microsoft.com/graph/query-parameters (:func:`filtered`, :func:`selected`);
* a stored object's sandbox-only fields (``_sandbox``, ``_secretHash``) never reach the wire
  (:func:`public`).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from flask import g, request

__all__ = [
    "GraphError",
    "bad_request",
    "collection",
    "entity",
    "envelope",
    "filtered",
    "json_body",
    "not_found",
    "public",
    "selected",
]

GRAPH = "https://graph.microsoft.com"


class GraphError(Exception):
    """An error answer: HTTP ``status``, Graph ``code`` and ``message``, extra headers."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def bad_request(message: str, code: str = "Request_BadRequest") -> GraphError:
    return GraphError(400, code, message)


def not_found(object_id: str) -> GraphError:
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{object_id}' does not exist or one of its queried reference-property objects are not "
        "present.",
    )


def envelope(code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": g.request_id,
                "client-request-id": g.client_request_id,
            },
        }
    }


def public(data: Any) -> Any:
    """``data`` without its sandbox-only keys (those starting with ``_``), at any depth."""
    if isinstance(data, dict):
        return {k: public(v) for k, v in data.items() if not k.startswith("_")}
    if isinstance(data, list):
        return [public(v) for v in data]
    return data


def _version() -> str:
    return request.path.strip("/").split("/", 1)[0]


def context(fragment: str) -> str:
    return f"{GRAPH}/{_version()}/$metadata#{fragment}"


def entity(fragment: str, data: dict[str, Any]) -> dict[str, Any]:
    """One object as Graph returns it: ``@odata.context`` first, then its (selected) properties."""
    return {"@odata.context": context(f"{fragment}/$entity"), **selected(public(data))}


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request(
            "Write requests (excluding DELETE) must contain the Content-Type header declaration."
        )
    return body


# -- $select -------------------------------------------------------------------------------------------


def selected(data: dict[str, Any]) -> dict[str, Any]:
    """Only the properties ``$select`` names (all of them, null if unset), in the order named."""
    raw = request.args.get("$select")
    if not raw:
        return data
    names = [n.strip() for n in raw.split(",") if n.strip()]
    return {k: data.get(k) for k in names}


# -- $filter ---------------------------------------------------------------------------------------------

_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)


def _clauses(text: str, allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for part in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.match(part)
        if not match:
            raise bad_request(f"Invalid filter clause: {part.strip()}", "Request_UnsupportedQuery")
        name = next((a for a in allowed if a.lower() == match.group(1).lower()), None)
        if name is None:
            raise bad_request(
                f"Unsupported or invalid query filter clause specified for property "
                f"'{match.group(1)}' of resource.",
                "Request_UnsupportedQuery",
            )
        out.append((name, match.group(2).replace("''", "'")))
    return out


def filtered(items: list[dict[str, Any]], allowed: tuple[str, ...]) -> list[dict[str, Any]]:
    """``items`` matching ``$filter`` (``prop eq 'value'`` clauses joined by ``and``; GUIDs and names
    compare case-insensitively, as the directory does)."""
    raw = request.args.get("$filter")
    if not raw:
        return items
    clauses = _clauses(raw, allowed)
    return [
        item
        for item in items
        if all(str(item.get(name) or "").lower() == value.lower() for name, value in clauses)
    ]


# -- collections and paging ----------------------------------------------------------------------------


def collection(fragment: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A page of ``items`` (``$top``, default 100, at most 999) with ``@odata.nextLink`` if more."""
    try:
        top = max(1, min(int(request.args.get("$top", 100)), 999))
        skip = int(base64.urlsafe_b64decode(request.args.get("$skiptoken", "MA==")).decode() or 0)
    except ValueError:
        raise bad_request("Invalid value for $top or $skiptoken.") from None
    page = items[skip : skip + top]
    body: dict[str, Any] = {"@odata.context": context(fragment), "value": [selected(public(i)) for i in page]}
    if skip + top < len(items):
        args = {k: v for k, v in request.args.items() if k != "$skiptoken"}
        args["$skiptoken"] = base64.urlsafe_b64encode(str(skip + top).encode()).decode()
        query = urlencode(args, safe="$',()")
        body["@odata.nextLink"] = f"{GRAPH}{request.path}?{query}"
    return body
