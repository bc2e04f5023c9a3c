"""The pages a person uses (authorize, sign-out, admin consent), driven with plain requests as a
browser would.

Tests that grant consent run on a sandbox of their own (``private_sandbox``, ``fresh_sandbox``).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import msal
import pytest
import requests

from tests.sandbox.login.identity_helpers import (
    app,
    assert_aadsts,
    authority,
    continue_pages,
    forms,
    page_error_details,
    redirect_query,
    sign_in,
    submit,
    user,
)

BOOTSTRAP = "Grooper NB Bootstrap"
GROOPER = "Grooper Azure AD Connector 2021"


def _client(sandbox):
    return msal.PublicClientApplication(app(sandbox, BOOTSTRAP)["client_id"], authority=authority(sandbox))


def _flow(sandbox, scopes=("User.Read",), **kwargs):
    client = _client(sandbox)
    return client, client.initiate_auth_code_flow(
        list(scopes), redirect_uri="http://localhost:53200", **kwargs
    )


def test_sign_in_page_has_stable_fields_a_badge_and_the_login_hint(sandbox, sandbox_env):
    person = user(sandbox, "adele.vance")
    _, flow = _flow(sandbox, login_hint=person["upn"])
    page = requests.get(flow["auth_uri"], timeout=30)
    assert page.status_code == 200 and 'id="sandbox-badge"' in page.text and ">SANDBOX<" in page.text
    form = forms(page.text)[0]
    assert set(form["fields"]) == {"flow", "login", "passwd"} and form["fields"]["login"] == person["upn"]
    assert ">Sign in</button>" in page.text
    # Nothing secret is in the page: not the PKCE verifier, not the state's secret parts.
    assert flow["code_verifier"] not in page.text


def test_wrong_password_shows_50126_and_never_echoes_the_password(sandbox, sandbox_env):
    person = user(sandbox, "adele.vance")
    client, flow = _flow(sandbox)
    session = requests.Session()
    page = session.get(flow["auth_uri"], timeout=30)
    typed = "Wr0ng-password-typed-by-a-person"
    again = submit(session, page, {"login": person["upn"], "passwd": typed})
    assert again.status_code == 200 and "AADSTS50126" in again.text and typed not in again.text
    final = continue_pages(
        session, submit(session, again, {"login": person["upn"], "passwd": person["password"]})
    )
    assert "access_token" in client.acquire_token_by_auth_code_flow(flow, redirect_query(final))


def test_mfa_user_approves_a_second_factor(sandbox, sandbox_env):
    client, flow = _flow(sandbox)
    session = requests.Session()
    page = session.get(flow["auth_uri"], timeout=30)
    mfa = submit(
        session,
        page,
        {
            "login": user(sandbox, "diego.siciliani")["upn"],
            "passwd": user(sandbox, "diego.siciliani")["password"],
        },
    )
    assert 'id="mfa-form"' in mfa.text and ">Approve</button>" in mfa.text
    final = submit(session, mfa, {}, button="approve")
    result = client.acquire_token_by_auth_code_flow(flow, redirect_query(final))
    assert jwt.decode(result["access_token"], options={"verify_signature": False})["amr"] == ["pwd", "mfa"]


def test_session_gives_single_sign_on_prompt_login_asks_again_and_logout_ends_it(sandbox, sandbox_env):
    person = user(sandbox, "lee.gu")
    session = requests.Session()
    _, flow = _flow(sandbox)
    redirect_query(sign_in(session, flow["auth_uri"], person))
    client, sso = _flow(sandbox)
    silent = session.get(sso["auth_uri"], allow_redirects=False, timeout=30)
    assert "access_token" in client.acquire_token_by_auth_code_flow(sso, redirect_query(silent))
    _, forced = _flow(sandbox, prompt="login")
    assert 'id="signin-form"' in session.get(forced["auth_uri"], timeout=30).text
    out = session.get(f"{authority(sandbox)}/oauth2/v2.0/logout", allow_redirects=False, timeout=30)
    assert out.status_code == 200 and 'id="signed-out"' in out.text
    _, none = _flow(sandbox, prompt="none")
    query = redirect_query(session.get(none["auth_uri"], allow_redirects=False, timeout=30))
    assert query["error"] == "login_required" and query["state"] == none["state"]
    assert query["error_description"].startswith("AADSTS50058: ")


def test_prompt_none_without_a_session_redirects_login_required(sandbox, sandbox_env):
    _, flow = _flow(sandbox, prompt="none")
    query = redirect_query(requests.get(flow["auth_uri"], allow_redirects=False, timeout=30))
    assert query["error"] == "login_required" and "error_uri" in query


def test_consent_page_for_a_scope_not_yet_consented_accept_and_cancel(fresh_sandbox):
    sandbox = fresh_sandbox  # Lee's consent stays in this tenant, so the test finds the page every time
    person = user(sandbox, "lee.gu")
    client, flow = _flow(sandbox, scopes=["Files.Read"])
    session = requests.Session()
    page = submit(
        session,
        session.get(flow["auth_uri"], timeout=30),
        {"login": person["upn"], "passwd": person["password"]},
    )
    assert 'id="consent-form"' in page.text and "Files.Read" in page.text and ">Accept</button>" in page.text
    result = client.acquire_token_by_auth_code_flow(
        flow, redirect_query(submit(session, page, {}, button="accept"))
    )
    assert (
        "Files.Read" in jwt.decode(result["access_token"], options={"verify_signature": False})["scp"].split()
    )

    _, declined = _flow(sandbox, scopes=["Mail.ReadWrite"])
    page = session.get(declined["auth_uri"], timeout=30)  # signed in already: straight to consent
    query = redirect_query(submit(session, page, {}, button="cancel"))
    assert query["error"] == "access_denied" and query["error_description"].startswith("AADSTS65004: ")


def test_authorize_and_token_work_from_the_browser_url(sandbox, sandbox_env):
    client, flow = _flow(sandbox)
    person_url = flow["auth_uri"].replace("https://login.microsoftonline.com", sandbox["browser_url"])
    final = sign_in(requests.Session(), person_url, user(sandbox, "adele.vance"))
    result = client.acquire_token_by_auth_code_flow(flow, redirect_query(final))
    claims = result["id_token_claims"]
    assert claims["iss"] == f"https://login.microsoftonline.com/{sandbox['tenant']['id']}/v2.0"


def test_admin_consent_v1_and_v2_need_an_administrator(private_sandbox, private_env):
    sandbox = private_sandbox
    grooper, tid = app(sandbox, GROOPER), sandbox["tenant"]["id"]
    url = (
        f"{sandbox['browser_url']}/{tid}/adminconsent?client_id={grooper['client_id']}"
        "&redirect_uri=http%3A%2F%2Flocalhost%3A53300&state=12345"
    )
    session = requests.Session()
    page = sign_in(session, url, user(sandbox, "admin"), consent=False)
    assert 'id="consent-form"' in page.text and "full_access_as_app" not in page.text
    assert "EWS.AccessAsUser.All" in page.text
    query = redirect_query(submit(session, page, {}, button="accept"))
    assert query == {"admin_consent": "True", "tenant": tid, "state": "12345"}

    v2 = (
        f"{sandbox['browser_url']}/{tid}/v2.0/adminconsent?client_id={grooper['client_id']}"
        "&redirect_uri=http%3A%2F%2Flocalhost&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&state=s"
    )
    refused = sign_in(requests.Session(), v2, user(sandbox, "megan.bowen"), consent=False)
    assert_aadsts(page_error_details(refused.text), 90094)


def test_nativeclient_landing_page_shows_the_address_to_copy(sandbox, sandbox_env):
    resp = requests.get(f"{sandbox['browser_url']}/common/oauth2/nativeclient?code=abc&state=xyz", timeout=30)
    assert (
        resp.status_code == 200 and 'id="nativeclient-url"' in resp.text and 'id="sandbox-badge"' in resp.text
    )
    assert "https://login.microsoftonline.com/common/oauth2/nativeclient?code=abc&amp;state=xyz" in resp.text


def test_devicelogin_page_rejects_an_unknown_code(sandbox, sandbox_env):
    page = requests.get(f"{sandbox['browser_url']}/devicelogin", timeout=30)
    assert set(forms(page.text)[0]["fields"]) == {"otc"} and ">Next</button>" in page.text
    wrong = requests.post(f"{sandbox['browser_url']}/devicelogin", data={"otc": "NOTACODE1"}, timeout=30)
    assert wrong.status_code == 400 and "didn" in wrong.text and 'id="sandbox-badge"' in wrong.text


def test_a_nativeclient_redirect_from_the_browser_url_stays_in_the_sandbox(sandbox, sandbox_env):
    """A person on browser_url must land on the sandbox's nativeclient page, not the real Microsoft site."""
    client = _client(sandbox)
    native = "https://login.microsoftonline.com/common/oauth2/nativeclient"
    flow = client.initiate_auth_code_flow(["User.Read"], redirect_uri=native)
    person_url = flow["auth_uri"].replace("https://login.microsoftonline.com", sandbox["browser_url"])
    final = sign_in(requests.Session(), person_url, user(sandbox, "lee.gu"))
    location = final.headers["Location"]
    assert location.startswith(f"{sandbox['browser_url']}/common/oauth2/nativeclient?"), location
    landing = requests.get(location, timeout=30)
    assert landing.status_code == 200 and 'id="nativeclient-url"' in landing.text
    result = client.acquire_token_by_auth_code_flow(flow, redirect_query(final))
    assert "access_token" in result, result.get("error_description")


