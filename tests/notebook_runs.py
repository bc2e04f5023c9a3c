"""Each notebook executes once per test run, and the tests that scan it read that one execution.

``pytest`` collects ``notebooks/`` with ``--nbval-lax``: nbval runs every notebook cell by cell in its own
kernel, and that run is what "the notebooks pass" means. The leak tests need the same executed notebook
(every output) plus what its kernel was issued (every token, secret and widget state), and used to get it
by executing each notebook a second time with nbclient.

Choice: nbval's run is the one execution. After a notebook's last cell (``pytest_runtest_teardown`` runs
before nbval's ``IPyNbFile.teardown`` stops the kernel), :func:`harvest_from_kernel` runs one more piece of
code in nbval's own kernel (``IPyNbFile.kernel``) that writes down everything secret the kernel holds and
the state of every widget; the outputs are the ones nbval recorded per cell (``IPyNbCell.test_outputs``).
The alternative, executing with nbclient in a fixture and deselecting nbval's items, would have left
``pytest --nbval-lax`` with nothing of its own to say about the notebooks. Tests that read an executed
notebook are ordered after nbval's items (``pytest_collection_modifyitems``). When nbval did not run a
notebook in this session (``pytest tests/test_no_secret_leaks.py`` alone, or ``-k``), the
``executed_notebook`` fixture executes it with nbclient instead: still once. (Only when nbval's kernel
died mid-notebook, a cell timing out, is the notebook executed a second time, to scan it whole.)
"""

from __future__ import annotations

import copy
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9]*.ipynb"))
HARVEST_TIMEOUT = 60  # seconds
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

# Run last in a notebook's kernel: everything secret it holds, and every widget's state (what a frontend
# would save into the notebook). It prints nothing.
HARVEST = """
import gc as _gc, json as _json, sys as _sys, msal as _msal
from grooper_nb._redact import Secret as _Secret
_found, _widgets = set(), {}
_Widget = getattr(_sys.modules.get("ipywidgets"), "Widget", None)
for _o in _gc.get_objects():
    if isinstance(_o, _Secret):
        _found.add(_o.reveal())
    elif isinstance(_o, _msal.TokenCache):
        _types = _o.CredentialType
        for _kind in (_types.ACCESS_TOKEN, _types.REFRESH_TOKEN, _types.ID_TOKEN):
            _found.update(_e.get("secret") for _e in _o.search(_kind))
    elif isinstance(_o, dict) and ("device_code" in _o or "code_verifier" in _o):
        _found.update(_o.get(_k) for _k in ("device_code", "code_verifier", "access_token", "refresh_token"))
    elif _Widget is not None and isinstance(_o, _Widget) and getattr(_o, "comm", None) is not None:
        _widgets[_o.model_id] = {"model_name": _o._model_name, "state": _o.get_state()}
with open(__HARVEST_PATH__, "w") as _f:
    _issued = sorted(v for v in _found if isinstance(v, str))
    _json.dump({"issued": _issued, "widgets": _widgets}, _f, default=str)
"""


@dataclass
class ExecutedNotebook:
    """A notebook as executed in this run: its cells with outputs (widget state in its metadata, as a
    frontend saves it) and every value its kernel was issued."""

    path: Path
    nb: nbformat.NotebookNode
    issued: set[str]
    by: str  # "nbval" or "nbclient"

    @property
    def outputs(self) -> list:
        return [o for c in self.nb.cells if c.cell_type == "code" for o in c.outputs]

    @property
    def errors(self) -> list:
        return [o for o in self.outputs if o.get("output_type") == "error"]


RUNS: dict[Path, ExecutedNotebook] = {}


def harvest_code(harvest_file: Path) -> str:
    return HARVEST.replace("__HARVEST_PATH__", repr(str(harvest_file)))


def _read_harvest(nb, harvest_file: Path) -> set[str]:
    """Put the harvested widget state into ``nb``'s metadata; return the issued values."""
    found = json.loads(harvest_file.read_text())
    if found["widgets"]:
        nb.metadata["widgets"] = {
            WIDGET_STATE: {"version_major": 2, "version_minor": 0, "state": found["widgets"]}
        }
    return set(found["issued"])


def execute_and_harvest(nb, path: Path, harvest_file: Path, env: dict | None = None) -> set[str]:
    """Execute ``nb`` (as if it lived at ``path``) with nbclient; return what its kernel was issued. The
    harvest cell is removed again afterwards. ``env``: the kernel's environment (default: this process's)."""
    from nbclient import NotebookClient

    nb.cells.append(nbformat.v4.new_code_cell(harvest_code(harvest_file)))
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    try:
        client.execute(**({"env": env} if env is not None else {}))
    finally:
        nb.cells.pop()  # the harvest cell printed nothing, and it is not part of the notebook
    return _read_harvest(nb, harvest_file)


