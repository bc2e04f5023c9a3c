"""What changed in a folder since the last round: Graph's messages delta query.

The first round lists every message of the folder (``GET /mailFolders/{id}/messages/delta``), page by
page through ``@odata.nextLink``, and ends with an ``@odata.deltaLink``; calling that link later returns
only the messages added or changed since, and the deleted ones as ``{"id", "@removed"}``
(https://learn.microsoft.com/graph/delta-query-messages). Its page size is asked with ``Prefer:
odata.maxpagesize``, and the first call's ``$select`` and ``$expand`` (the size and the attachment ids, as
for a listing: https://learn.microsoft.com/graph/api/message-delta#odata-query-parameters) are kept by
Graph in the links, so a changed message comes with every column of a listing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .api import MailApi
from .records import MESSAGE_SELECT, message_record

__all__ = ["DELTA_PAGE", "delta_round"]

DELTA_PAGE = 1000


def delta_round(
    api: MailApi, folder: Mapping[str, Any], delta_link: str | None = None, *, expand: str
) -> tuple[list[dict[str, Any]], list[str], str | None]:
    """One delta round for ``folder``: (records added or changed, ids removed, the next delta link).
    ``expand`` is the first call's ``$expand``."""
    headers = {"Prefer": f"odata.maxpagesize={DELTA_PAGE}"}
    if delta_link is None:
        path = f"/mailFolders/{folder['id']}/messages/delta"
        params = {"$select": MESSAGE_SELECT, "$expand": expand}
    else:
        path, params = delta_link, None
    changed: dict[str, dict[str, Any]] = {}
    removed: dict[str, None] = {}
    url: str | None = path
    new_link = delta_link
    while url is not None:
        page = api.get(url, params, headers)
        for item in page.get("value", []):
            _apply(item, changed, removed)
        url, params = page.get("@odata.nextLink"), None
        new_link = page.get("@odata.deltaLink", new_link)
    return list(changed.values()), list(removed), new_link


def _apply(item: Mapping[str, Any], changed: dict, removed: dict) -> None:
    """A message met twice in one round counts once, as it was last."""
    if "@removed" in item:
        changed.pop(item["id"], None)
        removed[item["id"]] = None
    else:
        removed.pop(item["id"], None)
        changed[item["id"]] = message_record(item)