# -- the pages cannot be taken out of order (each state-changing step checks the flow's stage) ---------------


def _signed_in_page(session, url, person):
    """GET ``url`` (a sign-in page) and submit ``person``'s password; the flow id and the next page."""
    page = session.get(url, timeout=30)
    flow_id = forms(page.text)[0]["fields"]["flow"]
    return flow_id, submit(session, page, {"login": person["upn"], "passwd": person["password"]})


def _post_accept(session, sandbox, flow_id):
    """What a person (or a script) could post without ever being shown a consent page."""
    url = f"{sandbox['browser_url']}/{sandbox['tenant']['id']}/consent"
    return session.post(url, data={"flow": flow_id, "action": "accept"}, allow_redirects=False, timeout=30)


def test_the_mfa_step_cannot_be_skipped_by_posting_the_consent_form(private_sandbox, private_env):
    sandbox = private_sandbox
    client, flow = _flow(sandbox)
    person = user(sandbox, "diego.siciliani")
    url = flow["auth_uri"].replace("https://login.microsoftonline.com", sandbox["browser_url"])
    session = requests.Session()
    flow_id, mfa = _signed_in_page(session, url, person)
    assert 'id="mfa-form"' in mfa.text
    skipped = _post_accept(session, sandbox, flow_id)
    assert skipped.status_code == 400 and "Location" not in skipped.headers, skipped.headers
    # The real path still works, and the token says the second factor was passed.
    final = submit(session, mfa, {}, button="approve")
    result = client.acquire_token_by_auth_code_flow(flow, redirect_query(final))
    assert jwt.decode(result["access_token"], options={"verify_signature": False})["amr"] == ["pwd", "mfa"]


