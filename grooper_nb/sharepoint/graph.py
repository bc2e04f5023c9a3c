"""SharePoint and OneDrive through Microsoft Graph: sites, drives (libraries), driveItems, lists.

One :class:`GraphSharePoint` per profile and identity. Requests go through the profile's session
(:mod:`grooper_nb.http`: timeouts, 429/503 retried as ``Retry-After`` says, one token refresh on a 401)
and every failure is raised as an explained :class:`~grooper_nb.errors.GraphError`.

How a library is listed (:meth:`GraphSharePoint.delta_items`): ``GET /drives/{id}/root/delta``, the
whole drive flat, page after page, about ``ceil(N / page size)`` requests for N items, whatever the
folder depth (https://learn.microsoft.com/graph/api/driveitem-delta; Microsoft's scan guidance
recommends delta over walking folders,
https://learn.microsoft.com/onedrive/developer/rest-api/concepts/scan-guidance). Delta items carry no
path, so paths are rebuilt from ids after the last page (:mod:`grooper_nb.sharepoint.paths`).
:meth:`GraphSharePoint.walk_items` is the naive alternative, one ``/children`` request (at least) per
folder (https://learn.microsoft.com/graph/api/driveitem-list-children), kept for comparison.

Sites: ``GET /sites/{hostname}:/{path}`` and ``GET /sites/{hostname}`` for a root site
(https://learn.microsoft.com/graph/api/site-getbypath), ``GET /sites?search=``
(https://learn.microsoft.com/graph/api/site-search); libraries: ``GET /sites/{id}/drives``
(https://learn.microsoft.com/graph/api/drive-list); lists and items: ``GET /sites/{id}/lists``,
``.../columns``, ``.../items?expand=fields(select=...)``
(https://learn.microsoft.com/graph/api/listitem-list). A download is ``GET .../items/{id}/content``,
which answers 302 to a pre-authenticated URL; that URL is fetched without the bearer token
(https://learn.microsoft.com/graph/api/driveitem-get-content).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

from grooper_nb.errors.graph import GraphError, from_download_response, from_response
from grooper_nb.http import BearerAuth, GraphPages
from grooper_nb.sharepoint import records
from grooper_nb.sharepoint.paths import PathIndex, join
from grooper_nb.sharepoint.site import Library, Site

__all__ = ["DRIVE_ITEM_SELECT", "GraphSharePoint"]

# sharepointIds and publication are returned only when selected
# (https://learn.microsoft.com/graph/api/resources/driveitem).
DRIVE_ITEM_SELECT = (
    "id,name,size,eTag,createdDateTime,lastModifiedDateTime,webUrl,createdBy,lastModifiedBy,"
    "parentReference,file,folder,root,deleted,sharepointIds,publication"
)
# A drive's sharePointIds (its list id, for REST) is returned only when selected
# (https://learn.microsoft.com/graph/api/resources/drive).
DRIVE_SELECT = "id,name,description,driveType,webUrl,createdDateTime,lastModifiedDateTime,owner,sharePointIds"
PAGE_SIZE = 1000


class GraphSharePoint:
    """Graph calls for documents: ``get``, ``pages`` and the operations built on them."""

    source = "graph"

    def __init__(self, session: requests.Session, graph_url: str, get_token: Callable[[bool], str]) -> None:
        self.session = session
        self.base = f"{graph_url.rstrip('/')}/v1.0"
        self.auth = BearerAuth(get_token)
        self.requests = 0  # how many requests this client sent (pages included), for request budgets

    # ---- wire -------------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return path if path.startswith("https://") else f"{self.base}/{path.lstrip('/')}"

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        self.requests += 1
        resp = self.session.get(self.url(path), params=params, auth=self.auth)
        if not resp.ok:
            raise from_response(resp)
        return resp.json()

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Each page of a collection, following ``@odata.nextLink`` (https://learn.microsoft.com/graph/paging)."""
        pager = GraphPages(self.session, self.url(path), params=params, auth=self.auth)
        try:
            for page in pager.iter_pages():
                self.requests += 1
                yield page
        except requests.HTTPError as exc:
            raise from_response(exc.response) from None

    def values(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return [v for page in self.pages(path, params) for v in page.get("value", [])]

    # ---- sites and libraries ------------------------------------------------------------------------
    def site(self, url: str) -> Site:
        """The site at ``url`` (``https://contoso.sharepoint.com/sites/finance``)."""
        host, path = _host_path(url)
        ref = f"/sites/{host}:{quote(path)}" if path else f"/sites/{host}"
        return records.graph_site(self.get(ref))

    def sites(self, search: str = "*") -> list[Site]:
        """Sites whose name matches ``search`` (``*``: every site the caller may see)."""
        return [records.graph_site(s) for s in self.values("/sites", {"search": search})]

    def libraries(self, site: Site) -> list[Library]:
        """The document libraries (drives) of ``site``."""
        drives = self.values(f"/sites/{site.graph_id}/drives", {"$select": DRIVE_SELECT})
        return [records.graph_library(site, d) for d in drives]

    def user_drive(self, user: str) -> Library:
        """The OneDrive of ``user`` (UPN or id; ``"me"`` for the signed-in user)."""
        ref = "/me/drive" if user == "me" else f"/users/{quote(user)}/drive"
        drive = self.get(ref, {"$select": DRIVE_SELECT})
        return records.graph_library(records.site_of_drive(drive), drive)

    # ---- items ------------------------------------------------------------------------------------
    def delta_items(
        self, library: Library, *, page_size: int = PAGE_SIZE, on_page: Callable[[int], Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every file and folder of ``library``, flat, through one delta enumeration (see the module
        docstring); document records with paths rebuilt from ids."""
        index = PathIndex()
        latest: dict[str, dict[str, Any]] = {}
        params = {"$select": DRIVE_ITEM_SELECT, "$top": page_size}
        for page in self.pages(f"/drives/{library.drive_id}/root/delta", params):
            for item in page.get("value", []):
                index.add(item)
                if item.get("deleted") is not None:
                    latest.pop(item["id"], None)
                else:
                    latest[item["id"]] = item
            if on_page is not None:
                on_page(len(page.get("value", [])))
        return [
            records.graph_document(library, item, index.path(item_id))
            for item_id, item in latest.items()
            if not index.is_root(item_id)
        ]

    def walk_items(
        self, library: Library, *, recursive: bool = True, on_page: Callable[[int], Any] | None = None
    ) -> list[dict[str, Any]]:
        """The naive listing: ``/children`` of the root, then of every folder (one request or more per
        folder). ``recursive=False`` stops at the library's top level."""
        out: list[dict[str, Any]] = []
        pending: list[tuple[str, str]] = [(f"/drives/{library.drive_id}/root/children", "/")]
        params = {"$select": DRIVE_ITEM_SELECT, "$top": PAGE_SIZE}
        while pending:
            ref, parent = pending.pop(0)
            for page in self.pages(ref, params):
                for item in page.get("value", []):
                    path = join(parent, item["name"])
                    out.append(records.graph_document(library, item, path))
                    if recursive and item.get("folder") is not None:
                        pending.append((f"/drives/{library.drive_id}/items/{item['id']}/children", path))
                if on_page is not None:
                    on_page(len(page.get("value", [])))
        return out

    def download(self, library: Library, item_id: str) -> bytes:
        """The bytes of one file: ``/content`` answers 302 to a pre-authenticated URL, which is fetched
        without the bearer token (it must not travel to the download host)."""
        self.requests += 1
        resp = self.session.get(
            self.url(f"/drives/{library.drive_id}/items/{item_id}/content"),
            auth=self.auth,
            allow_redirects=False,
        )
        if resp.status_code in (301, 302, 303, 307, 308) and resp.headers.get("Location"):
            resp = self.session.get(resp.headers["Location"])
            if not resp.ok:
                raise from_download_response(resp)
        if not resp.ok:
            raise from_response(resp)
        return resp.content

    # ---- lists ------------------------------------------------------------------------------------
    def lists(self, site: Site) -> list[dict[str, Any]]:
        rows = self.values(f"/sites/{site.graph_id}/lists", {"$select": "id,displayName,name,list,webUrl"})
        return [records.graph_list(site, r) for r in rows]

    def list_ref(self, site: Site, title: str) -> dict[str, Any]:
        """The list named ``title`` (display name) of ``site``; Graph's itemNotFound when there is none."""
        for row in self.lists(site):
            if row["title"].lower() == title.lower():
                return row
        raise _not_found(f"No list titled {title!r} on {site.url}.")

    def columns(self, site: Site, list_id: str) -> list[records.ListColumn]:
        rows = self.values(f"/sites/{site.graph_id}/lists/{list_id}/columns")
        return [c for c in (records.graph_column(r) for r in rows) if c is not None]

    def list_items(self, site: Site, list_row: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list]:
        """The items of one list with typed column values, and the list's columns."""
        columns = self.columns(site, list_row["list_id"])
        params = {"$expand": f"fields($select={','.join(_field_names(columns))})", "$top": 999}
        items = self.values(f"/sites/{site.graph_id}/lists/{list_row['list_id']}/items", params)
        people = self._people(site, columns, items)
        return [records.graph_list_item(site, list_row, columns, i, people) for i in items], columns

    def _people(self, site: Site, columns: list, items: list[dict[str, Any]]) -> dict[str, str | None]:
        """E-mail of each person a person column names, by its lookup id. Graph's ``fields`` give a
        person column as ``{name}LookupId``, an item of the site's hidden "User Information List", whose
        ``EMail`` field is the address (https://learn.microsoft.com/graph/api/resources/fieldvalueset;
        the list's name and field: UNCONFIRMED beyond SharePoint's schema). One request per person; a
        person the caller cannot resolve stays missing rather than failing the listing."""
        ids = {
            str(i["fields"][f"{c.name}LookupId"])
            for i in items
            for c in columns
            if c.kind == "person" and (i.get("fields") or {}).get(f"{c.name}LookupId") not in (None, "")
        }
        out: dict[str, str | None] = {}
        for lookup_id in sorted(ids):
            ref = f"/sites/{site.graph_id}/lists/User Information List/items/{lookup_id}"
            try:
                fields = self.get(ref, {"$expand": "fields($select=EMail)"}).get("fields") or {}
            except GraphError as err:
                if err.status not in (400, 403, 404):
                    raise
                fields = {}
            out[lookup_id] = fields.get("EMail")
        return out


def _field_names(columns: list) -> list[str]:
    """Every column's value, plus ``{name}LookupId`` for lookups and people (the id is not returned
    when only the name is selected, https://learn.microsoft.com/graph/api/listitem-list)."""
    names = ["Title"]
    for col in columns:
        if col.name == "Title":
            continue
        names.append(col.name)
        if col.kind in ("lookup", "person"):
            names.append(f"{col.name}LookupId")
    return names


def _host_path(url: str) -> tuple[str, str]:
    """(host, server-relative path without a trailing slash) of a site URL."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    if not parts.hostname:
        raise ValueError(f"{url!r} is not a site URL; pass e.g. https://contoso.sharepoint.com/sites/finance")
    return parts.hostname.lower(), unquote(parts.path).rstrip("/")


def _not_found(message: str) -> GraphError:
    return GraphError(error="itemNotFound", description=message, status=404)
