"""Fixtures for tests that own a sandbox (their own state dir), and a timing report.

Tests that only need *a* running sandbox, and leave its tenant as they found it, use the session
``sandbox`` fixture from tests/conftest.py. Two kinds of tests get one of their own instead:

* tests that start, kill, stop or reset a service: ``own_state_dir`` and the ``sandbox_cli`` runner (the
  fixture stops whatever is left running there at teardown);
* tests that change the tenant for everyone who uses it — lock a user out, revoke sessions, add a
  consent grant, age refresh tokens, fuzz sign-ins: ``private_sandbox`` (one per test module, started
  through the CLI like the shared one) with ``private_env`` in place of ``sandbox_env``; or, for a test
  that must meet an untouched tenant however often it runs, ``fresh_sandbox`` (one per test). What they
  do is then invisible to every other test file.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grooper_nb.sandbox.store import Store
from tests.helpers import own_sandbox, run_cli, start_sandbox, use_env

_TIMINGS: list[tuple[str, float]] = []


@pytest.fixture
def sandbox_cli() -> Callable[..., subprocess.CompletedProcess]:
    """``sandbox_cli("start", "--state-dir", d)`` runs the real CLI in a child process."""
    return run_cli


@pytest.fixture
def start_json(sandbox_cli) -> Callable[..., dict]:
    """Run ``start`` (or another JSON-printing command) and return its parsed, checked stdout."""

    def start(state_dir: Path, *extra: str, command: str = "start") -> dict:
        proc = sandbox_cli(command, "--state-dir", str(state_dir), *extra)
        assert proc.returncode == 0, f"{command} failed:\n{proc.stdout}\n{proc.stderr}"
        return json.loads(proc.stdout)

    return start


@pytest.fixture
def own_state_dir(tmp_path: Path) -> Iterator[Path]:
    """A fresh, not yet existing state dir; any service left in it is stopped afterwards."""
    state_dir = tmp_path / "own-sandbox"
    yield state_dir
    if state_dir.exists():
        run_cli("stop", "--state-dir", str(state_dir))


@pytest.fixture(scope="module")
def private_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The start JSON of a sandbox this test module has to itself (same seed, so same users and apps)."""
    with own_sandbox(tmp_path_factory, "private") as info:
        yield info


@pytest.fixture(scope="module")
def store(private_sandbox: dict) -> Iterator[Store]:
    """The tenant's store of the module's private sandbox, opened beside the running service (for state
    a test sets up or checks through the store's own API: mail, delegates, policies)."""
    opened = Store.open(Path(private_sandbox["state_dir"]))
    yield opened
    opened.close()


@pytest.fixture
def private_env(private_sandbox: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    """``sandbox_env`` for :func:`private_sandbox`: its proxy and CA bundle in ``os.environ``."""
    return use_env(private_sandbox, monkeypatch)


@pytest.fixture
def fresh_sandbox(own_state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A brand-new tenant for one test, its env already in ``os.environ``: for a test that must find a
    grant not yet given every time it runs (a consent page), however often it is repeated."""
    return use_env(start_sandbox(own_state_dir), monkeypatch)


@pytest.fixture
def report_timing() -> Callable[[str, float], None]:
    """Record a duration for the end-of-run summary (reported, never asserted)."""
    return lambda label, seconds: _TIMINGS.append((label, seconds))


def pytest_terminal_summary(terminalreporter) -> None:
    if _TIMINGS:
        terminalreporter.section("sandbox timings (reported, not asserted)")
        for label, seconds in _TIMINGS:
            terminalreporter.write_line(f"{label}: {seconds:.2f} s")
