"""create_app against the sandbox's Graph, with real tokens: idempotent, the secret shown once and never
printed, consent granted (tokens carry exactly it) or explained when it is taken back or not allowed."""

from __future__ import annotations

import stat

import pytest

from grooper_nb.auth import flows
from grooper_nb.errors import AuthError, GraphError
from grooper_nb.profile import connect
from grooper_nb.registration import create_app, plan
from grooper_nb.registration.graph import GraphClient
from grooper_nb.settings import load_settings
from tests.registration.conftest import ropc

CONNECTIONS = [("graph_mail_app", "app"), "onedrive"]


@pytest.fixture(scope="module")
def the_plan(bootstrap):
    return plan(CONNECTIONS, app="Grooper Registration Test", tenant=bootstrap.tenant)


@pytest.fixture(scope="module")
def first(bootstrap, admin, the_plan, tmp_path_factory):
    env = tmp_path_factory.mktemp("env") / "grooper.env"
    return create_app(bootstrap, the_plan, account=admin, write_env=env)


@pytest.fixture(scope="module")
def new_app(private_sandbox, first):
    state_dir = private_sandbox["state_dir"]
    return connect(client_id=first.app_id, client_secret=first.secret, sandbox_dir=state_dir)


def test_run_twice_it_creates_one_app_and_reports_the_second_as_found(bootstrap, admin, the_plan, first):
    again = create_app(bootstrap, the_plan, account=admin)
    apps = GraphClient(bootstrap, account=admin).find("/applications", "displayName", the_plan.app)
    assert [a["appId"] for a in apps] == [first.app_id]
    assert first.created == ("application", "service principal", "client secret")
    assert again.created == () and again.found == ("application", "service principal")
    assert again.app_id == first.app_id and again.drift == () and again.consent == "already granted"
    assert again.secret is None  # an app that has a live secret gets no other


def test_the_secret_is_shown_masked_and_written_only_to_the_0600_env_file(first, private_sandbox):
    value = first.secret.reveal()
    assert value not in repr(first) and value not in first._repr_html_() and value not in str(first.summary())
    assert stat.S_IMODE(first.env_file.stat().st_mode) == 0o600
    settings = load_settings(env_file=first.env_file)
    assert settings["GROOPER_NB_CLIENT_ID"] == first.app_id
    assert settings["GROOPER_NB_CLIENT_SECRET"] == value
    assert settings["GROOPER_NB_TENANT"] == private_sandbox["tenant"]["id"]


def test_app_only_tokens_carry_exactly_the_consented_roles(new_app, first):
    assert first.consent == "granted"
    token = flows.client_credentials(new_app, use_cache=False)
    assert token.claims["roles"] == ["Mail.Read"]


def test_delegated_tokens_carry_exactly_the_consented_scopes(new_app, private_sandbox):
    user = next(u for u in private_sandbox["users"] if "Global Administrator" in u["directory_roles"])
    token = ropc(new_app, user)
    oidc = {"openid", "profile", "email", "offline_access"}  # sign-in scopes, not permissions of an API
    assert set(token.claims["scp"].split()) - oidc == {"Files.ReadWrite.All", "User.Read"}
    assert token.refresh_token is not None  # offline_access was consented


def test_a_certificate_is_uploaded_as_the_first_key(bootstrap, admin, tmp_path, private_sandbox):
    p = plan([("graph_mail_app", "app")], app="Grooper Certificate Test", tenant=bootstrap.tenant)
    pem = tmp_path / "app.pem"
    result = create_app(bootstrap, p, account=admin, certificate=pem, secret_expiry_days=None)
    assert "certificate" in result.created and result.secret is None
    assert stat.S_IMODE(result.certificate_path.stat().st_mode) == 0o600
    profile = connect(
        client_id=result.app_id, certificate=result.certificate_path, sandbox_dir=private_sandbox["state_dir"]
    )
    assert flows.client_credentials(profile, use_cache=False).claims["roles"] == ["Mail.Read"]


def test_drift_is_reported_instead_of_fixed(bootstrap, admin, the_plan, first):
    graph = GraphClient(bootstrap, account=admin)
    other = plan(CONNECTIONS, app=the_plan.app, redirect_uris=["https://grooper.contoso.com/auth"])
    result = create_app(bootstrap, other, account=admin, grant_consent=False)
    assert result.found == ("application", "service principal")
    assert any("web redirect URIs lack https://grooper.contoso.com/auth" in d for d in result.drift)
    assert result.consent_url and first.app_id in result.consent_url
    assert graph.get(f"/applications/{first.application_id}")["web"]["redirectUris"] == ["http://localhost"]


def test_a_user_who_is_no_administrator_gets_the_explained_403(bootstrap, plain):
    p = plan(CONNECTIONS, app="Grooper Not Allowed", tenant=bootstrap.tenant)
    with pytest.raises(GraphError) as caught:
        create_app(bootstrap, p, account=plain)
    err = caught.value
    assert err.status == 403 and err.error == "Authorization_RequestDenied"
    assert "administrator" in err.fix and err.request_id


def test_connector_consent_is_a_url_until_an_administrator_gives_it(bootstrap, admin):
    result = create_app(bootstrap, plan(tenant=bootstrap.tenant), account=admin)
    assert result.connector and result.created == () and result.application_id is None
    assert result.service_principal_id and "/adminconsent?" in result.consent_url


def test_after_consent_is_revoked_the_next_token_request_is_the_explained_65001(
    bootstrap, admin, first, new_app, private_sandbox
):
    user = next(u for u in private_sandbox["users"] if "Global Administrator" in u["directory_roles"])
    ropc(new_app, user)  # works while consented
    graph = GraphClient(bootstrap, account=admin)
    for grant in graph.find("/oauth2PermissionGrants", "clientId", first.service_principal_id):
        graph.delete(f"/oauth2PermissionGrants/{grant['id']}")
    with pytest.raises(AuthError) as caught:
        ropc(new_app, user)
    assert caught.value.code == 65001 and caught.value.fix
