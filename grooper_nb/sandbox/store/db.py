"""The tenant database: one SQLite file in the state dir (``tenant.db``, 0600), the schema, a connection
per thread.

Every subject store (:mod:`.directory`, :mod:`.artefacts`, :mod:`.clock`, :mod:`.mail`,
:mod:`.sharepoint`) reads and writes
through one :class:`Database`. Secrets are stored hashed (:func:`hash_secret`, SHA-256): passwords,
client secret values, codes and refresh tokens. The seed's clear values, which the CLI prints
(docs/sandbox.md), sit apart in ``seed_reveal``.

Thread-safety: one connection per thread (werkzeug's threaded server), WAL journal, busy timeout.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA", "Database", "hash_secret", "now"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seed_reveal (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, upn TEXT NOT NULL UNIQUE COLLATE NOCASE, password_hash TEXT,
    failed_signins INTEGER NOT NULL DEFAULT 0, locked_until REAL NOT NULL DEFAULT 0,
    tokens_valid_from REAL NOT NULL DEFAULT 0, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY, app_id TEXT NOT NULL UNIQUE, data TEXT NOT NULL, home_tenant_id TEXT);
CREATE TABLE IF NOT EXISTS service_principals (
    id TEXT PRIMARY KEY, app_id TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oauth2_permission_grants (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, resource_id TEXT NOT NULL, consent_type TEXT NOT NULL,
    principal_id TEXT, scope TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS app_role_assignments (
    id TEXT PRIMARY KEY, principal_id TEXT NOT NULL, resource_id TEXT NOT NULL, app_role_id TEXT NOT NULL,
    created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS auth_codes (
    code_hash TEXT PRIMARY KEY, created REAL NOT NULL, redeemed REAL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY, user_id TEXT, client_id TEXT NOT NULL, created REAL NOT NULL,
    last_used REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS access_tokens (
    uti TEXT PRIMARY KEY, user_id TEXT NOT NULL, issued REAL NOT NULL);
CREATE TABLE IF NOT EXISTS device_codes (
    device_code_hash TEXT PRIMARY KEY, user_code TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL,
    created REAL NOT NULL, expires_in INTEGER NOT NULL, status TEXT NOT NULL, user_id TEXT,
    data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS flows (id TEXT PRIMARY KEY, created REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mailboxes (
    id TEXT PRIMARY KEY, address TEXT NOT NULL UNIQUE COLLATE NOCASE, display_name TEXT NOT NULL,
    kind TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mail_folders (
    id TEXT PRIMARY KEY, mailbox_id TEXT NOT NULL, parent_id TEXT, well_known TEXT,
    display_name TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS mail_folders_parent ON mail_folders (mailbox_id, parent_id);
CREATE TABLE IF NOT EXISTS mail_messages (
    id TEXT PRIMARY KEY, mailbox_id TEXT NOT NULL, folder_id TEXT NOT NULL, received TEXT NOT NULL,
    is_read INTEGER NOT NULL, has_attachments INTEGER NOT NULL, from_address TEXT NOT NULL,
    change_seq INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS mail_messages_folder ON mail_messages (folder_id, received);
CREATE INDEX IF NOT EXISTS mail_messages_page ON mail_messages (folder_id, received, id);  -- a page in order
CREATE INDEX IF NOT EXISTS mail_messages_mailbox ON mail_messages (mailbox_id, received);
CREATE INDEX IF NOT EXISTS mail_messages_change ON mail_messages (folder_id, change_seq);
CREATE INDEX IF NOT EXISTS mail_messages_seq ON mail_messages (change_seq);
CREATE TABLE IF NOT EXISTS mail_attachments (
    id TEXT PRIMARY KEY, message_id TEXT NOT NULL, name TEXT NOT NULL, content_type TEXT NOT NULL,
    size INTEGER NOT NULL, content BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS mail_attachments_message ON mail_attachments (message_id);
CREATE TABLE IF NOT EXISTS mail_delegates (
    mailbox_id TEXT NOT NULL, user_id TEXT NOT NULL, rights TEXT NOT NULL,
    PRIMARY KEY (mailbox_id, user_id));
CREATE TABLE IF NOT EXISTS mail_app_policies (
    app_id TEXT NOT NULL, mailbox_id TEXT NOT NULL, PRIMARY KEY (app_id, mailbox_id));
CREATE TABLE IF NOT EXISTS sp_sites (
    id TEXT PRIMARY KEY, web_id TEXT NOT NULL, host TEXT NOT NULL, path TEXT NOT NULL, title TEXT NOT NULL,
    description TEXT NOT NULL, kind TEXT NOT NULL, owner_user_id TEXT, created TEXT NOT NULL,
    modified TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS sp_sites_url ON sp_sites (host, path COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS sp_lists (
    id TEXT PRIMARY KEY, site_id TEXT NOT NULL, title TEXT NOT NULL, url_name TEXT NOT NULL,
    template INTEGER NOT NULL, drive_id TEXT UNIQUE, description TEXT NOT NULL, created TEXT NOT NULL,
    modified TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sp_lists_site ON sp_lists (site_id);
CREATE TABLE IF NOT EXISTS sp_columns (
    list_id TEXT NOT NULL, name TEXT NOT NULL, display_name TEXT NOT NULL, type TEXT NOT NULL, choices TEXT,
    lookup_list_id TEXT, position INTEGER NOT NULL, PRIMARY KEY (list_id, name));
CREATE TABLE IF NOT EXISTS sp_items (
    unique_id TEXT PRIMARY KEY, list_id TEXT NOT NULL, id INTEGER NOT NULL, name TEXT NOT NULL,
    parent_unique_id TEXT, server_relative_url TEXT NOT NULL, is_folder INTEGER NOT NULL, size INTEGER,
    mime_type TEXT, created TEXT NOT NULL, modified TEXT NOT NULL, author_user_id TEXT, editor_user_id TEXT,
    version TEXT NOT NULL, etag TEXT NOT NULL, fields TEXT NOT NULL, seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS sp_items_id ON sp_items (list_id, id);
CREATE INDEX IF NOT EXISTS sp_items_parent ON sp_items (list_id, parent_unique_id);
CREATE INDEX IF NOT EXISTS sp_items_children ON sp_items (parent_unique_id, deleted);  -- childCount
CREATE INDEX IF NOT EXISTS sp_items_url ON sp_items (server_relative_url COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS sp_items_change ON sp_items (list_id, seq);
CREATE INDEX IF NOT EXISTS sp_items_seq ON sp_items (seq);
CREATE TABLE IF NOT EXISTS sp_content (unique_id TEXT PRIMARY KEY, content BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sp_site_grants (
    id TEXT PRIMARY KEY, site_id TEXT NOT NULL, app_id TEXT NOT NULL, roles TEXT NOT NULL,
    display_name TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sp_site_grants_app ON sp_site_grants (app_id, site_id);
"""


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def now() -> float:
    return time.time()


