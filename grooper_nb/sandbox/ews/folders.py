"""Folders as EWS names and renders them, shared by FindFolder, GetFolder and FindItem.

A folder is named by ``t:DistinguishedFolderId Id="inbox"`` (optionally with ``t:Mailbox`` for another
mailbox) or ``t:FolderId Id="..."``
(https://learn.microsoft.com/exchange/client-developer/web-service-reference/distinguishedfolderid).
The sandbox's mailboxes have ``root``, ``msgfolderroot`` and the well-known folders the mail store
seeds; any other distinguished name (``calendar``, ``contacts``, ...) is ``ErrorFolderNotFound``, which
clients such as exchangelib expect for folders a mailbox lacks. Graph's ``archive`` (the One-Click
Archive folder) has no EWS distinguished id; reach it by its FolderId.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from . import ids
from .access import Context
from .soap import MNS, TNS, EwsError, ResponseCodes, el, text
from .store_views import msgfolderroot, root_folder

__all__ = ["DISTINGUISHED", "children", "folder_targets", "folder_xml", "ids_only", "resolve"]

# EWS DistinguishedFolderId -> the mail store's well-known name (None: a folder EWS adds above them).
DISTINGUISHED = {
    "root": None,
    "msgfolderroot": None,
    "inbox": "inbox",
    "sentitems": "sentitems",
    "deleteditems": "deleteditems",
    "drafts": "drafts",
}


def resolve(ctx: Context, elem: ET.Element) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(mailbox, folder)`` for a ``DistinguishedFolderId`` or ``FolderId`` element."""
    if elem.tag == f"{{{TNS}}}DistinguishedFolderId":
        address = elem.findtext(f"{{{TNS}}}Mailbox/{{{TNS}}}EmailAddress")
        mailbox = ctx.open(address.strip() if address and address.strip() else None)
        return mailbox, _distinguished(ctx, mailbox, (elem.get("Id") or "").lower())
    if elem.tag == f"{{{TNS}}}FolderId":
        mailbox_id, folder_id = ids.decode(elem.get("Id"), "folder")
        mailbox = ctx.open_id(mailbox_id)
        return mailbox, _by_id(ctx, mailbox, folder_id)
    raise EwsError(ResponseCodes.ErrorInvalidRequest, "The request is invalid.")


def _distinguished(ctx: Context, mailbox: dict[str, Any], name: str) -> dict[str, Any]:
    if name == "root":
        return root_folder(ctx.store, mailbox)
    if name == "msgfolderroot":
        return msgfolderroot(ctx.store, mailbox)
    well_known = DISTINGUISHED.get(name)
    folder = ctx.store.mail.folder(mailbox["id"], well_known) if well_known else None
    if folder is None:
        raise EwsError(ResponseCodes.ErrorFolderNotFound)
    return folder


def _by_id(ctx: Context, mailbox: dict[str, Any], folder_id: str) -> dict[str, Any]:
    for synthetic in (root_folder(ctx.store, mailbox), msgfolderroot(ctx.store, mailbox)):
        if synthetic["id"] == folder_id:
            return synthetic
    folder = ctx.store.mail.folder(mailbox["id"], folder_id)
    if folder is None or folder["id"] != folder_id:
        raise EwsError(ResponseCodes.ErrorFolderNotFound)
    return folder


def children(ctx: Context, mailbox: dict[str, Any], folder: dict[str, Any], deep: bool) -> list[dict]:
    """The folder's subfolders; with ``deep`` every descendant, parents before their children."""
    if folder.get("_wellKnownName") == "root":
        found = [msgfolderroot(ctx.store, mailbox)]
    elif folder.get("_wellKnownName") == "msgfolderroot":
        found = ctx.store.mail.folders(mailbox["id"])
    else:
        found = ctx.store.mail.folders(mailbox["id"], folder["id"])
    if not deep:
        return found
    out: list[dict] = []
    for child in found:
        out.append(child)
        out.extend(children(ctx, mailbox, child, True))
    return out


def folder_xml(mailbox: dict[str, Any], folder: dict[str, Any], id_only: bool = False) -> str:
    """``<t:Folder>``: FolderId, ParentFolderId, FolderClass, DisplayName, TotalCount, ChildFolderCount,
    UnreadCount (https://learn.microsoft.com/exchange/client-developer/web-service-reference/folder)."""
    folder_id = el("t:FolderId", Id=ids.encode("folder", mailbox["id"], folder["id"]), ChangeKey=_key(folder))
    if id_only:
        return el("t:Folder", folder_id)
    parent = ""
    if folder.get("parentFolderId"):
        parent_id = ids.encode("folder", mailbox["id"], folder["parentFolderId"])
        parent = el("t:ParentFolderId", Id=parent_id, ChangeKey="AQAAAA==")
    klass = folder.get("_class", "IPF.Note")
    parts = [
        folder_id,
        parent,
        text("t:FolderClass", klass) if klass else "",
        text("t:DisplayName", folder["displayName"]),
        text("t:TotalCount", folder["totalItemCount"]),
        text("t:ChildFolderCount", folder["childFolderCount"]),
        text("t:UnreadCount", folder["unreadItemCount"]),
    ]
    return el("t:Folder", "".join(parts))


def _key(folder: dict[str, Any]) -> str:
    return ids.change_key([folder["id"], folder["displayName"], folder.get("parentFolderId")])


def folder_targets(operation: ET.Element, container: str) -> list[ET.Element]:
    """The folder elements under ``m:{container}`` (``ParentFolderIds`` or ``FolderIds``)."""

    holder = operation.find(f"{{{MNS}}}{container}")
    return list(holder) if holder is not None else []


def ids_only(operation: ET.Element) -> bool:
    """The ``FolderShape`` asks for ids alone: ``IdOnly`` without ``AdditionalProperties``. (The sandbox
    answers any other shape with every folder property it has.)"""
    shape = operation.find(f"{{{MNS}}}FolderShape")
    if shape is None or shape.findtext(f"{{{TNS}}}BaseShape") != "IdOnly":
        return False
    extra = shape.find(f"{{{TNS}}}AdditionalProperties")
    return extra is None or len(extra) == 0
