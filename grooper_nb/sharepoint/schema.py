"""The one schema of SharePoint and OneDrive documents and list items as DataFrames, whichever API
filled it (Microsoft Graph or SharePoint REST).

Every column is declared once here, with its type, the Graph property and the SharePoint REST field it
comes from, and what it means. :func:`frame` turns records (plain dicts) into a DataFrame with exactly
these columns, in this order, with these dtypes, so a Graph listing and a REST listing of one library
compare with ``DataFrame.equals`` once the API-specific columns (``id``, ``source``, ``web_url``) are
dropped and both are sorted by ``unique_id``.

Decided once, for both APIs:

* **The key** of "the same document" is (``site_id``, ``unique_id``): Graph's
  ``sharepointIds.listItemUniqueId`` is the REST ``UniqueId`` of the file or folder
  (https://learn.microsoft.com/graph/api/resources/sharepointids). ``id`` is Graph's driveItem id and is
  missing on REST rows; ``list_item_id`` (the integer list item id) is the same on both.
* **Paths** are inside the library, ``/``-separated, starting with ``/``: ``/Invoices/2025/x.pdf``;
  ``parent_path`` of an item at the library root is ``/``. Graph's delta items carry no path
  (https://learn.microsoft.com/graph/api/driveitem-delta), so Graph paths are rebuilt from ids
  (:mod:`grooper_nb.sharepoint.paths`); REST's ``FileRef`` is the server-relative URL, whose library
  root is cut off.
* **MIME type** is derived from the file name's extension with :mod:`mimetypes` on both sides: Graph's
  ``file.mimeType`` is set by the server (https://learn.microsoft.com/graph/api/resources/file) and
  REST has no MIME type at all (its ``ContentType`` is a SharePoint content type such as "Document"),
  so only a derivation both sides share can match. ``extension`` is the lower-case suffix without the
  dot.
* **Time** is timezone-aware UTC, whole seconds. Graph's ``createdDateTime``/``lastModifiedDateTime``
  are UTC; on REST the list item's ``Created``/``Modified`` are used (the ``/items`` endpoint returns
  them in UTC), not the file's ``TimeCreated``/``TimeLastModified`` and never ``FieldValuesAsText``,
  which is formatted in the site's time zone
  (https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-lists-and-list-items-with-rest).
* **People** are their e-mail address, lower-cased: Graph's ``createdBy.user.email``; REST's
  ``Author/EMail`` with ``$expand=Author``.
* **Folders** are rows (``is_folder`` true) with ``size_bytes``, ``mime_type``, ``extension``,
  ``etag`` and ``version`` missing: a folder's size on Graph is the sum of its contents and its eTag
  differs from the list item's, so neither is comparable across APIs.
* **etag** is the file's ETag, ``"{GUID},N"`` on both (Graph ``eTag``, REST ``File/ETag``);
  **version** the UI version label ``"1.0"`` (Graph ``publication.versionId``, REST
  ``_UIVersionString``, https://learn.microsoft.com/graph/api/resources/publicationfacet).

List items (:data:`LIST_ITEMS`) have fixed columns plus one or two per list column, typed by the
column's kind: text/choice as string, number as Float64, boolean, dateTime as UTC, a lookup as
``{name}_id`` (Int64) and ``{name}_value`` (string), a person as ``{name}_email`` (lower-case).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from grooper_nb.tables import build, utc
from grooper_nb.tables import describe as describe_columns

__all__ = [
    "DOCUMENTS",
    "DOCUMENT_KEY",
    "LIBRARIES",
    "LISTS",
    "LIST_ITEMS",
    "SITES",
    "Column",
    "ListColumn",
    "describe",
    "email",
    "empty",
    "extension_of",
    "frame",
    "list_item_columns",
    "list_items_frame",
    "mime_type_of",
    "utc",
]


@dataclass(frozen=True)
class Column:
    """One column: its name, pandas dtype, where Graph and SharePoint REST keep it, and what it means."""

    name: str
    dtype: str  # "string", "datetime", "Int64", "Float64", "boolean"
    graph: str
    rest: str
    meaning: str


@dataclass(frozen=True)
class ListColumn:
    """A column of a SharePoint list, as both APIs describe it: its internal ``name`` (the same on both),
    its ``kind`` ("text", "number", "dateTime", "choice", "boolean", "person", "lookup") and, for a
    lookup, the list it looks into."""

    name: str
    kind: str
    display_name: str = ""
    lookup_list_id: str | None = None


# fmt: off
SITES: tuple[Column, ...] = (
    Column("source", "string", "'graph'", "'rest'", "Which API filled the row."),
    Column("site_id", "string", "id (2nd part)", "_api/site/Id", "Site collection GUID, lower-case."),
    Column("web_id", "string", "id (3rd part)", "_api/web/Id", "Web (subsite) GUID, lower-case."),
    Column("id", "string", "id", "(none)", "Graph's site id 'host,site-guid,web-guid'."),
    Column("host", "string", "siteCollection/hostname", "(URL)", "contoso.sharepoint.com or the -my host."),
    Column("path", "string", "(webUrl)", "ServerRelativeUrl", "Server-relative path, '' for a root site."),
    Column("title", "string", "displayName", "Title", "The site's title."),
    Column("web_url", "string", "webUrl", "Url", "The site's address."),
    Column("created", "datetime", "createdDateTime", "Created", "UTC, whole seconds."),
)

LIBRARIES: tuple[Column, ...] = (
    Column("source", "string", "'graph'", "'rest'", "Which API filled the row."),
    Column("site_id", "string", "(the site)", "(the site)", "Site collection GUID."),
    Column("web_id", "string", "(the site)", "(the site)", "Web GUID."),
    Column("list_id", "string", "sharepointIds/listId", "Id", "The library's list GUID, lower-case."),
    Column("drive_id", "string", "id", "(none)", "Graph's drive id ('b!...')."),
    Column("title", "string", "name", "Title", "The library's title ('Documents')."),
    Column("root_url", "string", "(webUrl)", "RootFolder/ServerRelativeUrl",
           "Server-relative URL of the library root ('/sites/finance/Shared Documents')."),
    Column("web_url", "string", "webUrl", "(built)", "The library's address."),
)

LISTS: tuple[Column, ...] = (
    Column("source", "string", "'graph'", "'rest'", "Which API filled the row."),
    Column("site_id", "string", "(the site)", "(the site)", "Site collection GUID."),
    Column("web_id", "string", "(the site)", "(the site)", "Web GUID."),
    Column("list_id", "string", "id", "Id", "The list's GUID, lower-case."),
    Column("title", "string", "displayName", "Title", "The list's title."),
    Column("template", "string", "list/template", "BaseTemplate",
           "genericList (100) or documentLibrary (101), Graph's names."),
    Column("item_count", "Int64", "(none)", "ItemCount", "Items in the list (REST only)."),
)

DOCUMENTS: tuple[Column, ...] = (
    Column("source", "string", "'graph'", "'rest'", "Which API filled the row."),
    Column("site_id", "string", "(the site) sharepointIds/siteId", "(the site) _api/site/Id",
           "Site collection GUID, lower-case."),
    Column("web_id", "string", "(the site) sharepointIds/webId", "(the site) _api/web/Id",
           "Web GUID, lower-case."),
    Column("library", "string", "drive name", "list Title", "The library's title ('Documents')."),
    Column("id", "string", "id", "(none)", "Graph's driveItem id: missing on REST rows."),
    Column("unique_id", "string", "sharepointIds/listItemUniqueId", "UniqueId",
           "The file or folder GUID, lower-case: the key across APIs."),
    Column("list_item_id", "Int64", "sharepointIds/listItemId", "Id", "The list item's integer id."),
    Column("name", "string", "name", "FileLeafRef", "File or folder name."),
    Column("path", "string", "(rebuilt from parentReference/id)", "FileRef minus the library root",
           "Path inside the library: '/A/B/x.pdf'."),
    Column("parent_path", "string", "(rebuilt)", "FileDirRef minus the library root",
           "The folder it is in: '/A/B', '/' at the library root."),
    Column("is_folder", "boolean", "folder facet", "FSObjType = 1", "A folder rather than a file."),
    Column("size_bytes", "Int64", "size (files)", "File/Length", "File size in bytes; missing for folders."),
    Column("mime_type", "string", "(from the extension)", "(from the extension)",
           "MIME type guessed from the extension with mimetypes, the same on both APIs."),
    Column("extension", "string", "(from name)", "(from FileLeafRef)", "'pdf', lower-case, no dot."),
    Column("created", "datetime", "createdDateTime", "Created", "UTC, whole seconds."),
    Column("modified", "datetime", "lastModifiedDateTime", "Modified", "UTC, whole seconds."),
    Column("created_by", "string", "createdBy/user/email", "Author/EMail", "Lower-case e-mail."),
    Column("modified_by", "string", "lastModifiedBy/user/email", "Editor/EMail", "Lower-case e-mail."),
    Column("web_url", "string", "webUrl", "(host + FileRef, percent-encoded)", "The item's address."),
    Column("etag", "string", "eTag (files)", "File/ETag",
           "The file's ETag '\"{GUID},N\"'; missing for folders."),
    Column("version", "string", "publication/versionId (files)", "_UIVersionString (files)",
           "UI version label '1.0'; missing for folders."),
)

LIST_ITEMS: tuple[Column, ...] = (
    Column("source", "string", "'graph'", "'rest'", "Which API filled the row."),
    Column("site_id", "string", "(the site)", "(the site)", "Site collection GUID."),
    Column("web_id", "string", "(the site)", "(the site)", "Web GUID."),
    Column("list_id", "string", "(the list) id", "(the list) Id", "List GUID, lower-case."),
    Column("list_item_id", "Int64", "id", "Id", "The item's integer id: with list_id the key."),
    Column("title", "string", "fields/Title", "Title", "The item's title."),
    Column("created", "datetime", "createdDateTime", "Created", "UTC, whole seconds."),
    Column("modified", "datetime", "lastModifiedDateTime", "Modified", "UTC, whole seconds."),
    Column("created_by", "string", "createdBy/user/email", "Author/EMail", "Lower-case e-mail."),
    Column("modified_by", "string", "lastModifiedBy/user/email", "Editor/EMail", "Lower-case e-mail."),
)
# fmt: on

DOCUMENT_KEY = ("site_id", "unique_id")
TABLES: dict[str, tuple[Column, ...]] = {
    "sites": SITES,
    "libraries": LIBRARIES,
    "lists": LISTS,
    "documents": DOCUMENTS,
    "list_items": LIST_ITEMS,
}
# Columns that are per API by design and are dropped before comparing a Graph and a REST listing.
PER_API = ("source", "id", "web_url")


# ---- values ---------------------------------------------------------------------------------------
def email(value: Any) -> str | None:
    """An e-mail address lower-cased and stripped; None when empty."""
    if value is None or not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


def extension_of(name: str | None, is_folder: bool = False) -> str | None:
    """``'pdf'`` for ``'Invoice.PDF'``; None for folders and names without a suffix."""
    if is_folder or not name or "." not in name.strip("."):
        return None
    return name.rsplit(".", 1)[1].lower() or None


def mime_type_of(name: str | None, is_folder: bool = False) -> str | None:
    """The MIME type :mod:`mimetypes` guesses from the name's extension (None for folders and unknown
    extensions). Both APIs' rows use this, so they agree; see the module docstring for why."""
    ext = extension_of(name, is_folder)
    if ext is None:
        return None
    guessed, _ = mimetypes.guess_type(f"x.{ext}", strict=False)
    return guessed


