"""The whole mail-folder tree through Graph, from the top of the mailbox down.

``msgfolderroot`` ("Top of Information Store") is asked for by its well-known name; from it, each
folder's ``childFolders`` are listed, page by page, with ``$top`` at its largest, until no folder has
children (https://learn.microsoft.com/graph/api/mailfolder-list-childfolders). Graph's ``mailFolder``
does not say which well-known folder it is, so each well-known name is asked for once
(``GET /mailFolders/{name}``, https://learn.microsoft.com/graph/api/resources/mailfolder, "Well-known
folder names") and matched by id; a name the mailbox does not have (404) is simply absent. The eight
names go in one JSON batch (``POST /$batch``, up to 20 requests, https://learn.microsoft.com/graph/json-batching),
so the tree costs one request for them, not eight; a name whose part of the batch fails otherwise (a 429
inside the batch, ...) is asked again alone, through the session's retries and explained errors.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from grooper_nb.errors.graph import GraphError

from .api import MailApi
from .records import folder_record

__all__ = ["WELL_KNOWN_NAMES", "folder_tree", "well_known_ids"]

# The names of folders under msgfolderroot that a listing can meet (not the search or recoverable-items
# folders, which live above or beside it).
WELL_KNOWN_NAMES = (
    "inbox",
    "drafts",
    "sentitems",
    "deleteditems",
    "archive",
    "junkemail",
    "outbox",
    "conversationhistory",
)
# UNCONFIRMED: the largest $top Graph accepts on childFolders; 1000 is message lists' documented cap
# (https://learn.microsoft.com/graph/api/user-list-messages) and is assumed here.
FOLDER_PAGE = 1000
_FIELDS = "id,displayName,parentFolderId,childFolderCount,totalItemCount,unreadItemCount"
_SEARCH_FOLDER = (
    "#microsoft.graph.mailSearchFolder"  # https://learn.microsoft.com/graph/api/resources/mailsearchfolder
)


def _one_well_known(api: MailApi, name: str) -> str | None:
    """The id of the well-known folder ``name`` (None when the mailbox has none), asked alone."""
    try:
        return api.get(f"/mailFolders/{name}", {"$select": "id"})["id"]
    except GraphError as exc:
        if exc.status == 404:
            return None
        raise


def _batched_well_known(api: MailApi) -> dict[str, str | None]:
    """Name -> id (None: the mailbox has no such folder) for the names one ``$batch`` answered; a name
    whose part failed otherwise is left out (asked again alone)."""
    prefix = api.base[len(api.graph) :]  # /users/{mailbox} or /me, as a batch's relative URLs want it
    requests = [
        {"id": str(i), "method": "GET", "url": f"{prefix}/mailFolders/{name}?$select=id"}
        for i, name in enumerate(WELL_KNOWN_NAMES)
    ]
    answers = api.post_batch(requests)
    out: dict[str, str | None] = {}
    for answer in answers:
        name = WELL_KNOWN_NAMES[int(answer["id"])]
        if answer.get("status") == 200:
            out[name] = (answer.get("body") or {}).get("id")
        elif answer.get("status") == 404:
            out[name] = None
    return out


def well_known_ids(api: MailApi) -> dict[str, str]:
    """Folder id -> well-known name, for the names this mailbox has."""
    by_name = _batched_well_known(api)
    for name in WELL_KNOWN_NAMES:
        if name not in by_name:
            by_name[name] = _one_well_known(api, name)
    return {folder_id: name for name, folder_id in by_name.items() if folder_id}


def _children(api: MailApi, folder_id: str) -> list[dict[str, Any]]:
    """A folder's subfolders, without search folders: a search folder
    (``#microsoft.graph.mailSearchFolder``) shows messages that live in other folders, which a listing
    of every folder would then read twice."""
    params = {"$top": FOLDER_PAGE, "$select": _FIELDS}
    pages = api.pages(f"/mailFolders/{folder_id}/childFolders", params)
    return [f for page in pages for f in page["value"] if f.get("@odata.type") != _SEARCH_FOLDER]


def folder_tree(api: MailApi) -> list[dict[str, Any]]:
    """Every folder under ``msgfolderroot`` as folder records, ``path`` filled, in tree order (a parent,
    then its subtree)."""
    root = api.get("/mailFolders/msgfolderroot", {"$select": "id"})
    names = well_known_ids(api)
    records: list[dict[str, Any]] = []
    todo: deque[tuple[str, str]] = deque([(root["id"], "")])
    while todo:
        parent_id, parent_path = todo.popleft()
        for folder in sorted(_children(api, parent_id), key=lambda f: f.get("displayName") or ""):
            path = f"{parent_path}/{folder['displayName']}" if parent_path else folder["displayName"]
            records.append(folder_record(folder, path, names.get(folder["id"])))
            if folder.get("childFolderCount"):
                todo.append((folder["id"], path))
    return sorted(records, key=lambda r: r["path"].split("/"))
