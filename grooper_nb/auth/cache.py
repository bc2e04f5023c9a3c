"""MSAL's token cache, persisted to a private file so sign-ins survive kernel restarts.

    >>> from grooper_nb.auth import cache
    >>> c = cache.open_cache()          # GROOPER_NB_TOKEN_CACHE, else the user cache dir
    >>> c.path                          # doctest: +SKIP
    PosixPath('/home/me/.cache/grooper-nb/tokens/token-cache.json')
    >>> cache.accounts(profile, as_frame=True)   # who signed in; never a token   # doctest: +SKIP
    >>> cache.clear(profile)                     # forget everything              # doctest: +SKIP

The file holds refresh tokens, so (design principle 4) it exists only with mode ``0600``:

* it is written atomically (a temp file created ``0600`` in the same directory, then ``os.replace``);
* its directory is created ``0700``. The default directory is a dedicated one,
  ``<user cache dir>/tokens/`` (the user cache dir itself is shared with the sandbox and may be ``0755``),
  and a sandbox profile's is ``<sandbox state dir>/client-token-cache/``; these two are tightened to
  ``0700`` if found broader. A directory named by ``GROOPER_NB_TOKEN_CACHE`` is created ``0700`` when
  missing but an existing one is left as it is (it may be shared, like ``/tmp``): the file is ``0600``;
* a cache file found with broader permissions is tightened to ``0600`` with a warning, or refused
  (:class:`CacheFileError`) if that is not possible. (On Windows, where POSIX modes do not apply, the file
  lives in the user's profile directory and these checks are skipped.)

Several kernels may share one file: before each MSAL read the in-memory cache is reloaded if the file
changed on disk, and after each MSAL write it is saved. A second process therefore signs in silently with
what the first one stored. (Two processes writing at the same instant: the last write wins; a lost entry
costs one interactive sign-in, never a leak.)

Flows in :mod:`grooper_nb.auth.flows` use :func:`open_cache` with the profile's cache path, so nothing has
to be wired by hand.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import msal

__all__ = [
    "CacheFileError",
    "PersistentTokenCache",
    "accounts",
    "clear",
    "default_cache_path",
    "open_cache",
    "user_cache_dir",
]

_POSIX = os.name == "posix"


class CacheFileError(PermissionError):
    """The cache file is readable by others and could not be made private."""


def user_cache_dir(app: str = "grooper-nb") -> Path:
    """The per-user cache directory (platformdirs conventions, without the dependency)."""
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / app / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / app
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / app


def default_cache_path() -> Path:
    """``$GROOPER_NB_TOKEN_CACHE``, else ``<user cache dir>/tokens/token-cache.json``.

    (:func:`grooper_nb.connect` also reads ``GROOPER_NB_TOKEN_CACHE`` from a ``.env`` file and passes it
    to the profile.)"""
    env = os.environ.get("GROOPER_NB_TOKEN_CACHE")
    return Path(env).expanduser() if env else user_cache_dir() / "tokens" / "token-cache.json"


def _dedicated(directory: Path) -> bool:
    """Directories that hold nothing but token caches, so they may be made private."""
    from grooper_nb.profile import SANDBOX_CACHE_DIR

    return directory.name == SANDBOX_CACHE_DIR or directory == user_cache_dir() / "tokens"


def _private_dir(directory: Path) -> None:
    """Create ``directory`` (and missing parents) 0700; tighten it if it is a dedicated cache dir."""
    missing = []
    d = directory
    while not d.exists():
        missing.append(d)
        d = d.parent
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not _POSIX:
        return
    for d in missing:
        os.chmod(d, 0o700)  # mkdir's mode is filtered by the umask; be exact
    if _dedicated(directory) and stat.S_IMODE(directory.stat().st_mode) & 0o077:
        os.chmod(directory, 0o700)


def _ensure_private(path: Path) -> None:
    if not _POSIX or not path.exists():
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        try:
            os.chmod(path, 0o600)
        except OSError as exc:
            raise CacheFileError(
                f"Token cache {path} has mode {mode:o} (readable by others) and cannot be made 0600: {exc}. "
                "Fix its permissions or delete it."
            ) from None
        warnings.warn(
            f"Token cache {path} had mode {mode:o}; it holds refresh tokens, so it was tightened to 0600.",
            stacklevel=3,
        )


class PersistentTokenCache(msal.SerializableTokenCache):
    """An MSAL token cache mirrored to a 0600 file. Pass it as ``token_cache=`` to MSAL apps."""

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__()
        self.path = Path(path).expanduser()
        self._io_lock = threading.RLock()
        self._depth = 0
        self._stamp: tuple[int, int] | None = None
        self._reload(force=True)

    def __repr__(self) -> str:
        return f"PersistentTokenCache({str(self.path)!r})"

    # -- file I/O ---------------------------------------------------------------------------------
    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _reload(self, force: bool = False) -> None:
        stamp = self._file_stamp()
        if not force and stamp == self._stamp:
            return
        if stamp is None:
            self.deserialize(None)
        else:
            _ensure_private(self.path)
            text = self.path.read_text(encoding="utf-8")
            try:
                self.deserialize(text)
            except json.JSONDecodeError:
                warnings.warn(f"Token cache {self.path} is not valid JSON; starting empty.", stacklevel=3)
                self.deserialize(None)
        self._stamp = stamp

    def _save(self) -> None:
        _private_dir(self.path.parent)
        text = self.serialize()
        fd, tmp = tempfile.mkstemp(prefix=".token-cache-", suffix=".tmp", dir=self.path.parent)
        try:
            if _POSIX:
                os.fchmod(fd, 0o600)  # mkstemp creates 0600 already; be explicit
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._stamp = self._file_stamp()

    # -- MSAL hooks: reload before outermost reads/writes, save after outermost writes ------------
    def _enter(self) -> None:
        self._io_lock.acquire()
        if self._depth == 0:
            self._reload()
        self._depth += 1

    def _exit(self, save: bool) -> None:
        try:
            self._depth -= 1
            if self._depth == 0 and save and self.has_state_changed:
                self._save()
        finally:
            self._io_lock.release()

    def search(self, *args: Any, **kwargs: Any):
        self._enter()
        try:
            # Materialise: MSAL may modify the cache (drop expired ATs) while iterating.
            found = list(super().search(*args, **kwargs))
        finally:
            self._exit(save=True)
        return iter(found)

    def add(self, event: dict, **kwargs: Any) -> None:
        self._enter()
        try:
            super().add(event, **kwargs)
        finally:
            self._exit(save=True)

    def modify(self, credential_type: Any, old_entry: dict, new_key_value_pairs: dict | None = None) -> None:
        self._enter()
        try:
            super().modify(credential_type, old_entry, new_key_value_pairs)
        finally:
            self._exit(save=True)

    # -- convenience -------------------------------------------------------------------------------
    def accounts(self) -> list[dict[str, Any]]:
        """Signed-in accounts, one dict each (no token): username, home_account_id, environment, realm,
        plus the client IDs and scopes of the refresh tokens and access tokens stored for them."""
        rows: dict[str, dict[str, Any]] = {}
        for a in self.search(self.CredentialType.ACCOUNT):
            key = a.get("home_account_id")
            rows[key] = {
                "username": a.get("username"),
                "home_account_id": key,
                "environment": a.get("environment"),
                "realm": a.get("realm"),
                "client_ids": set(),
                "scopes": set(),
                "has_refresh_token": False,
            }
        for rt in self.search(self.CredentialType.REFRESH_TOKEN):
            row = rows.get(rt.get("home_account_id"))
            if row is not None:
                row["client_ids"].add(rt.get("client_id"))
                row["has_refresh_token"] = True
        for at in self.search(self.CredentialType.ACCESS_TOKEN):
            row = rows.get(at.get("home_account_id"))
            if row is not None:
                row["client_ids"].add(at.get("client_id"))
                row["scopes"].update((at.get("target") or "").split())
        out = []
        for row in rows.values():
            row["client_ids"] = sorted(c for c in row["client_ids"] if c)
            row["scopes"] = sorted(row["scopes"])
            out.append(row)
        return sorted(out, key=lambda r: (r["username"] or "", r["realm"] or ""))

    def clear(self) -> None:
        """Forget every token and account (the file is rewritten empty, still 0600)."""
        with self._io_lock:
            self.deserialize(None)
            self.has_state_changed = True
            self._save()


_OPEN: dict[Path, PersistentTokenCache] = {}
_OPEN_LOCK = threading.Lock()


def _path(where: Any) -> Path:
    if where is None:
        return default_cache_path()
    if hasattr(where, "cache_path"):  # a Profile
        return Path(where.cache_path)
    return Path(where).expanduser()


def open_cache(where: str | os.PathLike | Any | None = None) -> PersistentTokenCache:
    """The process-wide cache object for a file path or a profile (default :func:`default_cache_path`).

    Sandbox profiles keep their tokens in their own file (``profile.cache_path``), so pass the profile
    to see those: ``accounts(profile)``.
    """
    p = _path(where).absolute()
    with _OPEN_LOCK:
        cache = _OPEN.get(p)
        if cache is None:
            cache = _OPEN[p] = PersistentTokenCache(p)
        return cache


def accounts(where: str | os.PathLike | Any | None = None, *, as_frame: bool = False):
    """The accounts in the cache of a path or profile (list of dicts, or a DataFrame with ``as_frame=True``).
    No token ever appears in it."""
    rows = open_cache(where).accounts()
    if as_frame:
        import pandas as pd

        columns = [
            "username",
            "home_account_id",
            "environment",
            "realm",
            "client_ids",
            "scopes",
            "has_refresh_token",
        ]
        return pd.DataFrame(rows, columns=columns)
    return rows


def clear(where: str | os.PathLike | Any | None = None) -> None:
    """Remove every token from the cache of a path or profile (default :func:`default_cache_path`)."""
    open_cache(where).clear()
