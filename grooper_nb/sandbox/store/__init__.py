"""Tenant state of the sandbox, in SQLite in the state dir (survives restarts), split by subject.

``Store.open(state_dir)`` creates and seeds the tenant if it is new, else reopens it, and composes one
store per subject over the same database::

    store = Store.open(state_dir)
    store.directory.user_by_upn("megan.bowen@contoso.onmicrosoft.com")   # users, apps, SPs, grants
    store.applications.delete_permission_grant(grant_id)                  # what Graph writes to them
    store.artefacts.create_code({...})                                    # codes, tokens, flows, sessions
    store.clock.advance(3600)                                             # age artefacts instead of waiting
    store.keys.jwks(...)                                                  # the token signing keys

Modules: :mod:`.db` (the file, schema, connections), :mod:`.directory`, :mod:`.applications`,
:mod:`.artefacts`, :mod:`.clock`, :mod:`.seed` (the deterministic seed tenant), :mod:`.first_party`
(first-party permissions the seed's table lacks), :mod:`.mail` (mailboxes, folders, messages,
attachments; ``store.mail``). Drives and lists get their own stores next to these.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from .._files import touch_private
from ..keys import SigningKeys
from .applications import Applications
from .artefacts import Artefacts
from .clock import Clock
from .db import Database, hash_secret
from .directory import OIDC_SCOPES, Directory, redirect_uris, resource_uri
from .mail import Mail
from .sharepoint import SharePointStore

__all__ = ["OIDC_SCOPES", "CorruptTenant", "Store", "hash_secret", "redirect_uris", "resource_uri"]


class CorruptTenant(RuntimeError):
    """``tenant.db`` is not a readable SQLite database; the message says to run ``reset``."""


class Store:
    """The tenant: ``Store.open(state_dir)``; one attribute per subject."""

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir)
        self.db = Database(self.state_dir)
        self.keys = SigningKeys.load_or_create(self.state_dir)
        self.directory = Directory(self.db)
        self.applications = Applications(self.db)
        self.artefacts = Artefacts(self.db)
        self.clock = Clock(self.db)
        self.mail = Mail(self.db)
        self.sharepoint = SharePointStore(self.db)

    @classmethod
    def open(
        cls, state_dir: Path, seed: int = 42, scale: str = "small", connector: str = "in-tenant"
    ) -> Store:
        """The tenant in ``state_dir``, seeded with ``seed``, ``scale`` and ``connector`` if it is new
        (an existing tenant keeps what it was made with: ``meta("seed")``)."""
        state_dir = Path(state_dir)
        state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        apps = state_dir / "apps"  # the seeded apps' private keys: 0700 like every folder of the state dir
        apps.mkdir(exist_ok=True, mode=0o700)
        os.chmod(apps, 0o700)
        touch_private(state_dir / "tenant.db")  # 0600 before SQLite writes a byte of it
        store = cls(state_dir)
        try:
            store.db.create_schema()
            seeded = store.db.meta("tenant") is not None
        except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
            store.close()
            raise CorruptTenant(
                f"the tenant database {store.db.path} cannot be read ({exc}); run "
                f"`python -m grooper_nb.sandbox reset --state-dir {state_dir}` to make a new tenant"
            ) from None
        if not seeded:
            from .seed import seed_tenant  # deferred: seed builds on this module

            try:
                seed_tenant(store, seed=seed, scale=scale, connector=connector)
            except ValueError:
                store.close()
                raise
        from .first_party import complete_first_party  # deferred: it reads the seed's constants

        complete_first_party(store)
        store._complete_sharepoint()
        return store

    def _complete_sharepoint(self) -> None:
        """A tenant made before SharePoint had sites gets the seed's, from its own seed and scale."""
        if self.db.meta("sharepoint") is not None or self.db.execute("SELECT 1 FROM sp_sites").fetchone():
            return  # seeded, or being seeded by the process that made the tenant
        from .seed_sharepoint import seed_sharepoint  # deferred: the seed builds on this module

        made = self.db.meta("seed") or {}
        with contextlib.suppress(sqlite3.IntegrityError):  # another process got there first
            seed_sharepoint(self, seed=made.get("seed", 42), scale=made.get("scale", "small"))

    @classmethod
    def wipe(cls, state_dir: Path) -> None:
        """Delete the tenant (database + journals, signing keys, app certificates); ``open`` seeds anew.

        Touches only what the store created: ``tenant.db*``, ``keys/``, ``apps/`` (never ``ca/`` or
        ``service.*``, which belong to the service). Works when nothing exists yet.
        """
        state_dir = Path(state_dir)
        for name in ("tenant.db", "tenant.db-wal", "tenant.db-shm"):
            (state_dir / name).unlink(missing_ok=True)
        for folder in ("keys", "apps"):
            shutil.rmtree(state_dir / folder, ignore_errors=True)

    @property
    def db_path(self) -> Path:
        return self.db.path

    def meta(self, key: str, default: Any = None) -> Any:
        """A tenant-wide setting (``tenant``, ``seed``, ``settings``)."""
        return self.db.meta(key, default)

    def close(self) -> None:
        self.db.close()
