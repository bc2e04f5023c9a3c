"""Test-wide wiring: one isolated sandbox tenant for the whole run.

``pytest_configure`` points ``GROOPER_NB_SANDBOX_DIR`` at a fresh temporary state dir, so every test,
and every notebook kernel nbval starts (kernels inherit ``os.environ``), uses its own sandbox and never
the user's. The service itself starts on first use: the ``sandbox`` fixture starts it through the CLI
contract (``python -m grooper_nb.sandbox start``), and ``connect()`` in a notebook finds the same one.
``pytest_unconfigure`` stops it.

Also here: the hypothesis profiles (``HYPOTHESIS_PROFILE=ci``, the default, or ``thorough``), a longer
timeout for the browser tests, and, from ``tests/notebook_runs.py``, the one execution of each notebook
that nbval and the leak tests share.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests import helpers
from tests.helpers import run_cli, seeded_app, seeded_user, use_env

# A plugin, not conftest hooks: its teardown hook must also see nbval's items under notebooks/.
pytest_plugins = ["tests.notebook_runs"]

# Reproducible and quick in CI; `HYPOTHESIS_PROFILE=thorough` explores more, with fresh randomness.
_HYPOTHESIS_COMMON = dict(
    deadline=None,  # the machine is shared: time is not a property under test
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,  # nothing written into the work tree
)
settings.register_profile("ci", max_examples=50, derandomize=True, **_HYPOTHESIS_COMMON)
settings.register_profile("thorough", max_examples=2000, **_HYPOTHESIS_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

BROWSER_TIMEOUT = 600  # seconds: JupyterLab's first load and Chromium start

_STATE: dict[str, object] = {}


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # pragma: no cover - xdist workers share the controller's dir
        return
    root = Path(tempfile.mkdtemp(prefix="grooper-nb-test-"))
    state_dir = root / "sandbox"
    _STATE["root"] = root
    _STATE["state_dir"] = state_dir
    os.environ["GROOPER_NB_SANDBOX_DIR"] = str(state_dir)
    # Keep MSAL off regional endpoints and the user's real token cache out of the run.
    os.environ.pop("MSAL_FORCE_REGION", None)
    os.environ["GROOPER_NB_TOKEN_CACHE"] = str(root / "token-cache.json")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # pyproject's default timeout is per test; a browser test drives a whole JupyterLab.
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(BROWSER_TIMEOUT))


def pytest_unconfigure(config: pytest.Config) -> None:
    state_dir = _STATE.get("state_dir")
    if state_dir is None:
        return
    if Path(state_dir).exists():
        run_cli("stop", "--state-dir", str(state_dir), timeout=60)
    shutil.rmtree(_STATE["root"], ignore_errors=True)


@pytest.fixture(scope="session")
def sandbox_state_dir() -> Path:
    return Path(_STATE["state_dir"])


@pytest.fixture(scope="session")
def sandbox(sandbox_state_dir: Path) -> dict:
    """The JSON that ``python -m grooper_nb.sandbox start`` printed for this run's sandbox."""
    proc = run_cli("start", "--state-dir", str(sandbox_state_dir), timeout=60)
    assert proc.returncode == 0, f"sandbox start failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout)


@pytest.fixture
def sandbox_env(sandbox: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Put the sandbox's ``env`` into ``os.environ`` for one test (:func:`tests.helpers.use_env`)."""
    return use_env(sandbox, monkeypatch)["env"]


@pytest.fixture(scope="module")
def unconsented(tmp_path_factory: pytest.TempPathFactory):
    """A sandbox of the module's own started with ``--connector unconsented``: Grooper's connector lives
    in its publisher's tenant and this tenant has no service principal for it yet."""
    with helpers.own_sandbox(tmp_path_factory, "unconsented", "--connector", "unconsented") as info:
        yield info


@pytest.fixture(scope="session")
def grooper_app(sandbox: dict) -> dict:
    """The "Grooper Azure AD Connector 2021" app: confidential, delegated scopes, admin-consented."""
    return seeded_app(sandbox, "Grooper Azure AD Connector 2021")


@pytest.fixture(scope="session")
def s2s_app(sandbox: dict) -> dict:
    """The server-to-server app: secret + certificate, application permissions, admin-consented."""
    return seeded_app(sandbox, "Grooper Server-to-Server")


@pytest.fixture(scope="session")
def bootstrap_app(sandbox: dict) -> dict:
    """The public bootstrap client (public-client flows allowed, delegated admin scopes)."""
    return seeded_app(sandbox, "Grooper NB Bootstrap")


@pytest.fixture(scope="session")
def middle_tier_app(sandbox: dict) -> dict:
    """The middle-tier API (api://...) that may call Graph on behalf of a user."""
    return seeded_app(sandbox, "Grooper Middle-Tier API")


@pytest.fixture(scope="session")
def admin_user(sandbox: dict) -> dict:
    return next(u for u in sandbox["users"] if "Global Administrator" in u["directory_roles"])


@pytest.fixture(scope="session")
def plain_user(sandbox: dict) -> dict:
    """An enabled, non-MFA, non-admin user with a mailbox."""
    return helpers.plain_user(sandbox)


@pytest.fixture(scope="session")
def mfa_user(sandbox: dict) -> dict:
    return seeded_user(sandbox, mfa_required=True, enabled=True)


@pytest.fixture(scope="session")
def disabled_user(sandbox: dict) -> dict:
    return seeded_user(sandbox, enabled=False)
