"""Real-browser harness: an isolated JupyterLab driven by Playwright in headless Chromium.

One JupyterLab server (https://jupyterlab.readthedocs.io) and one Chromium (https://playwright.dev/python)
per session; every test gets a fresh browser context and its own notebook file::

    @pytest.mark.browser
    def test_something(jupyterlab):
        lab = jupyterlab(["import ipywidgets as w; b = w.Button(description='Go'); b"])
        lab.run_all()
        lab.cell(0).get_by_role("button", name="Go").click()

``jupyterlab(cells, name=None) -> LabNotebook`` writes the cells as a plain-JSON notebook into the
server's root dir, opens it in a new page, and waits until the kernel really is idle (the status-bar
text "Python 3 (ipykernel) | Idle"; the toolbar indicator says "idle" before a kernel exists).
Kernels inherit this run's ``GROOPER_NB_SANDBOX_DIR``, so ``connect()`` in a notebook finds the run's
sandbox. On failure a screenshot, the page's console/errors and the server log are saved under
``test-artifacts/<test>/`` (gitignored).

The Chromium binary is ``$GROOPER_NB_CHROMIUM`` or ``/usr/bin/chromium`` (Debian's package). Deselect
these tests with ``-m "not browser"`` on a machine without it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
FIRST_LOAD_TIMEOUT_MS = 90_000
STEP_TIMEOUT_MS = 30_000
KERNEL_IDLE = re.compile(r"Python 3 \(ipykernel\) \| Idle")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    # Anything but loopback fails at once instead of hanging on this closed network.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]


# --------------------------------------------------------------------------------------------------
# failure detection for artifacts


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"rep_{when}", None), "failed", False) for when in ("setup", "call")
    )


def _artifact_dir(request: pytest.FixtureRequest) -> Path:
    safe = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
    path = ARTIFACTS / safe
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------------------------------
# JupyterLab server


@dataclass
class LabServer:
    """A running, isolated JupyterLab: ``url``, ``token``, ``root_dir`` (where notebooks go), ``log``."""

    url: str
    token: str
    root_dir: Path
    log: Path
    process: subprocess.Popen = field(repr=False)

    def tree_url(self, name: str) -> str:
        # ?reset drops any saved layout, so only the notebook under test opens.
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_settings(settings_dir: Path) -> None:
    """User settings that keep the UI quiet and deterministic (JupyterLab reads them from
    ``$JUPYTERLAB_SETTINGS_DIR``: https://jupyterlab.readthedocs.io/en/stable/user/directories.html)."""
    files = {
        # Without this the "official Jupyter news?" toast appears (news_url=None alone is not enough).
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        # Render every cell, so locators never miss a virtualised one.
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for relative, content in files.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))


def _wait_ready(server: LabServer, timeout: float = 90) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {server.process.returncode}; see {server.log}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            with opener.open(f"{server.url}/api/status?token={server.token}", timeout=5) as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    raise RuntimeError(f"JupyterLab did not answer /api/status within {timeout:.0f} s; see {server.log}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # jupyter shuts its kernels down on SIGTERM
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """One isolated JupyterLab for the session (own config/data/runtime/settings dirs, loopback)."""
    home = tmp_path_factory.mktemp("jupyter-home")
    root = tmp_path_factory.mktemp("notebooks")
    settings = home / "settings"
    _write_settings(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=str(home / "ipython"),
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p),
    )
    # Kernels inherit the server's environment: they must find this run's sandbox, not the user's.
    if "GROOPER_NB_SANDBOX_DIR" in os.environ:
        env["GROOPER_NB_SANDBOX_DIR"] = os.environ["GROOPER_NB_SANDBOX_DIR"]
    port, token = _free_port(), secrets.token_hex(16)
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if os.geteuid() == 0:
        argv.append("--allow-root")
    log = home / "jupyterlab.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            argv,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LabServer(f"http://127.0.0.1:{port}", token, root, log, process)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(process)


# --------------------------------------------------------------------------------------------------
# Chromium


def _chromium_path() -> str:
    path = os.environ.get("GROOPER_NB_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        pytest.fail(
            f"Chromium not found at {path}: install Debian's `chromium` (or set GROOPER_NB_CHROMIUM), "
            'or deselect browser tests with -m "not browser"',
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def lab_browser() -> Iterator[Any]:
    """Headless Chromium under Playwright, shared by the session (each test gets its own context)."""
    from playwright.sync_api import sync_playwright

    executable = _chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(lab_browser, request: pytest.FixtureRequest, lab_server: LabServer) -> Iterator[Any]:
    """A fresh page in its own context; screenshot, console and server log are kept if the test fails."""
    context = lab_browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"[{msg.type}] {msg.text}"))
    page.on("pageerror", lambda exc: console.append(f"[pageerror] {exc}"))
    yield page
    if _failed(request):
        out = _artifact_dir(request)
        for index, each in enumerate(context.pages):
            with contextlib.suppress(Exception):
                each.screenshot(path=str(out / f"page-{index}.png"), full_page=True)
        (out / "console.log").write_text("\n".join(console))
        with contextlib.suppress(OSError):
            shutil.copy(lab_server.log, out / "jupyterlab.log")
    context.close()


