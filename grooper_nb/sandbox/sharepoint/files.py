"""Files and folders by server-relative URL: ``GetFolderByServerRelativeUrl('...')`` with ``/Files`` and
``/Folders``, ``GetFileByServerRelativeUrl('...')`` with ``/$value`` (the bytes), the
``...ByServerRelativePath(decodedurl='...')`` forms, and a list's ``RootFolder``.

https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-folders-and-files-with-rest.
URLs match in any case, as SharePoint's do; a URL without a leading ``/`` is taken relative to the site.
A missing file is ``404`` with ``-2130575338, Microsoft.SharePoint.SPException`` ("The file ... does not
exist."); a missing folder ``404`` ``System.IO.FileNotFoundException`` ("File Not Found."), while its
``/Files`` and ``/Folders`` are empty collections, as SharePoint Online answers them.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Response

from ..store.sharepoint import LIBRARY
from .context import Context
from .errors import file_not_found, folder_not_found
from .odata import Entity

__all__ = [
    "FILE_PATH",
    "FOLDER_PATH",
    "file_entity",
    "folder_entity",
    "get_file",
    "get_folder",
    "list_folder",
    "root_folder",
]

_QUOTED = r"\((?:decodedurl=)?'(?P<url>(?:[^']|'')*)'\)"
FOLDER_PATH = re.compile(
    rf"^/web/getfolderbyserverrelative(?:url|path){_QUOTED}(?P<tail>/files|/folders)?$", re.IGNORECASE
)
FILE_PATH = re.compile(
    rf"^/web/getfilebyserverrelative(?:url|path){_QUOTED}(?P<tail>/\$value)?$", re.IGNORECASE
)


def _absolute(ctx: Context, url: str) -> str:
    url = url.replace("''", "'")
    if url.lower().startswith("https://"):
        url = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
    return url if url.startswith("/") else f"{ctx.site['path']}/{url}"


def _escape(url: str) -> str:
    return url.replace("'", "''")


def file_entity(ctx: Context, item: dict[str, Any]) -> Entity:
    major = int(str(item["version"]).split(".")[0])
    url = item["server_relative_url"]
    return Entity(
        "SP.File",
        f"{ctx.api}/Web/GetFileByServerRelativePath(decodedurl='{_escape(url)}')",
        {
            "CheckInComment": "",
            "CheckOutType": 2,
            "ContentTag": f"{{{item['unique_id'].upper()}}},{major},{major}",
            "ETag": item["etag"],
            "Exists": True,
            "Length": str(item["size"] or 0),
            "Level": 1,
            "MajorVersion": major,
            "MinorVersion": 0,
            "Name": item["name"],
            "ServerRelativeUrl": url,
            "TimeCreated": item["created"],
            "TimeLastModified": item["modified"],
            "Title": None,
            "UIVersion": major * 512,
            "UIVersionLabel": item["version"],
            "UniqueId": item["unique_id"],
        },
        edit=f"Web/GetFileByServerRelativePath(decodedurl='{_escape(url)}')",
        etag=item["etag"],
    )


def folder_entity(
    ctx: Context, *, name: str, url: str, unique_id: str, count: int, created: str, modified: str
) -> Entity:
    return Entity(
        "SP.Folder",
        f"{ctx.api}/Web/GetFolderByServerRelativePath(decodedurl='{_escape(url)}')",
        {
            "Exists": True,
            "IsWOPIEnabled": False,
            "ItemCount": count,
            "Name": name,
            "ProgID": None,
            "ServerRelativeUrl": url,
            "TimeCreated": created,
            "TimeLastModified": modified,
            "UniqueId": unique_id,
            "WelcomePage": "",
        },
        edit=f"Web/GetFolderByServerRelativePath(decodedurl='{_escape(url)}')",
    )


def item_folder(ctx: Context, item: dict[str, Any]) -> Entity:
    """The ``SP.Folder`` of a store item that is a folder (its ``ItemCount`` its direct children)."""
    count = ctx.store.sharepoint.child_count(item["unique_id"])
    return folder_entity(
        ctx,
        name=item["name"],
        url=item["server_relative_url"],
        unique_id=item["unique_id"],
        count=count,
        created=item["created"],
        modified=item["modified"],
    )


def list_folder(ctx: Context, record: dict[str, Any]) -> Entity:
    sp = ctx.store.sharepoint
    url = sp.root_url(record)
    return folder_entity(
        ctx,
        name=record["url_name"].rpartition("/")[2],
        url=url,
        unique_id=str(uuid.uuid5(uuid.UUID(record["id"]), "RootFolder")),
        count=sp.child_count(None, record["id"]),
        created=record["created"],
        modified=record["modified"],
    )


def root_folder(ctx: Context, record: dict[str, Any]) -> Response:
    return ctx.one(list_folder(ctx, record), "SP.ApiData.Folders/@Element")


def _find_folder(ctx: Context, url: str) -> tuple[dict[str, Any], str | None, Entity] | None:
    """(list, folder unique id or None for the list's root, the folder entity) at ``url``, or None."""
    sp = ctx.store.sharepoint
    record = sp.list_by_url(url)
    if record is not None and record["site_id"] == ctx.site["id"]:
        return record, None, list_folder(ctx, record)
    item = sp.item_by_url(url)
    if item is None or not item["is_folder"]:
        return None
    record = sp.list(item["list_id"])
    if record["site_id"] != ctx.site["id"]:
        return None
    return record, item["unique_id"], item_folder(ctx, item)


def get_folder(ctx: Context, url: str, tail: str | None) -> Response:
    found = _find_folder(ctx, _absolute(ctx, url))
    if tail is None:
        if found is None:
            raise folder_not_found()
        return ctx.one(found[2], "SP.ApiData.Folders/@Element")
    if found is None:  # SharePoint Online answers an empty collection for a folder that is not there
        return ctx.many([], "SP.ApiData.Files" if tail.lower() == "/files" else "SP.ApiData.Folders")
    record, parent, _ = found
    children = ctx.store.sharepoint.children(record["id"], parent)
    if tail.lower() == "/files":
        return ctx.many([file_entity(ctx, i) for i in children if not i["is_folder"]], "SP.ApiData.Files")
    return ctx.many([item_folder(ctx, i) for i in children if i["is_folder"]], "SP.ApiData.Folders")


def get_file(ctx: Context, url: str, tail: str | None) -> Response:
    absolute = _absolute(ctx, url)
    item = ctx.store.sharepoint.item_by_url(absolute)
    record = ctx.store.sharepoint.list(item["list_id"]) if item else None
    if (
        item is None
        or item["is_folder"]
        or record["site_id"] != ctx.site["id"]
        or record["template"] != LIBRARY
    ):
        raise file_not_found(absolute)
    if tail is None:
        return ctx.one(file_entity(ctx, item), "SP.ApiData.Files12/@Element")
    try:
        data = ctx.store.sharepoint.content(item["unique_id"])
    except KeyError:  # a custom list's item: no bytes
        raise file_not_found(absolute) from None
    return Response(data, 200, content_type="application/octet-stream")
