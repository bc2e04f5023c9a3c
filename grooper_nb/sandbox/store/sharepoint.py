"""The tenant's SharePoint Online content: sites, lists and libraries, their columns and items, file bytes,
and the per-site grants of ``Sites.Selected`` apps.

The store models SharePoint natively, so Microsoft Graph's sites/drives/driveItems and SharePoint REST's
webs/lists/items are two views of one set of rows:

* a **site** (a site collection's root web) lives on the tenant's host (``contoso.sharepoint.com``) or,
  for a user's OneDrive, on the ``-my`` host, at a server-relative ``path`` (``""`` for the root site,
  ``/sites/finance``, ``/personal/megan_bowen_contoso_onmicrosoft_com``). Graph names it
  ``{host},{site id},{web id}`` (https://learn.microsoft.com/graph/api/resources/site);
* a **list** has a template: 101 is a document library, 100 a custom list
  (https://learn.microsoft.com/openspecs/sharepoint_protocols/ms-wssts/8bf797af-288c-4a1d-a14b-cf5394e636cf).
  A library is what Graph calls a drive (``drive_id``, ``b!`` + base64url of the site, web and list ids);
* an **item** is a row of a list with an id numbered 1..N per list and a ``unique_id`` GUID. In a
  library an item is a file or a folder (``is_folder``; SharePoint's ``FSObjType`` 0 or 1) with a
  server-relative URL; a custom list's typed values sit in ``fields`` (a person column holds the
  directory user id, a lookup the target item id, as SharePoint's ``{Name}Id`` fields do).

Every write takes the next number of one counter (``seq``); "what changed since" is ``seq > token``
(Graph's driveItem delta, https://learn.microsoft.com/graph/api/driveitem-delta). A deleted item stays
as a tombstone (``deleted``).

A ``Sites.Selected`` app reaches only the sites an administrator granted it through Graph's
``POST /sites/{id}/permissions`` (https://learn.microsoft.com/graph/api/site-post-permissions);
:meth:`SharePointStore.app_site_roles` is what a resource host checks.

Usage::

    sp = store.sharepoint
    site = sp.site_by_url("contoso.sharepoint.com", "/sites/finance")
    docs = sp.list_by_title(site["id"], "Documents")
    page = sp.items(docs["id"], after_id=0, limit=100)
    data = sp.content(page[0]["unique_id"])
"""

from __future__ import annotations

import base64
import json
import sqlite3
import uuid
from collections.abc import Iterable
from typing import Any

from .db import Database

__all__ = ["LIBRARY", "LIST", "SharePointStore", "drive_id_for", "graph_site_id"]

LIBRARY = 101  # list template: document library
LIST = 100  # list template: custom (generic) list
FIRST_PERSON = 7  # the first site user id a person gets (lower ids are the site's system principals)

_SITE_COLUMNS = (
    "id",
    "web_id",
    "host",
    "path",
    "title",
    "description",
    "kind",
    "owner_user_id",
    "created",
    "modified",
)
_LIST_COLUMNS = (
    "id",
    "site_id",
    "title",
    "url_name",
    "template",
    "drive_id",
    "description",
    "created",
    "modified",
)
_ITEM_COLUMNS = (
    "list_id",
    "id",
    "unique_id",
    "name",
    "parent_unique_id",
    "server_relative_url",
    "is_folder",
    "size",
    "mime_type",
    "created",
    "modified",
    "author_user_id",
    "editor_user_id",
    "version",
    "etag",
    "fields",
    "seq",
    "deleted",
)


def _insert(table: str, columns: tuple[str, ...]) -> str:
    """An INSERT of ``columns`` into ``table``, both constants of this module."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608


_INSERT_SITE = _insert("sp_sites", _SITE_COLUMNS)
_INSERT_LIST = _insert("sp_lists", _LIST_COLUMNS)
_INSERT_ITEM = _insert("sp_items", _ITEM_COLUMNS)


def graph_site_id(site: dict[str, Any]) -> str:
    """Graph's id of ``site``: ``{hostname},{site collection id},{web id}``."""
    return f"{site['host']},{site['id']},{site['web_id']}"


