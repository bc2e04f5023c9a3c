"""SharePoint lists through Graph: lists, their columns and their items with ``fields``.

* ``GET /sites/{site-id}/lists``: https://learn.microsoft.com/graph/api/list-list;
* ``GET /sites/{site-id}/lists/{list-id | title}``: https://learn.microsoft.com/graph/api/list-get;
* ``GET /sites/{site-id}/lists/{list-id}/columns``: https://learn.microsoft.com/graph/api/list-list-columns
  (a columnDefinition per column, with its type facet:
  https://learn.microsoft.com/graph/api/resources/columndefinition);
* ``GET /sites/{site-id}/lists/{list-id}/items[/{item-id}]`` with ``expand=fields`` or
  ``$expand=fields($select=Col1,Col2)``: https://learn.microsoft.com/graph/api/listitem-list,
  https://learn.microsoft.com/graph/api/listitem-get. ``fields`` uses internal column names; a person or
  lookup column appears as ``{Name}LookupId``, the id as a string
  (https://learn.microsoft.com/graph/api/resources/fieldvalueset), and as ``{Name}`` (the looked-up
  title or the person's name) only when ``$select`` names it. Dates are ISO 8601 UTC.

Pages hold 200 items unless ``$top`` says otherwise (:mod:`.site_paging`). Who may read: the ``Sites.*``
permissions (:mod:`.sites_access`).
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote

from flask import current_app, request

from . import GRAPH
from .drive_shapes import graph_site_id, select_item, site_url, user_identity
from .odata import context
from .site_lookup import site_by_key
from .site_paging import page
from .sites_access import invalid_request, item_not_found, need_sites, open_site, sharepoint
from .user_information import is_user_list, user_items, user_list

__all__: list[str] = []

_TYPES = {
    "text": ("text", {"allowMultipleLines": False, "maxLength": 255}),
    "number": ("number", {}),
    "dateTime": ("dateTime", {"displayAs": "default", "format": "dateTime"}),
    "choice": ("choice", {}),
    "person": ("personOrGroup", {"allowMultipleSelection": False, "chooseFromType": "peopleOnly"}),
    "lookup": ("lookup", {"allowMultipleValues": False}),
    "boolean": ("boolean", {}),
}
_LOOKUPS = ("person", "lookup")


def _site(site_key: str) -> dict[str, Any]:
    who = need_sites()
    site = site_by_key(site_key)
    open_site(who, site, files=False)
    return site


def _list(site: dict[str, Any], list_key: str) -> dict[str, Any]:
    sp = sharepoint()
    found = None
    if re.fullmatch(r"[0-9a-fA-F-]{36}", list_key):
        found = sp.list(list_key.lower())
    if found is None:
        found = sp.list_by_title(site["id"], list_key)
    if found is None:
        system = user_list(site)
        found = system if list_key.lower() in (system["id"], system["title"].lower()) else None
    if found is None or found["site_id"] != site["id"]:
        raise item_not_found("The specified list was not found")
    return found


def _list_url(site: dict[str, Any], lst: dict[str, Any]) -> str:
    document = lst.get("template") == 101 or is_user_list(lst)
    folder = lst["url_name"] if document else f"Lists/{lst['url_name']}"
    return f"{site_url(site)}/{quote(folder)}"


def _list_json(site: dict[str, Any], lst: dict[str, Any]) -> dict[str, Any]:
    """https://learn.microsoft.com/graph/api/resources/list (``system`` only for a system list)"""
    data = {
        "@odata.etag": f'"{lst["id"]},1"',
        "createdDateTime": lst["created"],
        "description": lst.get("description") or "",
        "eTag": f'"{lst["id"]},1"',
        "id": lst["id"],
        "lastModifiedDateTime": lst["modified"],
        "name": lst["url_name"],
        "webUrl": _list_url(site, lst),
        "displayName": lst["title"],
        "parentReference": {"siteId": graph_site_id(site)},
        "list": {
            "contentTypesEnabled": False,
            "hidden": bool(lst.get("hidden")),
            "template": "documentLibrary" if lst.get("template") == 101 else "genericList",
        },
    }
    if lst.get("system"):
        data["system"] = {}
    return data


def _site_lists(site: dict[str, Any]) -> list[dict[str, Any]]:
    """The site's lists as ``GET /lists`` gives them: a system list only when ``$select`` names
    ``system`` (https://learn.microsoft.com/graph/api/list-list)."""
    lists = sharepoint().lists(site["id"])
    selected = [n.strip() for n in (request.args.get("$select") or "").split(",")]
    return [*lists, user_list(site)] if "system" in selected else lists


