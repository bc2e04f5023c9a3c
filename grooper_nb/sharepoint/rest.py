"""SharePoint REST (``/_api``): web, lists, a library's items, list items, file content.

One :class:`RestSharePoint` per profile and identity; tokens are per host (``contoso.sharepoint.com``
and the OneDrive host ``contoso-my.sharepoint.com`` each need their own, see
:mod:`grooper_nb.sharepoint.auth`). Every request sends ``Accept: application/json;odata=nometadata``
and every answer is read by :mod:`grooper_nb.sharepoint.odata`, which also reads the verbose and
minimal-metadata forms; failures are raised as explained
:class:`~grooper_nb.errors.SharePointError` (``Unsupported app only token.``, ``Invalid audience
Uri``, access denied, not found, throttling after the session's retries).

How a library is listed (:meth:`RestSharePoint.library_items`): one paged query on the library's list,
``GET /_api/web/lists(guid'...')/items?$select=...&$expand=File,Author,Editor&$top=5000``, following the
next link the server sends (a ``$skiptoken=Paged=TRUE&p_ID=...`` URL), so ``ceil(N / 5000)`` requests
for N files and folders, whatever the depth, and no folder walk. Ordered by id without ``$filter``, it
stays under the list view threshold
(https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-lists-and-list-items-with-rest,
https://learn.microsoft.com/sharepoint/dev/sp-add-ins/use-odata-query-operations-in-sharepoint-rest-requests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import requests

from grooper_nb.errors.sharepoint import SharePointError, from_response
from grooper_nb.http import BearerAuth
from grooper_nb.sharepoint import odata, records
from grooper_nb.sharepoint.site import Library, Site, split_site_url

__all__ = ["ITEM_EXPAND", "ITEM_SELECT", "RestSharePoint", "odata_literal"]

ITEM_SELECT = (
    "Id,UniqueId,FileRef,FileLeafRef,FileDirRef,FSObjType,Created,Modified,OData__UIVersionString,"
    "Author/EMail,Editor/EMail,File/Length,File/ETag"
)
ITEM_EXPAND = "File,Author,Editor"
PAGE_SIZE = 5000
LIST_SELECT = "Id,Title,BaseTemplate,ItemCount,Hidden,RootFolder/ServerRelativeUrl"


def odata_literal(value: str) -> str:
    """``value`` as an OData string literal in a URL: single quotes, an inner quote doubled, then
    percent-encoded except ``/``."""
    return "'" + quote(str(value).replace("'", "''"), safe="/") + "'"


class RestSharePoint:
    """SharePoint REST calls: ``get``, ``pages`` and the operations built on them.

    ``get_token(host)`` returns the token provider for one host (``provider(force_refresh) -> str``).
    """

    source = "rest"

    def __init__(
        self,
        session: requests.Session,
        get_token: Callable[[str], Callable[[bool], str]],
        *,
        accept: str = odata.ACCEPT,
    ) -> None:
        self.session = session
        self._providers = get_token
        self._auth: dict[str, BearerAuth] = {}
        self.accept = accept
        self.requests = 0

    # ---- wire -------------------------------------------------------------------------------------
    def auth_for(self, url: str) -> BearerAuth:
        host, _ = split_site_url(url)
        if host not in self._auth:
            self._auth[host] = BearerAuth(self._providers(host))
        return self._auth[host]

    def raw(self, url: str, **kwargs: Any) -> requests.Response:
        self.requests += 1
        headers = {"Accept": self.accept, **kwargs.pop("headers", {})}
        resp = self.session.get(url, headers=headers, auth=self.auth_for(url), **kwargs)
        if not resp.ok:
            raise from_response(resp)
        return resp

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return odata.entity(self.raw(url, params=params).json())

    def pages(self, url: str, params: Mapping[str, Any] | None = None) -> Iterator[list[dict[str, Any]]]:
        """Each page of a collection, following the next link exactly as the server gave it."""
        next_url: str | None = url
        while next_url is not None:
            doc = self.raw(next_url, params=params).json()
            yield odata.collection(doc)
            next_url, params = odata.next_link(doc, next_url), None

    # ---- sites and libraries ----------------------------------------------------------------------
    def site(self, url: str) -> Site:
        """The site at ``url``: ``_api/site`` (the site collection's id) and ``_api/web``."""
        host, path = split_site_url(url)
        base = f"https://{host}{quote(path)}/_api"
        site = self.get(f"{base}/site", {"$select": "Id"})
        web = self.get(f"{base}/web", {"$select": "Id,Title,Url,ServerRelativeUrl,Created"})
        return records.rest_site(host, path, site, web)

    def _lists(self, site: Site) -> list[dict[str, Any]]:
        params = {"$select": LIST_SELECT, "$expand": "RootFolder"}
        return [row for page in self.pages(f"{site.url}/_api/web/lists", params) for row in page]

    def lists(self, site: Site) -> list[dict[str, Any]]:
        return [records.rest_list(site, r) for r in self._lists(site) if not r.get("Hidden")]

    def libraries(self, site: Site) -> list[Library]:
        rows = [
            r for r in self._lists(site) if int(r.get("BaseTemplate") or 0) == 101 and not r.get("Hidden")
        ]
        return [records.rest_library(site, self._with_root_folder(site, r)) for r in rows]

    def _with_root_folder(self, site: Site, row: dict[str, Any]) -> dict[str, Any]:
        """``row`` with ``RootFolder/ServerRelativeUrl``: asked for with ``$expand=RootFolder``; a server
        that does not expand it is asked ``lists(guid'...')/RootFolder`` (one request per library)."""
        if (row.get("RootFolder") or {}).get("ServerRelativeUrl"):
            return row
        url = f"{site.url}/_api/web/lists(guid'{row['Id']}')/RootFolder"
        return {**row, "RootFolder": self.get(url, {"$select": "ServerRelativeUrl"})}

    # ---- items ------------------------------------------------------------------------------------
    def library_items(
        self, library: Library, *, page_size: int = PAGE_SIZE, on_page: Callable[[int], Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every file and folder of ``library`` through one paged list query (module docstring)."""
        url = f"{library.site.url}/_api/web/lists(guid'{library.list_id}')/items"
        params = {"$select": ITEM_SELECT, "$expand": ITEM_EXPAND, "$top": page_size}
        out: list[dict[str, Any]] = []
        for page in self.pages(url, params):
            out.extend(records.rest_document(library, row) for row in page)
            if on_page is not None:
                on_page(len(page))
        return out

    def download(self, library: Library, path: str) -> bytes:
        """``GetFileByServerRelativeUrl('...')/$value``: the bytes of the file at ``path`` in ``library``
        (https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-folders-and-files-with-rest)."""
        server_relative = f"{library.root_url}{path}"
        url = (
            f"{library.site.url}/_api/web/GetFileByServerRelativeUrl({odata_literal(server_relative)})/$value"
        )
        return self.raw(url, headers={"Accept": "*/*"}).content

    # ---- lists ------------------------------------------------------------------------------------
    def list_ref(self, site: Site, title: str) -> dict[str, Any]:
        for row in self.lists(site):
            if (row["title"] or "").lower() == title.lower():
                return row
        raise SharePointError(
            error="ListNotFound",
            description=f"List '{title}' does not exist at site with URL '{site.url}'.",
            status=404,
        )

    def columns(self, site: Site, list_id: str) -> list[records.ListColumn]:
        url = f"{site.url}/_api/web/lists(guid'{list_id}')/fields"
        params = {"$select": "InternalName,StaticName,Title,TypeAsString,Hidden,ReadOnlyField,LookupList"}
        rows = [row for page in self.pages(url, params) for row in page]
        return [c for c in (records.rest_column(r) for r in rows) if c is not None]

    def list_items(self, site: Site, list_row: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list]:
        """The items of one list with person and lookup columns expanded (``$select=Author/EMail&
        $expand=Author``), and the list's columns."""
        columns = self.columns(site, list_row["list_id"])
        select, expand = _list_item_query(columns)
        url = f"{site.url}/_api/web/lists(guid'{list_row['list_id']}')/items"
        params = {"$select": select, "$expand": expand, "$top": PAGE_SIZE}
        rows = [row for page in self.pages(url, params) for row in page]
        return [records.rest_list_item(site, list_row, columns, r) for r in rows], columns


def _list_item_query(columns: list[records.ListColumn]) -> tuple[str, str]:
    select = ["Id", "Title", "Created", "Modified", "Author/EMail", "Editor/EMail"]
    expand = ["Author", "Editor"]
    for col in columns:
        if col.name == "Title":
            continue
        if col.kind == "person":
            select.append(f"{col.name}/EMail")
            expand.append(col.name)
        elif col.kind == "lookup":
            select += [f"{col.name}/Id", f"{col.name}/Title"]
            expand.append(col.name)
        else:
            select.append(col.name)
    return ",".join(select), ",".join(expand)