# --------------------------------------------------------------------------------------------------
# Notebooks


Cell = str | dict


def notebook_json(cells: Sequence[Cell]) -> dict:
    """An nbformat 4.5 notebook as plain JSON (importing nbformat costs seconds at collection).

    A ``str`` is a code cell; a dict may give ``cell_type`` ("code"/"markdown") and ``source``.
    """
    out = []
    for cell in cells:
        spec = {"cell_type": "code", "source": cell} if isinstance(cell, str) else dict(cell)
        entry: dict[str, Any] = {
            "cell_type": spec["cell_type"],
            "id": uuid.uuid4().hex[:12],
            "metadata": spec.get("metadata", {}),
            "source": spec["source"],
        }
        if entry["cell_type"] == "code":
            entry.update(outputs=[], execution_count=None)
        out.append(entry)
    return {
        "cells": out,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@dataclass
class LabNotebook:
    """One notebook open in JupyterLab: locate cells, run them, read outputs."""

    page: Any
    path: Path

    def cell(self, index: int):
        """The locator of cell ``index`` (widgets and outputs live inside it)."""
        return self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(index)

    def cells(self):
        return self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")

    def output(self, index: int):
        return self.cell(index).locator(".jp-OutputArea-output")

    def run_all(self, timeout_ms: int = STEP_TIMEOUT_MS) -> None:
        """Run > Run All Cells from the menu bar, then wait until every code cell has a count."""
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.locator('.lm-Menu li[data-command="runmenu:run-all"]').click()
        for index in range(self.cells().count()):
            if "jp-CodeCell" in (self.cell(index).get_attribute("class") or ""):
                self.wait_executed(index, timeout_ms)

    def run_cell(self, index: int, timeout_ms: int = STEP_TIMEOUT_MS) -> None:
        """Run one cell (Control+Enter keeps the selection: no new cell is appended)."""
        before = self.execution_count(index)
        self.cell(index).locator(".jp-InputArea-editor").click()
        self.page.keyboard.press("Control+Enter")
        self.wait_executed(index, timeout_ms, after=before)

    def execution_count(self, index: int) -> int | None:
        text = self.cell(index).locator(".jp-InputPrompt").inner_text()
        match = re.search(r"\[(\d+)\]", text)
        return int(match.group(1)) if match else None

    def wait_executed(self, index: int, timeout_ms: int = STEP_TIMEOUT_MS, after: int | None = None) -> None:
        """Wait until cell ``index`` shows an execution count (greater than ``after``, if given)."""
        from playwright.sync_api import expect

        prompt = self.cell(index).locator(".jp-InputPrompt")
        expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=timeout_ms)
        if after is not None:
            deadline = time.monotonic() + timeout_ms / 1000
            while (self.execution_count(index) or 0) <= after:
                if time.monotonic() > deadline:
                    raise AssertionError(f"cell {index} did not run again (count stayed {after})")
                self.page.wait_for_timeout(100)


@pytest.fixture
def jupyterlab(lab_server: LabServer, browser_page) -> Callable[..., LabNotebook]:
    """``jupyterlab(cells, name=None) -> LabNotebook``: open a new notebook with a ready kernel."""
    from playwright.sync_api import expect

    def open_notebook(cells: Sequence[Cell], name: str | None = None) -> LabNotebook:
        name = name or f"test-{uuid.uuid4().hex[:8]}.ipynb"
        path = lab_server.root_dir / name
        path.write_text(json.dumps(notebook_json(cells), indent=1))
        browser_page.goto(lab_server.tree_url(name), timeout=FIRST_LOAD_TIMEOUT_MS)
        expect(browser_page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first).to_be_visible(
            timeout=FIRST_LOAD_TIMEOUT_MS
        )
        kernel_status = browser_page.locator(
            '#jp-main-statusbar span.jp-StatusBar-TextItem[title^="Change kernel"]'
        )
        expect(kernel_status).to_have_text(KERNEL_IDLE, timeout=FIRST_LOAD_TIMEOUT_MS)
        return LabNotebook(browser_page, path)

    return open_notebook
