"""notebooks/04_exchange.ipynb: committed stripped, its parameters first, and what its one execution in this
run shows (``executed_notebook``, tests/notebook_runs.py): the folder tree, the chart, the PDF, both
readiness verdicts, and no token or secret anywhere. Run against a "real tenant" (the sandbox reached
through its proxy, the way any tool reaches it) with no server-to-server app, it skips the app-only
sections and never starts a sandbox.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tests.leak_scan import JWT_RE, sandbox_secrets, scan

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04_exchange.ipynb"


@pytest.fixture(scope="module")
def state_dir(sandbox: dict) -> str:
    """The session's sandbox (the notebook's), not this package's large one: faults are cleared there."""
    return sandbox["state_dir"]


def test_the_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert "widgets" not in nb.metadata


def test_parameters_first_and_markdown_before_every_code_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    assert "parameters" in nb.cells[code[0]].metadata.get("tags", [])
    assert all(nb.cells[i - 1].cell_type == "markdown" for i in code)


@pytest.fixture(scope="module")
def executed(executed_notebook):
    return executed_notebook(NOTEBOOK).nb


def _html(nb) -> str:
    return "".join(
        "".join(o.get("data", {}).get("text/html", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )


def test_the_executed_notebook_shows_tree_chart_pdf_and_both_verdicts(executed, sandbox):
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"], "a cell raised"
    assert any("image/png" in o.get("data", {}) for o in outputs), "no chart"
    text = json.dumps(outputs)
    assert "Inbox/Vendors/Acme" in text and "%PDF-" in text
    html = _html(executed)
    assert "READY: invoices@contoso.onmicrosoft.com (app-only)" in html
    assert "NOT READY: invoices@contoso.onmicrosoft.com (delegated)" in html
    assert "Mail.Read.Shared" in html and "days left" in html
    assert scan(executed, sandbox_secrets(sandbox)) == []


def test_run_against_a_real_tenant_without_an_app_only_app_it_skips_those_sections(
    sandbox, grooper_app, tmp_path
):
    """GROOPER_NB_* name the connector outside the notebook, the delegate's EWS token is in the cache
    notebook 02 filled, ``s2s_app`` is None: the delegated sections run, the app-only ones say they
    skipped, and no sandbox is started."""
    from grooper_nb.exchange.ews.tokens import ews_scopes
    from tests.helpers import seeded_user
    from tests.notebook_runs import run_as_real_tenant

    adele = seeded_user(sandbox, "adele.vance")
    outputs, unused_sandbox_dir = run_as_real_tenant(
        NOTEBOOK,
        sandbox,
        grooper_app,
        adele,
        lambda real: ews_scopes(real, False),
        tmp_path,
        f"grooper_app = s2s_app = None\ndelegate_upn = {adele['upn']!r}",
    )
    text = json.dumps(outputs)
    assert not [o for o in outputs if o.get("output_type") == "error"], "a cell raised"
    assert not unused_sandbox_dir.exists(), "a sandbox was started"
    assert text.count("Skipped:") == 3
    assert "NOT READY: invoices@contoso.onmicrosoft.com (delegated)" in text
    assert not JWT_RE.search(text)
