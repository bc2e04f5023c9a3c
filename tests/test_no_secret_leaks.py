"""Secrets never leak, across the whole workbench: no token, secret or password shows anywhere.

What counts as issued: every password, client secret and expired secret in the sandbox's JSON (plus
40-character pieces of the seeded private keys), and every token, PKCE verifier and device code that was
created while the notebooks ran or while this test ran every flow in-process.

Where it must not appear:

* the **committed** notebooks (no outputs, no JWT-looking strings, no seeded secret);
* the **executed** notebooks: every output (text, HTML, widget views) and the widget state a frontend
  would save. Each notebook is executed once per run against the run's sandbox (by nbval, or by nbclient
  when nbval did not run it: ``tests/notebook_runs.py``); a last piece of code run in its kernel harvests
  every :class:`Secret`, every token in an MSAL token cache and flow dict, and every widget's state;
* **logs** captured at DEBUG from every logger (MSAL, urllib3, grooper_nb) while every flow runs here,
  including the authorization codes, PKCE verifiers and device codes MSAL logs with each token event;
* the errors for a secret pasted into the wrong setting (client ID, tenant, certificate path, redirect
  URI) or handed to the token inspector;
* the ``repr``/``str``/HTML/summary of every public object: profiles, credentials, token results, flows in
  progress, errors, token reports and comparisons, token caches and their account listings, the
  stand-in person, and the widgets (their repr and every child's state).

The scan itself (what counts as secret, where it looks) is ``tests/leak_scan.py``, shared with
``tests/auth/test_no_leaks.py``.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from pathlib import Path

import pytest

from grooper_nb.auth import cache as token_cache
from grooper_nb.auth import flows
from grooper_nb.auth.person import redirect_params, sandbox_person
from grooper_nb.errors.aadsts import AuthError
from grooper_nb.profile import ProfileError, connect
from grooper_nb.tokens import TokenError, compare_tokens, inspect_token
from grooper_nb.widgets import LoginPanel
from grooper_nb.widgets.token_inspector import TokenInspector
from tests.leak_scan import JWT_RE, displays, leaked, sandbox_secrets, scan, tokens_of, widget_states
from tests.notebook_runs import NOTEBOOKS, execute_and_harvest

WRONG_SECRET = "Leak~check-wrong-secret-9f8e7d6c5b4a"
WRONG_PASSWORD = "Leak-check-wrong-password-31415"
EWS = "https://outlook.office365.com/EWS.AccessAsUser.All"


# --------------------------------------------------------------------------------------------------
# committed notebooks


def test_there_are_notebooks_to_check():
    names = {p.name for p in NOTEBOOKS}
    assert {
        "00_start_here.ipynb",
        "01_register_the_app.ipynb",
        "02_oauth_flows.ipynb",
        "03_token_claims.ipynb",
        "04_exchange.ipynb",
        "05_sharepoint.ipynb",
    } <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs_and_no_secrets(path: Path, sandbox):
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])[:50]
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"not stripped: {source!r}"
    assert "widgets" not in nb["metadata"], "saved widget state"
    assert not JWT_RE.search(text), "a JWT-looking string is committed"
    assert leaked(sandbox_secrets(sandbox), text) == []


# --------------------------------------------------------------------------------------------------
# executed notebooks


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=lambda p: p.stem)
def executed(request, executed_notebook):
    """(notebook executed against the run's sandbox, the values its kernel was issued)."""
    run = executed_notebook(request.param)
    return run.nb, run.issued


def test_the_scanned_execution_is_nbvals_when_nbval_ran_the_notebook(executed, request):
    """One execution per notebook per run: when ``pytest`` also collected the notebook (``--nbval-lax``),
    what is scanned here is nbval's own run, not a second one."""
    from tests.notebook_runs import RUNS

    path = request.node.callspec.params["executed"].resolve()
    collected_by_nbval = any(
        Path(str(item.path)).resolve() == path and type(item).__name__ == "IPyNbCell"
        for item in request.session.items
    )
    assert RUNS[path].by == ("nbval" if collected_by_nbval else "nbclient")


def test_no_issued_value_in_an_executed_notebooks_outputs_or_widget_state(executed, sandbox):
    nb, harvested = executed
    assert any(JWT_RE.fullmatch(v) for v in harvested), "the notebook was issued no token: nothing checked"
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs, "the notebook produced no output"
    assert not [o for o in outputs if o.get("output_type") == "error"], "a cell raised"
    assert scan(nb, harvested | sandbox_secrets(sandbox)) == []


def test_start_here_configured_as_a_real_tenant_runs_and_shows_no_secret(sandbox, grooper_app, tmp_path):
    """Notebook 00 with a tenant configured the way it teaches: GROOPER_NB_* variables outside the notebook.

    The "real tenant" here is the sandbox reached the way any tool can reach it — its proxy and CA bundle
    in the environment (``python -m grooper_nb.sandbox env``) — so ``connect()`` builds a real-tenant
    profile (not a sandbox one). The sandbox-only cells skip themselves, the checks still run, and the
    secret given through the environment appears in no output.
    """
    import os

    import nbformat

    path = next(p for p in NOTEBOOKS if p.name == "00_start_here.ipynb")
    env = {k: v for k, v in os.environ.items() if k.upper() != "NO_PROXY"}
    env.update(sandbox["env"])
    env.update(
        GROOPER_NB_TENANT=sandbox["tenant"]["domain"],
        GROOPER_NB_CLIENT_ID=grooper_app["client_id"],
        GROOPER_NB_CLIENT_SECRET=grooper_app["client_secret"],
    )
    nb = nbformat.read(path, as_version=4)
    harvested = execute_and_harvest(nb, path, tmp_path / "harvest.json", env=env)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    text = json.dumps(outputs)
    assert not [o for o in outputs if o.get("output_type") == "error"], "a cell raised"
    assert "profile: real tenant" in text and "SANDBOX</span>" not in text  # no badge
    assert "state dir:" not in text  # the sandbox-only cells skipped themselves
    assert any(JWT_RE.fullmatch(v) for v in harvested)  # the first check got a token
    assert scan(nb, harvested | sandbox_secrets(sandbox)) == []


def test_the_notebook_scan_catches_a_printed_token(sandbox, tmp_path):
    """The harvest-and-scan above can fail: a notebook that prints a token (and one that puts it into a
    widget) is caught, while its masked display alone is not."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from grooper_nb import client_credentials, connect\n"
            "token = client_credentials(connect('Grooper Server-to-Server'))\n"
            "token"
        ),
        nbformat.v4.new_code_cell("print(token.access_token.reveal()[::-1])"),  # reversed: no JWT shape
        nbformat.v4.new_code_cell(
            "import ipywidgets\nipywidgets.Text(value=token.access_token.reveal()[5:])"
        ),
    ]
    path = tmp_path / "leaky.ipynb"
    issued = execute_and_harvest(nb, path, tmp_path / "harvest.json")
    token = next(v for v in issued if JWT_RE.fullmatch(v))
    clean = nb.copy()
    clean.cells = nb.cells[:1]
    clean.metadata = {}
    assert scan(clean, issued) == []
    found = scan(nb, issued | {token[::-1], token[5:]})
    assert len(found) == 2, found  # the reversed token in stdout and the cut one in the widget state


# --------------------------------------------------------------------------------------------------
# every flow in this process: logs and displays


@pytest.mark.filterwarnings("ignore:This API has been deprecated:DeprecationWarning")  # MSAL, on ROPC
def test_no_issued_value_in_logs_or_in_any_public_objects_display(sandbox, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)  # the root logger: msal, urllib3, requests, grooper_nb, ...
    issued: set[str] = sandbox_secrets(sandbox) | {WRONG_SECRET, WRONG_PASSWORD}
    shown: list[str] = []
    cache_file = tmp_path / "token-cache.json"

    grooper = connect(token_cache=cache_file)
    s2s = connect("Grooper Server-to-Server")
    s2s_cert = connect("Grooper Server-to-Server", credential="certificate")
    public = connect("Grooper NB Bootstrap", token_cache=cache_file)
    middle = connect("Grooper Middle-Tier API", token_cache=cache_file)
    profiles = (grooper, s2s, s2s_cert, public, middle)
    for p in profiles:
        shown += [*displays(p), *displays(p.credential), repr(p.session), repr(p.sandbox_info)]
        issued |= {s.reveal() for s in p.secrets()}
    person = sandbox_person(grooper)
    admin = sandbox_person(grooper, directory_roles=["Global Administrator"])
    shown += displays(person) + displays(admin)

    results = [
        flows.client_credentials(s2s),
        flows.client_credentials(s2s_cert, f"https://{sandbox['tenant']['sharepoint_host']}/.default"),
    ]
    paste = flows.auth_code_start(grooper, [EWS])
    shown += displays(paste)
    final_url = person.sign_in(paste.url)
    # MSAL's DEBUG log carries the request data: the code and the PKCE verifier must not show there
    issued |= {redirect_params(final_url)["code"], paste._flow["code_verifier"]}
    results.append(paste.finish(final_url))
    shown += displays(paste)
    results.append(flows.auth_code_interactive(grooper, ["Files.ReadWrite.All"], open_browser=person.open))
    device = flows.device_code(public, ["User.Read"])
    issued.add(device._flow["device_code"])
    shown += displays(device)
    person.enter_device_code(device)
    results.append(device.wait(timeout=60))
    shown += displays(device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flows.RopcWarning)
        results.append(flows.ropc(grooper, person.upn, person.password, ["User.Read"]))
    results.append(flows.silent(grooper, [EWS], account=results[2]))
    results.append(flows.silent(grooper, [EWS], account=results[2], force_refresh=True))
    api = flows.silent(public, [f"api://{middle.client_id}/access_as_user"], account=results[4])
    results += [api, flows.on_behalf_of(middle, api, ["https://graph.microsoft.com/Mail.Read"])]
    consent = redirect_params(admin.sign_in(flows.admin_consent_url(grooper)))
    assert consent.get("admin_consent") == "True"
    for r in results:
        issued |= tokens_of(r)
        shown += [*displays(r), repr(r.account), repr(r.id_token_claims), repr(r.claims)]

    errors: list[AuthError] = []
    for attempt in (
        lambda: flows.client_credentials(s2s.replace(client_secret=WRONG_SECRET)),
        lambda: flows.client_credentials(connect(credential="expired_secret")),
        lambda: flows.client_credentials(s2s, "https://graph.microsoft.com/Mail.Read"),
        lambda: flows.ropc(grooper, person.upn, WRONG_PASSWORD, ["User.Read"], warn=False),
        lambda: flows.on_behalf_of(middle, results[0], ["User.Read"]),
        lambda: flows.auth_code_start(grooper, [EWS], redirect_uri="http://localhost/wrong/"),
    ):
        with pytest.raises(AuthError) as info:
            attempt()
        errors.append(info.value)
    assert [e.code for e in errors[:3]] == [7000215, 7000222, 1002012]
    for e in errors:
        shown += [*displays(e), e.description, *e.hints]

    # a secret pasted into the wrong setting: the profile refuses it without quoting it
    pasted = grooper.credential.secret.reveal()
    for wrong_place in ("client_id", "tenant", "certificate", "redirect_uri"):
        with pytest.raises(ProfileError) as info:
            connect(**{"tenant": s2s.tenant, "client_id": s2s.client_id, wrong_place: pasted}, sandbox=False)
        shown += displays(info.value)
    with pytest.raises(TokenError) as info:
        inspect_token(pasted)  # a secret handed to the inspector: named, not quoted
    shown += displays(info.value)

    # tokens: reports, comparisons, the inspector widget (including after Reveal + Hide)
    reports = [inspect_token(r, p) for r, p in ((results[0], s2s), (results[2], grooper))]
    for report in reports:
        shown += [*displays(report), repr(report.claims_frame()), repr(report.verdicts())]
    shown += displays(compare_tokens(*reports))
    inspector = TokenInspector(results[2], grooper)
    shown += [repr(inspector), *widget_states(inspector)]

    # the LoginPanel: device code, then ROPC typed into its boxes
    panel = LoginPanel(public, flow="device_code", scopes="User.Read", open_browser=lambda url: False)
    panel.sign_in_button.click()
    person.enter_device_code(panel.handle)
    assert panel.wait(timeout=60) is not None, panel.status_text
    issued |= tokens_of(panel.result)
    shown += [repr(panel), *widget_states(panel)]
    panel.flow_picker.value = "ropc"
    panel.username_text.value, panel.password_text.value = person.upn, person.password.reveal()
    panel.sign_in_button.click()
    assert panel.wait(timeout=60) is not None, panel.status_text
    issued |= tokens_of(panel.result)
    shown += [repr(panel), *widget_states(panel)]

    # the token cache file's object and its listings
    cache = token_cache.open_cache(cache_file)
    shown += [repr(cache), repr(cache.accounts()), repr(token_cache.accounts(cache_file, as_frame=True))]

    # and everything that was logged meanwhile
    assert caplog.records, "nothing was logged at DEBUG: the log check would be empty"
    shown += [caplog.text, *(r.getMessage() for r in caplog.records)]

    assert sum(bool(JWT_RE.fullmatch(v)) for v in issued) >= 15  # the scan is meaningful
    haystack = "\n".join(shown)
    assert not JWT_RE.search(haystack), "a JWT-looking string was displayed or logged"
    assert leaked(issued, haystack) == []


def test_the_leak_scan_finds_what_it_looks_for(sandbox):
    """The checks above are only worth something if a leak would be caught: a displayed password is."""
    password = sandbox["users"][0]["password"]
    assert leaked(sandbox_secrets(sandbox), f"oops: {password}") != []
    assert re.search(JWT_RE, "Bearer " + ".".join(["eyJ0eXAiOiJKV1QifQ", "eyJhdWQiOiJ4In0", "c2ln"]))
