"""LoginPanel in a real JupyterLab in headless Chromium: a person signs in with device code and auth code.

The notebook shows ``LoginPanel(connect(...))`` for the run's sandbox. The test plays the person with the
same browser: clicks *Sign in*, reads what the panel shows (the code, the link), opens the link in a new
tab — the sandbox's pages at ``browser_url`` — and signs in with a seeded user's credentials (from the
``sandbox`` fixture, i.e. ``python -m grooper_nb.sandbox start``'s JSON). Success is checked twice: in the
page (the panel's status line) and in the kernel (a cell that asserts on ``panel.result`` is run again).
Screenshots, console and server log are saved on failure by the harness (tests/browser/conftest.py).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from grooper_nb._redact import JWT_RE
from grooper_nb.widgets.login_panel import FLOW_LABELS

pytestmark = pytest.mark.browser

WAIT = {"timeout": 30_000}  # for what waits on the kernel, MSAL's polling or the sandbox
# The panel asks for Graph scopes by short name ("User.Read"): Entra names Graph by its app id in aud.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE = "https://outlook.office365.com"

# The kernel must not try to launch a browser of its own: the test's Chromium opens the panel's link.
NO_KERNEL_BROWSER = "open_browser=lambda url: False"


def ordinary_users(sandbox: dict) -> list[dict]:
    return [
        u
        for u in sandbox["users"]
        if u["enabled"] and not u["mfa_required"] and u["has_mailbox"] and not u["directory_roles"]
    ]


def panel_cells(name: str, app: str | None, flow: str) -> list[str]:
    """A cell showing a LoginPanel, and a cell that asserts on its result in the kernel."""
    app_arg = repr(app) if app else ""
    return [
        "from grooper_nb import LoginPanel, connect\n"
        f"{name} = LoginPanel(connect({app_arg}), flow={flow!r}, {NO_KERNEL_BROWSER})\n"
        f"{name}",
        f"r = {name}.result\n"
        f"assert r is not None, {name}.status_text\n"
        f"assert r.flow == {flow!r} and r.access_token.reveal().count('.') == 2\n"
        f"print(f'RESULT {name} flow={{r.flow}} user={{r.username}} aud={{r.audience}}')",
    ]


def sign_in_form(tab, user: dict) -> None:
    """The sandbox's sign-in page, filled as a person would."""
    expect(tab.locator("#signin-title")).to_have_text("Sign in")
    tab.locator("#login").fill(user["upn"])
    tab.locator("#passwd").fill(user["password"])
    tab.get_by_role("button", name="Sign in").click()


def status(lab, index: int):
    return lab.cell(index).locator(".grooper-nb-status-text")


def open_link(lab, link):
    """Click a link the panel shows (target=_blank) and return the new tab."""
    with lab.page.context.expect_page() as new_tab:
        link.click()
    tab = new_tab.value
    tab.wait_for_load_state()
    return tab


def assert_nothing_secret_in_the_page(lab, sandbox: dict) -> None:
    page_html = lab.page.content()
    assert not JWT_RE.search(page_html), "a JWT-looking string is rendered in JupyterLab"
    passwords = [u["password"] for u in sandbox["users"]]
    assert not [p for p in passwords if p in page_html], "a password is rendered in JupyterLab"


def check_the_copy_button(lab, panel, code_box, code: str) -> None:
    """'Copied' only when the clipboard took the code; without a clipboard API (JupyterHub over plain
    http) the code is selected in its box for Ctrl+C instead — which needs a box that is not disabled."""
    expect(code_box).to_be_enabled()
    copy = panel.locator(".grooper-nb-copy-code")
    lab.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy.click()
    expect(copy).to_have_text("Copied")
    assert lab.page.evaluate("navigator.clipboard.readText()") == code
    lab.page.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    copy.click()
    expect(copy).to_have_text("Select the code and copy it (Ctrl+C)")
    selected = code_box.evaluate(
        "el => document.activeElement === el && el.value.substring(el.selectionStart, el.selectionEnd)"
    )
    assert selected == code


