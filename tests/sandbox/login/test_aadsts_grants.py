"""AADSTS codes about codes, refresh tokens, device codes and on-behalf-of assertions over their lifetime.

Time passes through the sandbox's ``/_sandbox/clock/advance`` (stored codes and tokens age), never sleeps,
and only for what the test made: one device code (``user_code``), or one user's grants on this module's
``private_sandbox``. Revoking sessions runs there too, so no other test file sees it.
"""

from __future__ import annotations

import msal
import requests

from tests.sandbox.login.identity_helpers import (
    admin,
    app,
    assert_aadsts,
    assert_msal_error,
    authority,
    cca,
    new_correlation_id,
    page_error_details,
    pca,
    redirect_query,
    sign_in,
    user,
)

GROOPER = "Grooper Azure AD Connector 2021"
BOOTSTRAP = "Grooper NB Bootstrap"
MIDDLE = "Grooper Middle-Tier API"


def test_50011_redirect_uri_not_registered(sandbox, sandbox_env):
    client, _ = pca(sandbox, BOOTSTRAP)
    flow = client.initiate_auth_code_flow(["User.Read"], redirect_uri="https://grooper.example.com/callback")
    correlation = new_correlation_id()
    resp = requests.get(
        flow["auth_uri"], headers={"client-request-id": correlation}, allow_redirects=False, timeout=30
    )
    # Entra shows the error and does not redirect to a URI it cannot trust.
    assert resp.status_code == 400 and "Location" not in resp.headers
    details = page_error_details(resp.text)
    assert_aadsts(details, 50011, correlation_id=correlation)
    assert "https://grooper.example.com/callback" in details["error_description"]
    assert "AADSTS50011" in resp.text and correlation in resp.text


def test_loopback_redirect_uri_matches_on_any_port_but_not_another_path(sandbox, sandbox_env):
    client, _ = pca(sandbox, BOOTSTRAP)
    ok = client.initiate_auth_code_flow(["User.Read"], redirect_uri="http://localhost:61234")
    resp = requests.get(ok["auth_uri"], allow_redirects=False, timeout=30)
    assert resp.status_code == 200 and 'id="signin-form"' in resp.text
    bad = client.initiate_auth_code_flow(["User.Read"], redirect_uri="http://localhost:61234/other")
    resp = requests.get(bad["auth_uri"], allow_redirects=False, timeout=30)
    assert_aadsts(page_error_details(resp.text), 50011)


def _signed_in_flow(sandbox, person_alias="adele.vance"):
    grooper = app(sandbox, GROOPER)
    client, session = cca(sandbox, GROOPER, grooper["client_secret"], record=True)
    flow = client.initiate_auth_code_flow(["User.Read"], redirect_uri="http://localhost:53111")
    final = sign_in(requests.Session(), flow["auth_uri"], user(sandbox, person_alias))
    return client, session, flow, redirect_query(final)


def test_54005_code_redeemed_twice(sandbox, sandbox_env):
    client, session, flow, response = _signed_in_flow(sandbox)
    first = client.acquire_token_by_auth_code_flow(flow, dict(response))
    assert "access_token" in first, first
    second = client.acquire_token_by_auth_code_flow(flow, dict(response))
    assert_msal_error(second, 54005, session, error="invalid_grant")


def test_a_failed_client_authentication_does_not_use_up_the_code(sandbox, sandbox_env):
    """The client proves who it is before the code is redeemed: a wrong secret must not burn the code."""
    _, _, flow, response = _signed_in_flow(sandbox)
    wrong, session = cca(sandbox, GROOPER, "Abc8Q~not-the-secret-value-00000000000000", record=True)
    assert_msal_error(
        wrong.acquire_token_by_auth_code_flow(dict(flow), dict(response)),
        7000215,
        session,
        error="invalid_client",
    )
    right, _ = cca(sandbox, GROOPER, app(sandbox, GROOPER)["client_secret"])
    result = right.acquire_token_by_auth_code_flow(dict(flow), dict(response))
    assert "access_token" in result, result


def test_501481_pkce_verifier_mismatch(sandbox, sandbox_env):
    client, session, flow, response = _signed_in_flow(sandbox)
    flow["code_verifier"] = (
        "a-verifier-from-another-sign-in-" + "x" * 20
    )  # e.g. a flow kept in the wrong session
    result = client.acquire_token_by_auth_code_flow(flow, response)
    assert_msal_error(result, 501481, session, error="invalid_grant")


def test_a_verifier_for_a_code_issued_without_a_challenge_is_refused(sandbox, sandbox_env):
    """RFC 9700 sec. 2.1.1 (PKCE downgrade): a code_verifier is only good for a code that had a challenge."""
    grooper = app(sandbox, GROOPER)
    url = (
        f"{authority(sandbox)}/oauth2/v2.0/authorize?client_id={grooper['client_id']}&response_type=code"
        "&redirect_uri=http%3A%2F%2Flocalhost&scope=User.Read&state=s"
    )
    code = redirect_query(sign_in(requests.Session(), url, user(sandbox, "adele.vance")))["code"]
    resp = requests.post(
        f"{authority(sandbox)}/oauth2/v2.0/token",
        data={
            "grant_type": "authorization_code",
            "client_id": grooper["client_id"],
            "client_secret": grooper["client_secret"],
            "code": code,
            "redirect_uri": "http://localhost",
            "code_verifier": "a-verifier-an-attacker-made-up-" + "x" * 20,
        },
        timeout=30,
    )
    assert resp.status_code == 400, resp.text
    assert_aadsts(resp.json(), 501481, error="invalid_grant")


