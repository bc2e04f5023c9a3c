"""Who may call EWS and open which mailbox, with real tokens from real MSAL: the 401 challenge,
delegated and app-only access, impersonation, delegates, and the tenant's EWS policy.

The module changes the tenant's EWS policy and an application access policy, so it has its own sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from grooper_nb.auth import flows
from grooper_nb.profile import connect
from grooper_nb.sandbox.ews import EWS_BLOCKED_MARKER, set_ews_policy
from grooper_nb.sandbox.store import Store
from tests.helpers import seeded_app, seeded_user
from tests.sandbox.ews.ews_helpers import (
    EWS_SCOPE,
    EXO_DEFAULT,
    Ews,
    codes,
    fault_code,
    find_item,
    folder_ids,
)
from tests.sandbox.graph.graph_helpers import GRAPH_DEFAULT, ropc_token

SHARED = "invoices@contoso.onmicrosoft.com"
GET_INBOX = (
    "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
    "<m:FolderIds>{ids}</m:FolderIds></m:GetFolder>"
)


def _get(mailbox: str | None = None) -> str:
    return GET_INBOX.format(ids=folder_ids("inbox", mailbox))


@pytest.fixture
def policy(store: Store) -> Iterator[None]:
    """Leaves the tenant's EWS policy unset again after the test."""
    yield
    set_ews_policy(store, None, None)


def test_no_token_gets_exchanges_challenge(ews: Ews) -> None:
    resp = ews.post(None, _get())
    assert resp.status_code == 401
    challenge = resp.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer client_id="00000002-0000-0ff1-ce00-000000000000"')
    assert 'token_types="app_asserted_user_v1 service_asserted_app_v1"' in challenge
    assert 'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"' in challenge
    assert resp.headers["request-id"] and resp.headers["X-BackEndHttpStatus"] == "401"


def test_a_bad_or_foreign_token_is_invalid_token(ews: Ews, connector, megan: dict) -> None:
    graph_token = ropc_token(connector, megan, [GRAPH_DEFAULT])
    for token in ("not-a-jwt", graph_token):
        resp = ews.post(token, _get())
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"].endswith('error="invalid_token"')
        assert resp.headers["x-ms-diagnostics"].startswith("2000001;reason=")
        assert resp.headers["x-ms-diagnostics"].endswith('error_category="invalid_token"')


def test_a_user_opens_their_own_mailbox_and_a_delegated_one_only(
    ews: Ews, megan_token: str, adele_token: str
) -> None:
    assert codes(ews.post(megan_token, _get())) == ["NoError"]
    assert codes(ews.post(adele_token, _get(SHARED))) == ["NoError"]  # FullAccess delegate
    assert codes(ews.post(megan_token, _get(SHARED))) == ["ErrorAccessDenied"]
    assert codes(ews.post(megan_token, _get("nobody@contoso.onmicrosoft.com"))) == ["ErrorNonExistentMailbox"]
    denied = ews.post(megan_token, _get(), impersonate=SHARED)
    assert (denied.status_code, fault_code(denied)) == (500, "ErrorImpersonateUserDenied")


def test_an_item_id_of_another_mailbox_is_access_denied(ews: Ews, adele_token: str, megan_token: str) -> None:
    resp = ews.post(adele_token, find_item(folder_ids("inbox", SHARED)))
    item_id = resp.text.split('ItemId Id="')[1].split('"')[0]
    body = (
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
        f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>'
    )
    assert codes(ews.post(adele_token, body)) == ["NoError"]
    assert codes(ews.post(megan_token, body)) == ["ErrorAccessDenied"]


def test_a_user_without_a_mailbox(ews: Ews, connector, private_sandbox: dict) -> None:
    token = ropc_token(connector, seeded_user(private_sandbox, "nomail.user"), [EWS_SCOPE])
    resp = ews.post(token, _get())
    assert (resp.status_code, fault_code(resp)) == (500, "ErrorNonExistentMailbox")