def drive_id_for(site: dict[str, Any], list_id: str) -> str:
    """A library's Graph drive id: ``b!`` + base64url of the site, web and list GUIDs (as Graph's are)."""
    raw = b"".join(uuid.UUID(g).bytes_le for g in (site["id"], site["web_id"], list_id))
    return "b!" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _site(row: sqlite3.Row) -> dict[str, Any]:
    return {key: row[key] for key in _SITE_COLUMNS}


def _list(row: sqlite3.Row) -> dict[str, Any]:
    return {key: row[key] for key in _LIST_COLUMNS}


def _column(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "list_id": row["list_id"],
        "name": row["name"],
        "display_name": row["display_name"],
        "type": row["type"],
        "choices": json.loads(row["choices"]) if row["choices"] else None,
        "lookup_list_id": row["lookup_list_id"],
    }


def _item(row: sqlite3.Row) -> dict[str, Any]:
    item = {key: row[key] for key in _ITEM_COLUMNS}
    item["is_folder"] = bool(item["is_folder"])
    item["deleted"] = bool(item["deleted"])
    item["fields"] = json.loads(item["fields"]) if item["fields"] else {}
    return item


def _item_row(item: dict[str, Any], seq: int) -> tuple:
    """The ``sp_items`` row of an item dict (missing optional keys take their defaults)."""
    values = {
        "parent_unique_id": None,
        "size": None,
        "mime_type": None,
        "author_user_id": None,
        "editor_user_id": None,
        "version": "1.0",
        "fields": {},
        "deleted": False,
        **item,
    }
    values["unique_id"] = values.get("unique_id") or str(uuid.uuid4())
    values["modified"] = values.get("modified") or values["created"]
    values["etag"] = values.get("etag") or f'"{{{values["unique_id"].upper()}}},1"'
    values["seq"] = values.get("seq") or seq
    row = []
    for key in _ITEM_COLUMNS:
        value = values[key]
        if key == "fields":
            value = json.dumps(value)
        elif key in ("is_folder", "deleted"):
            value = int(bool(value))
        row.append(value)
    return tuple(row)


