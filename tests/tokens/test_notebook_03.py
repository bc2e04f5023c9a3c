"""notebooks/03_token_claims.ipynb: committed stripped, and no token or secret in its executed outputs.

The notebook's own checks run under ``pytest notebooks/`` (nbval-lax). Here the same execution (the
``executed_notebook`` fixture, ``tests/notebook_runs.py``: nbval's run when there was one), with every
widget's state in its metadata as a frontend would save it, is scanned whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tests.leak_scan import JWT_RE, sandbox_secrets, scan

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03_token_claims.ipynb"


def test_the_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert "widgets" not in nb.metadata


def test_the_first_code_cell_is_the_parameters_cell_then_connect():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert "connect(" in code[1].source
    assert nb.cells[0].cell_type == "markdown"


@pytest.fixture(scope="module")
def executed(executed_notebook):
    return executed_notebook(NOTEBOOK).nb


def test_no_token_or_secret_appears_in_the_executed_notebook(executed, sandbox):
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs, "the notebook produced no output at all"
    assert scan(executed, sandbox_secrets(sandbox)) == []


def test_the_executed_notebook_shows_verdicts_and_explanations(executed):
    html = "".join(
        o.get("data", {}).get("text/html", "")
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert "Unsupported app only token." in html
    assert "EWS needs https://outlook.office365.com" in html
    assert "Delegated scopes granted" in html  # claim explanations rendered


def test_run_against_a_real_tenant_the_notebook_never_starts_the_sandbox(
    sandbox, grooper_app, plain_user, tmp_path
):
    """Configured for a real tenant the way notebook 00 teaches (GROOPER_NB_* outside the notebook, user
    tokens from the cache notebook 02 filled), with no other apps given: sections 5–7 skip instead of
    starting a sandbox and mixing its tokens in, and every assertion still holds. The "real tenant" is the
    sandbox reached the way any tool reaches it (its proxy and CA bundle in the environment), so a
    sandbox *profile* would show as a started sandbox in the kernel's own GROOPER_NB_SANDBOX_DIR."""
    from tests.notebook_runs import run_as_real_tenant

    outputs, unused_sandbox_dir = run_as_real_tenant(
        NOTEBOOK,
        sandbox,
        grooper_app,
        plain_user,
        ["User.Read"],
        tmp_path,
        f"grooper_app = s2s_app = bootstrap_app = middle_tier_app = None\nuser_upn = {plain_user['upn']!r}",
    )
    text = json.dumps(outputs)
    assert not [o for o in outputs if o.get("output_type") == "error"], "a cell raised"
    assert not unused_sandbox_dir.exists(), "a sandbox was started"
    assert "SANDBOX</span>" not in text and text.count("Skipped:") == 3
    assert not JWT_RE.search(text)
