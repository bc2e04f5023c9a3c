"""A site's hidden "User Information List" through Graph: what a person column's ``{Name}LookupId`` names.

Graph gives a person column of a list item only as ``{Name}LookupId``, the id of an item of the site's
user information list (https://learn.microsoft.com/graph/api/resources/fieldvalueset); that item's
fields carry the person's ``Title`` (display name), ``EMail`` and ``Name`` (the claims login name), as
SharePoint's REST ``siteusers`` does. The list is a system list: ``GET /sites/{id}/lists`` leaves it out
unless ``$select`` names ``system`` (https://learn.microsoft.com/graph/api/list-list), and it is reached
by its title or id (https://learn.microsoft.com/graph/api/list-get). Its server-relative folder
``_catalogs/users`` and template 112 are SharePoint's; the ``system`` facet's content, the Graph
``template`` name and the fields beyond ``Title``/``EMail``/``Name``: UNCONFIRMED.

The sandbox does not store the list: it is built from the directory, one item per user, numbered by
:meth:`~grooper_nb.sandbox.store.sharepoint.SharePointStore.site_users` (the numbers REST's
``AuthorId`` and Graph's ``AuthorLookupId`` give), so every site has the same people.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = ["TEMPLATE", "TITLE", "is_user_list", "user_items", "user_list"]

TITLE = "User Information List"
TEMPLATE = 112  # SharePoint's UserInformation list template
_NAMESPACE = uuid.UUID("6f1a4c1e-2b0b-4f4e-9c55-7d3c0e5f1a10")


def user_list(site: dict[str, Any]) -> dict[str, Any]:
    """The list record (shaped as the SharePoint store's) of ``site``'s user information list."""
    return {
        "id": str(uuid.uuid5(_NAMESPACE, site["id"])),
        "site_id": site["id"],
        "title": TITLE,
        "url_name": "_catalogs/users",
        "template": TEMPLATE,
        "description": "",
        "created": site["created"],
        "modified": site["modified"],
        "hidden": True,
        "system": True,
    }


def is_user_list(lst: dict[str, Any]) -> bool:
    return lst.get("template") == TEMPLATE


def user_items(store: Any, site: dict[str, Any]) -> list[dict[str, Any]]:
    """One item record per directory user, ``id`` its lookup id, in id order."""
    out = []
    for number, user in store.sharepoint.site_users():
        upn = user["userPrincipalName"]
        out.append(
            {
                "id": number,
                "etag": f'"{uuid.uuid5(_NAMESPACE, user["id"])},1"',
                "created": site["created"],
                "modified": site["created"],
                "is_folder": False,
                "fields": {
                    "Title": user.get("displayName"),
                    "EMail": user.get("mail") or upn,
                    "Name": f"i:0#.f|membership|{upn.lower()}",
                    "UserName": upn,
                },
            }
        )
    return out
