"""Drives (document libraries and OneDrives) through Graph.

* ``GET /drives/{drive-id}``, ``/me/drive``, ``/users/{id | userPrincipalName}/drive``,
  ``/sites/{site-id}/drive``: https://learn.microsoft.com/graph/api/drive-get;
* ``GET /sites/{site-id}/drives``: https://learn.microsoft.com/graph/api/drive-list.

:func:`drive_route` registers a view under each of the four ways of naming a drive, so the item and delta
modules (:mod:`.drive_items`, :mod:`.drive_delta`) write each operation once.
"""

from __future__ import annotations

from collections.abc import Callable

from . import GRAPH
from .drive_shapes import drive_json, select_item
from .odata import context
from .site_lookup import Library, library_of, site_by_key
from .site_paging import page
from .sites_access import need_files, open_site, sharepoint

__all__ = ["drive_route", "open_library"]

_PREFIXES = (
    ("/drives/<drive_key>", "drive", "drive_key"),
    ("/me/drive", "me", None),
    ("/users/<user_key>/drive", "user", "user_key"),
    ("/sites/<site_key>/drive", "site", "site_key"),
)


def open_library(kind: str, key: str | None) -> Library:
    """The library a drive path names, for a caller holding a permission that reads drives."""
    return library_of(need_files(), (kind, key))


def drive_route(rule: str, kinds: tuple[str, ...] = ("drive", "me", "user", "site")) -> Callable:
    """Register ``view(lib, **rest)`` under ``/drives/{id}``, ``/me/drive``, ``/users/{key}/drive`` and
    ``/sites/{key}/drive`` + ``rule`` (those of ``kinds``); the view gets the opened :class:`Library`."""

    def register(view: Callable) -> Callable:
        for prefix, kind, arg in _PREFIXES:
            if kind not in kinds:
                continue

            def endpoint(_kind=kind, _arg=arg, **kwargs):
                key = kwargs.pop(_arg) if _arg else None
                return view(open_library(_kind, key), **kwargs)

            GRAPH.add_url_rule(
                f"{prefix}{rule}", endpoint=f"{view.__name__}_{kind}", view_func=endpoint, methods=["GET"]
            )
        return view

    return register


@drive_route("")
def get_drive(lib: Library):
    """https://learn.microsoft.com/graph/api/drive-get"""
    return {"@odata.context": context("drives/$entity"), **select_item(drive_json(lib.site, lib.list))}


@GRAPH.get("/sites/<site_key>/drives")
def list_drives(site_key: str):
    """https://learn.microsoft.com/graph/api/drive-list"""
    who = need_files()
    site = site_by_key(site_key)
    open_site(who, site, files=True)
    libraries = [lst for lst in sharepoint().lists(site["id"]) if lst.get("template") == 101]
    return page("drives", libraries, lambda lst: select_item(drive_json(site, lst)))
