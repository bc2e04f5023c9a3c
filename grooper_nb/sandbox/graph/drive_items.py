"""Folders and files of a drive through Graph: get, list children, address by path, download.

* ``GET .../root``, ``.../items/{item-id}``, ``.../root:/{path}:``:
  https://learn.microsoft.com/graph/api/driveitem-get ("Access a driveItem by path": the path is
  percent-decoded and relative to the root, closed by ``:``);
* ``GET .../root/children``, ``.../items/{item-id}/children``, ``.../root:/{path}:/children``:
  https://learn.microsoft.com/graph/api/driveitem-list-children (pages of 200, ``$top``, ``$select``,
  ``$orderby`` by ``name``, ``size``, ``createdDateTime`` or ``lastModifiedDateTime``);
* ``GET .../items/{item-id}/content``, ``.../root:/{path}:/content``: a ``302`` to the file's
  ``@microsoft.graph.downloadUrl``, on the site's SharePoint host, which answers without a bearer
  (:mod:`..sharepoint.download`):
  https://learn.microsoft.com/graph/api/driveitem-get-content.

Each is served under every way of naming a drive (:func:`.drives.drive_route`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, redirect, request

from ..sharepoint.download import download_url
from .drive_shapes import drive_item, item_id, root_item, select_item
from .drives import drive_route
from .odata import bad_request, context
from .site_lookup import Library, item_by_id, item_by_path
from .site_paging import page
from .sites_access import item_not_found, sharepoint

__all__: list[str] = []


def _shape(lib: Library, item: dict[str, Any] | None) -> dict[str, Any]:
    return root_item(lib.site, lib.list) if item is None else drive_item(lib.site, lib.list, item)


def _entity(lib: Library, item: dict[str, Any] | None) -> dict[str, Any]:
    fragment = f"drives('{lib.list['drive_id']}')/items/$entity"
    return {"@odata.context": context(fragment), **select_item(_shape(lib, item))}


_ORDER = {
    "name": lambda i: i["name"].lower(),
    "size": lambda i: i.get("size") or 0,
    "createddatetime": lambda i: i["created"],
    "lastmodifieddatetime": lambda i: i["modified"],
}


def _ordered(children: list[dict[str, Any]]) -> list[dict[str, Any]]:
    raw = (request.args.get("$orderby") or "").strip()
    if not raw:
        return children  # the store's order, SharePoint's: folders first, then by name
    name, _, direction = raw.partition(" ")
    key = _ORDER.get(name.lower())
    if key is None or direction.strip().lower() not in ("", "asc", "desc"):
        raise bad_request(f"Invalid $orderby: {raw}", "invalidRequest")
    return sorted(children, key=key, reverse=direction.strip().lower() == "desc")


def _children(lib: Library, folder: dict[str, Any] | None):
    if folder is not None and not folder["is_folder"]:
        return {"@odata.context": context("Collection(driveItem)"), "value": []}
    children = sharepoint().children(lib.list["id"], folder["unique_id"] if folder else None)
    rows = _ordered([c for c in children if not c.get("deleted")])
    parent = item_id(folder) if folder else "root"
    return page(
        f"drives('{lib.list['drive_id']}')/items('{parent}')/children", rows, lambda c: _entry(lib, c)
    )


def _entry(lib: Library, item: dict[str, Any]) -> dict[str, Any]:
    return select_item(drive_item(lib.site, lib.list, item))


def _content(lib: Library, item: dict[str, Any] | None) -> Response:
    if item is None or item["is_folder"]:
        raise item_not_found("The resource could not be found.")
    url = download_url(current_app.config["STORE"], lib.site, lib.list["drive_id"], item["unique_id"])
    return redirect(url, 302)


# -- by id -----------------------------------------------------------------------------------------


@drive_route("/root")
def get_root(lib: Library):
    """https://learn.microsoft.com/graph/api/driveitem-get"""
    return _entity(lib, None)


@drive_route("/root/children")
def list_root_children(lib: Library):
    """https://learn.microsoft.com/graph/api/driveitem-list-children"""
    return _children(lib, None)


@drive_route("/items/<item_key>")
def get_item(lib: Library, item_key: str):
    """https://learn.microsoft.com/graph/api/driveitem-get"""
    return _entity(lib, item_by_id(lib, item_key))


@drive_route("/items/<item_key>/children")
def list_children(lib: Library, item_key: str):
    """https://learn.microsoft.com/graph/api/driveitem-list-children"""
    return _children(lib, item_by_id(lib, item_key))


@drive_route("/items/<item_key>/content")
def get_content(lib: Library, item_key: str):
    """https://learn.microsoft.com/graph/api/driveitem-get-content"""
    return _content(lib, item_by_id(lib, item_key))


# -- by path ---------------------------------------------------------------------------------------

_TAILS = {"": _entity, "/children": _children, "/content": _content}


def _by_path(lib: Library, base: dict[str, Any] | None, rest: str):
    relative, colon, tail = rest.partition(":")
    handler = _TAILS.get(tail.rstrip("/") if tail != "/" else "")
    if handler is None or (tail and not colon):
        raise bad_request(f"Resource not found for the segment '{tail.strip('/')}'.", "invalidRequest")
    return handler(lib, item_by_path(lib, base, relative))


@drive_route("/root:/<path:rest>")
def by_path(lib: Library, rest: str):
    """https://learn.microsoft.com/graph/api/driveitem-get ("Access a driveItem by path")"""
    return _by_path(lib, None, rest)
