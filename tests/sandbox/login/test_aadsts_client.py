"""AADSTS codes about the *client* and the *request*, each provoked the way it happens in real life.

MSAL is the caller wherever MSAL would be (with a recording ``requests.Session`` as its ``http_client`` so
the test can see which ``client-request-id`` MSAL sent); raw ``requests`` only for what MSAL refuses to
send.
"""

from __future__ import annotations

import base64
import time
import uuid

import jwt
import msal
import pytest
import requests

from tests.sandbox.login.identity_helpers import (
    app,
    assert_aadsts,
    assert_msal_error,
    authority,
    cca,
    new_correlation_id,
    page_error_details,
    pca,
    token_url,
    unregistered_certificate,
    user,
)

S2S = "Grooper Server-to-Server"
GROOPER = "Grooper Azure AD Connector 2021"
BOOTSTRAP = "Grooper NB Bootstrap"
MIDDLE = "Grooper Middle-Tier API"
GRAPH_DEFAULT = ["https://graph.microsoft.com/.default"]


def test_700016_unknown_client_id_at_the_token_endpoint(sandbox, sandbox_env):
    client, session = cca(sandbox, S2S, "some secret", client_id=str(uuid.uuid4()), record=True)
    result = client.acquire_token_for_client(GRAPH_DEFAULT)
    assert_msal_error(result, 700016, session, error="unauthorized_client")
    assert sandbox["tenant"]["domain"] in result["error_description"]


def test_700016_unknown_client_id_on_authorize_shows_an_error_page(sandbox, sandbox_env):
    client_id, correlation = str(uuid.uuid4()), new_correlation_id()
    url = (
        f"{authority(sandbox)}/oauth2/v2.0/authorize?client_id={client_id}&response_type=code"
        "&redirect_uri=http%3A%2F%2Flocalhost&scope=openid"
    )
    resp = requests.get(url, headers={"client-request-id": correlation}, allow_redirects=False, timeout=30)
    assert resp.status_code == 400 and "Location" not in resp.headers
    details = page_error_details(resp.text)
    assert_aadsts(details, 700016, error="unauthorized_client", correlation_id=correlation)
    assert "AADSTS700016" in resp.text and details["trace_id"] in resp.text and correlation in resp.text


def test_700025_public_client_sends_a_secret(sandbox, sandbox_env):
    client, session = cca(sandbox, BOOTSTRAP, "a secret a public client must not have", record=True)
    result = client.acquire_token_for_client(GRAPH_DEFAULT)
    assert_msal_error(result, 700025, session, error="invalid_client")


def test_700027_assertion_signed_by_an_unregistered_key(sandbox, sandbox_env):
    client, session = cca(sandbox, S2S, unregistered_certificate(), record=True)
    result = client.acquire_token_for_client(GRAPH_DEFAULT)
    assert_msal_error(result, 700027, session, error="invalid_client")
    assert "not registered on application" in result["error_description"]


def test_7000215_wrong_secret(sandbox, sandbox_env):
    client, session = cca(sandbox, S2S, "Abc8Q~this-is-not-the-secret-value-0000000", record=True)
    assert_msal_error(
        client.acquire_token_for_client(GRAPH_DEFAULT), 7000215, session, error="invalid_client"
    )


def test_7000215_secret_id_pasted_instead_of_the_secret_value(sandbox, sandbox_env):
    s2s = app(sandbox, S2S)
    client, session = cca(sandbox, S2S, s2s["client_secret_id"], record=True)
    result = client.acquire_token_for_client(GRAPH_DEFAULT)
    assert_msal_error(result, 7000215, session, error="invalid_client")
    assert "not the client secret ID" in result["error_description"]


def test_invalid_client_is_http_401(sandbox, sandbox_env):
    s2s, correlation = app(sandbox, S2S), new_correlation_id()
    resp = requests.post(
        token_url(sandbox),
        data={
            "grant_type": "client_credentials",
            "client_id": s2s["client_id"],
            "client_secret": "wrong",
            "scope": GRAPH_DEFAULT[0],
        },
        headers={"client-request-id": correlation},
        timeout=30,
    )
    assert resp.status_code == 401
    assert resp.headers["Cache-Control"] == "no-store, no-cache" and resp.headers["x-ms-request-id"]
    assert_aadsts(resp.json(), 7000215, error="invalid_client", correlation_id=correlation)


