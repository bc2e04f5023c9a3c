"""LoginPanel, driven headlessly: set widget values, click buttons, play the person on the sandbox pages
from this (test) thread while the panel polls in the background."""

from __future__ import annotations

import re

import pytest

from grooper_nb.auth.person import SandboxPerson, sandbox_person
from grooper_nb.errors.aadsts import CATALOGUE
from grooper_nb.profile import connect
from grooper_nb.widgets import LoginPanel
from grooper_nb.widgets.login_panel import allowed_flows, presets_for

GRAPH = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


@pytest.fixture
def person(sandbox, plain_user) -> SandboxPerson:
    """A plain user at a browser on the sandbox's pages (grooper_nb.auth.person)."""
    return sandbox_person(connect(), plain_user["upn"])


def href(html_value: str) -> str:
    return re.search(r'href="([^"]+)"', html_value).group(1).replace("&amp;", "&")


def test_panel_shows_the_profile_with_a_sandbox_badge_and_only_allowed_flows(sandbox):
    grooper = connect()
    panel = LoginPanel(grooper)
    assert (
        "SANDBOX" in panel.profile_html.value
        and "Grooper Azure AD Connector 2021" in panel.profile_html.value
    )
    flows_shown = [value for _label, value in panel.flow_picker.options]
    # confidential app with "Allow public client flows" off: no device code
    assert flows_shown == ["auth_code", "auth_code_paste", "client_credentials", "ropc", "silent"]
    assert panel.sign_in_button.description == "Sign in" and panel.cancel_button.description == "Cancel"
    assert panel.cancel_button.disabled and not panel.busy
    # Grooper's connection types as presets; choosing one fills the scopes
    assert list(panel.scope_preset.options)[:3] == [
        "Exchange (EWS, delegated)", "SharePoint (delegated)", "OneDrive / Graph (delegated)"]  # fmt: skip
    panel.scope_preset.value = "SharePoint (delegated)"
    assert panel.scopes == [f"{GRAPH}/Files.ReadWrite.All", f"{GRAPH}/Sites.ReadWrite.All", "offline_access"]
    panel.flow_picker.value = "client_credentials"
    # this app holds no application permission: no server-to-server preset fits, Custom is offered
    assert list(panel.scope_preset.options) == ["Custom"] and panel.scopes == [f"{GRAPH}/.default"]
    panel.flow_picker.value = "ropc"
    assert panel.ropc_box.layout.display is None  # username/password only for ROPC
    assert "legacy" in panel.ropc_warning.value and "MFA" in panel.ropc_warning.value

    bootstrap = connect(app="Grooper NB Bootstrap")
    assert allowed_flows(bootstrap)[0] == "device_code" and "client_credentials" not in allowed_flows(
        bootstrap
    )
    assert "SANDBOX" in LoginPanel(bootstrap).profile_html.value
    s2s = connect(app="Grooper Server-to-Server")
    assert presets_for(s2s, "client_credentials")[:2] == ["Server-to-server Graph", "Server-to-server EWS"]


def test_device_code_completes_while_the_test_thread_stays_free(bootstrap_app, person):
    panel = LoginPanel(connect(app="Grooper NB Bootstrap"))
    panel.flow_picker.value = "device_code"
    panel.scope_preset.value = "Custom"
    panel.scopes_text.value = "User.Read"
    panel.sign_in_button.click()  # returns at once: MSAL polls in the panel's background thread
    assert panel.busy and not panel.cancel_button.disabled and panel.sign_in_button.disabled
    code = panel.code_text.value
    assert panel.code_text.description == "Code" and code
    assert f'data-code="{code}"' in panel.copy_button.value and "Copy code" in panel.copy_button.value
    link = href(panel.device_link.value)
    assert link == f"{panel.profile.browser_url}/devicelogin"
    assert "Open the device login page" in panel.device_link.value
    # the person signs in from this thread — the test would deadlock if the panel blocked it
    person.enter_device_code(link, code)
    result = panel.wait(timeout=120)
    assert result is not None and panel.result is result
    # "User.Read" by short name: Entra names Graph by its app id in aud.
    assert result.flow == "device_code" and result.audience == GRAPH_APP_ID
    assert panel.status_text.startswith(f"Signed in as {person.upn}")
    assert "Token" in panel.result_html.value
    assert result.access_token.reveal() not in panel.result_html.value + repr(panel)
    assert panel.device_box.layout.display == "none" and not panel.busy
    assert not panel.handle.thread.is_alive()


