"""Who may read which mailbox through Graph, with real tokens from real MSAL.

Own mailbox with delegated ``Mail.Read`` (or ``Mail.ReadBasic``, without bodies and attachments); a
shared mailbox with ``Mail.Read.Shared`` and FullAccess; any mailbox with the application permission,
unless an application access policy limits the app; 403 ``ErrorAccessDenied`` otherwise; 404
``MailboxNotEnabledForRESTAPI`` for a user without a mailbox. The module changes the middle-tier app's
consent grant and the tenant's access policies, so it has its own sandbox.
"""

from __future__ import annotations

import pytest

from grooper_nb.profile import Profile, connect
from grooper_nb.sandbox.store import Store
from tests.helpers import seeded_app, seeded_user
from tests.sandbox.graph.graph_helpers import Graph, ropc_token

SHARED = "invoices@contoso.onmicrosoft.com"
DENIED = "Access is denied. Check credentials and try again."


@pytest.fixture(scope="module")
def middle(private_sandbox: dict) -> Profile:
    """The middle-tier app: confidential, delegated Graph User.Read and Mail.Read consented."""
    return connect(app="Grooper Middle-Tier API", sandbox_dir=private_sandbox["state_dir"])


@pytest.fixture(scope="module")
def delegate(private_sandbox: dict) -> dict:
    """The ordinary user the seed gives FullAccess to the shared mailbox."""
    return seeded_user(private_sandbox, "adele.vance")


@pytest.fixture(scope="module")
def other(private_sandbox: dict) -> dict:
    return seeded_user(private_sandbox, "megan.bowen")


@pytest.fixture(scope="module")
def middle_grant(private_sandbox: dict, graph: Graph, admin_token: str) -> dict:
    """The middle-tier app's AllPrincipals grant to Graph, as Graph lists it."""
    app_id = seeded_app(private_sandbox, "Grooper Middle-Tier API")["client_id"]
    sp = graph.get(f"/v1.0/servicePrincipals(appId='{app_id}')", admin_token).json()
    grants = graph.get(f"/v1.0/oauth2PermissionGrants?$filter=clientId eq '{sp['id']}'", admin_token).json()
    return grants["value"][0]


def _error(resp) -> tuple[int, str, str]:
    error = resp.json()["error"]
    return resp.status_code, error["code"], error["message"]


def test_a_user_reads_their_own_mailbox_and_no_other(
    graph: Graph, middle: Profile, delegate: dict, other: dict
) -> None:
    token = ropc_token(middle, delegate)
    assert graph.get("/v1.0/me/messages", token).status_code == 200
    assert graph.get(f"/v1.0/users/{delegate['upn']}/mailFolders", token).status_code == 200
    assert graph.get(f"/v1.0/users/{delegate['object_id']}/messages", token).status_code == 200
    assert _error(graph.get(f"/v1.0/users/{other['upn']}/messages", token)) == (
        403,
        "ErrorAccessDenied",
        DENIED,
    )
    # FullAccess alone is not enough: the token must carry Mail.Read.Shared.
    assert _error(graph.get(f"/v1.0/users/{SHARED}/messages", token))[:2] == (403, "ErrorAccessDenied")


def test_a_token_without_mail_permissions_is_denied(graph: Graph, user_token: str) -> None:
    assert _error(graph.get("/v1.0/me/messages", user_token)) == (403, "ErrorAccessDenied", DENIED)


def test_a_user_without_a_mailbox(
    graph: Graph, s2s_token: str, private_sandbox: dict, middle: Profile
) -> None:
    nomail = seeded_user(private_sandbox, has_mailbox=False, enabled=True)
    expected = (
        404,
        "MailboxNotEnabledForRESTAPI",
        "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
    )
    assert _error(graph.get(f"/v1.0/users/{nomail['upn']}/messages", s2s_token)) == expected
    assert _error(graph.get("/v1.0/me/mailFolders", ropc_token(middle, nomail))) == expected
    unknown = graph.get("/v1.0/users/nobody@contoso.onmicrosoft.com/messages", s2s_token)
    assert _error(unknown)[:2] == (404, "ErrorInvalidUser")


