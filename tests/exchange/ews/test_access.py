"""Who may use EWS for which mailbox, through the backend and :func:`ews_status`, with real tokens: each
refusal arrives as an explained :class:`~grooper_nb.errors.EwsError` carrying the ``ResponseCode`` (or the
HTTP-level code), ``x-ms-diagnostics`` and the ``request-id``.

The module switches the tenant's EWS policy, an application access policy and the server-to-server app's
Exchange consent, each put back after its test, on its own sandbox.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from grooper_nb.auth import flows
from grooper_nb.errors import EwsError
from grooper_nb.exchange.ews import EwsBackend, ews_status
from grooper_nb.exchange.ews.tokens import token_provider
from grooper_nb.sandbox import launcher
from grooper_nb.sandbox.ews import EWS_BLOCKED_MARKER
from grooper_nb.sandbox.store import Store
from tests.exchange.ews.conftest import SHARED, sign_in
from tests.helpers import seeded_app, seeded_user

EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
FULL_ACCESS_AS_APP = "dc890d15-9560-4a4c-9b7f-a736ec74ec40"


@pytest.fixture
def policy(private_sandbox: dict) -> Iterator[str]:
    """The sandbox's state dir; the tenant's EWS policy and every fault are reset after the test."""
    state_dir = private_sandbox["state_dir"]
    yield state_dir
    launcher.set_ews_policy(state_dir, None)
    launcher.clear_faults(state_dir)


def _refusal(backend: EwsBackend) -> EwsError:
    with pytest.raises(EwsError) as caught:
        backend.folders()
    error = caught.value
    assert error.request_id, "every EWS refusal keeps its request-id"
    assert error.explanation is not None, f"{error.error} is not explained"
    return error


def test_a_user_reads_their_own_mailbox_and_a_delegated_one(
    megan_ews, shared_ews, connector, megan, megan_account, adele_account
) -> None:
    assert ews_status(connector, megan["upn"], account=megan_account).ok
    assert ews_status(connector, SHARED, account=adele_account).ok
    assert {f["well_known_name"] for f in megan_ews.folders()} >= {"inbox", "sentitems"}
    assert any(f["path"] == "Inbox/Vendors/Acme" for f in shared_ews.folders())
    assert megan_ews.client.server_version["MajorVersion"] == "15"


def test_a_mailbox_without_delegate_rights_is_access_denied(connector, megan_account) -> None:
    backend = EwsBackend(connector, SHARED, account=megan_account)
    error = _refusal(backend)
    assert (error.error, error.status) == ("ErrorAccessDenied", 200)
    assert "Full Access" in error.fix
    status = ews_status(connector, SHARED, account=megan_account)
    assert (status.state, status.ok, status.error.error) == ("access_denied", False, "ErrorAccessDenied")


def test_app_only_impersonates_with_full_access_as_app(s2s, app_ews: EwsBackend) -> None:
    assert app_ews.app_only and app_ews.client.impersonate == SHARED
    assert any(f["well_known_name"] == "inbox" for f in app_ews.folders())
    assert ews_status(s2s, SHARED).state == "reachable"
    nobody = ews_status(s2s, "nobody@contoso.onmicrosoft.com")
    assert (nobody.state, nobody.error.error, nobody.error.status) == (
        "no_mailbox",
        "ErrorNonExistentMailbox",
        500,
    )


def test_an_app_token_without_the_impersonation_header_is_refused(s2s) -> None:
    backend = EwsBackend(s2s, SHARED, get_token=token_provider(s2s, app_only=True), app_only=False)
    error = _refusal(backend)
    assert (error.error, error.status) == ("ErrorInvalidExchangeImpersonationHeaderData", 500)
    assert "ExchangeImpersonation SOAP header must be present" in error.description


def test_impersonation_outside_the_application_access_policy_is_denied(
    s2s, store: Store, private_sandbox: dict, megan: dict
) -> None:
    app_id = seeded_app(private_sandbox, "Grooper Server-to-Server")["client_id"]
    store.mail.set_application_access_policy(app_id, [store.mail.mailbox(SHARED)["id"]])
    try:
        error = _refusal(EwsBackend(s2s, megan["upn"]))
        assert (error.error, error.status) == ("ErrorImpersonateUserDenied", 500)
        assert ews_status(s2s, megan["upn"]).state == "impersonation_denied"
        assert ews_status(s2s, SHARED).state == "reachable"
    finally:
        store.mail.set_application_access_policy(app_id, [])


def test_a_graph_token_sent_to_ews_is_the_wrong_audience(connector, megan: dict) -> None:
    graph_token = sign_in_graph(connector, megan)
    asked: list[bool] = []

    def get_token(force_refresh: bool) -> str:
        asked.append(force_refresh)
        return graph_token

    error = _refusal(EwsBackend(connector, megan["upn"], get_token=get_token, app_only=False))
    assert (error.error, error.status) == ("Unauthorized", 401)
    assert error.diagnostics.startswith("2000001;reason=") and "invalid_token" in error.diagnostics
    assert error.description  # the diagnostics' reason
    assert asked == [False, True]  # one fresh token asked for after the first 401, then explained
    assert graph_token not in str(error) and graph_token not in repr(error)


def sign_in_graph(connector, user: dict) -> str:
    """A Graph token for ``user``: the right user, the wrong resource for EWS."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = flows.ropc(
            connector, user["upn"], user["password"], ["https://graph.microsoft.com/User.Read"], warn=False
        )
    return result.access_token.reveal()