class SharePointStore:
    """Sites, lists, items, file bytes and site grants; ``store.sharepoint``."""

    def __init__(self, db: Database):
        self.db = db

    # -- sites -------------------------------------------------------------------------------------
    def add_site(
        self,
        *,
        host: str,
        path: str,
        title: str,
        kind: str,
        created: str,
        description: str = "",
        owner_user_id: str | None = None,
        site_id: str | None = None,
        web_id: str | None = None,
        modified: str | None = None,
    ) -> dict[str, Any]:
        """A site at ``https://{host}{path}`` (``path`` ``""`` for the root site); returns it."""
        site = {
            "id": site_id or str(uuid.uuid4()),
            "web_id": web_id or str(uuid.uuid4()),
            "host": host.lower(),
            "path": path.rstrip("/"),
            "title": title,
            "description": description,
            "kind": kind,
            "owner_user_id": owner_user_id,
            "created": created,
            "modified": modified or created,
        }
        self.db.execute(_INSERT_SITE, tuple(site[k] for k in _SITE_COLUMNS))
        return site

    def sites(self) -> list[dict[str, Any]]:
        """Every site, the tenant's host first, then by path."""
        rows = self.db.execute("SELECT * FROM sp_sites ORDER BY host, path")
        return [_site(r) for r in rows]

    def site(self, site_id: str) -> dict[str, Any] | None:
        """The site whose id is ``site_id``: its GUID, or Graph's ``host,site id,web id``."""
        parts = site_id.split(",")
        key = parts[1] if len(parts) == 3 else site_id
        row = self.db.execute(
            "SELECT * FROM sp_sites WHERE id=? COLLATE NOCASE", (key.strip("{}"),)
        ).fetchone()
        if row is None or (len(parts) == 3 and parts[0].lower() != row["host"]):
            return None
        return _site(row)

    def site_by_url(self, host: str, path: str) -> dict[str, Any] | None:
        """The site at ``host`` and server-relative ``path`` (any case; ``""`` or ``/`` is the root)."""
        row = self.db.execute(
            "SELECT * FROM sp_sites WHERE host=? AND path=? COLLATE NOCASE",
            (host.lower(), path.rstrip("/")),
        ).fetchone()
        return _site(row) if row else None

    def sites_of_owner(self, user_id: str) -> list[dict[str, Any]]:
        """The OneDrive site(s) of a directory user."""
        rows = self.db.execute("SELECT * FROM sp_sites WHERE owner_user_id=? ORDER BY path", (user_id,))
        return [_site(r) for r in rows]

    # -- lists -------------------------------------------------------------------------------------
    def add_list(
        self,
        site_id: str,
        *,
        title: str,
        url_name: str,
        template: int,
        created: str,
        description: str = "",
        list_id: str | None = None,
        modified: str | None = None,
    ) -> dict[str, Any]:
        """A list (``template`` :data:`LIST`) or document library (:data:`LIBRARY`, which gets a drive id)."""
        site = self.site(site_id)
        if site is None:
            raise KeyError(site_id)
        list_id = list_id or str(uuid.uuid4())
        record = {
            "id": list_id,
            "site_id": site["id"],
            "title": title,
            "url_name": url_name.strip("/"),
            "template": template,
            "drive_id": drive_id_for(site, list_id) if template == LIBRARY else None,
            "description": description,
            "created": created,
            "modified": modified or created,
        }
        self.db.execute(_INSERT_LIST, tuple(record[k] for k in _LIST_COLUMNS))
        return record

    def lists(self, site_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM sp_lists WHERE site_id=? ORDER BY title", (site_id,))
        return [_list(r) for r in rows]

    def list(self, list_id: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT * FROM sp_lists WHERE id=? COLLATE NOCASE", (list_id.strip("{}"),)
        ).fetchone()
        return _list(row) if row else None

    def list_by_title(self, site_id: str, title: str) -> dict[str, Any] | None:
        """The list of ``site_id`` titled ``title`` (any case, as ``getbytitle`` matches)."""
        row = self.db.execute(
            "SELECT * FROM sp_lists WHERE site_id=? AND title=? COLLATE NOCASE", (site_id, title)
        ).fetchone()
        return _list(row) if row else None

    def list_by_drive(self, drive_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM sp_lists WHERE drive_id=?", (drive_id,)).fetchone()
        return _list(row) if row else None

    def root_url(self, record: dict[str, Any]) -> str:
        """The server-relative URL of a list's root folder: ``/sites/finance/Shared Documents``."""
        site = self.site(record["site_id"])
        return f"{site['path']}/{record['url_name']}"

    def list_by_url(self, server_relative_url: str) -> dict[str, Any] | None:
        """The list whose root folder is ``server_relative_url`` (any case), or None."""
        url = server_relative_url.rstrip("/")
        rows = self.db.execute(
            "SELECT l.* FROM sp_lists l JOIN sp_sites s ON s.id = l.site_id "
            "WHERE s.path || '/' || l.url_name = ? COLLATE NOCASE",
            (url,),
        ).fetchall()
        return _list(rows[0]) if rows else None

    # -- columns -----------------------------------------------------------------------------------
    def add_column(
        self,
        list_id: str,
        name: str,
        *,
        display_name: str,
        type: str,
        choices: list[str] | None = None,
        lookup_list_id: str | None = None,
    ) -> dict[str, Any]:
        """A typed column of a custom list: ``text``, ``number``, ``dateTime``, ``choice``, ``person``,
        ``lookup`` (to ``lookup_list_id``) or ``boolean``."""
        count = self.db.execute("SELECT COUNT(*) FROM sp_columns WHERE list_id=?", (list_id,))
        position = count.fetchone()[0]
        self.db.execute(
            "INSERT INTO sp_columns VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                list_id,
                name,
                display_name,
                type,
                json.dumps(choices) if choices else None,
                lookup_list_id,
                position,
            ),
        )
        return {
            "list_id": list_id,
            "name": name,
            "display_name": display_name,
            "type": type,
            "choices": choices,
            "lookup_list_id": lookup_list_id,
        }

    def columns(self, list_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM sp_columns WHERE list_id=? ORDER BY position", (list_id,))
        return [_column(r) for r in rows]

    # -- items -------------------------------------------------------------------------------------
    def last_seq(self) -> int:
        """The change counter's current value: a token that means "everything up to now"."""
        return self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM sp_items").fetchone()[0]

    def next_item_id(self, list_id: str) -> int:
        return self.db.execute(
            "SELECT COALESCE(MAX(id), 0) + 1 FROM sp_items WHERE list_id=?", (list_id,)
        ).fetchone()[0]

    def add_item(self, item: dict[str, Any], content: bytes | None = None) -> dict[str, Any]:
        """Add one item (an item dict; ``id`` numbered next in its list if absent, ``unique_id``, ``etag``
        and ``seq`` made if absent) and a file's bytes. Returns the stored item."""
        with self.db.transaction() as conn:
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM sp_items").fetchone()[0]
            if not item.get("id"):
                item = {
                    **item,
                    "id": conn.execute(
                        "SELECT COALESCE(MAX(id), 0) + 1 FROM sp_items WHERE list_id=?", (item["list_id"],)
                    ).fetchone()[0],
                }
            row = _item_row(item, seq)
            conn.execute(_INSERT_ITEM, row)
            if content is not None:
                conn.execute("INSERT INTO sp_content VALUES (?, ?)", (row[2], content))
        return self.item_by_unique_id(row[2])

    def bulk_add_items(self, rows: Iterable[dict[str, Any]]) -> int:
        """Seed-speed insert in one transaction (``executemany``): item dicts with their ``id`` set, an
        optional ``content`` (bytes) each; ``seq`` numbered on from :meth:`last_seq` when absent.
        Returns how many were written."""
        items, contents = [], []
        seq = self.last_seq()
        for row in rows:
            seq += 1
            content = row.get("content")
            record = _item_row({k: v for k, v in row.items() if k != "content"}, seq)
            items.append(record)
            if content is not None:
                contents.append((record[2], content))
        with self.db.transaction() as conn:
            conn.executemany(_INSERT_ITEM, items)
            conn.executemany("INSERT INTO sp_content VALUES (?, ?)", contents)
        return len(items)

    def update_item(
        self, unique_id: str, changes: dict[str, Any], content: bytes | None = None
    ) -> dict[str, Any]:
        """Change an item (``name``, ``fields``, ...; new bytes bump the version). Raises KeyError."""
        item = self.item_by_unique_id(unique_id)
        if item is None or item["deleted"]:
            raise KeyError(unique_id)
        updated = {**item, **changes}
        if content is not None:
            updated["size"] = len(content)
            major = int(str(item["version"]).split(".")[0]) + 1
            updated["version"] = f"{major}.0"
            updated["etag"] = f'"{{{unique_id.upper()}}},{major}"'
        with self.db.transaction() as conn:
            updated["seq"] = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM sp_items").fetchone()[0]
            conn.execute("DELETE FROM sp_items WHERE unique_id=?", (unique_id,))
            conn.execute(_INSERT_ITEM, _item_row(updated, updated["seq"]))
            if content is not None:
                conn.execute("INSERT OR REPLACE INTO sp_content VALUES (?, ?)", (unique_id, content))
        return self.item_by_unique_id(unique_id)

    def delete_item(self, unique_id: str) -> None:
        """Delete an item (and, for a folder, everything under it), leaving tombstones for delta."""
        item = self.item_by_unique_id(unique_id)
        if item is None or item["deleted"]:
            raise KeyError(unique_id)
        doomed = [unique_id]
        if item["is_folder"]:
            prefix = item["server_relative_url"] + "/"
            rows = self.db.execute(
                "SELECT unique_id FROM sp_items WHERE list_id=? AND deleted=0 "
                "AND substr(server_relative_url, 1, ?)=?",
                (item["list_id"], len(prefix), prefix),
            )
            doomed += [r["unique_id"] for r in rows]
        with self.db.transaction() as conn:
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM sp_items").fetchone()[0]
            conn.executemany(
                "UPDATE sp_items SET deleted=1, seq=? WHERE unique_id=?",
                [(seq + n, uid) for n, uid in enumerate(doomed, 1)],
            )

    def items(
        self, list_id: str, *, after_id: int = 0, limit: int | None = None, is_folder: bool | None = None
    ) -> list[dict[str, Any]]:
        """The list's items (not deleted) with ``id > after_id``, by id: a REST page
        (``$skiptoken=Paged=TRUE&p_ID=<last id>``); only folders or only files with ``is_folder``."""
        kinds = (0, 1) if is_folder is None else (int(is_folder), int(is_folder))
        rows = self.db.execute(
            "SELECT * FROM sp_items WHERE list_id=? AND deleted=0 AND id>? AND is_folder IN (?, ?) "
            "ORDER BY id LIMIT ?",
            (list_id, after_id, *kinds, -1 if limit is None else limit),
        )
        return [_item(r) for r in rows]

    def item_count(self, list_id: str) -> int:
        return self.db.execute(
            "SELECT COUNT(*) FROM sp_items WHERE list_id=? AND deleted=0", (list_id,)
        ).fetchone()[0]

    def children(self, list_id: str, parent_unique_id: str | None) -> list[dict[str, Any]]:
        """The items directly in a folder (``None``: the library's root folder), folders first, by name."""
        rows = self.db.execute(
            "SELECT * FROM sp_items WHERE list_id=? AND parent_unique_id IS ? AND deleted=0 "
            "ORDER BY is_folder DESC, name COLLATE NOCASE",
            (list_id, parent_unique_id),
        )
        return [_item(r) for r in rows]

    def child_count(self, unique_id: str | None, list_id: str | None = None) -> int:
        """How many items are directly in a folder (``unique_id`` None: the root of ``list_id``)."""
        if unique_id is None:
            sql, params = (
                "SELECT COUNT(*) FROM sp_items WHERE parent_unique_id IS NULL AND list_id=?",
                (list_id,),
            )
        else:
            sql, params = "SELECT COUNT(*) FROM sp_items WHERE parent_unique_id=?", (unique_id,)
        return self.db.execute(sql + " AND deleted=0", params).fetchone()[0]

    def item(self, list_id: str, item_id: int) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT * FROM sp_items WHERE list_id=? AND id=? AND deleted=0", (list_id, int(item_id))
        ).fetchone()
        return _item(row) if row else None

    def item_by_unique_id(self, unique_id: str) -> dict[str, Any] | None:
        """The item (deleted ones included: check ``deleted``) whose GUID is ``unique_id``."""
        row = self.db.execute(
            "SELECT * FROM sp_items WHERE unique_id=? COLLATE NOCASE", (unique_id.strip("{}"),)
        ).fetchone()
        return _item(row) if row else None

    def item_by_url(self, server_relative_url: str) -> dict[str, Any] | None:
        """The file or folder (not deleted) at ``server_relative_url``, any case (SharePoint's URLs are
        case-insensitive)."""
        row = self.db.execute(
            "SELECT * FROM sp_items WHERE server_relative_url=? COLLATE NOCASE AND deleted=0",
            (server_relative_url.rstrip("/"),),
        ).fetchone()
        return _item(row) if row else None

    def content(self, unique_id: str) -> bytes:
        """A file's bytes. Raises KeyError for a folder, a list item or an unknown id."""
        row = self.db.execute(
            "SELECT content FROM sp_content WHERE unique_id=? COLLATE NOCASE", (unique_id.strip("{}"),)
        ).fetchone()
        if row is None:
            raise KeyError(unique_id)
        return bytes(row["content"])

    def changes(self, list_id: str, after_seq: int, limit: int) -> list[dict[str, Any]]:
        """Items of the list changed after ``after_seq`` (tombstones included), in change order."""
        rows = self.db.execute(
            "SELECT * FROM sp_items WHERE list_id=? AND seq>? ORDER BY seq LIMIT ?",
            (list_id, after_seq, limit),
        )
        return [_item(r) for r in rows]

    # -- people ------------------------------------------------------------------------------------
    def site_users(self) -> list[tuple[int, dict[str, Any]]]:
        """``(site user id, directory user)`` of every person, in id order: the one numbering REST's
        ``siteusers``/``AuthorId`` and Graph's ``{Name}LookupId`` (the user information list) share.

        SharePoint numbers people per site as they first appear there; the sandbox numbers the directory's
        users once for every site, by user principal name (lowered by Python, so any case sorts alike) from
        :data:`FIRST_PERSON` (a new site's first real user)."""
        rows = self.db.execute("SELECT data FROM users").fetchall()
        users = sorted((json.loads(r["data"]) for r in rows), key=lambda u: u["userPrincipalName"].lower())
        return [(FIRST_PERSON + n, user) for n, user in enumerate(users)]

    def user_lookup_id(self, user_id: str | None) -> int | None:
        """A directory user's id in a site's user information list (:meth:`site_users`): what a person
        column's ``{Name}LookupId`` (Graph) and ``{Name}Id`` (REST) hold, and ``AuthorLookupId``/
        ``AuthorId``. None for None or an id the directory does not know."""
        if not user_id:
            return None
        wanted = user_id.lower()
        return next((n for n, user in self.site_users() if user["id"].lower() == wanted), None)

    # -- Sites.Selected grants ---------------------------------------------------------------------
    def grant_site(self, site_id: str, app_id: str, roles: list[str], display_name: str) -> dict[str, Any]:
        """Grant ``app_id`` ``roles`` (``read``, ``write``, ``manage``, ``fullcontrol``) on a site, as
        Graph's ``POST /sites/{id}/permissions`` does; a second grant to the same app replaces its roles."""
        site = self.site(site_id)
        if site is None:
            raise KeyError(site_id)
        app_id = app_id.lower()
        grant_id = (
            base64.urlsafe_b64encode(f"i:0i.t|ms.sp.ext|{app_id}@{site['id']}".encode()).decode().rstrip("=")
        )
        self.db.execute(
            "INSERT OR REPLACE INTO sp_site_grants VALUES (?, ?, ?, ?, ?)",
            (grant_id, site["id"], app_id, json.dumps(list(roles)), display_name),
        )
        return {"id": grant_id, "roles": list(roles), "app_id": app_id, "display_name": display_name}

    def site_grants(self, site_id: str) -> list[dict[str, Any]]:
        site = self.site(site_id)
        if site is None:
            return []
        rows = self.db.execute("SELECT * FROM sp_site_grants WHERE site_id=? ORDER BY id", (site["id"],))
        return [
            {
                "id": r["id"],
                "roles": json.loads(r["roles"]),
                "app_id": r["app_id"],
                "display_name": r["display_name"],
            }
            for r in rows
        ]

    def revoke_site_grant(self, site_id: str, grant_id: str) -> bool:
        """Remove a grant; False if the site has no such grant."""
        site = self.site(site_id)
        if site is None:
            return False
        cursor = self.db.execute(
            "DELETE FROM sp_site_grants WHERE site_id=? AND id=?", (site["id"], grant_id)
        )
        return cursor.rowcount > 0

    def app_site_roles(self, app_id: str, site_id: str) -> set[str]:
        """The roles granted to ``app_id`` on the site (empty: a ``Sites.Selected`` app may not open it)."""
        site = self.site(site_id)
        if site is None:
            return set()
        rows = self.db.execute(
            "SELECT roles FROM sp_site_grants WHERE site_id=? AND app_id=?", (site["id"], app_id.lower())
        )
        return {role for r in rows for role in json.loads(r["roles"])}