def test_app_only_reads_any_mailbox_but_not_me(graph: Graph, s2s_token: str, private_sandbox: dict) -> None:
    for user in private_sandbox["users"]:
        if user["has_mailbox"]:
            assert graph.get(f"/v1.0/users/{user['upn']}/messages", s2s_token).status_code == 200, user["upn"]
    assert graph.get(f"/v1.0/users/{SHARED}/mailFolders/inbox/messages", s2s_token).status_code == 200
    assert graph.get("/v1.0/me/messages", s2s_token).status_code == 400


def test_an_application_access_policy_limits_the_app(
    graph: Graph, s2s_token: str, store: Store, private_sandbox: dict, delegate: dict
) -> None:
    app_id = seeded_app(private_sandbox, "Grooper Server-to-Server")["client_id"]
    shared = store.mail.mailbox(SHARED)
    store.mail.set_application_access_policy(app_id, [shared["id"]])
    try:
        assert graph.get(f"/v1.0/users/{SHARED}/messages", s2s_token).status_code == 200
        status, code, message = _error(graph.get(f"/v1.0/users/{delegate['upn']}/messages", s2s_token))
        assert (status, code) == (403, "ErrorAccessDenied") and "AppOnly AccessPolicy" in message
    finally:
        store.mail.set_application_access_policy(app_id, [])
    assert graph.get(f"/v1.0/users/{delegate['upn']}/messages", s2s_token).status_code == 200


def test_mail_read_shared_opens_a_mailbox_the_user_has_full_access_to(
    graph: Graph, admin_token: str, middle: Profile, middle_grant: dict, delegate: dict, other: dict
) -> None:
    scope = f"{middle_grant['scope']} Mail.Read.Shared"
    assert graph.patch(f"/v1.0/oauth2PermissionGrants/{middle_grant['id']}", admin_token, {"scope": scope}).ok
    try:
        token = ropc_token(middle, delegate, ["Mail.Read.Shared"])
        folders = graph.get(f"/v1.0/users/{SHARED}/mailFolders", token)
        assert folders.status_code == 200 and {f["displayName"] for f in folders.json()["value"]} >= {"Inbox"}
        assert graph.get(f"/v1.0/users/{SHARED}/messages?$top=5", token).status_code == 200
        # Mail.Read.Shared opens only what the user has FullAccess to.
        outsider = ropc_token(middle, other, ["Mail.Read.Shared"])
        assert _error(graph.get(f"/v1.0/users/{SHARED}/messages", outsider))[:2] == (403, "ErrorAccessDenied")
        assert _error(graph.get(f"/v1.0/users/{delegate['upn']}/messages", outsider))[0] == 403
    finally:
        graph.patch(
            f"/v1.0/oauth2PermissionGrants/{middle_grant['id']}",
            admin_token,
            {"scope": middle_grant["scope"]},
        )


def test_mail_read_basic_has_no_bodies_and_no_attachments(
    graph: Graph, admin_token: str, middle: Profile, middle_grant: dict, delegate: dict
) -> None:
    scope = "User.Read Mail.ReadBasic offline_access"
    assert graph.patch(f"/v1.0/oauth2PermissionGrants/{middle_grant['id']}", admin_token, {"scope": scope}).ok
    try:
        token = ropc_token(middle, delegate, ["Mail.ReadBasic"])
        page = graph.get("/v1.0/me/messages?$filter=hasAttachments eq true&$top=1", token)
        assert page.status_code == 200, page.text
        message = page.json()["value"][0]
        assert "subject" in message and "body" not in message and "bodyPreview" not in message
        listed = graph.get(f"/v1.0/me/messages/{message['id']}/attachments", token)
        assert _error(listed)[:2] == (403, "ErrorAccessDenied")
    finally:
        graph.patch(
            f"/v1.0/oauth2PermissionGrants/{middle_grant['id']}",
            admin_token,
            {"scope": middle_grant["scope"]},
        )
