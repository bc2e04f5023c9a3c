"""The JSON Graph gives a site, a drive and a driveItem, built from the SharePoint store's records.

* site: https://learn.microsoft.com/graph/api/resources/site (``id`` is ``{hostname},{site collection
  id},{web id}``);
* drive: https://learn.microsoft.com/graph/api/resources/drive (``driveType`` ``documentLibrary`` for a
  site's library, ``business`` for a OneDrive);
* driveItem: https://learn.microsoft.com/graph/api/resources/driveitem with ``parentReference``
  (https://learn.microsoft.com/graph/api/resources/itemreference: ``path`` is
  ``/drives/{drive-id}/root:`` plus the folder's percent-encoded path), ``file`` or ``folder``,
  ``sharepointIds`` (https://learn.microsoft.com/graph/api/resources/sharepointids; only when
  ``$select`` names it, as Graph returns it) and ``@microsoft.graph.downloadUrl`` on files (on the
  site's SharePoint host: :mod:`..sharepoint.download`).

Item ids are opaque in Graph (``01`` and 32 base32 characters for SharePoint); the sandbox's encode the
item's ``listItemUniqueId`` (or, for a library's root folder, the list id), so any id Graph hands out
resolves without a lookup table, and one it never handed out is 404.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any
from urllib.parse import quote

from flask import current_app, request

from ..sharepoint.download import download_url

__all__ = [
    "drive_item",
    "drive_json",
    "graph_site_id",
    "item_id",
    "library_path",
    "parse_item_id",
    "relative_path",
    "root_id",
    "root_item",
    "select_item",
    "site_json",
    "site_url",
    "user_identity",
]

_ITEM, _ROOT = b"\x00itm", b"\x00rot"


def _encode(guid: str, tag: bytes) -> str:
    return "01" + base64.b32encode(uuid.UUID(guid).bytes + tag).decode()


def item_id(item: dict[str, Any]) -> str:
    return _encode(item["unique_id"], _ITEM)


def root_id(lst: dict[str, Any]) -> str:
    return _encode(lst["id"], _ROOT)


def parse_item_id(text: str) -> tuple[str, str] | None:
    """``("item", unique_id)`` or ``("root", list_id)`` for an id :func:`item_id`/:func:`root_id` made."""
    if len(text) != 34 or not text.startswith("01"):
        return None
    try:
        raw = base64.b32decode(text[2:].upper())
    except (binascii.Error, ValueError):
        return None
    kind = {_ITEM: "item", _ROOT: "root"}.get(raw[16:])
    return (kind, str(uuid.UUID(bytes=raw[:16]))) if kind else None


def _store() -> Any:
    return current_app.config["STORE"]


# -- sites -----------------------------------------------------------------------------------------


def graph_site_id(site: dict[str, Any]) -> str:
    return f"{site['host']},{site['id']},{site['web_id']}"


def site_url(site: dict[str, Any]) -> str:
    return f"https://{site['host']}{quote(site['path'])}"


def site_json(site: dict[str, Any]) -> dict[str, Any]:
    """https://learn.microsoft.com/graph/api/resources/site"""
    data: dict[str, Any] = {
        "createdDateTime": site["created"],
        "description": site.get("description") or "",
        "id": graph_site_id(site),
        "lastModifiedDateTime": site["modified"],
        "name": site["path"].rsplit("/", 1)[-1] if site["path"] else site["host"].split(".")[0],
        "webUrl": site_url(site),
        "displayName": site["title"],
        "siteCollection": {"hostname": site["host"]},
    }
    if not site["path"]:
        data["root"] = {}
    return data


# -- users -----------------------------------------------------------------------------------------


def user_identity(user_id: str | None) -> dict[str, Any] | None:
    """``{"user": {"email", "displayName", "id"}}`` of a directory user (an identitySet)."""
    if not user_id:
        return None
    user = _store().directory.user_by_id(user_id)
    if user is None:
        return {"user": {"displayName": "System Account"}}
    email = user.get("mail") or user.get("userPrincipalName")
    return {"user": {"email": email, "displayName": user.get("displayName"), "id": user["id"]}}


# -- drives ----------------------------------------------------------------------------------------


def _drive_type(site: dict[str, Any]) -> str:
    return "business" if site.get("kind") == "onedrive" else "documentLibrary"


def library_path(site: dict[str, Any], lst: dict[str, Any]) -> str:
    """The library's server-relative URL: ``/sites/finance/Shared Documents``."""
    return f"{site['path']}/{lst['url_name']}"


def drive_json(site: dict[str, Any], lst: dict[str, Any]) -> dict[str, Any]:
    """https://learn.microsoft.com/graph/api/resources/drive (``sharePointIds``, spelt so on a drive, is
    returned only on ``$select``)"""
    data: dict[str, Any] = {
        "createdDateTime": lst["created"],
        "description": lst.get("description") or "",
        "id": lst["drive_id"],
        "lastModifiedDateTime": lst["modified"],
        "name": lst["title"],
        "webUrl": f"https://{site['host']}{quote(library_path(site, lst))}",
        "driveType": _drive_type(site),
        "sharePointIds": _sharepoint_ids(site, lst, None),
    }
    owner = user_identity(site.get("owner_user_id"))
    if owner is not None:
        data["owner"] = owner
        data["createdBy"] = owner
    return data


# -- drive items -----------------------------------------------------------------------------------


def relative_path(site: dict[str, Any], lst: dict[str, Any], item: dict[str, Any]) -> str:
    """The item's path inside its library, ``/Invoices/2025/x.pdf``."""
    root = library_path(site, lst)
    url = item["server_relative_url"]
    return url[len(root) :] if url.lower().startswith(root.lower()) else "/" + item["name"]


