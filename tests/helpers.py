"""Plain helpers shared by test files across folders (fixtures live in the conftest.py files).

from tests.helpers import b64url, run_cli, seeded_app, seeded_user
"""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

__all__ = [
    "b64url",
    "own_sandbox",
    "plain_user",
    "run_cli",
    "seeded_app",
    "seeded_user",
    "start_sandbox",
    "use_env",
]


def b64url(data: bytes) -> str:
    """base64url without padding, as JWT segments and thumbprints are written."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def run_cli(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    """``python -m grooper_nb.sandbox ARGS`` in a child process: the CLI contract, as a script uses it."""
    return subprocess.run(
        [sys.executable, "-m", "grooper_nb.sandbox", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_sandbox(state_dir, *options: str) -> dict:
    """``start --state-dir DIR [OPTIONS]`` through the CLI; the start JSON (the caller stops it)."""
    proc = run_cli("start", "--state-dir", str(state_dir), *options)
    assert proc.returncode == 0, f"start failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout)


@contextlib.contextmanager
def own_sandbox(tmp_path_factory: pytest.TempPathFactory, name: str, *options: str) -> Iterator[dict]:
    """A sandbox of the caller's own in a new temporary state dir (``start --state-dir DIR OPTIONS``),
    stopped on leaving the block; the start JSON. For a module- or package-scoped fixture::

        with own_sandbox(tmp_path_factory, "mail", "--scale", "2000") as info:
            yield info
    """
    state_dir = tmp_path_factory.mktemp(name) / "sandbox"
    try:
        yield start_sandbox(state_dir, *options)
    finally:
        run_cli("stop", "--state-dir", str(state_dir))


def use_env(info: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Put a start JSON's ``env`` into ``os.environ`` for one test, as a user's shell would; ``info`` back.

    With it, any requests-based client (MSAL with default settings included) reaches that sandbox
    through the proxy with the sandbox CA trusted, and no other code change.
    """
    for key, value in info["env"].items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    return info


def seeded_app(info: dict, name: str) -> dict:
    """The one seeded app named ``name`` in a start JSON."""
    matches = [a for a in info["apps"] if a["name"] == name]
    assert len(matches) == 1, (
        f"expected one seeded app named {name!r}, got {[a['name'] for a in info['apps']]}"
    )
    return matches[0]


def seeded_user(info: dict, alias: str | None = None, **criteria) -> dict:
    """The first seeded user whose UPN starts with ``alias@`` (if given) and matching every ``key=value``."""
    for user in info["users"]:
        if alias is not None and user["upn"].split("@")[0] != alias:
            continue
        if all(user.get(k) == v for k, v in criteria.items()):
            return user
    raise AssertionError(f"no seeded user {alias or ''} with {criteria}")


def plain_user(info: dict) -> dict:
    """An enabled, non-MFA, non-admin user with a mailbox."""
    return next(
        u
        for u in info["users"]
        if u["enabled"] and not u["mfa_required"] and u["has_mailbox"] and not u["directory_roles"]
    )