def test_7000218_public_client_flow_on_a_confidential_app_without_a_credential(sandbox, sandbox_env):
    person = user(sandbox, "adele.vance")
    client, session = pca(sandbox, GROOPER, record=True)
    result = client.acquire_token_by_username_password(
        person["upn"], person["password"], scopes=["User.Read"]
    )
    assert_msal_error(result, 7000218, session, error="invalid_client")


def test_7000222_expired_secret(sandbox, sandbox_env):
    grooper = app(sandbox, GROOPER)
    client, session = cca(sandbox, GROOPER, grooper["expired_client_secret"], record=True)
    result = client.acquire_token_for_client(GRAPH_DEFAULT)
    assert_msal_error(result, 7000222, session, error="invalid_client")


def test_1002012_client_credentials_with_a_non_default_scope(sandbox, sandbox_env):
    client, session = cca(sandbox, S2S, app(sandbox, S2S)["client_secret"], record=True)
    result = client.acquire_token_for_client(["https://graph.microsoft.com/User.Read.All"])
    assert_msal_error(result, 1002012, session, error="invalid_scope")


@pytest.mark.parametrize("alias", ["common", "organizations"])
def test_50059_client_credentials_on_a_multi_tenant_alias(sandbox, sandbox_env, alias):
    """An app-only token must name its tenant; /common and /organizations span every tenant."""
    client, session = cca(sandbox, S2S, app(sandbox, S2S)["client_secret"], by=alias, record=True)
    result = client.acquire_token_for_client(["https://graph.microsoft.com/.default"])
    assert_msal_error(result, 50059, session, error="invalid_request")


def test_500011_resource_not_in_the_tenant(sandbox, sandbox_env):
    client, session = cca(sandbox, S2S, app(sandbox, S2S)["client_secret"], record=True)
    result = client.acquire_token_for_client(["https://wrongtenant.sharepoint.com/.default"])
    assert_msal_error(result, 500011, session, error="invalid_resource")
    assert "https://wrongtenant.sharepoint.com" in result["error_description"]


def test_700022_scopes_for_two_resources(sandbox, sandbox_env):
    person = user(sandbox, "adele.vance")
    client, session = pca(sandbox, BOOTSTRAP, record=True)
    scopes = ["User.Read", f"api://{app(sandbox, MIDDLE)['client_id']}/access_as_user"]
    result = client.acquire_token_by_username_password(person["upn"], person["password"], scopes=scopes)
    assert_msal_error(result, 700022, session, error="invalid_scope")


def test_700022_client_credentials_for_two_resources(sandbox, sandbox_env):
    client, session = cca(sandbox, S2S, app(sandbox, S2S)["client_secret"], record=True)
    result = client.acquire_token_for_client([*GRAPH_DEFAULT, "https://outlook.office365.com/.default"])
    assert_msal_error(result, 700022, session, error="invalid_scope")


@pytest.mark.parametrize(
    "scopes",
    [["https://graph.microsoft.com/.default", "https://graph.microsoft.com/User.Read"], ["User.Reed"]],
    ids=["default-mixed-with-a-scope", "typo"],
)
def test_70011_invalid_scope(sandbox, sandbox_env, scopes):
    person = user(sandbox, "adele.vance")
    client, session = pca(sandbox, BOOTSTRAP, record=True)
    result = client.acquire_token_by_username_password(person["upn"], person["password"], scopes=scopes)
    assert_msal_error(result, 70011, session, error="invalid_scope")


@pytest.mark.parametrize("missing", ["grant_type", "scope"])
def test_900144_missing_parameter(sandbox, sandbox_env, missing):
    s2s, correlation = app(sandbox, S2S), new_correlation_id()
    data = {
        "grant_type": "client_credentials",
        "client_id": s2s["client_id"],
        "client_secret": s2s["client_secret"],
        "scope": GRAPH_DEFAULT[0],
    }
    del data[missing]
    resp = requests.post(
        token_url(sandbox), data=data, headers={"client-request-id": correlation}, timeout=30
    )
    assert resp.status_code == 400
    assert_aadsts(resp.json(), 900144, error="invalid_request", correlation_id=correlation)
    assert f"'{missing}'" in resp.json()["error_description"]


