"""The front ends a notebook uses: :class:`SharePoint` (Graph or SharePoint REST) and :class:`OneDrive`.

Both return DataFrames in the one schema of :mod:`grooper_nb.sharepoint.schema`, so a listing made
through Graph and one made through REST compare row for row::

    sp = SharePoint(profile, via="graph")                  # or via="rest"
    site = sp.site("https://contoso.sharepoint.com/sites/finance")
    sp.libraries(site)                                      # DataFrame
    docs = sp.items(sp.library(site, "Documents"))          # every file and folder, paths included
    sp.download(docs[~docs.is_folder], to="out/")           # files under out/<path>
    sp.list_items(site, "Vendors")                          # typed columns

Who calls: ``account=`` (a :class:`~grooper_nb.auth.result.TokenResult` of a sign-in, or an MSAL
account) calls as that user; without it a profile with a secret or certificate calls as the app,
else as the first cached account. Every Microsoft failure is an explained ``GraphError`` or
``SharePointError``; 429 and 503 are retried by the profile's session as ``Retry-After`` asks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

import pandas as pd
from tqdm.auto import tqdm

from grooper_nb.sharepoint import auth, schema
from grooper_nb.sharepoint.graph import GraphSharePoint
from grooper_nb.sharepoint.rest import RestSharePoint
from grooper_nb.sharepoint.site import Library, Site, split_site_url

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.profile import Profile

__all__ = ["OneDrive", "SharePoint"]

VIAS = ("graph", "rest")


class SharePoint:
    """Sites, libraries, documents and lists of one tenant, through ``via`` = "graph" or "rest"."""

    def __init__(self, profile: Profile, via: str = "graph", *, account: Any = None) -> None:
        if via not in VIAS:
            raise ValueError(f"via={via!r}: use 'graph' (Microsoft Graph) or 'rest' (SharePoint REST).")
        self.profile = profile
        self.via = via
        self.account = account
        if via == "graph":
            self.api: Any = GraphSharePoint(
                profile.session, profile.cloud.graph_url, auth.graph_provider(profile, account)
            )
        else:
            self.api = RestSharePoint(
                profile.session, lambda host: auth.rest_provider(profile, host, account)
            )
        self._libraries: dict[tuple[str | None, str], Library] = {}

    @property
    def requests(self) -> int:
        """How many requests this client has sent (every page counts), for request budgets."""
        return self.api.requests

    # ---- sites and libraries ----------------------------------------------------------------------
    def site(self, url: str | Site) -> Site:
        """The site at ``url`` (``https://contoso.sharepoint.com/sites/finance``)."""
        return (
            url
            if isinstance(url, Site) and url.site_id
            else self.api.site(url.url if isinstance(url, Site) else url)
        )

    def sites(self, search: str = "*") -> pd.DataFrame:
        """Sites the caller may see whose name matches ``search`` (Graph's site search). SharePoint REST
        has no tenant-wide site listing outside its search service: use via="graph", or
        :meth:`site` with a URL."""
        if self.via != "graph":
            raise ValueError(
                "SharePoint REST lists no sites; use SharePoint(profile, via='graph').sites() "
                "or .site(url) with the site's URL."
            )
        return schema.frame([s.record("graph") for s in self.api.sites(search)], "sites")

    def _library_objects(self, site: str | Site) -> list[Library]:
        libs = self.api.libraries(self.site(site))
        for lib in libs:
            self._libraries[(lib.site.site_id, lib.title.lower())] = lib
        return libs

    def libraries(self, site: str | Site) -> pd.DataFrame:
        """The document libraries of ``site``."""
        return schema.frame([lib.record(self.via) for lib in self._library_objects(site)], "libraries")

    def library(self, site: str | Site, title: str = "Documents") -> Library:
        """The library titled ``title`` of ``site`` (its display title, e.g. "Documents", whose URL may
        be "Shared Documents")."""
        for lib in self._library_objects(site):
            if lib.title.lower() == title.lower() or lib.root_url.rsplit("/", 1)[-1].lower() == title.lower():
                return lib
        raise ValueError(
            f"No library titled {title!r} on {site if isinstance(site, str) else site.url}; "
            "libraries(site) lists them."
        )

    def _resolve(self, library: Library | str) -> Library:
        """A :class:`Library`, or a library's URL (``https://host/sites/finance/Shared Documents``)."""
        if isinstance(library, Library):
            return library
        host, path = split_site_url(library)
        rest = unquote(urlsplit(library if "://" in library else f"https://{library}").path)[len(path) :]
        title = rest.strip("/").split("/")[0]
        return self.library(f"https://{host}{quote(path)}", title or "Documents")

    # ---- documents --------------------------------------------------------------------------------
    def items(
        self, library: Library | str, recursive: bool = True, progress: bool = True, *, method: str = "auto"
    ) -> pd.DataFrame:
        """Every file and folder of ``library`` (a :class:`Library` or its URL) as the documents table.

        Graph: one delta enumeration (``method="delta"``, the default) or a folder walk
        (``method="walk"``, one request per folder, for comparison). REST: one paged list query.
        ``recursive=False`` keeps the library's top level only.
        """
        lib = self._resolve(library)
        bar = tqdm(desc=f"{self.via}: {lib.title}", unit=" items", disable=not progress)
        try:
            records = self._list(lib, recursive, method, bar.update)
        finally:
            bar.close()
        df = schema.frame(records, "documents")
        if not recursive:
            df = df[df["parent_path"] == "/"].reset_index(drop=True)
        return df.sort_values("path", kind="stable").reset_index(drop=True)

    def _list(self, lib: Library, recursive: bool, method: str, on_page) -> list[dict]:
        if self.via == "rest":
            return self.api.library_items(lib, on_page=on_page)
        if method == "walk" or (method == "auto" and not recursive):
            return self.api.walk_items(lib, recursive=recursive, on_page=on_page)
        return self.api.delta_items(lib, on_page=on_page)

    def download(
        self,
        items: pd.DataFrame | Mapping[str, Any] | Iterable[Mapping[str, Any]],
        to: str | Path,
        progress: bool = True,
    ) -> list[Path]:
        """Write the files among ``items`` (rows of :meth:`items`) under ``to``, keeping their library
        paths (``to/Invoices/2025/x.pdf``); folders are skipped. Returns the paths written."""
        rows = _rows(items)
        root = Path(to)
        written: list[Path] = []
        for row in tqdm(rows, desc="download", unit=" files", disable=not progress):
            if bool(row.get("is_folder")):
                continue
            target = _target(root, row)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self._content(row))
            written.append(target)
        return written

    def _content(self, row: Mapping[str, Any]) -> bytes:
        lib = self._libraries.get((row.get("site_id"), str(row.get("library") or "").lower()))
        if lib is None:
            raise ValueError(
                "Download rows listed by this client's items() (it remembers their libraries); "
                f"{row.get('path')!r} comes from a library it has not listed."
            )
        if self.via == "graph":
            if not isinstance(row.get("id"), str):
                raise ValueError("Graph downloads need the driveItem id: list the library with via='graph'.")
            return self.api.download(lib, row["id"])
        return self.api.download(lib, row["path"])

    # ---- lists ------------------------------------------------------------------------------------
    def lists(self, site: str | Site) -> pd.DataFrame:
        """The lists and libraries of ``site`` (template genericList or documentLibrary)."""
        return schema.frame(self.api.lists(self.site(site)), "lists")

    def list_items(self, site: str | Site, title: str) -> pd.DataFrame:
        """The items of the list titled ``title``, one typed column per list column (a lookup gives
        ``{name}_id`` and ``{name}_value``, a person ``{name}_email``)."""
        s = self.site(site)
        records, columns = self.api.list_items(s, self.api.list_ref(s, title))
        df = schema.list_items_frame(records, columns)
        return df.sort_values("list_item_id", kind="stable").reset_index(drop=True)

    def __repr__(self) -> str:
        who = "app-only" if auth.app_only(self.profile, self.account) else "delegated"
        return f"SharePoint(via={self.via!r}, {who}, tenant={self.profile.tenant!r})"


