"""Wire objects of both APIs turned into the records of :mod:`grooper_nb.sharepoint.schema`.

Pure functions, no network: one per (API, kind of object), so each mapping named in the schema's
docstring lives in exactly one place and is unit-tested without a server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from grooper_nb.sharepoint.paths import library_path, parent_of
from grooper_nb.sharepoint.schema import ListColumn, email, extension_of, mime_type_of
from grooper_nb.sharepoint.site import Library, Site

__all__ = [
    "ListColumn",
    "graph_column",
    "graph_document",
    "graph_library",
    "graph_list",
    "graph_list_item",
    "graph_site",
    "rest_column",
    "rest_document",
    "rest_library",
    "rest_list",
    "rest_list_item",
    "site_of_drive",
]

Record = dict[str, Any]


def _guid(value: Any) -> str | None:
    """A GUID lower-case without braces; None when empty."""
    if value is None or value == "":
        return None
    return str(value).strip("{}").lower()


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _file_fields(name: str, is_folder: bool) -> Record:
    return {"extension": extension_of(name, is_folder), "mime_type": mime_type_of(name, is_folder)}


# ---- Graph ---------------------------------------------------------------------------------------------
def graph_site(site: Mapping[str, Any]) -> Site:
    """A Graph site resource (https://learn.microsoft.com/graph/api/resources/site): its id is
    ``host,site-guid,web-guid``; the path comes from ``webUrl``."""
    host, site_id, web_id = ([*str(site["id"]).split(","), None, None])[:3]
    path = unquote(urlsplit(site.get("webUrl") or "").path).rstrip("/")
    return Site(
        host=str(host).lower(),
        path=path,
        site_id=_guid(site_id),
        web_id=_guid(web_id),
        title=site.get("displayName") or site.get("name"),
        created=site.get("createdDateTime"),
    )


def graph_library(site: Site, drive: Mapping[str, Any]) -> Library:
    """A Graph drive (https://learn.microsoft.com/graph/api/resources/drive) as a library: its root URL
    is the path of ``webUrl``."""
    ids = drive.get("sharePointIds") or drive.get("sharepointIds") or {}
    return Library(
        site=site,
        title=drive.get("name") or "",
        root_url=unquote(urlsplit(drive.get("webUrl") or "").path).rstrip("/"),
        list_id=_guid(ids.get("listId")),
        drive_id=drive.get("id"),
    )


def site_of_drive(drive: Mapping[str, Any]) -> Site:
    """The site a OneDrive lives on, from the drive's ``webUrl`` (``.../personal/{name}/Documents``) and,
    when Graph sends them, its ``sharePointIds``."""
    url = drive.get("webUrl") or ""
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    path = "/" + "/".join(segments[:2]) if len(segments) >= 2 else ""
    ids = drive.get("sharePointIds") or drive.get("sharepointIds") or {}
    return Site(
        host=(parts.hostname or "").lower(),
        path=path,
        site_id=_guid(ids.get("siteId")),
        web_id=_guid(ids.get("webId")),
    )


def _user_email(identity_set: Any) -> str | None:
    user = (identity_set or {}).get("user") or {}
    return email(user.get("email") or user.get("userPrincipalName"))


def graph_document(library: Library, item: Mapping[str, Any], path: str) -> Record:
    """A driveItem (https://learn.microsoft.com/graph/api/resources/driveitem) as a document record."""
    is_folder = item.get("folder") is not None
    ids = item.get("sharepointIds") or {}
    site = library.site
    site_id, web_id = site.site_id, site.web_id
    if site_id is None:  # a OneDrive reached as /me/drive: the ids come with the item
        site_id, web_id = _guid(ids.get("siteId")), _guid(ids.get("webId"))
    return {
        "source": "graph",
        "site_id": site_id,
        "web_id": web_id,
        "library": library.title,
        "id": item.get("id"),
        "unique_id": _guid(ids.get("listItemUniqueId")),
        "list_item_id": _int(ids.get("listItemId")),
        "name": item.get("name"),
        "path": path,
        "parent_path": parent_of(path),
        "is_folder": is_folder,
        "size_bytes": None if is_folder else _int(item.get("size")),
        **_file_fields(item.get("name") or "", is_folder),
        "created": item.get("createdDateTime"),
        "modified": item.get("lastModifiedDateTime"),
        "created_by": _user_email(item.get("createdBy")),
        "modified_by": _user_email(item.get("lastModifiedBy")),
        "web_url": item.get("webUrl"),
        "etag": None if is_folder else item.get("eTag"),
        "version": None if is_folder else (item.get("publication") or {}).get("versionId"),
    }


_GRAPH_TEMPLATES = {"genericList": "genericList", "documentLibrary": "documentLibrary"}


def graph_list(site: Site, row: Mapping[str, Any]) -> Record:
    return {
        "source": "graph",
        "site_id": site.site_id,
        "web_id": site.web_id,
        "list_id": _guid(row.get("id")),
        "title": row.get("displayName") or row.get("name"),
        "template": (row.get("list") or {}).get("template"),
        "item_count": None,
    }


_GRAPH_KINDS = (("text", "text"), ("number", "number"), ("dateTime", "dateTime"), ("choice", "choice"),
                ("boolean", "boolean"), ("personOrGroup", "person"), ("lookup", "lookup"),
                ("currency", "number"))  # fmt: skip
_SYSTEM_COLUMNS = frozenset(
    "ContentType Attachments Edit LinkTitle LinkTitleNoMenu DocIcon ItemChildCount FolderChildCount "
    "_ComplianceFlags AppAuthor AppEditor Author Editor Created Modified ID".split()
)


def graph_column(col: Mapping[str, Any]) -> ListColumn | None:
    """A Graph columnDefinition (https://learn.microsoft.com/graph/api/resources/columndefinition) as a
    list column; None for hidden, read-only and system columns (the fixed columns cover those)."""
    name = col.get("name")
    if not name or col.get("hidden") or col.get("readOnly") or name in _SYSTEM_COLUMNS:
        return None
    for facet, kind in _GRAPH_KINDS:
        if col.get(facet) is not None:
            lookup = (col.get("lookup") or {}).get("listId") if kind == "lookup" else None
            return ListColumn(name, kind, col.get("displayName") or name, _guid(lookup))
    return ListColumn(name, "text", col.get("displayName") or name)


def _graph_person(fields: Mapping[str, Any], name: str, people: Mapping[str, str | None]) -> str | None:
    """A person field's e-mail: the address of its ``{name}LookupId`` in ``people`` (resolved from the
    site's user information list); else an ``Email`` Graph may send with a selected person column
    (``{"LookupId", "LookupValue", "Email"}``, UNCONFIRMED: observed, not documented in
    https://learn.microsoft.com/graph/api/resources/fieldvalueset)."""
    lookup_id = fields.get(f"{name}LookupId")
    if lookup_id not in (None, "") and people.get(str(lookup_id)):
        return email(people[str(lookup_id)])
    value = fields.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, Mapping):
        return email(value.get("Email") or value.get("email"))
    return None


def _graph_lookup(fields: Mapping[str, Any], name: str) -> tuple[int | None, str | None]:
    value = fields.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, Mapping):
        return _int(value.get("LookupId")), value.get("LookupValue")
    return _int(fields.get(f"{name}LookupId")), value if isinstance(value, str) else None


def typed_values(columns: Sequence[ListColumn], get_person, get_lookup, fields: Mapping[str, Any]) -> Record:
    """The typed columns of one item: ``{name}`` / ``{name}_id`` + ``{name}_value`` / ``{name}_email``."""
    out: Record = {}
    for col in columns:
        if col.name == "Title":
            continue
        if col.kind == "lookup":
            out[f"{col.name}_id"], out[f"{col.name}_value"] = get_lookup(fields, col.name)
        elif col.kind == "person":
            out[f"{col.name}_email"] = get_person(fields, col.name)
        else:
            out[col.name] = _scalar(fields.get(col.name), col.kind)
    return out


def _scalar(value: Any, kind: str) -> Any:
    if value is None or value == "":
        return None
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    if isinstance(value, list):  # a multi-choice column
        return ";".join(str(v) for v in value)
    return value


def graph_list_item(
    site: Site,
    list_row: Mapping[str, Any],
    columns: Sequence[ListColumn],
    item: Mapping[str, Any],
    people: Mapping[str, str | None] | None = None,
) -> Record:
    """A Graph listItem with ``expand=fields`` (https://learn.microsoft.com/graph/api/resources/listitem)."""
    fields = item.get("fields") or {}
    return {
        "source": "graph",
        "site_id": site.site_id,
        "web_id": site.web_id,
        "list_id": list_row["list_id"],
        "list_item_id": _int(item.get("id")),
        "title": fields.get("Title"),
        "created": item.get("createdDateTime"),
        "modified": item.get("lastModifiedDateTime"),
        "created_by": _user_email(item.get("createdBy")),
        "modified_by": _user_email(item.get("lastModifiedBy")),
        **typed_values(columns, lambda f, n: _graph_person(f, n, people or {}), _graph_lookup, fields),
    }


# ---- SharePoint REST ------------------------------------------------------------------------------------
def rest_site(host: str, path: str, site: Mapping[str, Any], web: Mapping[str, Any]) -> Site:
    """``_api/site`` and ``_api/web`` as a :class:`Site`."""
    return Site(
        host=host,
        path=path,
        site_id=_guid(site.get("Id")),
        web_id=_guid(web.get("Id")),
        title=web.get("Title"),
        created=web.get("Created"),
    )


_REST_TEMPLATES = {100: "genericList", 101: "documentLibrary"}


def rest_list(site: Site, row: Mapping[str, Any]) -> Record:
    template = _int(row.get("BaseTemplate"))
    return {
        "source": "rest",
        "site_id": site.site_id,
        "web_id": site.web_id,
        "list_id": _guid(row.get("Id")),
        "title": row.get("Title"),
        "template": _REST_TEMPLATES.get(template, str(template) if template is not None else None),
        "item_count": _int(row.get("ItemCount")),
    }


def rest_library(site: Site, row: Mapping[str, Any]) -> Library:
    root = (row.get("RootFolder") or {}).get("ServerRelativeUrl") or ""
    return Library(
        site=site,
        title=row.get("Title") or "",
        root_url=unquote(root).rstrip("/"),
        list_id=_guid(row.get("Id")),
    )


def _expanded(row: Mapping[str, Any], name: str, field: str) -> Any:
    value = row.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return value.get(field) if isinstance(value, Mapping) else None


def _rest_size(row: Mapping[str, Any]) -> int | None:
    """``File/Length`` (``$expand=File``); ``File_x0020_Size`` when a server answers with that field."""
    length = _expanded(row, "File", "Length")
    return _int(length if length is not None else row.get("File_x0020_Size"))


def _rest_version(row: Mapping[str, Any]) -> str | None:
    """``_UIVersionString``: REST renames fields that start with ``_`` to ``OData__...``."""
    return row.get("OData__UIVersionString") or row.get("_UIVersionString")


def rest_document(library: Library, row: Mapping[str, Any]) -> Record:
    """A library list item (``/_api/web/lists(guid'...')/items``) as a document record; see
    https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-lists-and-list-items-with-rest."""
    is_folder = str(row.get("FSObjType")) == "1"
    path = library_path(row["FileRef"], library.root_url)
    name = row.get("FileLeafRef") or path.rsplit("/", 1)[-1]
    site = library.site
    return {
        "source": "rest",
        "site_id": site.site_id,
        "web_id": site.web_id,
        "library": library.title,
        "id": None,
        "unique_id": _guid(row.get("UniqueId")),
        "list_item_id": _int(row.get("Id", row.get("ID"))),
        "name": name,
        "path": path,
        "parent_path": parent_of(path),
        "is_folder": is_folder,
        "size_bytes": None if is_folder else _rest_size(row),
        **_file_fields(name, is_folder),
        "created": row.get("Created"),
        "modified": row.get("Modified"),
        "created_by": email(_expanded(row, "Author", "EMail")),
        "modified_by": email(_expanded(row, "Editor", "EMail")),
        "web_url": f"https://{site.host}{quote(unquote(row['FileRef']))}",
        "etag": None if is_folder else _expanded(row, "File", "ETag"),
        "version": None if is_folder else _rest_version(row),
    }


_REST_KINDS = {"Text": "text", "Note": "text", "Number": "number", "Currency": "number", "Integer": "number",
               "DateTime": "dateTime", "Choice": "choice", "MultiChoice": "choice", "Boolean": "boolean",
               "User": "person", "UserMulti": "person", "Lookup": "lookup",
               "LookupMulti": "lookup"}  # fmt: skip


def rest_column(field: Mapping[str, Any]) -> ListColumn | None:
    """An ``SP.Field`` (``/_api/web/lists(...)/fields``) as a list column; None for hidden, read-only and
    system fields."""
    name = field.get("InternalName") or field.get("StaticName")
    if not name or field.get("Hidden") or field.get("ReadOnlyField") or name in _SYSTEM_COLUMNS:
        return None
    kind = _REST_KINDS.get(str(field.get("TypeAsString")), "text")
    lookup = _guid(field.get("LookupList")) if kind == "lookup" else None
    return ListColumn(name, kind, field.get("Title") or name, lookup)


def _rest_person(row: Mapping[str, Any], name: str) -> str | None:
    return email(_expanded(row, name, "EMail"))


def _rest_lookup(row: Mapping[str, Any], name: str) -> tuple[int | None, str | None]:
    ident = _expanded(row, name, "Id")
    if ident is None:
        ident = row.get(f"{name}Id")
        ident = ident[0] if isinstance(ident, list) and ident else ident
    return _int(ident), _expanded(row, name, "Title")


def rest_list_item(
    site: Site, list_row: Mapping[str, Any], columns: Sequence[ListColumn], row: Mapping[str, Any]
) -> Record:
    return {
        "source": "rest",
        "site_id": site.site_id,
        "web_id": site.web_id,
        "list_id": list_row["list_id"],
        "list_item_id": _int(row.get("Id", row.get("ID"))),
        "title": row.get("Title"),
        "created": row.get("Created"),
        "modified": row.get("Modified"),
        "created_by": email(_expanded(row, "Author", "EMail")),
        "modified_by": email(_expanded(row, "Editor", "EMail")),
        **typed_values(columns, _rest_person, _rest_lookup, row),
    }
