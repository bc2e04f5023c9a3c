"""Paging of the site, drive and list collections: ``$top`` and an opaque ``$skiptoken`` in
``@odata.nextLink`` (https://learn.microsoft.com/graph/paging).

A page holds :data:`DEFAULT_PAGE` (200) entries unless ``$top`` asks for fewer or more, the size
https://learn.microsoft.com/graph/api/driveitem-list-children documents for a folder's children. Graph
publishes no upper bound for ``$top`` on driveItems or listItems; the sandbox serves at most
:data:`MAX_PAGE` (999, larger values are served as 999: UNCONFIRMED) so a client that asks for more still
has to follow ``@odata.nextLink``. The shape of each entry is built only for the page served.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from flask import request

from .odata import GRAPH, context
from .sites_access import invalid_request

__all__ = ["DEFAULT_PAGE", "MAX_PAGE", "page", "page_size"]

DEFAULT_PAGE = 200
MAX_PAGE = 999


def page_size() -> int:
    raw = request.args.get("$top")
    if raw is None:
        return DEFAULT_PAGE
    if not raw.strip().isdigit() or int(raw) < 1:
        raise invalid_request(f"Invalid value '{raw}' for $top: a positive integer is expected.")
    return min(int(raw), MAX_PAGE)


def _skip() -> int:
    token = request.args.get("$skiptoken") or request.args.get("$skipToken")
    if not token:
        return 0
    try:
        return int(base64.urlsafe_b64decode(token + "==").decode())
    except ValueError:
        raise invalid_request("Invalid $skiptoken: follow @odata.nextLink as given.") from None


def page(fragment: str, rows: Sequence[Any], shape: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """One page of ``rows`` (each through ``shape``), with ``@odata.nextLink`` if more follow."""
    top, skip = page_size(), _skip()
    body: dict[str, Any] = {"@odata.context": context(fragment)}
    body["value"] = [shape(row) for row in rows[skip : skip + top]]
    if skip + top < len(rows):
        args = {k: v for k, v in request.args.items() if k.lower() != "$skiptoken"}
        args["$skiptoken"] = base64.urlsafe_b64encode(str(skip + top).encode()).decode().rstrip("=")
        path = quote(request.path, safe="/:,!()'")
        body["@odata.nextLink"] = f"{GRAPH}{path}?{urlencode(args, safe='$,()=')}"
    return body
