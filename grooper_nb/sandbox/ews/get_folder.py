"""``GetFolder``: folders by distinguished name or id, with ``TotalCount``, ``UnreadCount``,
``ChildFolderCount``, ``DisplayName`` and ``ParentFolderId``.
https://learn.microsoft.com/exchange/client-developer/web-service-reference/getfolder-operation

One ``GetFolderResponseMessage`` per requested folder, in request order; a folder the mailbox lacks is
that message's ``ErrorFolderNotFound``.
"""

from __future__ import annotations

from .access import Context
from .folders import folder_targets, folder_xml, ids_only, resolve
from .soap import EwsError, el, message, response

__all__ = ["get_folder"]


def get_folder(ctx: Context) -> bytes:
    op = ctx.request.operation
    id_only = ids_only(op)
    messages = []
    for target in folder_targets(op, "FolderIds"):
        try:
            mailbox, folder = resolve(ctx, target)
        except EwsError as error:
            messages.append(message("GetFolder", error=error))
            continue
        messages.append(message("GetFolder", el("m:Folders", folder_xml(mailbox, folder, id_only))))
    return response("GetFolder", messages)
