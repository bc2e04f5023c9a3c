"""``FindFolder``: the subfolders of one or more folders, ``Shallow`` (children) or ``Deep`` (every
descendant). https://learn.microsoft.com/exchange/client-developer/web-service-reference/findfolder-operation

One ``FindFolderResponseMessage`` per parent folder, each with a ``RootFolder`` carrying
``TotalItemsInView`` and ``IncludesLastItemInRange``; ``BaseShape`` ``IdOnly`` gives ids alone.
"""

from __future__ import annotations

from .access import Context
from .folders import children, folder_targets, folder_xml, ids_only, resolve
from .soap import EwsError, el, message, response

__all__ = ["find_folder"]


def find_folder(ctx: Context) -> bytes:
    op = ctx.request.operation
    deep = (op.get("Traversal") or "Shallow") == "Deep"
    id_only = ids_only(op)
    messages = []
    for target in folder_targets(op, "ParentFolderIds"):
        try:
            mailbox, folder = resolve(ctx, target)
            found = children(ctx, mailbox, folder, deep)
        except EwsError as error:
            messages.append(message("FindFolder", error=error))
            continue
        body = el("t:Folders", "".join(folder_xml(mailbox, f, id_only) for f in found))
        root = el("m:RootFolder", body, TotalItemsInView=str(len(found)), IncludesLastItemInRange="true")
        messages.append(message("FindFolder", root))
    return response("FindFolder", messages)
