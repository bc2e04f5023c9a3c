"""Writing the sandbox's files: private ones (keys, ``service.json``) are 0600 from their first byte.

Every file is written to a fresh temporary name next to its target (``mkstemp``: ``O_EXCL``, so never
through a name planted there) and renamed into place, so a reader (or a crash) never sees half a key,
and a file left behind by an earlier run never keeps a looser mode. Files kept open by name (the log,
the lock, the database) are opened with ``O_NOFOLLOW``: a symlink planted in their place is an error,
never a way to chmod or append to the file it points at (open(2), "O_NOFOLLOW")::

    write_private(state_dir / "ca" / "ca-key.pem", key_pem)      # 0600
    write_public(state_dir / "ca" / "ca.pem", cert_pem)          # 0644
    touch_private(state_dir / "service.log")                     # exists, 0600, content kept
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["open_private", "touch_private", "write_private", "write_public"]


def _write(path: Path, data: bytes, mode: int) -> None:
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        os.fchmod(fd, mode)  # O_CREAT's mode does not apply to a file left behind, nor past the umask
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    os.close(fd)
    os.replace(tmp, path)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600 (keys, ``service.json``)."""
    _write(path, data, 0o600)


def write_public(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically with mode 0644 (certificates, the CA bundle)."""
    _write(path, data, 0o644)


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_APPEND) -> int:
    """Open (creating) ``path`` with mode 0600, never through a symlink; the fd is the caller's.

    A symlink in ``path``'s place raises ``OSError`` (``ELOOP``) naming ``path``.
    """
    fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the file is ours (O_NOFOLLOW): tighten one left behind looser
    except BaseException:
        os.close(fd)
        raise
    return fd


def touch_private(path: Path) -> None:
    """Make sure ``path`` exists with mode 0600, keeping what it holds (a log, a database)."""
    os.close(open_private(path))
