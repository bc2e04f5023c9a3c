"""``FindFolder``: every folder under a parent, ``Deep`` (the whole subtree) or ``Shallow`` (children).
https://learn.microsoft.com/exchange/client-developer/web-service-reference/findfolder-operation

Paged with ``IndexedPageFolderView`` (at most 1000 folders a page, Exchange Online's ``EWSFindCountLimit``,
https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange)
until the answer says ``IncludesLastItemInRange="true"``
(https://learn.microsoft.com/exchange/client-developer/web-service-reference/indexedpagefolderview).
The shape asks for what the folders table needs: the ``Default`` shape (id, display name, total, child
and unread counts) plus ``folder:FolderClass`` and ``folder:ParentFolderId``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .soap import SoapClient, children, field_uris, m

__all__ = ["PAGE_SIZE", "find_folders"]

PAGE_SIZE = 1000
FIELDS = ("folder:FolderClass", "folder:ParentFolderId")


def _request(parent: str, traversal: str, offset: int) -> str:
    return (
        f'<m:FindFolder Traversal="{traversal}"><m:FolderShape><t:BaseShape>Default</t:BaseShape>'
        f"<t:AdditionalProperties>{field_uris(FIELDS)}</t:AdditionalProperties></m:FolderShape>"
        f'<m:IndexedPageFolderView MaxEntriesReturned="{PAGE_SIZE}" Offset="{offset}" BasePoint="Beginning"/>'
        f"<m:ParentFolderIds>{parent}</m:ParentFolderIds></m:FindFolder>"
    )


def find_folders(client: SoapClient, parent: str, *, traversal: str = "Deep") -> list[ET.Element]:
    """The ``t:Folder`` elements (and other folder kinds) under ``parent`` (a folder id element's XML)."""
    found: list[ET.Element] = []
    offset = 0
    while True:
        answer = client.call(_request(parent, traversal, offset))
        root = answer.check(answer.messages[0]).find(m("RootFolder"))
        page = children(root, "Folders")
        found += page
        if root is None or root.get("IncludesLastItemInRange", "true") == "true" or not page:
            return found
        offset = int(root.get("IndexedPagingOffset") or offset + len(page))