def test_cancel_stops_the_device_code_polling(sandbox, person):
    panel = LoginPanel(connect(app="Grooper NB Bootstrap"), flow="device_code", scopes="User.Read")
    panel.sign_in_button.click()
    handle = panel.handle
    assert handle.thread.is_alive()
    panel.cancel_button.click()
    handle.thread.join(timeout=60)
    assert not handle.thread.is_alive()  # MSAL's polling loop has returned
    assert handle.status == "cancelled"
    assert panel.status_text == "Cancelled." and panel.result is None and not panel.busy
    # too late: the page accepts the code, but nobody is polling for the token any more
    assert "signed in" in person.enter_device_code(handle.verification_uri, handle.user_code)
    assert panel.wait(timeout=1) is None and panel.result is None
    assert panel.cancel_button.disabled and not panel.sign_in_button.disabled


def test_client_credentials_error_renders_its_explanation(s2s_app):
    panel = LoginPanel(connect(app="Grooper Server-to-Server"), flow="client_credentials")
    panel.scope_preset.value = "Custom"
    panel.scopes_text.value = "Mail.Read"
    panel.sign_in_button.click()
    assert panel.wait(timeout=120) is None
    err = panel.error
    assert err is not None and err.code == 1002012
    shown = panel.result_html.value
    entry = CATALOGUE[1002012]
    assert "https://login.microsoftonline.com/error?code=1002012" in shown
    for text in ("Meaning", "Likely cause", "Fix"):
        assert text in shown
    assert entry.fix.split(":")[0] in shown.replace("&#x27;", "'")
    assert panel.status_text.startswith("Failed:")


def test_client_credentials_success_shows_the_roles_not_the_token(s2s_app):
    panel = LoginPanel(connect(app="Grooper Server-to-Server"), flow="client_credentials")
    panel.sign_in_button.click()
    result = panel.wait(timeout=120)
    assert result.audience == GRAPH and "Mail.Read" in result.claims["roles"]
    assert result.access_token.reveal() not in panel.result_html.value


def test_ropc_for_an_mfa_user_is_explained_and_the_password_is_not_kept(sandbox, mfa_user):
    panel = LoginPanel(connect(), flow="ropc")
    panel.username_text.value = mfa_user["upn"]
    panel.password_text.value = mfa_user["password"]
    panel.sign_in_button.click()
    assert panel.password_text.value == ""  # read once, then cleared from widget state
    panel.wait(timeout=120)
    assert panel.error.code == 50076
    assert "multi-factor" in panel.result_html.value
    assert mfa_user["password"] not in repr(panel) + panel.result_html.value + panel.status.value


def test_auth_code_paste_on_a_remote_kernel(sandbox, person):
    panel = LoginPanel(connect(), flow="auth_code_paste")
    panel.scope_preset.value = "SharePoint (delegated)"
    panel.sign_in_button.click()
    url = href(panel.auth_link.value)
    assert url.startswith(panel.profile.browser_url + "/")  # the sandbox page, never Microsoft's site
    assert panel.paste_box.layout.display is None and panel.paste_text.description == "Redirect URL"
    panel.paste_text.value = person.sign_in(url)
    panel.finish_button.click()
    assert panel.result.flow == "auth_code_paste" and panel.result.audience == GRAPH
    assert panel.paste_text.value == ""