class OneDrive:
    """A user's OneDrive through Microsoft Graph (``/users/{id}/drive``, ``/me/drive`` for ``user="me"``,
    https://learn.microsoft.com/graph/api/drive-get). App-only tokens have no ``/me``: name the user."""

    def __init__(self, profile: Profile, user: str = "me", *, account: Any = None) -> None:
        if user == "me" and auth.app_only(profile, account):
            raise ValueError(
                "An app-only token has no /me/drive: OneDrive(profile, user='megan@contoso.com')."
            )
        self._sp = SharePoint(profile, "graph", account=account)
        self.user = user
        self._drive: Library | None = None

    @property
    def drive(self) -> Library:
        if self._drive is None:
            self._drive = self._sp.api.user_drive(self.user)
            self._sp._libraries[(self._drive.site.site_id, self._drive.title.lower())] = self._drive
        return self._drive

    def items(self, recursive: bool = True, progress: bool = True) -> pd.DataFrame:
        """Every file and folder of the OneDrive (one delta enumeration)."""
        df = self._sp.items(self.drive, recursive=recursive, progress=progress)
        if self.drive.site.site_id is None and len(df):  # /me/drive: the site comes with the items
            self._sp._libraries[(df["site_id"].iloc[0], self.drive.title.lower())] = self.drive
        return df

    def download(self, items: Any, to: str | Path, progress: bool = True) -> list[Path]:
        return self._sp.download(items, to, progress)

    @property
    def requests(self) -> int:
        return self._sp.requests


def _rows(items: Any) -> list[Mapping[str, Any]]:
    if isinstance(items, pd.DataFrame):
        return [{k: (None if _missing(v) else v) for k, v in r.items()} for r in items.to_dict("records")]
    if isinstance(items, pd.Series):
        return [{k: (None if _missing(v) else v) for k, v in items.to_dict().items()}]
    if isinstance(items, Mapping):
        return [items]
    return list(items)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _target(root: Path, row: Mapping[str, Any]) -> Path:
    """``root`` + the item's library path, refusing a path that would leave ``root``."""
    parts = [p for p in str(row["path"]).split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise ValueError(f"Refusing to write {row['path']!r}: not a plain path inside the library.")
    return root.joinpath(*parts)
