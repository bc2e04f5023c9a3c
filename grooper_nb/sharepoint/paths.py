"""Paths inside a library, the same for both APIs: ``/Invoices/2025/x.pdf``.

Graph's delta query returns every item of a drive in a flat list, and its items carry no
``parentReference.path`` ("parentReference ... path isn't returned in delta responses",
https://learn.microsoft.com/graph/api/driveitem-delta), so paths are rebuilt from ids:
:class:`PathIndex` keeps ``id -> (name, parent id)`` for every item seen (the last occurrence of an id
wins, as delta may return an item more than once; a ``deleted`` item is forgotten) and resolves paths
after the last page, when every parent is known. The drive's root item (the one with the ``root``
facet) is the path ``/``.

SharePoint REST gives the server-relative URL (``FileRef`` ``/sites/finance/Shared Documents/A/x.pdf``
and ``FileDirRef``): :func:`library_path` cuts the library's root folder off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

__all__ = ["PathIndex", "join", "library_path", "parent_of"]


def join(parent: str, name: str) -> str:
    """``join('/A', 'x.pdf') == '/A/x.pdf'``; ``join('/', 'x') == '/x'``."""
    return f"{parent.rstrip('/')}/{name}"


def parent_of(path: str) -> str:
    """``'/A/B'`` for ``'/A/B/x.pdf'``; ``'/'`` for ``'/x.pdf'``."""
    head = path.rstrip("/").rsplit("/", 1)[0]
    return head or "/"


def library_path(server_relative_url: str, root_url: str) -> str:
    """The path inside the library of a server-relative URL, given the library's root folder URL.

    >>> library_path("/sites/finance/Shared Documents/A/x.pdf", "/sites/finance/Shared Documents")
    '/A/x.pdf'
    >>> library_path("/sites/finance/Shared Documents", "/sites/finance/Shared Documents")
    '/'

    Compared case-insensitively (SharePoint URLs are); a URL outside the library is an error.
    """
    url = unquote(server_relative_url).rstrip("/")
    root = unquote(root_url).rstrip("/")
    if url.lower() == root.lower():
        return "/"
    if not url.lower().startswith(root.lower() + "/"):
        raise ValueError(f"{server_relative_url!r} is not inside the library at {root_url!r}")
    return url[len(root) :]


class PathIndex:
    """``id -> (name, parent id)`` of a drive's items, and their paths once all are known::

    index = PathIndex()
    for item in delta_items:
        index.add(item)
    index.path(item_id)        # '/Invoices/2025/x.pdf'
    """

    def __init__(self) -> None:
        self._nodes: dict[str, tuple[str, str | None]] = {}
        self._roots: set[str] = set()
        self._cache: dict[str, str] = {}

    def add(self, item: Mapping[str, Any]) -> None:
        """Remember one driveItem (a later occurrence of the same id replaces the earlier one)."""
        item_id = item["id"]
        self._cache.clear()
        if item.get("deleted") is not None:
            self._nodes.pop(item_id, None)
            self._roots.discard(item_id)
            return
        if item.get("root") is not None:
            self._roots.add(item_id)
        parent = (item.get("parentReference") or {}).get("id")
        self._nodes[item_id] = (item.get("name") or "", parent)

    def add_all(self, items: Iterable[Mapping[str, Any]]) -> PathIndex:
        for item in items:
            self.add(item)
        return self

    def is_root(self, item_id: str) -> bool:
        return item_id in self._roots

    def path(self, item_id: str) -> str:
        """The item's path from the drive root; ``KeyError`` naming the missing parent when the chain
        breaks (an item whose folder never arrived: the listing is incomplete)."""
        if item_id in self._cache:
            return self._cache[item_id]
        names: list[str] = []
        seen: set[str] = set()
        current: str | None = item_id
        while current is not None and current not in self._roots:
            if current in seen:
                raise ValueError(f"The parents of item {item_id!r} form a cycle.")
            seen.add(current)
            if current not in self._nodes:
                raise KeyError(f"Item {item_id!r}: its folder {current!r} was not in the listing.")
            name, current = self._nodes[current]
            names.append(name)
        if current is None and names:
            raise KeyError(f"Item {item_id!r} does not lead to the drive's root.")
        path = "/" + "/".join(reversed(names))
        self._cache[item_id] = path
        return path
