"""AADSTS codes about the *user* signing in (ROPC through MSAL, as a script would do it).

Bad passwords count towards a lockout, so the tests that type them use this module's
``private_sandbox``: a locked-out user there is nobody else's problem.
"""

from __future__ import annotations

import msal

from tests.sandbox.login.identity_helpers import admin, app, assert_msal_error, pca, user

BOOTSTRAP = "Grooper NB Bootstrap"


def ropc(sandbox, upn, password, scopes=("User.Read",), **kwargs):
    client, session = pca(sandbox, BOOTSTRAP, record=True, **kwargs)
    return client.acquire_token_by_username_password(upn, password, scopes=list(scopes)), session


def test_50034_unknown_user(sandbox, sandbox_env):
    result, session = ropc(sandbox, f"nobody@{sandbox['tenant']['domain']}", "whatever")
    assert_msal_error(result, 50034, session, error="invalid_grant")
    assert sandbox["tenant"]["domain"] in result["error_description"]


def test_50126_wrong_password(private_sandbox, private_env):
    sandbox = private_sandbox
    result, session = ropc(sandbox, user(sandbox, "adele.vance")["upn"], "not-her-password")
    assert_msal_error(result, 50126, session, error="invalid_grant")


def test_50053_lockout_after_ten_bad_passwords(private_sandbox, private_env):
    sandbox = private_sandbox
    person = user(sandbox, "megan.bowen")
    client, session = pca(sandbox, BOOTSTRAP, record=True)
    # Entra smart lockout's default threshold is 10. Each password differs: MSAL would answer an identical
    # request that got a 400 from its own 60-second cache without asking the server.
    for attempt in range(10):
        result = client.acquire_token_by_username_password(
            person["upn"], f"wrong-{attempt}", scopes=["User.Read"]
        )
        assert_msal_error(result, 50126, session)
    result = client.acquire_token_by_username_password(
        person["upn"], person["password"], scopes=["User.Read"]
    )
    assert_msal_error(result, 50053, session, error="invalid_grant")
    # The lockout ends by itself (60 s); move Megan's clock on instead of waiting.
    admin(sandbox, "clock/advance", {"seconds": 61, "upn": person["upn"]})
    again = msal.PublicClientApplication(
        app(sandbox, BOOTSTRAP)["client_id"],
        authority=f"https://login.microsoftonline.com/{sandbox['tenant']['id']}",
    )
    ok = again.acquire_token_by_username_password(person["upn"], person["password"], scopes=["User.Read"])
    assert "access_token" in ok, ok


def test_50057_disabled_user(sandbox, sandbox_env):
    person = user(sandbox, "johanna.lorenz")
    result, session = ropc(sandbox, person["upn"], person["password"])
    assert_msal_error(result, 50057, session, error="invalid_grant")


def test_50076_mfa_user_via_ropc(sandbox, sandbox_env):
    person = user(sandbox, "diego.siciliani")
    result, session = ropc(sandbox, person["upn"], person["password"])
    assert_msal_error(result, 50076, session, error="invalid_grant", suberror="basic_action")
    assert "'00000003-0000-0000-c000-000000000000'" in result["error_description"]


def test_65001_scope_the_app_has_no_consent_for(sandbox, sandbox_env):
    person = user(sandbox, "adele.vance")
    result, session = ropc(
        sandbox, person["upn"], person["password"], scopes=["https://graph.microsoft.com/Mail.Send"]
    )
    assert_msal_error(result, 65001, session, error="invalid_grant", suberror="consent_required")
    assert app(sandbox, BOOTSTRAP)["client_id"] in result["error_description"]


def test_9001023_ropc_on_common(sandbox, sandbox_env):
    person = user(sandbox, "adele.vance")
    result, session = ropc(sandbox, person["upn"], person["password"], tenant="common")
    assert_msal_error(result, 9001023, session, error="invalid_request")