def test_a_user_without_a_mailbox(connector, private_sandbox: dict) -> None:
    user = seeded_user(private_sandbox, "nomail.user")
    status = ews_status(connector, user["upn"], account=sign_in(connector, user))
    assert (status.state, status.error.error) == ("no_mailbox", "ErrorNonExistentMailbox")


def test_ews_blocked_for_the_tenant_through_the_admin_api(
    policy: str, connector, megan_account, megan
) -> None:
    launcher.set_ews_policy(policy, False)
    error = _refusal(EwsBackend(connector, megan["upn"], account=megan_account))
    assert (error.error, error.status) == ("Forbidden", 403)
    assert EWS_BLOCKED_MARKER in error.diagnostics
    assert "EwsEnabled" in error.grooper_cause or "EwsEnabled" in error.fix
    status = ews_status(connector, megan["upn"], account=megan_account)
    assert (status.state, status.error.status) == ("blocked_for_tenant", 403)
    launcher.set_ews_policy(policy, None)
    assert ews_status(connector, megan["upn"], account=megan_account).ok


def test_an_app_not_in_ews_allowed_app_ids(
    policy: str, connector, s2s, megan_account, megan, private_sandbox
) -> None:
    connector_id = seeded_app(private_sandbox, "Grooper Azure AD Connector 2021")["client_id"]
    launcher.set_ews_policy(policy, True, [connector_id])
    assert ews_status(connector, megan["upn"], account=megan_account).ok
    refused = ews_status(s2s, SHARED)
    assert (refused.state, refused.error.status) == ("app_not_allowed", 403)


def test_the_blocked_fault_in_another_wire_form_is_still_recognised(policy: str, s2s) -> None:
    """The ``ews_blocked`` fault answers a plain-text 403: another guess at the unconfirmed 2026 form."""
    launcher.set_fault(policy, "ews_blocked")
    status = ews_status(s2s, SHARED)
    assert (status.state, status.error.error, status.error.status) == ("blocked_for_tenant", "Forbidden", 403)


def test_an_app_token_without_full_access_as_app_is_refused(s2s, store: Store, private_sandbox: dict) -> None:
    """The app's Exchange consent is taken away for the test and given back after it."""
    client_sp = store.directory.service_principal(
        seeded_app(private_sandbox, "Grooper Server-to-Server")["client_id"]
    )
    exchange_sp = store.directory.service_principal(EXCHANGE_APP_ID)
    store.directory.revoke_consent(client_sp["id"], resource_sp_id=exchange_sp["id"])
    try:
        fresh = token_provider(s2s, app_only=True)
        backend = EwsBackend(s2s, SHARED, get_token=lambda _force: fresh(True), app_only=True)
        error = _refusal(backend)
        assert (error.error, error.status) == ("Unauthorized", 401)
        assert "not enough scope" in error.diagnostics
        assert (
            ews_status(s2s, SHARED, get_token=lambda _force: fresh(True), app_only=True).state
            == "token_refused"
        )
    finally:
        store.directory.add_app_role_assignment(client_sp["id"], exchange_sp["id"], FULL_ACCESS_AS_APP)
    assert ews_status(s2s, SHARED, get_token=lambda _force: fresh(True), app_only=True).ok