def test_90002_unknown_tenant(sandbox, sandbox_env):
    tenant, correlation = "nosuchtenant.onmicrosoft.com", new_correlation_id()
    # What MSAL fetches first: discovery answers 400 invalid_tenant, and MSAL refuses to build the app.
    resp = requests.get(
        f"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration",
        headers={"client-request-id": correlation},
        timeout=30,
    )
    assert resp.status_code == 400
    assert_aadsts(resp.json(), 90002, error="invalid_tenant", correlation_id=correlation)
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        msal.PublicClientApplication(
            app(sandbox, BOOTSTRAP)["client_id"], authority=f"https://login.microsoftonline.com/{tenant}"
        )
    # The token endpoint says the same thing with invalid_request.
    resp = requests.post(
        token_url(sandbox, tenant),
        data={"grant_type": "client_credentials"},
        headers={"client-request-id": correlation},
        timeout=30,
    )
    assert_aadsts(resp.json(), 90002, error="invalid_request", correlation_id=correlation)


def test_90002_unknown_tenant_on_authorize_shows_an_error_page(sandbox, sandbox_env):
    url = (
        f"https://login.microsoftonline.com/{uuid.uuid4()}/oauth2/v2.0/authorize?"
        f"client_id={app(sandbox, BOOTSTRAP)['client_id']}&response_type=code&scope=openid"
    )
    resp = requests.get(url, allow_redirects=False, timeout=30)
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert_aadsts(page_error_details(resp.text), 90002)
    assert 'id="sandbox-badge"' in resp.text


def test_70011_says_one_thing_the_scope_is_not_valid(sandbox, sandbox_env):
    person = user(sandbox, "adele.vance")
    client, _ = pca(sandbox, BOOTSTRAP)
    result = client.acquire_token_by_username_password(
        person["upn"], person["password"], scopes=["User.Reed"]
    )
    message = result["error_description"].split("\r\n")[0]
    assert message == (
        "AADSTS70011: The provided value for the input parameter 'scope' is not valid. "
        "The scope User.Reed is not valid."
    )


def test_client_credentials_on_consumers_for_an_organizational_app_is_9002331(sandbox, sandbox_env):
    s2s = app(sandbox, S2S)
    resp = requests.post(
        token_url(sandbox, "consumers"),
        data={
            "grant_type": "client_credentials",
            "client_id": s2s["client_id"],
            "client_secret": s2s["client_secret"],
            "scope": GRAPH_DEFAULT[0],
        },
        timeout=30,
    )
    assert resp.status_code == 400, resp.text
    assert_aadsts(resp.json(), 9002331, error="invalid_request")
    assert s2s["client_id"] in resp.json()["error_description"]


def test_device_code_on_consumers_for_an_organizational_app_is_9002331(sandbox, sandbox_env):
    resp = requests.post(
        "https://login.microsoftonline.com/consumers/oauth2/v2.0/devicecode",
        data={"client_id": app(sandbox, BOOTSTRAP)["client_id"], "scope": "User.Read"},
        timeout=30,
    )
    assert resp.status_code == 400, resp.text
    assert_aadsts(resp.json(), 9002331, error="invalid_request")


def test_the_microsoft_account_tenant_is_not_this_tenant(sandbox, sandbox_env):
    msa = "9188040d-6c67-4c5b-b112-36a304b66dad"
    resp = requests.post(token_url(sandbox, msa), data={"grant_type": "client_credentials"}, timeout=30)
    assert_aadsts(resp.json(), 90002, error="invalid_request")


# -- single-tenant apps on /common and /organizations (AADSTS50194) --------------------------------------

MSG_50194 = (
    "AADSTS50194: Application '{app_id}'({name}) is not configured as a multi-tenant application. Usage of "
    "the /common endpoint is not supported for such applications created after '10/15/2018'. Use a "
    "tenant-specific endpoint or configure the application to be multi-tenant."
)


@pytest.mark.parametrize("alias", ["common", "organizations"])
def test_50194_single_tenant_app_starts_a_device_flow_on_a_multi_tenant_alias(sandbox, sandbox_env, alias):
    boot = app(sandbox, BOOTSTRAP)
    client, session = pca(sandbox, BOOTSTRAP, tenant=alias, record=True)
    flow = client.initiate_device_flow(scopes=["User.Read"])
    assert_msal_error(flow, 50194, session, error="invalid_request")
    assert flow["error_description"].split("\r\n")[0] == MSG_50194.format(
        app_id=boot["client_id"], name=BOOTSTRAP
    )