def _items(site: dict[str, Any], lst: dict[str, Any]) -> list[dict[str, Any]]:
    if is_user_list(lst):
        return user_items(current_app.config["STORE"], site)
    return sharepoint().items(lst["id"])


def _item(site: dict[str, Any], lst: dict[str, Any], item_key: str) -> dict[str, Any] | None:
    if not item_key.isdigit():
        return None
    if is_user_list(lst):
        return next((i for i in _items(site, lst) if i["id"] == int(item_key)), None)
    return sharepoint().item(lst["id"], int(item_key))


@GRAPH.get("/sites/<site_key>/lists")
def list_lists(site_key: str):
    """https://learn.microsoft.com/graph/api/list-list"""
    site = _site(site_key)
    lists = _site_lists(site)
    return page(
        f"sites('{graph_site_id(site)}')/lists", lists, lambda lst: select_item(_list_json(site, lst))
    )


@GRAPH.get("/sites/<site_key>/lists/<list_key>")
def get_list(site_key: str, list_key: str):
    """https://learn.microsoft.com/graph/api/list-get"""
    site = _site(site_key)
    lst = _list(site, list_key)
    fragment = f"sites('{graph_site_id(site)}')/lists/$entity"
    return {"@odata.context": context(fragment), **select_item(_list_json(site, lst))}


# -- columns ---------------------------------------------------------------------------------------


def _column_json(column: dict[str, Any]) -> dict[str, Any]:
    """https://learn.microsoft.com/graph/api/resources/columndefinition"""
    facet, settings = _TYPES.get(column["type"], ("text", {}))
    settings = dict(settings)
    if column["type"] == "choice":
        settings.update(
            {
                "allowTextEntry": False,
                "choices": list(column.get("choices") or []),
                "displayAs": "dropDownMenu",
            }
        )
    if column["type"] == "lookup":
        settings.update({"columnName": "Title", "listId": column.get("lookup_list_id")})
    return {
        "columnGroup": "Custom Columns",
        "description": "",
        "displayName": column.get("display_name") or column["name"],
        "enforceUniqueValues": False,
        "hidden": False,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{column['list_id']}/{column['name']}")),
        "indexed": False,
        "name": column["name"],
        "readOnly": False,
        "required": False,
        facet: settings,
    }


@GRAPH.get("/sites/<site_key>/lists/<list_key>/columns")
def list_columns(site_key: str, list_key: str):
    """https://learn.microsoft.com/graph/api/list-list-columns"""
    site = _site(site_key)
    lst = _list(site, list_key)
    columns = sharepoint().columns(lst["id"])
    fragment = f"sites('{graph_site_id(site)}')/lists('{lst['id']}')/columns"
    return page(fragment, columns, lambda c: select_item(_column_json(c)))


# -- items -----------------------------------------------------------------------------------------

_EXPAND = re.compile(r"^\s*fields\s*(?:\(\s*\$?select\s*=\s*([^)]*)\))?\s*$", re.IGNORECASE)


def _expand() -> tuple[bool, list[str] | None]:
    """Whether ``expand=fields`` (or ``$expand``) is asked for, and its ``$select`` if any."""
    raw = request.args.get("$expand") or request.args.get("expand")
    if not raw:
        return False, None
    match = _EXPAND.match(raw)
    if not match:
        raise invalid_request(f"Parsing OData Select and Expand failed: unsupported $expand '{raw}'.")
    if match.group(1) is None:
        return True, None
    return True, [n.strip() for n in match.group(1).split(",") if n.strip()]


def _lookup_user(user_id: str | None) -> str | None:
    """A person's lookup id (the site's user information list item id), as a string."""
    found = sharepoint().user_lookup_id(user_id)
    return None if found is None else str(found)


def _lookup_text(column: dict[str, Any], value: Any) -> Any:
    if value is None:
        return None
    if column["type"] == "person":
        who = user_identity(str(value))
        return who["user"].get("displayName") if who else None
    target = (
        sharepoint().item(column.get("lookup_list_id"), int(value)) if column.get("lookup_list_id") else None
    )
    return (target or {}).get("fields", {}).get("Title") or (target or {}).get("name")


def _typed(column: dict[str, Any], value: Any) -> dict[str, Any]:
    name = column["name"]
    if column["type"] == "person":
        return {f"{name}LookupId": _lookup_user(value)} if value else {}
    if column["type"] == "lookup":
        return {f"{name}LookupId": str(value)} if value is not None else {}
    return {name: value} if value is not None else {}