def frame(records: Iterable[Mapping[str, Any]], table: str) -> pd.DataFrame:
    """Records (dicts keyed by column name) as the DataFrame of ``table`` ("sites", "libraries",
    "lists", "documents"): exactly its columns, in order, with its dtypes. A key a record lacks is
    missing (``<NA>``); a key the schema does not know is an error, so a typo cannot drop a column."""
    if table not in TABLES or table == "list_items":
        raise KeyError(f"Unknown table {table!r}; one of sites, libraries, lists, documents.")
    return build(records, TABLES[table], table)


def empty(table: str) -> pd.DataFrame:
    """The table with no rows, with its columns and dtypes."""
    return frame([], table)


# ---- list items: fixed columns + typed list columns ---------------------------------------------------
_KIND_DTYPES = {"text": "string", "choice": "string", "number": "Float64", "boolean": "boolean",
                "dateTime": "datetime"}  # fmt: skip
_FIXED_FIELDS = frozenset({"Title"})


def list_item_columns(columns: Sequence[ListColumn]) -> tuple[Column, ...]:
    """:data:`LIST_ITEMS` plus the typed columns of one list's ``columns``: a lookup gives
    ``{name}_id`` and ``{name}_value``, a person ``{name}_email``, the others ``{name}``."""
    out = list(LIST_ITEMS)
    for col in columns:
        if col.name in _FIXED_FIELDS:
            continue
        label = col.display_name or col.name
        if col.kind == "lookup":
            out.append(
                Column(
                    f"{col.name}_id",
                    "Int64",
                    f"fields/{col.name}LookupId",
                    f"{col.name}Id",
                    f"{label}: the id of the item it looks up.",
                )
            )
            out.append(
                Column(
                    f"{col.name}_value",
                    "string",
                    f"fields/{col.name}",
                    f"{col.name}/Title",
                    f"{label}: the looked-up item's title.",
                )
            )
        elif col.kind == "person":
            out.append(
                Column(
                    f"{col.name}_email",
                    "string",
                    f"fields/{col.name} (Email)",
                    f"{col.name}/EMail",
                    f"{label}: the person's e-mail, lower-case.",
                )
            )
        else:
            out.append(
                Column(
                    col.name,
                    _KIND_DTYPES.get(col.kind, "string"),
                    f"fields/{col.name}",
                    col.name,
                    f"{label} ({col.kind}).",
                )
            )
    return tuple(out)


def list_items_frame(records: Iterable[Mapping[str, Any]], columns: Sequence[ListColumn]) -> pd.DataFrame:
    """List item records as a DataFrame with :func:`list_item_columns` of the list's ``columns``."""
    return build(records, list_item_columns(columns), "list_items")


def describe(table: str, columns: Sequence[ListColumn] = ()) -> pd.DataFrame:
    """The table's columns as a DataFrame (column, type, Graph property, REST field, meaning): the
    documentation a notebook shows. For "list_items", pass the list's columns to see its typed ones."""
    cols = list_item_columns(columns) if table == "list_items" else TABLES[table]
    return describe_columns(cols, "rest")