def test_app_only_needs_impersonation(ews: Ews, app_token: str, megan: dict, store: Store) -> None:
    missing = ews.post(app_token, _get())
    assert (missing.status_code, fault_code(missing)) == (500, "ErrorInvalidExchangeImpersonationHeaderData")
    assert "ExchangeImpersonation SOAP header must be present" in missing.text
    assert codes(ews.post(app_token, _get(), impersonate=megan["upn"])) == ["NoError"]
    assert codes(ews.post(app_token, _get(), impersonate=SHARED)) == ["NoError"]
    unknown = ews.post(app_token, _get(), impersonate="nobody@contoso.onmicrosoft.com")
    assert (unknown.status_code, fault_code(unknown)) == (500, "ErrorNonExistentMailbox")


def test_an_application_access_policy_limits_the_app(
    ews: Ews, app_token: str, megan: dict, store: Store, private_sandbox: dict
) -> None:
    app_id = seeded_app(private_sandbox, "Grooper Server-to-Server")["client_id"]
    shared = store.mail.mailbox(SHARED)
    store.mail.set_application_access_policy(app_id, [shared["id"]])
    try:
        assert codes(ews.post(app_token, _get(), impersonate=SHARED)) == ["NoError"]
        denied = ews.post(app_token, _get(), impersonate=megan["upn"])
        assert (denied.status_code, fault_code(denied)) == (500, "ErrorImpersonateUserDenied")
    finally:
        store.mail.set_application_access_policy(app_id, [])


@pytest.mark.usefixtures("policy")
def test_the_tenants_ews_policy_blocks_recognisably(
    ews: Ews, megan_token: str, app_token: str, store: Store, private_sandbox: dict
) -> None:
    connector_id = seeded_app(private_sandbox, "Grooper Azure AD Connector 2021")["client_id"]
    set_ews_policy(store, False, None)
    blocked = ews.post(megan_token, _get())
    assert blocked.status_code == 403
    assert EWS_BLOCKED_MARKER in blocked.headers["x-ms-diagnostics"] and EWS_BLOCKED_MARKER in blocked.text
    assert "disabled for this organization" in blocked.text
    set_ews_policy(store, True, [connector_id])
    assert codes(ews.post(megan_token, _get())) == ["NoError"]
    refused = ews.post(app_token, _get(), impersonate=SHARED)
    assert refused.status_code == 403 and "EwsAllowedAppIDs" in refused.text
    set_ews_policy(store, None, None)
    assert codes(ews.post(app_token, _get(), impersonate=SHARED)) == ["NoError"]


def test_an_app_token_without_full_access_as_app_is_refused(
    ews: Ews, store: Store, private_sandbox: dict, megan: dict
) -> None:
    """Last in the module: it takes the server-to-server app's Exchange consent away."""
    app_id = seeded_app(private_sandbox, "Grooper Server-to-Server")["client_id"]
    client_sp = store.directory.service_principal(app_id)
    exchange_sp = store.directory.service_principal("00000002-0000-0ff1-ce00-000000000000")
    store.directory.revoke_consent(client_sp["id"], resource_sp_id=exchange_sp["id"])
    profile = connect(app="Grooper Server-to-Server", sandbox_dir=private_sandbox["state_dir"])
    token = flows.client_credentials(profile, [EXO_DEFAULT], use_cache=False).access_token.reveal()
    resp = ews.post(token, _get(), impersonate=megan["upn"])
    assert resp.status_code == 401
    assert resp.headers["x-ms-diagnostics"] == (
        '2000008;reason="The token contains not enough scope to make this call.";'
        'error_category="invalid_grant"'
    )


def test_the_ews_policy_is_set_through_the_admin_api_with_the_key(ews, megan_token, private_sandbox):
    """What an integrator rehearses: the tenant switches EWS off (``Set-OrganizationConfig -EwsEnabled
    $false``), Grooper's EWS calls are refused recognisably, and switching it back restores them."""
    from grooper_nb.sandbox import launcher

    state_dir = private_sandbox["state_dir"]
    try:
        assert launcher.set_ews_policy(state_dir, False) == {"enabled": False, "allowed_app_ids": None}
        blocked = ews.post(megan_token, _get())
        assert blocked.status_code == 403 and EWS_BLOCKED_MARKER in blocked.text
    finally:
        launcher.set_ews_policy(state_dir, None)
    assert codes(ews.post(megan_token, _get())) == ["NoError"]
    url = f"{private_sandbox['browser_url']}/_sandbox/ews-policy"
    assert requests.post(url, json={"enabled": False}, timeout=30).status_code == 403  # no admin key
