"""A list's items: ``.../items`` (paged), ``.../items(n)``, ``.../items(n)/File`` and ``/Folder``.

https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-lists-and-list-items-with-rest and
https://learn.microsoft.com/sharepoint/dev/sp-add-ins/use-odata-query-operations-in-sharepoint-rest-requests:

* fields go by internal name: ``Id``/``ID``, ``UniqueId``, ``GUID``, ``FileRef``, ``FileLeafRef``,
  ``FileDirRef``, ``FSObjType`` (``FileSystemObjectType`` in the default set), ``Created``, ``Modified``,
  ``AuthorId``, ``EditorId``, ``_UIVersionString`` (written ``OData__UIVersionString``: OData names
  cannot start with ``_``), ``File_x0020_Size`` and a custom list's typed columns, a person or lookup
  column as ``{Name}Id`` (a person's also as ``{Name}StringId``) holding a site user id or the target
  item's id;
* ``$select`` picks fields (an unknown one is ``400``), ``$expand`` adds ``File``, ``Folder``,
  ``Author``, ``Editor`` and person or lookup columns (``$select=Author/EMail&$expand=Author``);
* ``$filter``: only ``ID``/``Id`` ``gt``/``ge`` N and ``FSObjType``/``FileSystemObjectType`` ``eq``
  0 or 1, joined by ``and``; anything else is ``400``;
* ``$top`` (default 100) with the next page's link ``$skiptoken=Paged=TRUE&p_ID=<last id>``, in id
  order; ``$skip`` is ignored on items, as SharePoint ignores it.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote, unquote

from flask import Response

from ..store.sharepoint import LIBRARY
from .context import Context
from .errors import SPError, bad_query, item_not_found, no_such_field
from .files import file_entity, item_folder
from .lists import entity_type_name, item_type
from .odata import Entity

__all__ = ["DEFAULT_TOP", "MAX_TOP", "get_item", "get_item_part", "get_items"]

DEFAULT_TOP = 100
# UNCONFIRMED: SharePoint Online's largest $top for list items; 5000 is its list view threshold.
MAX_TOP = 5000
ITEM_PATH = re.compile(r"^/items\((?P<id>\d+)\)(?P<tail>/file|/folder)?$", re.IGNORECASE)
_CLAUSE = re.compile(
    r"^\s*(?P<field>id|fsobjtype|filesystemobjecttype)\s+(?P<op>gt|ge|eq)\s+(?P<value>\d+)\s*$", re.IGNORECASE
)
_DEFAULT = (
    "FileSystemObjectType",
    "Id",
    "ContentTypeId",
    "Title",
    "Created",
    "Modified",
    "AuthorId",
    "EditorId",
    "OData__UIVersionString",
    "Attachments",
    "GUID",
    "ID",
)


class _People:
    """Directory user id -> site user id, and back, for one request."""

    def __init__(self, store: Any):
        people = store.sharepoint.site_users()
        self.ids = {u["id"]: n for n, u in people}
        self.users = dict(people)

    def entity(self, ctx: Context, number: int | None) -> Entity | None:
        user = self.users.get(number)
        if user is None:
            return None
        upn = user["userPrincipalName"]
        props = {
            "Id": number,
            "Title": user["displayName"],
            "EMail": user.get("mail") or upn,
            "Name": f"i:0#.f|membership|{upn.lower()}",
            "UserName": upn,
        }
        return Entity("SP.Data.UserInfoItem", f"{ctx.api}/Web/SiteUserInfoList/Items({number})", props)


def _content_type(record: dict[str, Any], item: dict[str, Any]) -> str:
    if item["is_folder"]:
        return "0x0120" + "00" + uuid.uuid5(uuid.UUID(record["id"]), "folder").hex.upper()
    prefix = "0x0101" if record["template"] == LIBRARY else "0x0100"
    return prefix + "00" + uuid.uuid5(uuid.UUID(record["id"]), "item").hex.upper()


def _values(
    record: dict[str, Any], item: dict[str, Any], columns: list[dict], people: _People
) -> dict[str, Any]:
    """Every field of an item by its OData name."""
    url = item["server_relative_url"]
    values = {
        "FileSystemObjectType": int(item["is_folder"]),
        "Id": item["id"],
        "ID": item["id"],
        "UniqueId": item["unique_id"],
        "GUID": str(uuid.uuid5(uuid.UUID(item["unique_id"]), "GUID")),
        "ContentTypeId": _content_type(record, item),
        "Title": item["fields"].get("Title"),
        "Created": item["created"],
        "Modified": item["modified"],
        "AuthorId": people.ids.get(item["author_user_id"]),
        "EditorId": people.ids.get(item["editor_user_id"]),
        "OData__UIVersionString": item["version"],
        "Attachments": False,
        "FileRef": url,
        "FileLeafRef": url.rpartition("/")[2],
        "FileDirRef": url.rpartition("/")[0],
        "FSObjType": int(item["is_folder"]),
        # UNCONFIRMED: SharePoint's type for File_x0020_Size; the sandbox writes the size as a string.
        "File_x0020_Size": None if item["size"] is None else str(item["size"]),
    }
    for column in columns:
        name, value = column["name"], item["fields"].get(column["name"])
        if name == "Title":
            continue
        if column["type"] == "person":
            number = people.ids.get(value)
            values[f"{name}Id"] = number
            values[f"{name}StringId"] = None if number is None else str(number)
        elif column["type"] == "lookup":
            values[f"{name}Id"] = value
        else:
            values[name] = value
    return values


def _default_names(columns: list[dict]) -> list[str]:
    names = list(_DEFAULT)
    for column in columns:
        if column["name"] == "Title":
            continue
        if column["type"] == "person":
            names += [f"{column['name']}Id", f"{column['name']}StringId"]
        elif column["type"] == "lookup":
            names.append(f"{column['name']}Id")
        else:
            names.append(column["name"])
    return names


def _navigations(columns: list[dict]) -> dict[str, str]:
    """Expandable names (lower case) -> their kind: ``file``, ``folder``, ``person``, ``lookup``."""
    out = {"file": "file", "folder": "folder", "author": "person", "editor": "person"}
    for column in columns:
        if column["type"] in ("person", "lookup"):
            out[column["name"].lower()] = column["type"]
    return out


class _Query:
    """``$select``, ``$expand``, ``$filter``, ``$top`` and ``$skiptoken`` of an items request, checked."""

    def __init__(self, args: dict[str, str], columns: list[dict]):
        self.columns = columns
        self.navs = _navigations(columns)
        self.select = [s.strip() for s in (args.get("$select") or "").split(",") if s.strip()]
        self.expand = [e.strip() for e in (args.get("$expand") or "").split(",") if e.strip()]
        for name in self.expand:
            if name.lower() not in self.navs:
                raise no_such_field(name)
        self.after, self.is_folder = self._filter(args.get("$filter"))
        self.after = max(self.after, _skiptoken(args))
        self.top = _top(args.get("$top"))
        self.args = args

    @staticmethod
    def _filter(text: str | None) -> tuple[int, bool | None]:
        after, is_folder = 0, None
        if not text:
            return after, is_folder
        for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
            match = _CLAUSE.match(clause)
            if match is None:
                raise bad_query(text)
            field, op, value = match["field"].lower(), match["op"].lower(), int(match["value"])
            if field == "id" and op in ("gt", "ge"):
                after = max(after, value if op == "gt" else value - 1)
            elif field != "id" and op == "eq" and value in (0, 1):
                is_folder = bool(value)
            else:
                raise bad_query(text)
        return after, is_folder


def _top(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_TOP
    if not text.strip().isdigit():
        raise bad_query(text)
    return max(1, min(int(text), MAX_TOP))


def _skiptoken(args: dict[str, str]) -> int:
    """The last id of the previous page: ``$skiptoken=Paged=TRUE&p_ID=N``, whether its ``&`` and ``=``
    were encoded (as SharePoint's own next link has them) or not."""
    token = unquote(args.get("$skiptoken") or "")
    match = re.search(r"p_ID=(\d+)", token, re.IGNORECASE)
    if match:
        return int(match[1])
    loose = args.get("p_ID") or args.get("p_id")
    return int(loose) if loose and loose.isdigit() else 0


def _pick(values: dict[str, Any], query: _Query) -> dict[str, Any]:
    """The fields ``$select`` asks for (the default set without one)."""
    if not query.select:
        return {k: values[k] for k in _default_names(query.columns) if k in values}
    by_lower = {k.lower(): k for k in values}
    by_lower["_uiversionstring"] = "OData__UIVersionString"
    out: dict[str, Any] = {}
    for name in query.select:
        if name == "*":
            out.update({k: values[k] for k in _default_names(query.columns) if k in values})
            continue
        base = name.split("/", 1)[0].lower()
        if base in query.navs:
            if base not in {e.lower() for e in query.expand}:
                raise SPError(
                    400,
                    "-1, Microsoft.SharePoint.SPException",
                    f"The query to field '{name.split('/', 1)[0]}' is not valid. The $select query string "
                    f"must specify the target fields and the $expand query string must contains "
                    f"{name.split('/', 1)[0]}.",
                )
            continue
        key = name if name in values else by_lower.get(name.lower())
        if key is None:
            raise no_such_field(name)
        out[key] = values[key]
    return out


def _nested(
    ctx: Context, record: dict[str, Any], item: dict[str, Any], query: _Query, people: _People
) -> dict:
    """The expanded navigation properties of one item, limited to what ``$select`` names."""
    nested: dict[str, Entity | None] = {}
    for name in query.expand:
        kind = query.navs[name.lower()]
        sub = _expand_one(ctx, record, item, name, kind, people)
        wanted = [
            s.split("/", 1)[1]
            for s in query.select
            if "/" in s and s.split("/", 1)[0].lower() == name.lower()
        ]
        if query.select and not wanted and name.lower() not in {s.lower() for s in query.select}:
            continue
        if sub is not None and wanted:
            lower = {k.lower(): k for k in sub.props}
            sub.props = {lower[w.lower()]: sub.props[lower[w.lower()]] for w in wanted if w.lower() in lower}
        nested[name] = sub
    return nested


def _expand_one(
    ctx: Context, record: dict[str, Any], item: dict[str, Any], name: str, kind: str, people: _People
) -> Entity | None:
    library = record["template"] == LIBRARY
    if kind == "file":
        return file_entity(ctx, item) if library and not item["is_folder"] else None
    if kind == "folder":
        if not item["is_folder"]:
            return None
        return item_folder(ctx, item)
    if name.lower() in ("author", "editor"):
        return people.entity(ctx, people.ids.get(item[f"{name.lower()}_user_id"]))
    column = next(c for c in ctx.store.sharepoint.columns(record["id"]) if c["name"].lower() == name.lower())
    value = item["fields"].get(column["name"])
    if kind == "person":
        return people.entity(ctx, people.ids.get(value))
    target = ctx.store.sharepoint.item(column["lookup_list_id"], value) if value else None
    if target is None:
        return None
    uri = f"{ctx.api}/Web/Lists(guid'{column['lookup_list_id']}')/Items({target['id']})"
    kind_of = item_type(ctx.store.sharepoint.list(column["lookup_list_id"]))
    return Entity(kind_of, uri, {"Id": target["id"], "Title": target["fields"].get("Title")})


def _entity(
    ctx: Context, record: dict[str, Any], item: dict[str, Any], query: _Query, people: _People
) -> Entity:
    values = _values(record, item, query.columns, people)
    major = str(item["version"]).split(".")[0]
    uri = f"{ctx.api}/Web/Lists(guid'{record['id']}')/Items({item['id']})"
    return Entity(
        item_type(record),
        uri,
        _pick(values, query),
        edit=f"Web/Lists(guid'{record['id']}')/Items({item['id']})",
        etag=f'"{major}"',
        nested=_nested(ctx, record, item, query, people),
    )


def _next_link(ctx: Context, record: dict[str, Any], last_id: int, query: _Query) -> str:
    """SharePoint's own next link: the list by GUID, the skip token with its ``&`` and ``=`` encoded."""
    link = (
        f"{ctx.api}/Web/Lists(guid'{record['id']}')/Items?%24skiptoken=Paged%3dTRUE%26p_ID%3d{last_id}"
        f"&%24top={query.top}"
    )
    for key in ("$select", "$expand", "$filter"):
        if query.args.get(key):
            link += f"&{quote(key, safe='')}={quote(query.args[key], safe='')}"
    return link


def get_items(ctx: Context, record: dict[str, Any]) -> Response:
    query = _Query(ctx.args, ctx.store.sharepoint.columns(record["id"]))
    rows = ctx.store.sharepoint.items(
        record["id"], after_id=query.after, limit=query.top + 1, is_folder=query.is_folder
    )
    more, rows = len(rows) > query.top, rows[: query.top]
    people = _People(ctx.store)
    entities = [_entity(ctx, record, row, query, people) for row in rows]
    next_link = _next_link(ctx, record, rows[-1]["id"], query) if more else None
    return ctx.many(entities, f"SP.ListData.{entity_type_name(record)}Items", next_link)


def get_item(ctx: Context, record: dict[str, Any], item_id: str) -> Response:
    item = ctx.store.sharepoint.item(record["id"], int(item_id))
    if item is None:
        raise item_not_found()
    query = _Query(
        {k: v for k, v in ctx.args.items() if k in ("$select", "$expand")},
        ctx.store.sharepoint.columns(record["id"]),
    )
    entity = _entity(ctx, record, item, query, _People(ctx.store))
    return ctx.one(entity, f"SP.ListData.{entity_type_name(record)}Items/@Element")


def get_item_part(ctx: Context, record: dict[str, Any], item_id: str, part: str) -> Response:
    """``items(n)/File`` or ``items(n)/Folder``: the file or folder behind a library item."""
    item = ctx.store.sharepoint.item(record["id"], int(item_id))
    if item is None:
        raise item_not_found()
    sub = _expand_one(ctx, record, item, part, part.lower(), _People(ctx.store))
    if sub is None:
        raise SPError(404, "-2147024894, System.IO.FileNotFoundException", "File Not Found.")
    return ctx.one(
        sub, "SP.ApiData.Files12/@Element" if part.lower() == "file" else "SP.ApiData.Folders/@Element"
    )
