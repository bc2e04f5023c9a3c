"""Fixtures for tests that own a sandbox's lifecycle (their own state dir), and a timing report.

Tests that only need *a* running sandbox use the session ``sandbox`` fixture from tests/conftest.py.
Tests that start, kill, stop or reset one use ``own_state_dir`` and the ``sandbox_cli`` runner; the
fixture stops whatever is left running there at teardown.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_TIMINGS: list[tuple[str, float]] = []


def run_cli(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grooper_nb.sandbox", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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


@pytest.fixture
def report_timing() -> Callable[[str, float], None]:
    """Record a duration for the end-of-run summary (reported, never asserted)."""
    return lambda label, seconds: _TIMINGS.append((label, seconds))


def pytest_terminal_summary(terminalreporter) -> None:
    if _TIMINGS:
        terminalreporter.section("sandbox timings (reported, not asserted)")
        for label, seconds in _TIMINGS:
            terminalreporter.write_line(f"{label}: {seconds:.2f} s")