def test_auth_code_with_the_browser_on_this_machine(sandbox, person):
    opened = []

    def browser(url):
        opened.append(url)
        person.sign_in(url, follow_redirect=True)

    panel = LoginPanel(connect(), flow="auth_code", open_browser=browser)
    panel.sign_in_button.click()
    result = panel.wait(timeout=120)
    assert opened and opened[0].startswith(panel.profile.browser_url + "/")
    assert result.flow == "auth_code" and result.audience == "https://outlook.office365.com"

    later = LoginPanel(connect(), flow="silent")  # a later cell: the cache answers
    later.scope_preset.value = "Exchange (EWS, delegated)"
    later.sign_in_button.click()
    assert later.wait(timeout=120).flow == "silent"


def test_an_interactive_sign_in_can_be_cancelled(sandbox):
    panel = LoginPanel(connect(), flow="auth_code", open_browser=lambda url: None)
    panel.sign_in_button.click()
    assert panel.busy
    panel.cancel_button.click()
    panel.wait(timeout=60)
    assert panel.status_text == "Cancelled." and panel.result is None and panel.handle.status == "cancelled"


# ---- nothing keeps polling behind a closed or replaced panel --------------------------------------------
def ended(threads, timeout: float = 60) -> list:
    """The threads still alive after joining each (with a timeout)."""
    for t in threads:
        t.join(timeout)
    return [t.name for t in threads if t.is_alive()]


def test_closing_a_panel_cancels_its_device_code_and_every_thread_ends(sandbox):
    panel = LoginPanel(connect(app="Grooper NB Bootstrap"), flow="device_code", scopes="User.Read")
    panel.sign_in_button.click()
    threads = panel.threads
    names = [t.name for t in threads]
    assert any(n.startswith("device-code") for n in names) and "login-panel countdown" in names
    handle = panel.handle
    panel.close()  # what clearing the output or re-running the cell does to the widget
    assert ended(threads) == []
    assert handle.status == "cancelled" and panel.threads == []


def test_a_new_panel_for_the_same_app_cancels_the_earlier_panels_run(sandbox):
    bootstrap = connect(app="Grooper NB Bootstrap")
    first = LoginPanel(bootstrap, flow="device_code", scopes="User.Read")
    first.sign_in_button.click()
    old_threads = first.threads
    second = LoginPanel(connect(app="Grooper NB Bootstrap"), flow="device_code", scopes="User.Read")
    second.sign_in_button.click()  # the re-run cell's panel
    try:
        assert ended(old_threads) == []
        assert first.handle.status == "cancelled" and first.status_text == "Cancelled."
        assert second.busy and second.handle.status == "pending"
        other_app = LoginPanel(connect(), flow="auth_code_paste")  # another app: left alone
        other_app.sign_in_button.click()
        assert second.busy
        other_app.close()
    finally:
        second.close()
    assert ended(second.threads) == []


def test_a_browser_that_cannot_be_opened_fails_the_panel_and_closes_the_listener(sandbox):
    import webbrowser

    def broken(url):
        raise webbrowser.Error("could not locate runnable browser")

    panel = LoginPanel(connect(), flow="auth_code", open_browser=broken)
    panel.sign_in_button.click()
    listener = panel.handle._server.thread
    panel.wait(timeout=60)
    assert not panel.busy and not panel.sign_in_button.disabled
    assert panel.error is not None and panel.error.error == "no_browser"
    assert "could not locate runnable browser" in panel.error.description
    assert panel.status_text.startswith("Failed:")
    assert ended([listener]) == []


def test_any_exception_in_the_browser_launcher_is_shown_not_lost(sandbox):
    def broken(url):
        raise OSError("xdg-open: not found")

    panel = LoginPanel(connect(), flow="auth_code", open_browser=broken)
    panel.sign_in_button.click()
    listener = panel.handle._server.thread
    panel.wait(timeout=60)
    assert panel.error.error == "client_error" and "OSError: xdg-open: not found" in panel.error.description
    assert "Not in the catalogue" not in panel.result_html.value
    assert ended([listener]) == []


