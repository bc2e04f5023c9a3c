"""Notebook 01 with Grooper's connector chosen, in a tenant that has never consented to it: the
administrator's consent creates the connector's service principal, the audit and the tokens then pass,
and no secret shows in any output.

(The notebook with its default parameters, a custom app, runs under nbval with the other notebooks.)
"""

from __future__ import annotations

import json
import os

import nbformat
import pytest

from tests.leak_scan import sandbox_secrets, scan
from tests.notebook_runs import NOTEBOOK_DIR, execute_and_harvest

CONNECTOR = (
    'app = "Grooper Azure AD Connector 2021"\n'
    'connections = ["exchange_ews_delegated", "sharepoint_graph", "onedrive"]\n'
)


@pytest.mark.timeout(300)
def test_notebook_01_consents_to_the_connector_and_proves_it(unconsented, tmp_path):
    path = NOTEBOOK_DIR / "01_register_the_app.ipynb"
    nb = nbformat.read(path, as_version=4)
    parameters = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    parameters.source += "\n" + CONNECTOR  # what papermill's injected cell does
    env = {**os.environ, "GROOPER_NB_SANDBOX_DIR": unconsented["state_dir"]}
    issued = execute_and_harvest(nb, path, tmp_path / "harvest.json", env=env)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"], "a cell raised"
    text = "\n".join(str(o.get("text", "")) + json.dumps(o.get("data", {})) for o in outputs)
    assert "waiting for consent" in text  # section 3 found no service principal at first
    assert "'admin_consent': 'True'" in text and "service principal: " in text
    assert scan(nb, issued | sandbox_secrets(unconsented)) == []
