"""``/_api/web/lists``, ``lists/getbytitle('...')``, ``lists(guid'...')`` and a list's ``fields``.

https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-lists-and-list-items-with-rest.
A document library is a list with ``BaseTemplate`` 101 and ``BaseType`` 1; its items' entity type is
``SP.Data.{EntityTypeName}Item`` with the URL name's spaces as ``_x0020_`` (``Shared_x0020_Documents``);
a custom list's is ``SP.Data.{Name}ListItem``. A missing title is ``404`` with SharePoint's
``List '...' does not exist at site with URL '...'.``; a missing GUID its ``List does not exist.``

``/web/lists`` and a list honour ``$select`` and ``$expand=RootFolder``
(https://learn.microsoft.com/sharepoint/dev/sp-add-ins/use-odata-query-operations-in-sharepoint-rest-requests):
``$select=Id,Title,RootFolder/ServerRelativeUrl&$expand=RootFolder`` gives every list with its folder's
URL in one query. A property the type lacks is 400, as is a navigation property's field selected
without its ``$expand``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Response

from ..store.sharepoint import LIBRARY
from .context import Context
from .errors import list_not_found, list_not_found_by_id, no_such_property, not_expanded
from .files import list_folder
from .odata import Entity

__all__ = ["entity_type_name", "get_fields", "get_list", "get_lists", "list_entity", "resolve_list"]

# ``lists/getbytitle('Title')`` or ``lists(guid'...')`` at the start of what follows ``/_api/web/``.
LIST_SELECTOR = re.compile(
    r"^/web/lists(?:/getbytitle\('(?P<title>(?:[^']|'')*)'\)|\(guid'(?P<guid>[0-9a-fA-F-]{36})'\)"
    r"|\('(?P<bare>[0-9a-fA-F-]{36})'\))",
    re.IGNORECASE,
)
_FIELD_TYPES = {
    "text": ("Text", 2),
    "number": ("Number", 9),
    "dateTime": ("DateTime", 4),
    "choice": ("Choice", 6),
    "person": ("User", 20),
    "lookup": ("Lookup", 7),
    "boolean": ("Boolean", 8),
}


def entity_type_name(record: dict[str, Any]) -> str:
    """``Shared_x0020_Documents`` for a library, ``VendorsList`` for a custom list."""
    name = record["url_name"].rpartition("/")[2].replace(" ", "_x0020_")
    return name if record["template"] == LIBRARY else f"{name}List"


def item_type(record: dict[str, Any]) -> str:
    return f"SP.Data.{entity_type_name(record)}Item"


def resolve_list(ctx: Context, rest: str) -> tuple[dict[str, Any], str] | None:
    """The list a path selects and what follows the selector, or None if the path names no list.
    Raises the 404 of a list that does not exist on this site."""
    match = LIST_SELECTOR.match(rest)
    if match is None:
        return None
    sp = ctx.store.sharepoint
    if match["title"] is not None:
        title = match["title"].replace("''", "'")
        record = sp.list_by_title(ctx.site["id"], title)
        if record is None:
            raise list_not_found(title, ctx.web_url)
    else:
        record = sp.list(match["guid"] or match["bare"])
        if record is None or record["site_id"] != ctx.site["id"]:
            raise list_not_found_by_id()
    return record, rest[match.end() :]


def list_entity(ctx: Context, record: dict[str, Any]) -> Entity:
    sp = ctx.store.sharepoint
    library = record["template"] == LIBRARY
    return Entity(
        "SP.List",
        f"{ctx.api}/Web/Lists(guid'{record['id']}')",
        {
            "BaseTemplate": record["template"],
            "BaseType": 1 if library else 0,
            "Created": record["created"],
            "Description": record["description"],
            "EntityTypeName": entity_type_name(record),
            "Hidden": False,
            "Id": record["id"],
            "ItemCount": sp.item_count(record["id"]),
            "LastItemModifiedDate": record["modified"],
            "ListItemEntityTypeFullName": item_type(record),
            "ParentWebUrl": ctx.site["path"] or "/",
            "Title": record["title"],
        },
        edit=f"Web/Lists(guid'{record['id']}')",
        etag=f'"{1 + sp.item_count(record["id"])}"',
    )


_NAVIGATIONS = ("RootFolder",)


def _names(ctx: Context, key: str) -> list[str]:
    return [n.strip() for n in (ctx.args.get(key) or "").split(",") if n.strip()]


def _expanded(ctx: Context) -> set[str]:
    """The navigation properties ``$expand`` names (by their own spelling); any other is 400."""
    out = set()
    for name in _names(ctx, "$expand"):
        found = next((n for n in _NAVIGATIONS if n.lower() == name.lower()), None)
        if found is None:
            raise no_such_property(name, "SP.List")
        out.add(found)
    return out


def _pick(props: dict[str, Any], names: list[str], type_name: str) -> dict[str, Any]:
    """``props`` reduced to ``names`` (any case; ``*`` for all)."""
    if "*" in names:
        return dict(props)
    by_lower = {k.lower(): k for k in props}
    out = {}
    for name in names:
        key = by_lower.get(name.lower())
        if key is None:
            raise no_such_property(name, type_name)
        out[key] = props[key]
    return out


def _shaped(ctx: Context, record: dict[str, Any], expand: set[str]) -> Entity:
    """The list entity as ``$select``/``$expand`` ask."""
    item = list_entity(ctx, record)
    select = _names(ctx, "$select")
    if "RootFolder" in expand:
        item.nested["RootFolder"] = list_folder(ctx, record)
    if not select:
        return item
    nested_select: dict[str, list[str]] = {}
    own = []
    for name in select:
        base, _, sub = name.partition("/")
        nav = next((n for n in _NAVIGATIONS if n.lower() == base.lower()), None)
        if nav is None:
            own.append(name)
        elif nav not in expand:
            raise not_expanded(name)
        else:
            nested_select.setdefault(nav, []).append(sub or "*")
    item.props = _pick(item.props, own, "SP.List")
    for nav, sub_entity in list(item.nested.items()):
        if nav not in nested_select:
            del item.nested[nav]
        elif sub_entity is not None:
            sub_entity.props = _pick(sub_entity.props, nested_select[nav], sub_entity.type)
    return item


def get_lists(ctx: Context) -> Response:
    records = ctx.store.sharepoint.lists(ctx.site["id"])
    expand = _expanded(ctx)
    return ctx.many([_shaped(ctx, r, expand) for r in records], "SP.ApiData.Lists")


def get_list(ctx: Context, record: dict[str, Any]) -> Response:
    return ctx.one(_shaped(ctx, record, _expanded(ctx)), "SP.ApiData.Lists/@Element")


def _field_entity(ctx: Context, record: dict[str, Any], column: dict[str, Any]) -> Entity:
    kind, number = _FIELD_TYPES[column["type"]]
    field_id = str(uuid.uuid5(uuid.UUID(record["id"]), column["name"]))
    props = {
        "Id": field_id,
        "InternalName": column["name"],
        "StaticName": column["name"],
        "EntityPropertyName": column["name"],
        "Title": column["display_name"],
        "TypeAsString": kind,
        "FieldTypeKind": number,
        "Hidden": False,
        "ReadOnlyField": False,
    }
    if column["choices"]:
        props["Choices"] = column["choices"]
    if column["lookup_list_id"]:
        props["LookupList"] = f"{{{column['lookup_list_id']}}}"
        props["LookupField"] = "Title"
    return Entity(
        f"SP.Field{kind}" if kind not in ("Boolean", "DateTime") else "SP.Field",
        f"{ctx.api}/Web/Lists(guid'{record['id']}')/Fields(guid'{field_id}')",
        props,
        edit=f"Web/Lists(guid'{record['id']}')/Fields(guid'{field_id}')",
    )


def get_fields(ctx: Context, record: dict[str, Any]) -> Response:
    """The list's own columns (SharePoint also lists its many built-in ones; the sandbox lists a custom
    list's typed columns)."""
    columns = ctx.store.sharepoint.columns(record["id"])
    return ctx.many([_field_entity(ctx, record, c) for c in columns], "SP.ApiData.Fields")
