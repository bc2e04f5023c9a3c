"""Find the site, drive, folder or file a Graph path names, or answer ``404 itemNotFound``.

Sites are addressed as ``root``, ``{hostname}`` (that host's root site), ``{hostname},{site collection
id},{web id}`` or ``{hostname}:/{server-relative path}`` (https://learn.microsoft.com/graph/api/site-get;
the last form is rewritten to the id before routing by :mod:`.site_paths`). Drives by id, ``/me/drive``,
``/users/{id | userPrincipalName}/drive`` (the user's OneDrive: the site on the ``-my`` host the user
owns, its library; https://learn.microsoft.com/graph/api/drive-get) and ``/sites/{id}/drive`` (the site's
default library, "Documents"). Items by id or by ``root:/path:`` relative to the drive's root
(https://learn.microsoft.com/graph/api/driveitem-get, "Access a driveItem by path"), matched without
regard to case, as SharePoint's URLs are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from ..resource import Caller
from .drive_shapes import library_path, parse_item_id
from .odata import GraphError
from .sites_access import item_not_found, open_site, sharepoint

__all__ = ["Library", "item_by_id", "item_by_path", "library_of", "site_by_key"]


@dataclass(frozen=True)
class Library:
    """A document library the caller may read: its site and its list (the drive)."""

    site: dict[str, Any]
    list: dict[str, Any]


def _store() -> Any:
    return current_app.config["STORE"]


def _root_site(host: str) -> dict[str, Any] | None:
    return _site_by_url(host, "")


def _site_by_url(host: str, path: str) -> dict[str, Any] | None:
    sp = sharepoint()
    found = sp.site_by_url(host.lower(), path)
    if found is not None:
        return found
    return next(
        (s for s in sp.sites() if s["host"].lower() == host.lower() and s["path"].lower() == path.lower()),
        None,
    )


def site_by_key(key: str) -> dict[str, Any]:
    """The site ``key`` names (``root``, a host name, or a Graph site id); else 404."""
    tenant_host = _store().directory.tenant.get("sharepoint_host", "")
    if key.lower() == "root":
        found = _root_site(tenant_host)
    elif "," in key:
        found = _site_by_id(key)
    else:
        found = _root_site(key)
    if found is None:
        raise item_not_found("Requested site could not be found")
    return found


def _site_by_id(key: str) -> dict[str, Any] | None:
    parts = key.split(",")
    if len(parts) != 3:
        return None
    host, site_id, web_id = parts
    try:
        found = sharepoint().site(site_id.lower())
    except (KeyError, ValueError):
        return None
    if found is None or found["host"].lower() != host.lower() or found["web_id"].lower() != web_id.lower():
        return None
    return found


# -- drives ----------------------------------------------------------------------------------------


def _libraries(site: dict[str, Any]) -> list[dict[str, Any]]:
    return [lst for lst in sharepoint().lists(site["id"]) if lst.get("template") == 101]


def default_library(site: dict[str, Any]) -> dict[str, Any]:
    """The site's default document library (``/sites/{id}/drive``): "Documents", else the first."""
    libraries = _libraries(site)
    for lst in libraries:
        if lst["title"] == "Documents":
            return lst
    if not libraries:
        raise item_not_found()
    return libraries[0]


def _user(key: str) -> dict[str, Any]:
    directory = _store().directory
    user = directory.user_by_id(key) or directory.user_by_upn(key)
    if user is None:
        raise item_not_found("User not found")
    return user


def onedrive_of(user_id: str) -> dict[str, Any]:
    """The OneDrive site a user owns; 404 when they have none (no licence, never provisioned)."""
    for site in sharepoint().sites():
        if site.get("kind") == "onedrive" and site.get("owner_user_id") == user_id:
            return site
    raise item_not_found("User's mysite not found.")


def library_of(who: Caller, ref: tuple[str, str | None]) -> Library:
    """The library a drive path names, opened for ``who``: ``("drive", id)``, ``("me", None)``,
    ``("user", id or upn)`` or ``("site", site key)``."""
    kind, key = ref
    if kind == "drive":
        lst = sharepoint().list_by_drive(key)
        if lst is None:
            raise item_not_found()
        site = sharepoint().site(lst["site_id"])
    else:
        site = _site_of(who, kind, key)
        lst = default_library(site)
    open_site(who, site, files=True)
    return Library(site, lst)


def _site_of(who: Caller, kind: str, key: str | None) -> dict[str, Any]:
    if kind == "site":
        return site_by_key(str(key))
    if kind == "me":
        if who.user is None:
            raise GraphError(
                400, "BadRequest", "/me request is only valid with delegated authentication flow."
            )
        return onedrive_of(who.user["id"])
    return onedrive_of(_user(str(key))["id"])


# -- items -----------------------------------------------------------------------------------------


def item_by_id(lib: Library, text: str) -> dict[str, Any] | None:
    """The item (None for the library's root folder) an id names in ``lib``; else 404."""
    parsed = parse_item_id(text)
    if text.lower() == "root" or (parsed and parsed == ("root", lib.list["id"])):
        return None
    if parsed is None or parsed[0] != "item":
        raise item_not_found()
    found = sharepoint().item_by_unique_id(parsed[1])
    if found is None or found.get("deleted") or found["list_id"] != lib.list["id"]:
        raise item_not_found()
    return found


def item_by_path(lib: Library, base: dict[str, Any] | None, relative: str) -> dict[str, Any] | None:
    """The item at ``relative`` (already percent-decoded) below ``base`` (None: the root); else 404."""
    parts = [p for p in relative.split("/") if p]
    start = base["server_relative_url"] if base else library_path(lib.site, lib.list)
    if not parts:
        return base
    url = "/".join([start.rstrip("/"), *parts])
    found = sharepoint().item_by_url(url)
    if found is None:
        found = _walk(lib, base, parts)
    if found is None or found.get("deleted") or found["list_id"] != lib.list["id"]:
        raise item_not_found()
    return found


def _walk(lib: Library, base: dict[str, Any] | None, parts: list[str]) -> dict[str, Any] | None:
    """The item at ``parts`` below ``base``, matching each name without regard to case."""
    current = base
    for name in parts:
        parent = current["unique_id"] if current else None
        children = sharepoint().children(lib.list["id"], parent)
        current = next((c for c in children if c["name"].lower() == name.lower()), None)
        if current is None:
            return None
    return current
