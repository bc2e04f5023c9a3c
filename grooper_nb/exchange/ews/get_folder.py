"""``GetFolder``: folders by id or distinguished name, in one request.
https://learn.microsoft.com/exchange/client-developer/web-service-reference/getfolder-operation

One response message per requested folder, in request order. A distinguished folder the mailbox does not
have answers ``ErrorFolderNotFound``; :func:`get_folders` gives None for it, so asking for every
well-known name at once costs one request.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .soap import SoapClient, m

__all__ = ["get_folders"]


def get_folders(client: SoapClient, targets: list[str], *, shape: str = "IdOnly") -> list[ET.Element | None]:
    """The folder element for each target (folder id XML), None where the mailbox has no such folder."""
    body = (
        f"<m:GetFolder><m:FolderShape><t:BaseShape>{shape}</t:BaseShape></m:FolderShape>"
        f"<m:FolderIds>{''.join(targets)}</m:FolderIds></m:GetFolder>"
    )
    answer = client.call(body)
    out: list[ET.Element | None] = []
    for message in answer.messages:
        if answer.code(message) == "ErrorFolderNotFound":
            out.append(None)
            continue
        folders = answer.check(message).find(m("Folders"))
        out.append(folders[0] if folders is not None and len(folders) else None)
    return out