class Database:
    """``tenant.db`` in ``state_dir``: ``execute``, ``transaction``, the ``meta`` and reveal tables."""

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / "tenant.db"
        self._local = threading.local()
        self._all: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._lock = threading.Lock()

    def create_schema(self) -> None:
        self._conn().executescript(SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """Columns added after a tenant was made: an older ``tenant.db`` gets them, empty.

        ``applications.home_tenant_id``: the tenant an application object lives in; empty (NULL) is the
        customer tenant, which is where every application of an older tenant lives.
        """
        columns = {row["name"] for row in self.execute("PRAGMA table_info(applications)")}
        if "home_tenant_id" not in columns:
            self.execute("ALTER TABLE applications ADD COLUMN home_tenant_id TEXT")

    def _conn(self) -> sqlite3.Connection:
        held = getattr(self._local, "held", None)
        conn = held.conn if held is not None else None
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")
            # werkzeug's threaded server runs each request on a new thread: the connection must die with
            # its thread (the thread-local holder closes it) or every request would leak a file descriptor.
            held = _Held(conn)
            self._local.held = held
            with self._lock:
                self._all.add(held)
        return conn

    def close(self) -> None:
        with self._lock:
            for held in list(self._all):
                held.close()
            self._all = weakref.WeakSet()
        self._local = threading.local()

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self._conn().execute(sql, params)

    def transaction(self) -> _Tx:
        """``with store.transaction() as conn:`` — an IMMEDIATE (write-locked) transaction."""
        return _Tx(self._conn())

    # -- meta ------------------------------------------------------------------------------------------
    def meta(self, key: str, default: Any = None) -> Any:
        row = self.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        self.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def reveal(self, key: str) -> Any:
        row = self.execute("SELECT value FROM seed_reveal WHERE key=?", (key,)).fetchone()
        return json.loads(row["value"]) if row else None

    def set_reveal(self, key: str, value: Any) -> None:
        self.execute("INSERT OR REPLACE INTO seed_reveal VALUES (?, ?)", (key, json.dumps(value)))


class _Held:
    """A thread's connection; closed when the thread (and so its thread-local storage) goes away."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def __del__(self) -> None:
        self.close()


class _Tx:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