def test_a_non_administrator_cannot_complete_admin_consent_by_posting_accept(private_sandbox, private_env):
    sandbox = private_sandbox
    url = (
        f"{sandbox['browser_url']}/{sandbox['tenant']['id']}/adminconsent?"
        f"client_id={app(sandbox, GROOPER)['client_id']}&redirect_uri=http%3A%2F%2Flocalhost&state=s"
    )
    session = requests.Session()
    flow_id, refused = _signed_in_page(session, url, user(sandbox, "megan.bowen"))
    assert_aadsts(page_error_details(refused.text), 90094)
    forced = _post_accept(session, sandbox, flow_id)
    assert forced.status_code >= 400 and "admin_consent" not in forced.headers.get("Location", "")


def test_a_user_cannot_consent_to_an_admin_only_scope_by_posting_accept(private_sandbox, private_env):
    sandbox = private_sandbox
    grooper, person = app(sandbox, GROOPER), user(sandbox, "megan.bowen")
    client = msal.ConfidentialClientApplication(
        grooper["client_id"], client_credential=grooper["client_secret"], authority=authority(sandbox)
    )
    flow = client.initiate_auth_code_flow(["Directory.Read.All"], redirect_uri="http://localhost:53201")
    url = flow["auth_uri"].replace("https://login.microsoftonline.com", sandbox["browser_url"])
    session = requests.Session()
    flow_id, refused = _signed_in_page(session, url, person)
    assert_aadsts(page_error_details(refused.text), 90094)  # Directory.Read.All needs an administrator
    forced = _post_accept(session, sandbox, flow_id)
    assert forced.status_code >= 400 and "code=" not in forced.headers.get("Location", "")
    # ... and no grant was written: the app still has no consent from Megan for it.
    ropc = client.acquire_token_by_username_password(
        person["upn"], person["password"], scopes=["Directory.Read.All"]
    )
    assert_aadsts(ropc, 65001)


