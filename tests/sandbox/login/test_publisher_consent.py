"""Grooper's connector in a customer tenant that has not consented to it yet (``start --connector
unconsented``): the customer tenant has no service principal for it until an administrator consents, then
the token endpoint issues exactly what was consented, and revoking consent takes it away again.

https://learn.microsoft.com/entra/identity-platform/howto-convert-app-to-be-multi-tenant ,
https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent . Everything goes through
real MSAL and the sandbox's real pages, on sandboxes of this module's own (it changes the tenant).
"""

from __future__ import annotations

import jwt
import msal
import pytest
import requests

from grooper_nb.errors.aadsts import explain
from grooper_nb.sandbox import launcher
from tests.helpers import start_sandbox, use_env
from tests.sandbox.login.identity_helpers import (
    admin,
    app,
    assert_aadsts,
    authority,
    page_error_details,
    redirect_query,
    sign_in,
    submit,
    user,
)

CONNECTOR = "Grooper Azure AD Connector 2021"
EWS = "https://outlook.office365.com/EWS.AccessAsUser.All"
REDIRECT = "http://localhost:53310"


@pytest.fixture
def env(unconsented: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    return use_env(unconsented, monkeypatch)


def _described(sandbox: dict) -> dict:
    """The connector's entry as the service describes it now (no secrets, no admin key needed)."""
    info = requests.get(f"{sandbox['browser_url']}/_sandbox/describe", timeout=30).json()
    return next(a for a in info["apps"] if a["name"] == CONNECTOR)


def _connector(sandbox: dict, authority_url: str | None = None) -> msal.ConfidentialClientApplication:
    grooper = app(sandbox, CONNECTOR)
    return msal.ConfidentialClientApplication(
        grooper["client_id"],
        client_credential=grooper["client_secret"],
        authority=authority_url or authority(sandbox, "common"),
    )


def _person_url(flow: dict, sandbox: dict) -> str:
    return flow["auth_uri"].replace("https://login.microsoftonline.com", sandbox["browser_url"])


def _sign_in_code(
    sandbox: dict, upn: str, scopes=(EWS,)
) -> tuple[msal.ConfidentialClientApplication, dict, dict]:
    """A person signs in through ``/common`` with the connector; (client, flow, the redirect's query)."""
    client = _connector(sandbox)
    flow = client.initiate_auth_code_flow(list(scopes), redirect_uri=REDIRECT)
    final = sign_in(requests.Session(), _person_url(flow, sandbox), user(sandbox, upn))
    return client, flow, redirect_query(final)


def test_the_start_json_names_the_publisher_and_no_service_principal(unconsented):
    publisher = unconsented["publisher_tenant"]
    assert publisher["id"] != unconsented["tenant"]["id"]
    grooper = app(unconsented, CONNECTOR)
    assert grooper["home_tenant_id"] == publisher["id"]
    assert grooper["service_principal_id"] is None and grooper["delegated_permissions"] == []
    # The apps registered in the customer tenant itself keep their service principals.
    others = [a for a in unconsented["apps"] if a["name"] != CONNECTOR]
    assert all(
        a["service_principal_id"] and a["home_tenant_id"] == unconsented["tenant"]["id"] for a in others
    )


def test_client_credentials_without_a_service_principal_is_7000229(unconsented, env):
    client = _connector(unconsented, authority(unconsented))
    result = client.acquire_token_for_client(["https://graph.microsoft.com/.default"])
    assert_aadsts(result, 7000229, error="invalid_client")
    assert app(unconsented, CONNECTOR)["client_id"] in result["error_description"]
    assert unconsented["tenant"]["id"] in result["error_description"]
    explained = explain(result["error_description"])  # what the client tells the integrator
    assert explained.code == 7000229 and "consent" in explained.fix.lower()


def test_a_token_request_without_consent_is_65001(unconsented, env):
    person = user(unconsented, "megan.bowen")
    result = _connector(unconsented, authority(unconsented)).acquire_token_by_username_password(
        person["upn"], person["password"], scopes=[EWS]
    )
    assert_aadsts(result, 65001, error="invalid_grant")
    explained = explain(result["error_description"])  # what the client tells the integrator
    assert explained.code == 65001 and "consent" in explained.fix.lower()


def test_a_user_meets_need_admin_approval_and_nothing_is_created(unconsented, env):
    client = _connector(unconsented)
    flow = client.initiate_auth_code_flow([EWS], redirect_uri=REDIRECT)
    session = requests.Session()
    page = session.get(_person_url(flow, unconsented), timeout=30)
    person = user(unconsented, "megan.bowen")
    refused = submit(session, page, {"login": person["upn"], "passwd": person["password"]})
    assert "Need admin approval" in refused.text
    details = page_error_details(refused.text)
    assert_aadsts(details, 90094)
    assert explain(details["error_description"]).code == 90094
    assert _described(unconsented)["service_principal_id"] is None


def test_users_may_still_consent_to_an_app_registered_in_their_own_tenant(unconsented, env):
    """The unconsented tenant lets users consent to verified publishers' apps and its own: the bootstrap
    app is registered there, so a user gets the consent page, not "Need admin approval"."""
    client = msal.PublicClientApplication(
        app(unconsented, "Grooper NB Bootstrap")["client_id"], authority=authority(unconsented)
    )
    flow = client.initiate_auth_code_flow(["Files.Read"], redirect_uri="http://localhost:53311")
    final = sign_in(requests.Session(), _person_url(flow, unconsented), user(unconsented, "adele.vance"))
    result = client.acquire_token_by_auth_code_flow(flow, redirect_query(final))
    assert "Files.Read" in jwt.decode(result["access_token"], options={"verify_signature": False})["scp"]


def test_admin_consent_creates_the_service_principal_then_tokens_carry_exactly_the_consent(unconsented, env):
    sandbox, grooper = unconsented, app(unconsented, CONNECTOR)
    url = (
        f"{sandbox['browser_url']}/common/adminconsent?client_id={grooper['client_id']}"
        f"&redirect_uri=http%3A%2F%2Flocalhost&state=pub"
    )
    final = sign_in(requests.Session(), url, user(sandbox, "admin"))
    assert redirect_query(final) == {
        "admin_consent": "True",
        "tenant": sandbox["tenant"]["id"],
        "state": "pub",
    }

    described = _described(sandbox)
    assert described["service_principal_id"]
    assert set(described["delegated_permissions"]) == {
        EWS,
        "https://graph.microsoft.com/Files.ReadWrite.All",
        "https://graph.microsoft.com/Sites.ReadWrite.All",
        "https://graph.microsoft.com/User.Read",
        "offline_access",
    }
    assert described["application_permissions"] == []  # the connector registered no application permission

    # A user now signs in through /common without any consent page, and gets an EWS token.
    client, flow, query = _sign_in_code(sandbox, "megan.bowen")
    result = client.acquire_token_by_auth_code_flow(flow, query)
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://outlook.office365.com"
    assert claims["scp"] == "EWS.AccessAsUser.All" and claims["tid"] == sandbox["tenant"]["id"]
    assert claims["appid"] == grooper["client_id"]
    # A scope nobody consented to is refused, not silently added.
    person = user(sandbox, "megan.bowen")
    mail = _connector(sandbox, authority(sandbox)).acquire_token_by_username_password(
        person["upn"], person["password"], scopes=["https://graph.microsoft.com/Mail.Read"]
    )
    assert_aadsts(mail, 65001)

    # Revoking the consent: a code issued before it, and the refresh token, are refused with 65001.
    pending_client, pending_flow, pending_query = _sign_in_code(sandbox, "lee.gu")
    revoked = admin(sandbox, f"apps/{grooper['client_id']}/revoke-consent")
    assert revoked["deleted"] >= 2
    assert _described(sandbox)["delegated_permissions"] == []
    late = pending_client.acquire_token_by_auth_code_flow(pending_flow, pending_query)
    assert_aadsts(late, 65001)
    refreshed = client.acquire_token_by_refresh_token(result["refresh_token"], scopes=[EWS])
    assert_aadsts(refreshed, 65001)


def test_revoke_consent_needs_the_admin_key_and_a_known_app(unconsented):
    grooper = app(unconsented, CONNECTOR)
    url = f"{unconsented['browser_url']}/_sandbox/apps/{grooper['client_id']}/revoke-consent"
    assert requests.post(url, json={}, timeout=30).status_code == 403
    unknown = requests.post(
        f"{unconsented['browser_url']}/_sandbox/apps/00000000-0000-0000-0000-000000000001/revoke-consent",
        json={},
        headers=launcher.admin_headers(unconsented["state_dir"]),
        timeout=30,
    )
    assert unknown.status_code == 404


def test_an_admin_consents_for_the_organisation_at_sign_in(own_state_dir, monkeypatch):
    """The consent prompt at sign-in, "Consent on behalf of your organization" ticked, creates the
    service principal with AllPrincipals grants: another user then signs in with no page at all."""
    sandbox = use_env(start_sandbox(own_state_dir, "--connector", "unconsented"), monkeypatch)
    client = _connector(sandbox)
    flow = client.initiate_auth_code_flow([EWS], redirect_uri=REDIRECT)
    session = requests.Session()
    page = session.get(_person_url(flow, sandbox), timeout=30)
    person = user(sandbox, "admin")
    consent = submit(session, page, {"login": person["upn"], "passwd": person["password"]})
    assert 'id="consent-form"' in consent.text and 'name="consent_for_org"' in consent.text
    final = submit(session, consent, {"consent_for_org": "on"}, button="accept")
    result = client.acquire_token_by_auth_code_flow(flow, redirect_query(final))
    assert "access_token" in result, result.get("error_description")
    assert _described(sandbox)["service_principal_id"]
    assert EWS in _described(sandbox)["delegated_permissions"]  # AllPrincipals: for everyone

    _, _, query = _sign_in_code(sandbox, "adele.vance")
    assert "code" in query


def test_an_administrator_consenting_for_themselves_leaves_others_waiting(own_state_dir, monkeypatch):
    sandbox = use_env(start_sandbox(own_state_dir, "--connector", "unconsented"), monkeypatch)
    client = _connector(sandbox)
    flow = client.initiate_auth_code_flow([EWS], redirect_uri=REDIRECT)
    final = sign_in(requests.Session(), _person_url(flow, sandbox), user(sandbox, "admin"))
    result = client.acquire_token_by_auth_code_flow(flow, redirect_query(final))
    assert "access_token" in result, result.get("error_description")
    described = _described(sandbox)
    assert described["service_principal_id"] and described["delegated_permissions"] == []  # Principal only
    other = _connector(sandbox).initiate_auth_code_flow([EWS], redirect_uri=REDIRECT)
    refused = sign_in(requests.Session(), _person_url(other, sandbox), user(sandbox, "megan.bowen"))
    assert_aadsts(page_error_details(refused.text), 90094)


def test_app_only_tokens_carry_exactly_the_assigned_roles_until_revoked(unconsented, env):
    """Application permissions are app role assignments: the ``roles`` claim lists exactly those, and
    revoking the consent for one resource takes its roles away and leaves the others."""
    s2s = app(unconsented, "Grooper Server-to-Server")
    client = msal.ConfidentialClientApplication(
        s2s["client_id"], client_credential=s2s["client_secret"], authority=authority(unconsented)
    )

    def roles(resource: str) -> list[str]:
        result = client.acquire_token_for_client([f"{resource}/.default"])
        claims = jwt.decode(result["access_token"], options={"verify_signature": False})
        return sorted(claims.get("roles", []))

    assert roles("https://graph.microsoft.com") == ["Mail.Read", "Sites.Read.All", "User.Read.All"]
    revoked = admin(
        unconsented, f"apps/{s2s['client_id']}/revoke-consent", {"resource": "https://graph.microsoft.com"}
    )
    assert revoked == {"deleted": 3}
    client = msal.ConfidentialClientApplication(  # a new client: MSAL would serve its cached token
        s2s["client_id"], client_credential=s2s["client_secret"], authority=authority(unconsented)
    )
    assert roles("https://graph.microsoft.com") == []
    assert roles("https://outlook.office365.com") == ["full_access_as_app"]


def test_graph_neither_lists_nor_finds_the_publishers_application_object(unconsented):
    """The customer tenant holds at most the connector's service principal; its application object is in
    the publisher's tenant, so ``/applications`` neither lists nor finds it
    (https://learn.microsoft.com/entra/identity-platform/app-objects-and-service-principals)."""
    from grooper_nb.auth.flows import ropc
    from grooper_nb.profile import connect

    boot = connect(app="Grooper NB Bootstrap", sandbox_dir=unconsented["state_dir"])
    admin = next(u for u in unconsented["users"] if "Global Administrator" in u["directory_roles"])
    with pytest.warns(DeprecationWarning):  # MSAL's word on ROPC for public clients
        token = ropc(boot, admin["upn"], admin["password"], [boot.cloud.graph_url + "/.default"])
    headers = {"Authorization": f"Bearer {token.access_token.reveal()}"}
    client_id = app(unconsented, CONNECTOR)["client_id"]
    listed = boot.session.get("https://graph.microsoft.com/v1.0/applications", headers=headers).json()[
        "value"
    ]
    assert client_id not in [a["appId"] for a in listed]
    assert listed  # the tenant's own apps are still there
    one = boot.session.get(
        f"https://graph.microsoft.com/v1.0/applications(appId='{client_id}')", headers=headers
    )
    assert one.status_code == 404