def harvest_from_kernel(kernel, harvest_file: Path) -> None:
    """Run the harvest in a live nbval kernel (``nbval.kernel.RunningKernel``) and wait for it."""
    msg_id = kernel.execute_cell_input(harvest_code(harvest_file), allow_stdin=False)
    kernel.await_reply(msg_id, timeout=HARVEST_TIMEOUT)


# --------------------------------------------------------------------------------------------------
# hooks


def _is_cell(item) -> bool:
    from nbval.plugin import IPyNbCell

    return isinstance(item, IPyNbCell)


def _record_nbval_run(last_cell) -> None:
    notebook = last_cell.parent
    cells = [i for i in last_cell.session.items if _is_cell(i) and i.parent is notebook]
    if any(c.test_outputs is None for c in cells) or len(cells) != sum(
        c.cell_type == "code" for c in notebook.nb.cells
    ):
        return  # part of the notebook ran: the fixture executes it whole
    kernel = notebook.kernel
    if kernel is None or not kernel.is_alive():
        return
    with tempfile.TemporaryDirectory(prefix="grooper-nb-harvest-") as tmp:
        harvest_file = Path(tmp) / "harvest.json"
        harvest_from_kernel(kernel, harvest_file)
        nb = copy.deepcopy(notebook.nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        for cell, item in zip(code, cells, strict=True):
            cell.outputs = copy.deepcopy(item.test_outputs)
        issued = _read_harvest(nb, harvest_file)
    path = Path(str(notebook.path)).resolve()
    RUNS[path] = ExecutedNotebook(path, nb, issued, by="nbval")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem) -> None:
    if _is_cell(item) and (nextitem is None or nextitem.parent is not item.parent):
        _record_nbval_run(item)


def pytest_collection_modifyitems(session, config, items) -> None:
    # Tests that read an executed notebook go after nbval's cells, so they read nbval's run.
    items.sort(key=lambda i: "executed_notebook" in getattr(i, "fixturenames", ()))


# --------------------------------------------------------------------------------------------------
# fixture


@pytest.fixture(scope="session")
def executed_notebook(sandbox, tmp_path_factory):
    """``executed_notebook(path) -> ExecutedNotebook``: the notebook as executed in this run against the
    run's sandbox, by nbval if it ran the notebook, else now by nbclient (once per session either way)."""

    def get(path: Path) -> ExecutedNotebook:
        path = Path(path).resolve()
        if path not in RUNS:
            nb = nbformat.read(path, as_version=4)
            harvest_file = tmp_path_factory.mktemp("harvest") / f"{path.stem}.json"
            RUNS[path] = ExecutedNotebook(
                path, nb, execute_and_harvest(nb, path, harvest_file), by="nbclient"
            )
        return RUNS[path]

    return get


# --------------------------------------------------------------------------------------------------
# a notebook run as against a real tenant


def run_as_real_tenant(
    path: Path, sandbox: dict, app: dict, user: dict, scopes, tmp_path: Path, parameters: str
) -> tuple[list[dict], Path]:
    """Execute the notebook at ``path`` configured for a real tenant the way notebook 00 teaches: the
    ``GROOPER_NB_*`` settings of ``app`` outside the notebook, ``user``'s refresh token (for ``scopes``)
    in the token cache notebook 02's sign-in fills (``scopes``: a list, or a function of the profile
    giving one), ``parameters`` appended to its parameters cell. The
    "real tenant" is the sandbox reached the way any tool reaches it (its proxy and CA bundle in the
    environment), and the kernel's ``GROOPER_NB_SANDBOX_DIR`` points at a folder that does not exist:
    a notebook that started a sandbox would create it. Returns (every code cell's outputs, that folder).
    """
    import os
    import warnings

    from nbclient import NotebookClient

    from grooper_nb.auth import flows
    from grooper_nb.http import sandbox_session
    from grooper_nb.profile import connect

    cache = tmp_path / "token-cache.json"
    settings = {
        "GROOPER_NB_TENANT": sandbox["tenant"]["domain"],
        "GROOPER_NB_CLIENT_ID": app["client_id"],
        "GROOPER_NB_CLIENT_SECRET": app["client_secret"],
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
        flows.ropc(real, user["upn"], user["password"], scopes(real) if callable(scopes) else scopes)

    nb = nbformat.read(path, as_version=4)
    params = nb.cells[next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))]
    params.source += "\n" + parameters
    unused_sandbox_dir = tmp_path / "no-sandbox-here"
    env = {k: v for k, v in os.environ.items() if k.upper() != "NO_PROXY"}
    env.update(sandbox["env"], **settings, GROOPER_NB_SANDBOX_DIR=str(unused_sandbox_dir))
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute(env=env)
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs], unused_sandbox_dir
