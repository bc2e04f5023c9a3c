"""Consent through Graph counts at the token endpoint, as in Entra: an app-role assignment made or
deleted changes the next client-credentials token's ``roles``; an oauth2PermissionGrant deleted makes the
next delegated request for its scope fail with AADSTS65001. First-party resources carry Microsoft's
permission ids."""

from __future__ import annotations

import pytest

from grooper_nb.auth import flows
from grooper_nb.errors.aadsts import AuthError
from grooper_nb.profile import connect
from tests.helpers import plain_user
from tests.sandbox.graph.graph_helpers import GRAPH_DEFAULT, ropc

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"


@pytest.mark.parametrize(
    ("app_id", "kind", "value", "permission_id"),
    [
        (GRAPH_APP_ID, "appRoles", "Application.ReadWrite.All", "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9"),
        (GRAPH_APP_ID, "oauth2PermissionScopes", "User.Read", "e1fe6dd8-ba31-4d61-89e7-88639da4683d"),
        (
            GRAPH_APP_ID,
            "oauth2PermissionScopes",
            "Application.Read.All",
            "c79f8feb-a9db-4090-85f9-90d820caa0eb",
        ),
        (EXCHANGE_APP_ID, "appRoles", "full_access_as_app", "dc890d15-9560-4a4c-9b7f-a736ec74ec40"),
        (
            EXCHANGE_APP_ID,
            "oauth2PermissionScopes",
            "EWS.AccessAsUser.All",
            "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5",
        ),
        (SHAREPOINT_APP_ID, "appRoles", "Sites.Read.All", "d13f72ca-a275-4b96-b789-48ebcc4da984"),
    ],
)
def test_first_party_service_principals_carry_microsofts_permission_ids(
    graph, admin_token, app_id, kind, value, permission_id
):
    resp = graph.get(f"/v1.0/servicePrincipals(appId='{app_id}')?$select=appId,{kind}", admin_token)
    assert resp.status_code == 200, resp.text
    assert {p["value"]: p["id"] for p in resp.json()[kind]}[value] == permission_id


def test_service_principals_filter_by_app_id_and_display_name(graph, admin_token):
    by_id = graph.get(f"/v1.0/servicePrincipals?$filter=appId eq '{EXCHANGE_APP_ID}'", admin_token).json()
    assert [sp["displayName"] for sp in by_id["value"]] == ["Office 365 Exchange Online"]
    by_name = graph.get(
        "/v1.0/servicePrincipals?$filter=displayName eq 'Microsoft Graph'", admin_token
    ).json()
    assert [sp["appId"] for sp in by_name["value"]] == [GRAPH_APP_ID]


def test_a_second_service_principal_for_one_app_is_refused(graph, admin_token, new_app):
    app = new_app("Graph Test Twice")
    assert graph.post("/v1.0/servicePrincipals", admin_token, {"appId": app["appId"]}).status_code == 201
    again = graph.post("/v1.0/servicePrincipals", admin_token, {"appId": app["appId"]})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "Request_MultipleObjectsWithSameKeyValue"


def _app_with_secret(graph, token, new_app, name):
    app = new_app(name)
    sp = graph.post("/v1.0/servicePrincipals", token, {"appId": app["appId"]}).json()
    secret = graph.post(f"/v1.0/applications/{app['id']}/addPassword", token, {}).json()["secretText"]
    return app, sp, secret


def _roles(state_dir, app, secret) -> list[str]:
    profile = connect(client_id=app["appId"], client_secret=secret, sandbox_dir=state_dir)
    return flows.client_credentials(profile, [GRAPH_DEFAULT], use_cache=False).claims.get("roles", [])