def test_the_device_code_is_selectable_and_copy_says_copied_only_when_it_worked(sandbox):
    panel = LoginPanel(connect(app="Grooper NB Bootstrap"), flow="device_code", scopes="User.Read")
    panel.sign_in_button.click()
    try:
        code = panel.code_text.value
        assert code and not panel.code_text.disabled  # a disabled box cannot be selected
        panel.code_text.value = "typed over"
        assert panel.code_text.value == code  # read-only in effect
        button = panel.copy_button.value
        assert "writeText(code).then(" in button.replace("&#x27;", "'")  # 'Copied' only on success
        assert "Select the code and copy it" in button.replace("&#x27;", "'")
        assert "this.textContent='Copied'" not in button.replace("&#x27;", "'")
    finally:
        panel.close()


def test_the_confidential_connector_says_why_device_code_is_not_offered(sandbox):
    panel = LoginPanel(connect())
    assert "device_code" not in [value for _label, value in panel.flow_picker.options]
    note = panel.flow_note.value
    assert "public client flows are off for this app" in note and "Grooper NB Bootstrap" in note
    assert LoginPanel(connect(app="Grooper NB Bootstrap")).flow_note.value == ""


def test_the_ropc_warning_names_the_flows_a_person_picks_not_python_functions(sandbox):
    warning = LoginPanel(connect(), flow="ropc").ropc_warning.value
    assert "Auth code" in warning and "Device code" in warning and "MFA" in warning
    assert "auth_code_interactive" not in warning and "device_code" not in warning


def test_auth_code_can_ask_which_account_signs_in(sandbox, person):
    panel = LoginPanel(connect(), flow="auth_code_paste")
    assert panel.account_box.layout.display is None  # offered for auth code
    panel.select_account.value = True
    panel.login_hint_text.value = person.upn
    panel.sign_in_button.click()
    url = href(panel.auth_link.value)
    assert "prompt=select_account" in url and "login_hint=" in url
    panel.paste_text.value = person.sign_in(url)  # the sandbox honours prompt=select_account
    panel.finish_button.click()
    assert panel.result.username == person.upn
    assert panel.status_text.startswith(f"Signed in as {person.upn}")
    assert "Choose the account" in panel.status_text  # how to switch to someone else
    panel.flow_picker.value = "client_credentials"
    assert panel.account_box.layout.display == "none"


def test_a_paste_without_a_code_says_so_and_keeps_the_flow_open(sandbox, person):
    panel = LoginPanel(connect(), flow="auth_code_paste")
    panel.sign_in_button.click()
    assert not panel.cancel_button.disabled  # Cancel ends a pending paste flow
    panel.finish("http://localhost/?state=only")
    assert panel.status_text.startswith("The pasted text holds no code")
    assert "Microsoft" not in panel.status_text and panel.busy and panel.error is None
    panel.paste_text.value = person.sign_in(href(panel.auth_link.value))
    panel.finish_button.click()
    assert panel.result is not None and panel.result.flow == "auth_code_paste"


def test_cancel_ends_a_pending_paste_flow(sandbox):
    panel = LoginPanel(connect(), flow="auth_code_paste")
    panel.sign_in_button.click()
    panel.cancel_button.click()
    assert not panel.busy and panel.status_text == "Cancelled." and panel.handle.status == "cancelled"
    assert panel.auth_box.layout.display == "none" and panel.cancel_button.disabled


def test_a_local_error_leads_with_its_own_message_not_microsofts(sandbox):
    from grooper_nb.errors.aadsts import AuthError

    err = AuthError.local("state_mismatch", "The redirect's state does not match this sign-in.")
    card = err._repr_html_()
    assert "Microsoft said" not in card
    assert card.index("does not match this sign-in") < card.index("Meaning:")
    assert err.headline == "The redirect's state does not match this sign-in."


def test_links_in_the_panel_are_styled_as_links(sandbox):
    panel = LoginPanel(connect())
    style = panel.children[0].value
    assert ".grooper-nb-login-panel a" in style and "var(--jp-content-link-color" in style
    assert "text-decoration: underline" in style
    assert panel.username_text.layout.width and panel.username_text.layout.width != "auto"
