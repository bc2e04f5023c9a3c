"""grooper_nb.auth.person: the stand-in person drives the sandbox's real pages, and nothing else."""

from __future__ import annotations

import pytest

from grooper_nb._redact import Secret
from grooper_nb.auth import flows
from grooper_nb.auth.person import SandboxPerson, SandboxPersonError, redirect_params, sandbox_person
from grooper_nb.profile import connect

EWS = "https://outlook.office365.com/EWS.AccessAsUser.All"


@pytest.fixture(scope="module")
def grooper(sandbox):
    return connect()


@pytest.fixture(scope="module")
def bootstrap(sandbox):
    return connect(app="Grooper NB Bootstrap")


def test_refuses_a_real_tenant_profile():
    real = connect(
        sandbox=False,
        tenant="contoso.onmicrosoft.com",
        client_id="00000000-0000-0000-0000-000000000001",
        env_file=False,
    )
    with pytest.raises(SandboxPersonError, match="only signs in to the embedded sandbox"):
        sandbox_person(real)
    with pytest.raises(SandboxPersonError):
        SandboxPerson(real, "someone@contoso.com", Secret("not-a-password"))


def test_only_opens_the_sandbox_browser_pages(grooper):
    person = sandbox_person(grooper)
    flow = flows.auth_code_start(grooper, [EWS])
    # the same page on the production host (what MSAL talks to through the proxy) is not for a browser
    msal_url = flow.url.replace(grooper.browser_url, "https://login.microsoftonline.com")
    with pytest.raises(SandboxPersonError, match=r"Refusing to open https://login\.microsoftonline\.com"):
        person.sign_in(msal_url)
    with pytest.raises(SandboxPersonError, match="Refusing"):
        person.enter_device_code("http://example.com/devicelogin", "ABCDEFGH")
    assert person.pages == []


def test_default_person_is_an_ordinary_user_and_never_shows_the_password(grooper, plain_user):
    person = sandbox_person(grooper)
    user = next(u for u in grooper.sandbox_info["users"] if u["upn"] == person.upn)
    assert user["enabled"] and not user["mfa_required"] and not user["directory_roles"]
    assert plain_user["password"] not in repr(person) + str(person) + repr(person.password)


def test_auth_code_paste_signs_in_and_returns_the_redirect_with_the_code(grooper):
    person = sandbox_person(grooper, "megan.bowen")
    flow = flows.auth_code_start(grooper, [EWS])
    final = person.sign_in(flow.url)
    assert final.startswith("http://localhost") and "code" in redirect_params(final)
    assert redirect_params(final)["state"] == redirect_params(flow.url)["state"]
    assert person.pages == ["signin-form"]
    token = flow.finish(final)
    assert token.username == person.upn and token.audience == "https://outlook.office365.com"


def test_a_second_sign_in_is_single_sign_on_until_sign_out(grooper):
    person = sandbox_person(grooper, "lee.gu")
    first = flows.auth_code_start(grooper, [EWS])
    first.finish(person.sign_in(first.url))
    assert person.pages == ["signin-form"]
    person.pages.clear()
    flow = flows.auth_code_start(grooper, ["User.Read"])
    assert flow.finish(person.sign_in(flow.url)).username == person.upn
    assert person.pages == []  # the browser's session cookie signed it in
    person.sign_out()
    flow = flows.auth_code_start(grooper, ["User.Read"])
    flow.finish(person.sign_in(flow.url))
    assert person.pages == ["signin-form"]


def test_open_delivers_form_post_to_the_kernels_loopback_listener(grooper):
    person = sandbox_person(grooper, "adele.vance")
    token = flows.auth_code_interactive(
        grooper, ["Files.ReadWrite.All"], open_browser=person.open, timeout=60
    )
    assert token.flow == "auth_code" and token.username == person.upn
    assert person.pages == ["signin-form", "hiddenform"]


def test_enter_device_code_approves_the_handle(bootstrap):
    person = sandbox_person(bootstrap)
    handle = flows.device_code(bootstrap, ["User.Read"])
    message = person.enter_device_code(handle)
    assert "signed in to the Grooper NB Bootstrap application" in message
    assert handle.wait(timeout=60).username == person.upn
    assert person.pages[:2] == ["devicelogin-form", "signin-form"]


def test_a_wrong_code_is_reported_not_retried(bootstrap):
    person = sandbox_person(bootstrap)
    with pytest.raises(SandboxPersonError, match="didn't work"):
        person.enter_device_code(f"{bootstrap.browser_url}/devicelogin", "WRONGCODE")


def test_mfa_users_pass_the_approve_step(grooper, mfa_user):
    person = sandbox_person(grooper, mfa_required=True)
    assert person.upn == mfa_user["upn"]
    flow = flows.auth_code_start(grooper, [EWS])
    token = flow.finish(person.sign_in(flow.url))
    assert person.pages == ["signin-form", "mfa-form"]
    assert "mfa" in token.id_token_claims.get("amr", []) or "mfa" in token.claims.get("amr", [])


def test_a_wrong_password_raises_the_pages_error_without_the_password(grooper, plain_user):
    wrong = "Wrong-password-for-the-test-42"
    person = SandboxPerson(grooper, plain_user["upn"], Secret(wrong))
    flow = flows.auth_code_start(grooper, [EWS])
    with pytest.raises(SandboxPersonError, match="incorrect") as info:
        person.sign_in(flow.url)
    assert wrong not in str(info.value) and plain_user["password"] not in str(info.value)


def test_admin_consent_by_an_admin_and_the_refusal_for_a_user(grooper):
    url = flows.admin_consent_url(grooper, state="nb02")
    admin = sandbox_person(grooper, "admin")
    params = redirect_params(admin.sign_in(url))
    assert params == {"admin_consent": "True", "tenant": grooper.tenant_id, "state": "nb02"}
    assert admin.pages == ["signin-form", "consent-form"]
    with pytest.raises(SandboxPersonError, match="AADSTS90094"):
        sandbox_person(grooper).sign_in(url)