def test_prompt_none_with_a_session_but_no_consent_redirects_consent_required(sandbox, sandbox_env):
    session = requests.Session()
    _, flow = _flow(sandbox)
    redirect_query(sign_in(session, flow["auth_uri"], user(sandbox, "lee.gu")))
    _, silent = _flow(sandbox, scopes=["Mail.ReadWrite"], prompt="none")
    query = redirect_query(session.get(silent["auth_uri"], allow_redirects=False, timeout=30))
    assert query["error"] == "consent_required" and query["state"] == silent["state"]
    assert query["error_description"].startswith("AADSTS65001: ")


def test_admin_consent_cancel_redirects_permission_denied(sandbox, sandbox_env):
    """The admin consent endpoint's failure is ``error=permission_denied`` (not access_denied)."""
    tid = sandbox["tenant"]["id"]
    url = (
        f"{sandbox['browser_url']}/{tid}/adminconsent?client_id={app(sandbox, GROOPER)['client_id']}"
        "&redirect_uri=http%3A%2F%2Flocalhost%3A53301&state=st8"
    )
    session = requests.Session()
    page = sign_in(session, url, user(sandbox, "admin"), consent=False)
    query = redirect_query(submit(session, page, {}, button="cancel"))
    assert query == {
        "error": "permission_denied",
        "error_description": "The admin canceled the request",
        "state": "st8",
    }


# -- /authorize request errors -------------------------------------------------------


def _authorize_url(sandbox, **params):
    query = {
        "client_id": app(sandbox, BOOTSTRAP)["client_id"],
        "redirect_uri": "http://localhost:53210",
        "scope": "openid User.Read",
        "state": "st",
        "nonce": "n",
        "response_type": "code",
        **params,
    }
    return f"{authority(sandbox)}/oauth2/v2.0/authorize?{urlencode(query)}"


def _redirect_params(resp):
    assert resp.status_code == 302, (resp.status_code, resp.text[:300])
    parts = urlsplit(resp.headers["Location"])
    return {k: v[0] for k, v in parse_qs(parts.query or parts.fragment).items()}


@pytest.mark.parametrize(
    ("response_type", "code"),
    [("token", 70005), ("id_token token", 70005), ("id_token", 700054), ("code id_token", 700054)],
)
def test_implicit_response_types_are_refused_as_for_an_app_without_implicit_grant(
    sandbox, sandbox_env, response_type, code
):
    resp = requests.get(
        _authorize_url(sandbox, response_type=response_type), allow_redirects=False, timeout=30
    )
    params = _redirect_params(resp)
    assert params["error"] == "unsupported_response_type" and params["state"] == "st"
    assert params["error_description"].startswith(f"AADSTS{code}: ")
    # Implicit responses travel in the fragment, and so does their error.
    assert "#" in resp.headers["Location"] and "?" not in resp.headers["Location"]


def test_an_unsupported_response_mode_is_70007(sandbox, sandbox_env):
    resp = requests.get(_authorize_url(sandbox, response_mode="bogus"), allow_redirects=False, timeout=30)
    params = _redirect_params(resp)
    assert params["error"] == "invalid_request" and params["error_description"].startswith("AADSTS70007: ")