def _refresh_token_for(sandbox, alias):
    person = user(sandbox, alias)
    client, session = pca(sandbox, BOOTSTRAP, record=True)
    result = client.acquire_token_by_username_password(
        person["upn"], person["password"], scopes=["User.Read"]
    )
    assert "refresh_token" in result, result
    return client, session, person, result["refresh_token"]


def test_700082_refresh_token_inactive_for_more_than_90_days(private_sandbox, private_env):
    sandbox = private_sandbox
    client, session, person, rt = _refresh_token_for(sandbox, "nomail.user")
    admin(sandbox, "clock/advance", {"seconds": 91 * 24 * 3600, "upn": person["upn"]})
    result = client.acquire_token_by_refresh_token(rt, scopes=["User.Read"])
    assert_msal_error(result, 700082, session, error="invalid_grant")


def test_50173_refresh_after_sessions_were_revoked(private_sandbox, private_env):
    sandbox = private_sandbox
    client, session, person, rt = _refresh_token_for(sandbox, "nomail.user")
    admin(sandbox, f"users/{person['upn']}/revoke-sessions")
    result = client.acquire_token_by_refresh_token(rt, scopes=["User.Read"])
    assert_msal_error(result, 50173, session, error="invalid_grant")
    # Signing in again works: only grants issued before the revocation are dead.
    fresh = client.acquire_token_by_username_password(person["upn"], person["password"], scopes=["User.Read"])
    assert "access_token" in fresh, fresh


def _middle_tier_token(sandbox, person):
    mid = app(sandbox, MIDDLE)
    front, _ = pca(sandbox, BOOTSTRAP)
    result = front.acquire_token_by_username_password(
        person["upn"], person["password"], scopes=[f"api://{mid['client_id']}/access_as_user"]
    )
    assert "access_token" in result, result
    return result["access_token"]


def test_grants_issued_right_after_a_revocation_are_not_revoked(private_sandbox, private_env):
    """Revocation cuts at the instant it happens: a sign-in in the same second afterwards is good."""
    sandbox = private_sandbox
    person = user(sandbox, "lee.gu")
    admin(sandbox, f"users/{person['upn']}/revoke-sessions")
    client, _ = pca(sandbox, BOOTSTRAP)
    first = client.acquire_token_by_username_password(person["upn"], person["password"], scopes=["User.Read"])
    refreshed = client.acquire_token_by_refresh_token(first["refresh_token"], scopes=["User.Read"])
    assert "access_token" in refreshed, refreshed
    middle, _ = cca(sandbox, MIDDLE, app(sandbox, MIDDLE)["client_secret"])
    obo = middle.acquire_token_on_behalf_of(
        _middle_tier_token(sandbox, person), ["https://graph.microsoft.com/User.Read"]
    )
    assert "access_token" in obo, obo


def test_50173_obo_with_an_assertion_issued_before_sessions_were_revoked(private_sandbox, private_env):
    sandbox = private_sandbox
    person = user(sandbox, "megan.bowen")
    assertion = _middle_tier_token(sandbox, person)
    admin(sandbox, f"users/{person['upn']}/revoke-sessions")
    middle, session = cca(sandbox, MIDDLE, app(sandbox, MIDDLE)["client_secret"], record=True)
    result = middle.acquire_token_on_behalf_of(assertion, ["https://graph.microsoft.com/User.Read"])
    assert_msal_error(result, 50173, session, error="invalid_grant")


def test_500131_obo_with_an_assertion_for_another_audience(sandbox, sandbox_env):
    person, mid = user(sandbox, "lee.gu"), app(sandbox, MIDDLE)
    front, _ = pca(sandbox, BOOTSTRAP)
    graph_token = front.acquire_token_by_username_password(
        person["upn"], person["password"], scopes=["User.Read"]
    )
    middle, session = cca(sandbox, MIDDLE, mid["client_secret"], record=True)
    result = middle.acquire_token_on_behalf_of(
        graph_token["access_token"], ["https://graph.microsoft.com/User.Read"]
    )
    assert_msal_error(result, 500131, session, error="invalid_grant")
    # "User.Read" by short name: the token's audience is Graph's app id.
    assert "'00000003-0000-0000-c000-000000000000'" in result["error_description"]


def test_70016_authorization_pending_while_polling(sandbox, sandbox_env):
    client = msal.PublicClientApplication(app(sandbox, BOOTSTRAP)["client_id"], authority=authority(sandbox))
    flow = client.initiate_device_flow(scopes=["User.Read"])
    # exit_condition: hand back the first poll's answer instead of polling on.
    result = client.acquire_token_by_device_flow(flow, exit_condition=lambda _flow: True)
    assert_aadsts(result, 70016, error="authorization_pending", correlation_id=flow["_correlation_id"])


def test_70019_device_code_expired(sandbox, sandbox_env):
    client = msal.PublicClientApplication(app(sandbox, BOOTSTRAP)["client_id"], authority=authority(sandbox))
    flow = client.initiate_device_flow(scopes=["User.Read"])
    later = {"seconds": flow["expires_in"] + 1, "user_code": flow["user_code"]}
    aged = admin(sandbox, "clock/advance", later)
    assert aged["aged"] == {"device_codes": 1}  # this code only: nothing else in the shared tenant aged
    result = client.acquire_token_by_device_flow(flow, exit_condition=lambda _flow: True)
    assert_aadsts(result, 70019, error="expired_token", correlation_id=flow["_correlation_id"])
    # A person who now types the code is told it has expired.
    page = requests.post(f"{sandbox['browser_url']}/devicelogin", data={"otc": flow["user_code"]}, timeout=30)
    assert page.status_code == 400 and "expired" in page.text