def test_50194_single_tenant_app_at_the_token_endpoint_of_organizations(sandbox, sandbox_env):
    person = user(sandbox, "adele.vance")
    client, session = pca(sandbox, BOOTSTRAP, tenant="organizations", record=True)
    result = client.acquire_token_by_username_password(
        person["upn"], person["password"], scopes=["User.Read"]
    )
    assert_msal_error(result, 50194, session, error="invalid_request")


def test_50194_single_tenant_app_on_common_authorize_shows_an_error_page(sandbox, sandbox_env):
    client, _ = pca(sandbox, BOOTSTRAP, tenant="common")
    flow = client.initiate_auth_code_flow(["User.Read"], redirect_uri="http://localhost")
    resp = requests.get(flow["auth_uri"], allow_redirects=False, timeout=30)
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert_aadsts(page_error_details(resp.text), 50194, error="invalid_request")


def test_a_multi_tenant_app_is_welcome_on_organizations(sandbox, sandbox_env):
    client, _ = cca(sandbox, GROOPER, app(sandbox, GROOPER)["client_secret"], by="organizations")
    flow = client.initiate_auth_code_flow(["User.Read"], redirect_uri="http://localhost")
    resp = requests.get(flow["auth_uri"], allow_redirects=False, timeout=30)
    assert resp.status_code == 200 and 'id="signin-form"' in resp.text


# -- a disabled app (AADSTS7000112) ------------------------------------------------------------------------

DISABLED = "Grooper Disabled Connector"


def test_7000112_disabled_app_at_the_token_endpoint(sandbox, sandbox_env):
    disabled = app(sandbox, DISABLED)
    client, session = cca(sandbox, DISABLED, disabled["client_secret"], record=True)
    result = client.acquire_token_for_client(GRAPH_DEFAULT)
    assert_msal_error(result, 7000112, session, error="unauthorized_client")
    assert result["error_description"].split("\r\n")[0] == (
        f"AADSTS7000112: Application '{disabled['client_id']}'({DISABLED}) is disabled."
    )


def test_7000112_disabled_app_on_authorize_shows_an_error_page(sandbox, sandbox_env):
    disabled = app(sandbox, DISABLED)
    client, _ = cca(sandbox, DISABLED, disabled["client_secret"])
    flow = client.initiate_auth_code_flow(["User.Read"], redirect_uri="http://localhost")
    resp = requests.get(flow["auth_uri"], allow_redirects=False, timeout=30)
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert_aadsts(page_error_details(resp.text), 7000112, error="unauthorized_client")


# -- client assertions out of their time range ------------------------------------------------------------


def _assertion(sandbox: dict, **claims) -> str:
    """A client assertion for the server-to-server app, signed with its real key, with ``claims`` set
    (a claim set to None is left out)."""
    s2s = app(sandbox, S2S)
    now = int(time.time())
    payload = {
        "aud": token_url(sandbox),
        "iss": s2s["client_id"],
        "sub": s2s["client_id"],
        "jti": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        **claims,
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    with open(s2s["private_key_pem"], "rb") as fh:
        key = fh.read()
    x5t = base64.urlsafe_b64encode(bytes.fromhex(s2s["certificate_thumbprint"])).decode().rstrip("=")
    return jwt.encode(payload, key, algorithm="RS256", headers={"x5t": x5t})


def test_700024_assertion_not_valid_yet(sandbox, sandbox_env):
    later = int(time.time()) + 3600
    assertion = _assertion(sandbox, nbf=later, exp=later + 600)
    client, _ = cca(sandbox, S2S, {"client_assertion": lambda: assertion})
    result = client.acquire_token_for_client(GRAPH_DEFAULT)
    assert_msal_error(result, 700024, error="invalid_client")
    assert "Client assertion is not within its valid time range." in result["error_description"]


def test_700024_assertion_expired(sandbox, sandbox_env):
    earlier = int(time.time()) - 7200
    assertion = _assertion(sandbox, iat=earlier, nbf=earlier, exp=earlier + 600)
    client, _ = cca(sandbox, S2S, {"client_assertion": lambda: assertion})
    assert_msal_error(client.acquire_token_for_client(GRAPH_DEFAULT), 700024, error="invalid_client")


def test_90014_assertion_without_exp(sandbox, sandbox_env):
    assertion = _assertion(sandbox, exp=None)
    client, _ = cca(sandbox, S2S, {"client_assertion": lambda: assertion})
    result = client.acquire_token_for_client(GRAPH_DEFAULT)
    assert_msal_error(result, 90014, error="invalid_request")
    assert "'exp'" in result["error_description"]
