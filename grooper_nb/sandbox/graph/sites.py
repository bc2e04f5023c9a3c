"""SharePoint sites through Graph: ``GET /sites/root``, ``/sites/{hostname}``, ``/sites/{site-id}``,
``/sites/{hostname}:/{path}`` (rewritten to the id by :mod:`.site_paths`) and ``/sites?search=``.

* get: https://learn.microsoft.com/graph/api/site-get, https://learn.microsoft.com/graph/api/site-getbypath;
* search: https://learn.microsoft.com/graph/api/site-search (``search`` matches the title, name and
  description; OneDrives are not listed, as SharePoint's search leaves personal sites out). An app with
  only ``Sites.Selected`` may not search (403 ``accessDenied``, as Graph answers it); it addresses its
  sites by path or id.

Who may read which site: :mod:`.sites_access`.
"""

from __future__ import annotations

from typing import Any

from flask import request

from . import GRAPH
from .drive_shapes import select_item, site_json
from .odata import context
from .site_lookup import site_by_key
from .site_paging import page
from .sites_access import SITES, access_denied, can_read_site, need_sites, open_site, sharepoint

__all__: list[str] = []


@GRAPH.get("/sites/<site_key>")
def get_site(site_key: str):
    """https://learn.microsoft.com/graph/api/site-get"""
    who = need_sites()
    site = site_by_key(site_key)
    open_site(who, site, files=False)
    return {"@odata.context": context("sites/$entity"), **select_item(site_json(site))}


def _matches(site: dict[str, Any], text: str) -> bool:
    if text in ("", "*"):
        return True
    name = site["path"].rsplit("/", 1)[-1]
    haystack = " ".join([site["title"], name, site.get("description") or ""]).lower()
    return all(word in haystack for word in text.lower().split())


@GRAPH.get("/sites")
def search_sites():
    """https://learn.microsoft.com/graph/api/site-search"""
    who = need_sites()
    held = {v.lower() for v in (who.roles if who.app_only else who.scp)}
    if not held & set(SITES):
        raise access_denied()
    text = (request.args.get("search") or "").strip().strip('"')
    found = [
        s
        for s in sharepoint().sites()
        if s.get("kind") != "onedrive" and _matches(s, text) and can_read_site(who, s, files=False)
    ]
    return page("sites", found, lambda s: select_item(site_json(s)))