def test_an_unknown_code_challenge_method_is_50149_not_a_missing_parameter(sandbox, sandbox_env):
    url = _authorize_url(sandbox, code_challenge="c" * 43, code_challenge_method="S512")
    params = _redirect_params(requests.get(url, allow_redirects=False, timeout=30))
    assert params["error"] == "invalid_request"
    assert params["error_description"].startswith("AADSTS50149: ")
    assert "must contain the following parameter" not in params["error_description"]


def test_a_code_challenge_of_the_wrong_size_is_501491(sandbox, sandbox_env):
    url = _authorize_url(sandbox, code_challenge="too-short", code_challenge_method="S256")
    params = _redirect_params(requests.get(url, allow_redirects=False, timeout=30))
    assert params["error"] == "invalid_request" and params["error_description"].startswith("AADSTS501491: ")


def test_50149_in_microsofts_words(sandbox, sandbox_env):
    url = _authorize_url(sandbox, code_challenge="c" * 43, code_challenge_method="S512")
    params = _redirect_params(requests.get(url, allow_redirects=False, timeout=30))
    message = params["error_description"].split("\r\n")[0]
    assert message == "AADSTS50149: Invalid Code_Challenge_method parameter."


@pytest.mark.parametrize(
    "challenge",
    [
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=",  # padded: the classic hand-rolled PKCE bug
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM",  # base64, not base64url
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cMx",  # 44 characters
        "a" * 64,  # a plain-sized verifier sent as an S256 challenge
    ],
    ids=["padded", "not-base64url", "44-characters", "64-characters"],
)
def test_an_s256_challenge_that_is_not_43_base64url_characters_is_501491(sandbox, sandbox_env, challenge):
    url = _authorize_url(sandbox, code_challenge=challenge, code_challenge_method="S256")
    params = _redirect_params(requests.get(url, allow_redirects=False, timeout=30))
    assert params["error"] == "invalid_request"
    assert params["error_description"].split("\r\n")[0] == (
        "AADSTS501491: Invalid size of Code_Challenge parameter."
    )


# -- /consumers is Microsoft accounts, not this tenant ------------------------------------------------------


def test_authorize_on_consumers_for_an_organizational_app_shows_9002331(sandbox, sandbox_env):
    boot = app(sandbox, BOOTSTRAP)
    url = _authorize_url(sandbox).replace(f"/{sandbox['tenant']['id']}/", "/consumers/")
    resp = requests.get(url, allow_redirects=False, timeout=30)
    assert resp.status_code == 400 and "Location" not in resp.headers
    details = page_error_details(resp.text)
    assert_aadsts(details, 9002331, error="invalid_request")
    assert boot["client_id"] in details["error_description"] and "/consumers" in details["error_description"]


# -- sign-out goes only where an app registered it ----------------------------------------------------------


def _logout(sandbox, **params):
    url = f"{sandbox['browser_url']}/common/oauth2/v2.0/logout?{urlencode(params)}"
    return requests.get(url, allow_redirects=False, timeout=30)


@pytest.mark.parametrize("target", ["https://evil.example/phish", "http://[::1", "javascript:alert(1)"])
def test_logout_does_not_redirect_to_an_unregistered_address(sandbox, sandbox_env, target):
    resp = _logout(sandbox, post_logout_redirect_uri=target)
    assert resp.status_code == 200 and "Location" not in resp.headers
    assert 'id="signed-out"' in resp.text


def test_logout_redirects_to_a_redirect_uri_the_app_registered(sandbox, sandbox_env):
    boot = app(sandbox, BOOTSTRAP)
    query = {"post_logout_redirect_uri": "http://localhost:53400", "client_id": boot["client_id"]}
    resp = requests.get(
        f"{sandbox['browser_url']}/common/oauth2/v2.0/logout?{urlencode(query)}",
        allow_redirects=False,
        timeout=30,
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "http://localhost:53400"
    other = {**query, "post_logout_redirect_uri": "https://grooper.example.com/signed-out"}
    resp = requests.get(
        f"{sandbox['browser_url']}/common/oauth2/v2.0/logout?{urlencode(other)}",
        allow_redirects=False,
        timeout=30,
    )
    assert resp.status_code == 200 and "Location" not in resp.headers
