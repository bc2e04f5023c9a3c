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
    import os
    import warnings

    from nbclient import NotebookClient

    from grooper_nb.auth import flows
    from grooper_nb.exchange.ews.tokens import ews_scopes
    from grooper_nb.http import sandbox_session
    from grooper_nb.profile import connect
    from tests.helpers import seeded_user

    adele = seeded_user(sandbox, "adele.vance")
    cache = tmp_path / "token-cache.json"
    settings = {
        "GROOPER_NB_TENANT": sandbox["tenant"]["domain"],
        "GROOPER_NB_CLIENT_ID": grooper_app["client_id"],
        "GROOPER_NB_CLIENT_SECRET": grooper_app["client_secret"],
        "GROOPER_NB_TOKEN_CACHE": str(cache),
    }
    real = connect(
        sandbox=False,
        tenant=settings["GROOPER_NB_TENANT"],
        client_id=settings["GROOPER_NB_CLIENT_ID"],
        client_secret=settings["GROOPER_NB_CLIENT_SECRET"],
        session=sandbox_session(sandbox["proxy"], sandbox["ca_bundle"]),
        token_cache=cache,
        env_file=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flows.RopcWarning)
        flows.ropc(real, adele["upn"], adele["password"], ews_scopes(real, False))

    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = nb.cells[next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))]
    params.source += f"\ngrooper_app = s2s_app = None\ndelegate_upn = {adele['upn']!r}"
    unused_sandbox_dir = tmp_path / "no-sandbox-here"
    env = {k: v for k, v in os.environ.items() if k.upper() != "NO_PROXY"}
    env.update(sandbox["env"], **settings, GROOPER_NB_SANDBOX_DIR=str(unused_sandbox_dir))
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute(env=env)

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    text = json.dumps(outputs)
    assert not [o for o in outputs if o.get("output_type") == "error"], "a cell raised"
    assert not unused_sandbox_dir.exists(), "a sandbox was started"
    assert text.count("Skipped:") == 3
    assert "NOT READY: invoices@contoso.onmicrosoft.com (delegated)" in text
    assert not JWT_RE.search(text)
