"""Who may read which SharePoint site, drive and list through Graph, in the drive API's own words.

Graph answers SharePoint and OneDrive failures with the drive error codes
(https://learn.microsoft.com/onedrive/developer/rest-api/concepts/errors): ``404 itemNotFound`` for a
site, drive, list or item that does not exist, ``403 accessDenied`` ("Access denied") for one the caller
may not see. The permissions are those each operation's page lists
(https://learn.microsoft.com/graph/api/site-get, https://learn.microsoft.com/graph/api/driveitem-get,
https://learn.microsoft.com/graph/api/listitem-list), with Sites.Selected as
https://learn.microsoft.com/graph/permissions-selected-overview describes it:

* drives and items: delegated ``Files.Read``/``Files.ReadWrite`` (the user's own OneDrive only),
  ``Files.Read.All``, ``Files.ReadWrite.All``, ``Sites.Read.All``, ``Sites.ReadWrite.All``,
  ``Sites.FullControl.All``; application ``Files.Read.All``, ``Files.ReadWrite.All`` and the ``Sites.*``
  ones;
* sites and lists: the ``Sites.*`` permissions only;
* ``Sites.Selected`` (application, or delegated for the app): only a site the app holds a grant on
  (``POST /sites/{id}/permissions``, :mod:`.site_permissions`); every other site is 403.

The sandbox's store has no site membership, so a delegated ``*.All`` permission opens every site but
other users' OneDrives (a OneDrive belongs to its owner until shared, which the sandbox does not model);
an application permission opens every site, OneDrives included.

The token is checked first (no relevant permission at all: 403 before anything is looked up), then the
object (404), then the caller's access to its site (403), as Graph does.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..resource import Caller
from .access import caller
from .odata import GraphError

__all__ = [
    "access_denied",
    "can_read_site",
    "invalid_request",
    "item_not_found",
    "need_files",
    "need_sites",
    "open_site",
    "sharepoint",
]

SITES = ("sites.read.all", "sites.readwrite.all", "sites.fullcontrol.all", "sites.manage.all")
FILES_ALL = ("files.read.all", "files.readwrite.all")
FILES_OWN = ("files.read", "files.readwrite")
SELECTED = "sites.selected"


def sharepoint() -> Any:
    """The SharePoint store (``store.sharepoint``) of the tenant this Graph serves."""
    return current_app.config["STORE"].sharepoint


def item_not_found(message: str = "The resource could not be found.") -> GraphError:
    return GraphError(404, "itemNotFound", message)


def access_denied(message: str = "Access denied") -> GraphError:
    return GraphError(403, "accessDenied", message)


def invalid_request(message: str) -> GraphError:
    return GraphError(400, "invalidRequest", message)


def _held(who: Caller) -> set[str]:
    return {v.lower() for v in (who.roles if who.app_only else who.scp)}


def _wanted(who: Caller, files: bool) -> set[str]:
    wanted = {*SITES, SELECTED}
    if files:
        wanted |= set(FILES_ALL)
        if not who.app_only:
            wanted |= set(FILES_OWN)
    return wanted


def need_files() -> Caller:
    """The caller, holding at least one permission that reads drives; else 403 ``accessDenied``."""
    return _need(files=True)


def need_sites() -> Caller:
    """The caller, holding at least one permission that reads sites and lists; else 403."""
    return _need(files=False)


def _need(*, files: bool) -> Caller:
    who = caller()
    if not _held(who) & _wanted(who, files):
        raise access_denied()
    return who


def _own_onedrive(who: Caller, site: dict[str, Any]) -> bool:
    return (
        site.get("kind") == "onedrive"
        and who.user is not None
        and site.get("owner_user_id") == who.user["id"]
    )


def can_read_site(who: Caller, site: dict[str, Any], *, files: bool) -> bool:
    """Whether ``who`` may read ``site`` (its drives and items when ``files``, else the site and lists)."""
    held = _held(who)
    broad = held & ({*SITES, *FILES_ALL} if files else set(SITES))
    if who.app_only:
        return bool(broad) or _selected(who, held, site)
    if site.get("kind") == "onedrive" and not _own_onedrive(who, site):
        return False
    if broad or _selected(who, held, site):
        return True
    return files and bool(held & set(FILES_OWN)) and _own_onedrive(who, site)


def _selected(who: Caller, held: set[str], site: dict[str, Any]) -> bool:
    """Sites.Selected: the app holds a grant (any role) on the site."""
    return SELECTED in held and bool(sharepoint().app_site_roles(who.app_id, site["id"]))


def open_site(who: Caller, site: dict[str, Any], *, files: bool) -> None:
    """403 ``accessDenied`` unless ``who`` may read ``site``."""
    if not can_read_site(who, site, files=files):
        raise access_denied()
