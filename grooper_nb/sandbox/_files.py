"""Writing the sandbox's files: private ones (keys, ``service.json``) are 0600 from their first byte.

Every file is written to a temporary name next to its target and renamed into place, so a reader (or
a crash) never sees half a key, and a file left behind by an earlier run never keeps a looser mode::

    write_private(state_dir / "ca" / "ca-key.pem", key_pem)      # 0600
    write_public(state_dir / "ca" / "ca.pem", cert_pem)          # 0644
    touch_private(state_dir / "service.log")                     # exists, 0600, content kept
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["touch_private", "write_private", "write_public"]


def _write(path: Path, data: bytes, mode: int) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
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


def touch_private(path: Path) -> None:
    """Make sure ``path`` exists with mode 0600, keeping what it holds (a log, a database)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