def _parent_reference(site: dict[str, Any], lst: dict[str, Any], item: dict[str, Any], *, delta: bool):
    parent_id = _encode(item["parent_unique_id"], _ITEM) if item.get("parent_unique_id") else root_id(lst)
    ref: dict[str, Any] = {"driveType": _drive_type(site), "driveId": lst["drive_id"], "id": parent_id}
    if not delta:  # Graph's delta gives no path: https://learn.microsoft.com/graph/api/driveitem-delta
        folder = relative_path(site, lst, item).rsplit("/", 1)[0]
        ref["path"] = f"/drives/{lst['drive_id']}/root:{quote(folder)}"
    ref["siteId"] = graph_site_id(site)
    return ref


def _sharepoint_ids(site: dict[str, Any], lst: dict[str, Any], item: dict[str, Any] | None) -> dict:
    ids = {"listId": lst["id"], "siteId": site["id"], "siteUrl": site_url(site), "webId": site["web_id"]}
    if item is not None:
        ids["listItemId"] = str(item["id"])
        ids["listItemUniqueId"] = item["unique_id"]
    return ids


def _facet(site: dict[str, Any], lst: dict[str, Any], item: dict[str, Any], *, delta: bool) -> dict:
    if item["is_folder"]:
        count = _store().sharepoint.child_count(item["unique_id"])
        return {"folder": {"childCount": count}}
    facet: dict[str, Any] = {"file": {"mimeType": item.get("mime_type") or "application/octet-stream"}}
    facet["@microsoft.graph.downloadUrl"] = download_url(_store(), site, lst["drive_id"], item["unique_id"])
    if not delta:  # OneDrive for Business's delta leaves cTag out
        facet["cTag"] = f'"c:{{{item["unique_id"].upper()}}},{_version_number(item)}"'
    facet["publication"] = _publication(item)
    return facet


def _publication(item: dict[str, Any]) -> dict[str, Any]:
    """The publicationFacet (https://learn.microsoft.com/graph/api/resources/publicationfacet), returned
    only on ``$select``: the version the caller sees, as SharePoint labels it (REST's ``UIVersionLabel``
    and ``_UIVersionString``). The sandbox has no check-outs, so ``level`` is ``published``."""
    return {"level": "published", "versionId": item.get("version") or "1.0"}


def _version_number(item: dict[str, Any]) -> int:
    etag = str(item.get("etag") or "")
    tail = etag.rstrip('"').rsplit(",", 1)[-1]
    return int(tail) if tail.isdigit() else 1


def drive_item(
    site: dict[str, Any], lst: dict[str, Any], item: dict[str, Any], *, delta: bool = False
) -> dict[str, Any]:
    """The driveItem of one store item (``delta``: as the delta query gives it)."""
    if item.get("deleted"):
        return {
            "id": item_id(item),
            "parentReference": _parent_reference(site, lst, item, delta=True),
            "deleted": {"state": "deleted"},
        }
    size = item.get("size")
    data: dict[str, Any] = {
        "createdDateTime": item["created"],
        "eTag": item.get("etag") or f'"{{{item["unique_id"].upper()}}},1"',
        "id": item_id(item),
        "lastModifiedDateTime": item["modified"],
        "name": item["name"],
        "webUrl": f"https://{site['host']}{quote(item['server_relative_url'])}",
        "size": int(size) if size is not None else 0,
        "createdBy": user_identity(item.get("author_user_id")),
        "lastModifiedBy": user_identity(item.get("editor_user_id")),
        "parentReference": _parent_reference(site, lst, item, delta=delta),
        "fileSystemInfo": {"createdDateTime": item["created"], "lastModifiedDateTime": item["modified"]},
        "sharepointIds": _sharepoint_ids(site, lst, item),
    }
    data.update(_facet(site, lst, item, delta=delta))
    return data


def root_item(site: dict[str, Any], lst: dict[str, Any]) -> dict[str, Any]:
    """The library's root folder (``/drives/{id}/root``)."""
    count = _store().sharepoint.child_count(None, lst["id"])
    return {
        "createdDateTime": lst["created"],
        "id": root_id(lst),
        "lastModifiedDateTime": lst["modified"],
        "name": "root",
        "webUrl": f"https://{site['host']}{quote(library_path(site, lst))}",
        "size": 0,
        "parentReference": {
            "driveType": _drive_type(site),
            "driveId": lst["drive_id"],
            "siteId": graph_site_id(site),
        },
        "fileSystemInfo": {"createdDateTime": lst["created"], "lastModifiedDateTime": lst["modified"]},
        "folder": {"childCount": count},
        "root": {},
        "sharepointIds": _sharepoint_ids(site, lst, None),
    }


# -- $select ---------------------------------------------------------------------------------------

# Returned only on $select: https://learn.microsoft.com/graph/api/resources/driveitem (sharepointIds,
# publication) and https://learn.microsoft.com/graph/api/resources/drive (sharePointIds).
_NOT_DEFAULT = ("sharepointIds", "sharePointIds", "publication", "system")


def select_item(data: dict[str, Any], raw: str | None = None) -> dict[str, Any]:
    """``data`` as ``$select`` asks: without it, the default properties (not those of
    :data:`_NOT_DEFAULT`); with it, ``id`` and the named ones, ``*`` standing for every default one."""
    raw = request.args.get("$select") if raw is None else raw
    if not raw:
        return {k: v for k, v in data.items() if k not in _NOT_DEFAULT}
    names = [n.strip() for n in raw.split(",") if n.strip()]
    out: dict[str, Any] = {"id": data.get("id")}
    if "*" in names:
        out.update({k: v for k, v in data.items() if k not in _NOT_DEFAULT})
    for name in names:
        if name != "*" and name in data:
            out[name] = data[name]
    return out