def test_an_app_role_assignment_made_and_deleted_through_graph_changes_the_next_token(
    graph, admin_token, new_app, graph_sp, private_sandbox
):
    app, sp, secret = _app_with_secret(graph, admin_token, new_app, "Graph Test App Roles")
    role = {r["value"]: r["id"] for r in graph_sp["appRoles"]}["User.Read.All"]
    body = {"principalId": sp["id"], "resourceId": graph_sp["id"], "appRoleId": role}
    made = graph.post(f"/v1.0/servicePrincipals/{graph_sp['id']}/appRoleAssignedTo", admin_token, body)
    assert made.status_code == 201, made.text
    assignment = made.json()
    assert assignment["principalType"] == "ServicePrincipal"
    assert assignment["resourceDisplayName"] == "Microsoft Graph"
    assert _roles(private_sandbox["state_dir"], app, secret) == ["User.Read.All"]

    mine = graph.get(f"/v1.0/servicePrincipals/{sp['id']}/appRoleAssignments", admin_token).json()["value"]
    assert [a["id"] for a in mine] == [assignment["id"]]
    gone = graph.delete(
        f"/v1.0/servicePrincipals/{graph_sp['id']}/appRoleAssignedTo/{assignment['id']}", admin_token
    )
    assert gone.status_code == 204
    assert _roles(private_sandbox["state_dir"], app, secret) == []


def test_an_app_only_caller_with_application_readwrite_all_may_register_apps(
    graph, admin_token, new_app, graph_sp, private_sandbox
):
    app, sp, secret = _app_with_secret(graph, admin_token, new_app, "Graph Test Registrar")
    role = {r["value"]: r["id"] for r in graph_sp["appRoles"]}["Application.ReadWrite.All"]
    body = {"principalId": sp["id"], "resourceId": graph_sp["id"], "appRoleId": role}
    assert (
        graph.post(
            f"/v1.0/servicePrincipals/{graph_sp['id']}/appRoleAssignedTo", admin_token, body
        ).status_code
        == 201
    )
    profile = connect(client_id=app["appId"], client_secret=secret, sandbox_dir=private_sandbox["state_dir"])
    token = flows.client_credentials(profile, [GRAPH_DEFAULT], use_cache=False).access_token.reveal()
    made = graph.post("/v1.0/applications", token, {"displayName": "Registered by an app"})
    assert made.status_code == 201, made.text
    # ...but not grant consent, which needs AppRoleAssignment.ReadWrite.All.
    denied = graph.post(f"/v1.0/servicePrincipals/{graph_sp['id']}/appRoleAssignedTo", token, body)
    assert denied.status_code == 403


def test_a_permission_grant_deleted_through_graph_makes_the_next_delegated_request_fail(
    graph, admin_token, new_app, graph_sp, private_sandbox
):
    app = new_app(
        "Graph Test Delegated",
        isFallbackPublicClient=True,
        publicClient={"redirectUris": ["http://localhost"]},
    )
    sp = graph.post("/v1.0/servicePrincipals", admin_token, {"appId": app["appId"]}).json()
    body = {
        "clientId": sp["id"],
        "consentType": "AllPrincipals",
        "principalId": None,
        "resourceId": graph_sp["id"],
        "scope": "User.Read",
    }
    made = graph.post("/v1.0/oauth2PermissionGrants", admin_token, body)
    assert made.status_code == 201, made.text
    grant = made.json()
    assert grant["scope"] == "User.Read" and grant["consentType"] == "AllPrincipals"

    listed = graph.get(f"/v1.0/oauth2PermissionGrants?$filter=clientId eq '{sp['id']}'", admin_token).json()[
        "value"
    ]
    assert [g["id"] for g in listed] == [grant["id"]]
    dup = graph.post("/v1.0/oauth2PermissionGrants", admin_token, body)
    assert dup.status_code == 409

    profile = connect(client_id=app["appId"], sandbox_dir=private_sandbox["state_dir"])
    user = plain_user(private_sandbox)
    assert "User.Read" in ropc(profile, user, ["User.Read"]).claims["scp"].split()

    patched = graph.patch(
        f"/v1.0/oauth2PermissionGrants/{grant['id']}", admin_token, {"scope": "User.Read Mail.Read"}
    )
    assert patched.status_code == 204
    assert "Mail.Read" in ropc(profile, user, ["Mail.Read"]).claims["scp"].split()

    assert graph.delete(f"/v1.0/oauth2PermissionGrants/{grant['id']}", admin_token).status_code == 204
    with pytest.raises(AuthError) as err:
        ropc(profile, user, ["User.Read"])
    assert err.value.code == 65001
