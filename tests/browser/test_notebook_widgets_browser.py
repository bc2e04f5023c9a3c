"""Notebook 02's LoginPanel section and the TokenInspector, in a real JupyterLab in headless Chromium.

The notebook is built from notebook 02's own cells (its parameters with ``by_hand = True``, its connect
cell and the LoginPanel section), so what is tested is what a reader runs. The test is the person: it
clicks *Sign in*, opens the link the panel shows in a new tab (the sandbox's pages at ``browser_url``),
types the device code, and signs in. It also reads what Chromium computes for the widgets' links: the
colour JupyterLab gives links (``--jp-content-link-color``) and an underline.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from grooper_nb.tokens import TARGETS

from .test_login_panel_browser import (
    WAIT,
    assert_nothing_secret_in_the_page,
    open_link,
    ordinary_users,
    sign_in_form,
)

pytestmark = pytest.mark.browser

NOTEBOOK_02 = Path(__file__).resolve().parents[2] / "notebooks" / "02_oauth_flows.ipynb"
SECTION = "## 11. The LoginPanel"
# The kernel must not start a browser of its own: the test's Chromium opens the panel's link.
NO_KERNEL_BROWSER = "import webbrowser\nwebbrowser.open = lambda url, *args, **kwargs: False"


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def login_panel_section() -> list[str]:
    """Notebook 02's cells a reader needs for its LoginPanel section, by hand: the parameters (by_hand),
    the imports and profile, the public client, and the section's panel cells."""
    cells = json.loads(NOTEBOOK_02.read_text())["cells"]
    code = [_source(c) for c in cells if c["cell_type"] == "code"]
    parameters = next(s for s in code if "by_hand = False" in s).replace("by_hand = False", "by_hand = True")
    connect = next(s for s in code if "profile = app_profile(sandbox, grooper_app)" in s)
    start = next(
        i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and _source(c).startswith(SECTION)
    )
    panels = [_source(c) for c in cells[start:] if c["cell_type"] == "code"][:2]
    assert "LoginPanel(public" in panels[0] and "LoginPanel(profile" in panels[1]
    return [parameters, NO_KERNEL_BROWSER, connect, "public = app_profile(sandbox, public_app)", *panels]


def link_colour(page) -> str:
    """The colour JupyterLab's theme gives links, as Chromium computes it."""
    return page.evaluate(
        "() => { const a = document.createElement('a'); a.style.color = 'var(--jp-content-link-color)';"
        " document.body.appendChild(a); const c = getComputedStyle(a).color; a.remove(); return c; }"
    )


def assert_looks_like_a_link(link, page) -> None:
    style = link.evaluate("el => [getComputedStyle(el).color, getComputedStyle(el).textDecorationLine]")
    body = page.evaluate("() => getComputedStyle(document.querySelector('.jp-Notebook')).color")
    assert style[0] == link_colour(page) and style[0] != body, (style, body)
    assert "underline" in style[1], style


def test_notebook_02s_login_panels_sign_in_through_the_sandbox_pages(jupyterlab, sandbox):
    first, second = ordinary_users(sandbox)[:2]
    cells = login_panel_section()
    cells += [
        "r1, r2 = device_panel.result, auth_panel.result\n"
        "assert r1 is not None and r2 is not None, (device_panel.status_text, auth_panel.status_text)\n"
        "print(f'RESULT device={r1.username} auth={r2.username}')",
        "from grooper_nb import TokenInspector\n"
        'ui = TokenInspector(r1, public, target="graph_mail_delegated")\n'
        "ui",
        "from grooper_nb import inspect_token, wrapped\nwrapped(inspect_token(r1, public).claims_frame())",
    ]
    lab = jupyterlab(cells, name="notebook-02-login-panel.ipynb")
    device_index, auth_index = len(cells) - 5, len(cells) - 4
    for index in range(device_index + 1):
        lab.run_cell(index)
    lab.run_cell(auth_index)

    # -- device code through the public bootstrap app --------------------------------------------------
    panel = lab.cell(device_index)
    expect(panel.locator(".grooper-nb-sandbox-badge")).to_have_text("SANDBOX")
    panel.locator(".grooper-nb-sign-in").click()
    code_box = panel.locator(".grooper-nb-device-code input")
    expect(code_box).to_have_value(re.compile(r"^[A-Z0-9]{6,}$"), **WAIT)
    link = panel.locator("a.grooper-nb-device-url")
    assert_looks_like_a_link(link, lab.page)
    tab = open_link(lab, link)
    tab.locator("#otc").fill(code_box.input_value())
    tab.get_by_role("button", name="Next").click()
    sign_in_form(tab, first)
    expect(tab.locator("#device-done")).to_contain_text("Grooper NB Bootstrap", **WAIT)
    status = panel.locator(".grooper-nb-status-text")
    expect(status).to_have_attribute("data-state", "ok", **WAIT)
    expect(status).to_contain_text(f"Signed in as {first['upn']}")
    tab.close()

    # -- auth code through the connector, choosing the account (the browser has first's session) --------
    panel = lab.cell(auth_index)
    expect(panel.locator(".grooper-nb-flow-note")).to_contain_text("public client flows are off for this app")
    panel.locator(".grooper-nb-select-account input").check()
    panel.locator(".grooper-nb-sign-in").click()
    link = panel.locator("a.grooper-nb-auth-url")
    expect(link).to_be_visible(**WAIT)
    assert_looks_like_a_link(link, lab.page)
    assert "prompt=select_account" in link.get_attribute("href")
    tab = open_link(lab, link)
    sign_in_form(tab, second)
    expect(tab.locator("body")).to_contain_text("sign-in finished", **WAIT)
    status = panel.locator(".grooper-nb-status-text")
    expect(status).to_have_attribute("data-state", "ok", **WAIT)
    expect(status).to_contain_text(f"Signed in as {second['upn']}")
    expect(status).to_contain_text("Choose the account")
    tab.close()

    lab.run_cell(len(cells) - 3)
    expect(lab.output(len(cells) - 3)).to_contain_text(f"RESULT device={first['upn']} auth={second['upn']}")

    # -- TokenInspector: the picker is target=, every target is listed, its links look like links -------
    inspector_index = len(cells) - 2
    lab.run_cell(inspector_index)
    inspector = lab.cell(inspector_index)
    picked = TARGETS["graph_mail_delegated"].title
    expect(inspector.locator(".grooper-nb-target select")).to_have_value(picked)
    summary = inspector.locator(".grooper-nb-token-inspector").first
    for target in TARGETS.values():
        expect(summary).to_contain_text(target.title)
    inspector.get_by_role("tab", name="Claims").click()
    doc_link = inspector.locator(".grooper-nb-doc-link a").first
    expect(doc_link).to_be_visible()
    assert_looks_like_a_link(doc_link, lab.page)

    # -- a wrapped table (notebook 03's "Every claim, explained") stays inside the notebook, uncut ------
    lab.run_cell(inspector_index + 1)
    table = lab.output(inspector_index + 1).locator("table").first
    expect(table).to_be_visible()
    widths = table.evaluate(
        "t => { const out = t.closest('.jp-OutputArea-output');"
        " return [t.getBoundingClientRect().width, out.getBoundingClientRect().width,"
        " out.scrollWidth, out.clientWidth]; }"
    )
    assert widths[0] <= widths[1] and widths[2] <= widths[3], widths
    cut = table.evaluate(
        "t => [...t.querySelectorAll('td')].filter(td => td.scrollWidth > td.clientWidth).length"
    )
    assert cut == 0, f"{cut} cells cut off"

    assert_nothing_secret_in_the_page(lab, sandbox)