def test_device_code_then_auth_code_sign_in_through_the_login_panel(jupyterlab, sandbox):
    first, second = ordinary_users(sandbox)[:2]
    lab = jupyterlab(
        [
            *panel_cells("device_panel", "Grooper NB Bootstrap", "device_code"),
            *panel_cells("auth_panel", None, "auth_code"),
        ],
        name="login-panel-browser.ipynb",
    )

    # -- 1. Device code ---------------------------------------------------------------------------
    lab.run_cell(0)
    panel = lab.cell(0)
    expect(panel.locator(".grooper-nb-sandbox-badge")).to_have_text("SANDBOX")
    expect(panel.locator(".grooper-nb-flow select")).to_have_value(FLOW_LABELS["device_code"])
    panel.locator(".grooper-nb-sign-in").click()

    code_box = panel.locator(".grooper-nb-device-code input")
    expect(code_box).to_have_value(re.compile(r"^[A-Z0-9]{6,}$"), **WAIT)
    code = code_box.input_value()
    expect(panel.locator(".grooper-nb-countdown")).to_contain_text("Code expires in")
    check_the_copy_button(lab, panel, code_box, code)
    link = panel.locator("a.grooper-nb-device-url")
    assert link.get_attribute("href") == f"{sandbox['browser_url']}/devicelogin"

    device_tab = open_link(lab, link)
    assert device_tab.url == f"{sandbox['browser_url']}/devicelogin"
    device_tab.locator("#otc").fill(code)
    device_tab.get_by_role("button", name="Next").click()
    sign_in_form(device_tab, first)
    expect(device_tab.locator("#device-done")).to_contain_text("Grooper NB Bootstrap", **WAIT)

    expect(status(lab, 0)).to_have_attribute("data-state", "ok", **WAIT)
    expect(status(lab, 0)).to_contain_text(f"Signed in as {first['upn']}")
    expect(panel.locator(".grooper-nb-result")).to_contain_text("device_code")
    lab.run_cell(1)
    expect(lab.output(1)).to_contain_text(
        f"RESULT device_panel flow=device_code user={first['upn']} aud={GRAPH_APP_ID}"
    )

    # The first person signs out of the sandbox in that tab (a shared machine), so the next sign-in
    # shows the form again instead of single sign-on with the first person's session.
    device_tab.goto(f"{sandbox['browser_url']}/common/oauth2/v2.0/logout")
    expect(device_tab.locator("#signed-out")).to_be_visible()
    device_tab.close()

    # -- 2. Auth code, the browser follows the redirect to the kernel's loopback listener ------------
    lab.run_cell(2)
    panel = lab.cell(2)
    expect(panel.locator(".grooper-nb-flow select")).to_have_value(FLOW_LABELS["auth_code"])
    panel.locator(".grooper-nb-scope-preset select").select_option("Exchange (EWS, delegated)")
    expect(panel.locator(".grooper-nb-scopes input")).to_have_value(
        f"{EXCHANGE}/EWS.AccessAsUser.All offline_access"
    )
    panel.locator(".grooper-nb-sign-in").click()

    link = panel.locator("a.grooper-nb-auth-url")
    expect(link).to_be_visible(**WAIT)
    assert link.get_attribute("href").startswith(f"{sandbox['browser_url']}/{sandbox['tenant']['id']}/")
    sign_in_tab = open_link(lab, link)
    sign_in_form(sign_in_tab, second)
    # form_post page -> the kernel's listener on http://localhost:<port> answers this page
    expect(sign_in_tab.locator("body")).to_contain_text("sign-in finished", **WAIT)
    assert re.match(r"^http://localhost:\d+/?$", sign_in_tab.url), sign_in_tab.url

    expect(status(lab, 2)).to_have_attribute("data-state", "ok", **WAIT)
    expect(status(lab, 2)).to_contain_text(f"Signed in as {second['upn']}: token for {EXCHANGE}")
    lab.run_cell(3)
    expect(lab.output(3)).to_contain_text(
        f"RESULT auth_panel flow=auth_code user={second['upn']} aud={EXCHANGE}"
    )

    assert_nothing_secret_in_the_page(lab, sandbox)


def test_auth_code_paste_the_redirect_url_into_the_login_panel(jupyterlab, sandbox):
    person = ordinary_users(sandbox)[2]
    lab = jupyterlab(panel_cells("paste_panel", None, "auth_code_paste"), name="login-panel-paste.ipynb")
    lab.run_cell(0)
    panel = lab.cell(0)
    expect(panel.locator(".grooper-nb-flow select")).to_have_value(FLOW_LABELS["auth_code_paste"])
    panel.locator(".grooper-nb-sign-in").click()
    expect(panel.locator(".grooper-nb-paste input")).to_be_visible(**WAIT)

    # The redirect goes to http://localhost/?code=... where nothing listens (a remote kernel): the page
    # does not load, and the person copies the address it tried — the failed request's URL.
    context = lab.page.context
    sign_in_tab = open_link(lab, panel.locator("a.grooper-nb-auth-url"))
    with context.expect_event(
        "requestfailed", predicate=lambda r: r.url.startswith("http://localhost")
    ) as failed:
        sign_in_form(sign_in_tab, person)
    redirect_url = failed.value.url
    assert "code=" in redirect_url and "state=" in redirect_url
    sign_in_tab.close()

    panel.locator(".grooper-nb-paste input").fill(redirect_url)
    panel.locator(".grooper-nb-finish").click()
    expect(status(lab, 0)).to_have_attribute("data-state", "ok", **WAIT)
    expect(status(lab, 0)).to_contain_text(f"Signed in as {person['upn']}")
    expect(panel.locator(".grooper-nb-paste input")).to_have_value("")  # the code is not kept in the page
    lab.run_cell(1)
    expect(lab.output(1)).to_contain_text(f"RESULT paste_panel flow=auth_code_paste user={person['upn']}")

    assert_nothing_secret_in_the_page(lab, sandbox)