def _fields(site: dict[str, Any], lst: dict[str, Any], item: dict[str, Any], select: list[str] | None):
    columns = {c["name"]: c for c in sharepoint().columns(lst["id"])}
    data: dict[str, Any] = {"@odata.etag": item.get("etag"), "id": str(item["id"])}
    if lst.get("template") == 101:
        data.update(_file_fields(item))
    else:
        data["ContentType"] = "Item"
    for name, value in (item.get("fields") or {}).items():
        column = columns.get(name)
        data.update(_typed(column, value) if column else {name: value})
    data.update(
        {
            "Created": item["created"],
            "Modified": item["modified"],
            "AuthorLookupId": _lookup_user(item.get("author_user_id")),
            "EditorLookupId": _lookup_user(item.get("editor_user_id")),
            "_UIVersionString": item.get("version") or "1.0",
            "Attachments": False,
        }
    )
    return data if select is None else _select_fields(data, item, columns, select)


def _file_fields(item: dict[str, Any]) -> dict[str, Any]:
    name = item["name"]
    return {
        "ContentType": "Folder" if item["is_folder"] else "Document",
        "FileLeafRef": name,
        "LinkFilename": name,
        "DocIcon": "" if item["is_folder"] or "." not in name else name.rsplit(".", 1)[-1],
        "FileSizeDisplay": None if item["is_folder"] else str(item.get("size") or 0),
    }


def _select_fields(data: dict[str, Any], item: dict[str, Any], columns: dict[str, Any], select: list[str]):
    out: dict[str, Any] = {"@odata.etag": data["@odata.etag"]}
    for name in select:
        column = columns.get(name)
        if column is not None and column["type"] in _LOOKUPS:
            out[name] = _lookup_text(column, (item.get("fields") or {}).get(name))
        elif name in data:
            out[name] = data[name]
    return out


def _item_url(site: dict[str, Any], lst: dict[str, Any], item: dict[str, Any]) -> str:
    if lst.get("template") == 101:
        return f"https://{site['host']}{quote(item['server_relative_url'])}"
    return f"{_list_url(site, lst)}/DispForm.aspx?ID={item['id']}"


def _item_json(site: dict[str, Any], lst: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """https://learn.microsoft.com/graph/api/resources/listitem"""
    document = lst.get("template") == 101
    kind = (
        ("0x0120", "Folder")
        if item.get("is_folder")
        else (("0x0101", "Document") if document else ("0x01", "Item"))
    )
    data = {
        "@odata.etag": item.get("etag"),
        "createdDateTime": item["created"],
        "eTag": item.get("etag"),
        "id": str(item["id"]),
        "lastModifiedDateTime": item["modified"],
        "webUrl": _item_url(site, lst, item),
        "createdBy": user_identity(item.get("author_user_id")),
        "lastModifiedBy": user_identity(item.get("editor_user_id")),
        "parentReference": {"id": lst["id"], "siteId": graph_site_id(site)},
        "contentType": {"id": kind[0], "name": kind[1]},
    }
    expand, select = _expand()
    if expand:
        data["fields"] = _fields(site, lst, item, select)
    return data


def _select_item(data: dict[str, Any]) -> dict[str, Any]:
    """``$select`` of a listItem keeps an expanded ``fields``."""
    out = select_item(data)
    if "fields" in data:
        out["fields"] = data["fields"]
    return out


@GRAPH.get("/sites/<site_key>/lists/<list_key>/items")
def list_items(site_key: str, list_key: str):
    """https://learn.microsoft.com/graph/api/listitem-list"""
    site = _site(site_key)
    lst = _list(site, list_key)
    items = _items(site, lst)
    fragment = f"sites('{graph_site_id(site)}')/lists('{lst['id']}')/items"
    return page(fragment, items, lambda i: _select_item(_item_json(site, lst, i)))


@GRAPH.get("/sites/<site_key>/lists/<list_key>/items/<item_key>")
def get_list_item(site_key: str, list_key: str, item_key: str):
    """https://learn.microsoft.com/graph/api/listitem-get"""
    site = _site(site_key)
    lst = _list(site, list_key)
    item = _item(site, lst, item_key)
    if item is None or item.get("deleted"):
        raise item_not_found()
    fragment = f"sites('{graph_site_id(site)}')/lists('{lst['id']}')/items/$entity"
    return {"@odata.context": context(fragment), **_select_item(_item_json(site, lst, item))}
