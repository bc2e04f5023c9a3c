"""App registration through Graph: what the registration client does, each answer in Graph's shape, and
its effect at the token endpoint (a secret added works at once; a secret removed is AADSTS7000215)."""

from __future__ import annotations

import base64
import time

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from grooper_nb.auth import flows
from grooper_nb.errors.aadsts import AuthError
from grooper_nb.profile import connect
from grooper_nb.sandbox.keys import make_self_signed
from tests.sandbox.graph.graph_helpers import GRAPH_DEFAULT

PROOF_AUDIENCE = "00000002-0000-0000-c000-000000000000"


def test_organization_names_the_tenant(graph, admin_token, private_sandbox):
    org = graph.get("/v1.0/organization", admin_token).json()["value"][0]
    assert org["id"] == private_sandbox["tenant"]["id"]
    assert org["verifiedDomains"][0]["name"] == private_sandbox["tenant"]["domain"]


def test_users_list_default_properties_and_get_by_upn_or_id(graph, admin_token, admin):
    users = graph.get("/v1.0/users", admin_token).json()
    assert users["@odata.context"] == "https://graph.microsoft.com/v1.0/$metadata#users"
    assert admin["upn"] in [u["userPrincipalName"] for u in users["value"]]
    assert all("accountEnabled" not in u and "_sandbox" not in u for u in users["value"])
    by_upn = graph.get(f"/v1.0/users/{admin['upn']}", admin_token).json()
    assert by_upn["id"] == admin["object_id"]
    by_id = graph.get(f"/v1.0/users/{admin['object_id']}?$select=id,accountEnabled", admin_token).json()
    assert by_id == {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "id": admin["object_id"],
        "accountEnabled": True,
    }
    assert graph.get("/v1.0/me", admin_token).json()["userPrincipalName"] == admin["upn"]


def test_register_read_filter_update_delete_an_application(graph, admin_token, new_app):
    app = new_app("Graph Test Registration", signInAudience="AzureADMultipleOrgs")
    assert app["@odata.context"] == "https://graph.microsoft.com/v1.0/$metadata#applications/$entity"
    assert app["displayName"] == "Graph Test Registration" and app["passwordCredentials"] == []
    assert "_sandbox" not in app
    object_id, app_id = app["id"], app["appId"]
    assert graph.get(f"/v1.0/applications/{object_id}", admin_token).json()["appId"] == app_id
    assert graph.get(f"/v1.0/applications(appId='{app_id}')", admin_token).json()["id"] == object_id
    found = graph.get(f"/v1.0/applications?$filter=appId eq '{app_id}'&$select=id,displayName", admin_token)
    assert found.json()["value"] == [{"id": object_id, "displayName": "Graph Test Registration"}]
    by_name = graph.get("/v1.0/applications?$filter=displayName eq 'Graph Test Registration'", admin_token)
    assert [a["id"] for a in by_name.json()["value"]] == [object_id]

    patch = {"web": {"redirectUris": ["http://localhost"]}, "isFallbackPublicClient": True}
    assert graph.patch(f"/v1.0/applications/{object_id}", admin_token, patch).status_code == 204
    updated = graph.get(f"/v1.0/applications/{object_id}", admin_token).json()
    assert (
        updated["web"]["redirectUris"] == ["http://localhost"] and updated["isFallbackPublicClient"] is True
    )

    owners = graph.get(f"/v1.0/applications/{object_id}/owners", admin_token).json()["value"]
    assert [o["@odata.type"] for o in owners] == ["#microsoft.graph.user"]

    assert graph.delete(f"/v1.0/applications/{object_id}", admin_token).status_code == 204
    gone = graph.get(f"/v1.0/applications/{object_id}", admin_token)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "Request_ResourceNotFound"


def test_an_unsupported_filter_is_400(graph, admin_token):
    resp = graph.get("/v1.0/applications?$filter=startswith(displayName,'G')", admin_token)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "Request_UnsupportedQuery"


def test_owners_can_be_added_by_reference(graph, admin_token, new_app, private_sandbox):
    app = new_app("Graph Test Owners")
    other = next(u for u in private_sandbox["users"] if u["upn"].startswith("adele.vance@"))
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{other['object_id']}"}
    assert graph.post(f"/v1.0/applications/{app['id']}/owners/$ref", admin_token, ref).status_code == 204
    owners = graph.get(f"/v1.0/applications/{app['id']}/owners", admin_token).json()["value"]
    assert other["object_id"] in [o["id"] for o in owners]


def _client_credentials(state_dir: str, client_id: str, secret: str):
    profile = connect(client_id=client_id, client_secret=secret, sandbox_dir=state_dir)
    return flows.client_credentials(profile, [GRAPH_DEFAULT], use_cache=False)


def test_a_secret_from_add_password_works_until_remove_password(graph, admin_token, new_app, private_sandbox):
    app = new_app("Graph Test Secret")
    assert graph.post("/v1.0/servicePrincipals", admin_token, {"appId": app["appId"]}).status_code == 201
    resp = graph.post(
        f"/v1.0/applications/{app['id']}/addPassword",
        admin_token,
        {"passwordCredential": {"displayName": "t"}},
    )
    assert resp.status_code == 200, resp.text
    created = resp.json()
    secret = created["secretText"]
    assert created["hint"] == secret[:3] and created["displayName"] == "t"

    listed = graph.get(f"/v1.0/applications/{app['id']}", admin_token).json()["passwordCredentials"]
    assert [c["keyId"] for c in listed] == [created["keyId"]]
    assert "secretText" not in listed[0] and secret not in str(listed)

    token = _client_credentials(private_sandbox["state_dir"], app["appId"], secret)
    assert token.claims["appid"] == app["appId"]

    remove = graph.post(
        f"/v1.0/applications/{app['id']}/removePassword", admin_token, {"keyId": created["keyId"]}
    )
    assert remove.status_code == 204
    with pytest.raises(AuthError) as err:
        _client_credentials(private_sandbox["state_dir"], app["appId"], secret)
    assert err.value.code == 7000215


def _certificate(name: str) -> tuple[bytes, str]:
    key_pem, cert_pem = make_self_signed(name, days=30)
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    return key_pem, base64.b64encode(der).decode()


def _proof(key_pem: bytes, object_id: str) -> str:
    now = int(time.time())
    key = serialization.load_pem_private_key(key_pem, password=None)
    return jwt.encode({"aud": PROOF_AUDIENCE, "iss": object_id, "nbf": now, "exp": now + 600}, key, "RS256")


def test_add_key_needs_an_existing_certificate_and_its_proof(graph, admin_token, new_app):
    app = new_app("Graph Test Certificates")
    first_key, first_cert = _certificate("first")
    second_key, second_cert = _certificate("second")
    add = {"keyCredential": {"type": "AsymmetricX509Cert", "usage": "Verify", "key": second_cert}}

    # No certificate yet: nothing to prove possession with; the first goes in with PATCH.
    refused = graph.post(
        f"/v1.0/applications/{app['id']}/addKey", admin_token, {**add, "proof": _proof(first_key, app["id"])}
    )
    assert refused.status_code == 400 and "PATCH" in refused.json()["error"]["message"]
    patch = {"keyCredentials": [{"type": "AsymmetricX509Cert", "usage": "Verify", "key": first_cert}]}
    assert graph.patch(f"/v1.0/applications/{app['id']}", admin_token, patch).status_code == 204
    listed = graph.get(f"/v1.0/applications/{app['id']}", admin_token).json()["keyCredentials"]
    assert len(listed) == 1 and listed[0]["key"] is None and listed[0]["customKeyIdentifier"]

    # A proof signed by a key the app does not have is refused; one from its certificate is accepted.
    wrong = graph.post(
        f"/v1.0/applications/{app['id']}/addKey", admin_token, {**add, "proof": _proof(second_key, app["id"])}
    )
    assert wrong.status_code == 400
    added = graph.post(
        f"/v1.0/applications/{app['id']}/addKey", admin_token, {**add, "proof": _proof(first_key, app["id"])}
    )
    assert added.status_code == 200, added.text
    assert added.json()["type"] == "AsymmetricX509Cert" and added.json()["key"] is None
    listed = graph.get(f"/v1.0/applications/{app['id']}", admin_token).json()["keyCredentials"]
    assert len(listed) == 2


def test_password_credentials_cannot_be_patched(graph, admin_token, new_app):
    app = new_app("Graph Test No Patch")
    resp = graph.patch(f"/v1.0/applications/{app['id']}", admin_token, {"passwordCredentials": []})
    assert resp.status_code == 400


def test_every_operation_accepts_the_app_id_form(graph, admin_token, new_app):
    app = new_app("Graph Test By AppId")
    by_app_id = f"/v1.0/applications(appId='{app['appId']}')"
    assert graph.patch(by_app_id, admin_token, {"notes": "by appId"}).status_code == 204
    assert (
        graph.get(f"/v1.0/applications/{app['id']}?$select=notes", admin_token).json()["notes"] == "by appId"
    )
    assert graph.post(f"{by_app_id}/addPassword", admin_token).status_code == 200
    missing = graph.get("/v1.0/applications(appId='00000000-0000-0000-0000-000000000001')", admin_token)
    assert missing.status_code == 404


def test_owners_can_be_listed_by_reference_and_removed(graph, admin_token, new_app, admin):
    app = new_app("Graph Test Owner Refs")
    refs = graph.get(f"/v1.0/applications/{app['id']}/owners/$ref", admin_token).json()["value"]
    assert len(refs) == 1 and admin["object_id"] in refs[0]["@odata.id"]
    gone = graph.delete(f"/v1.0/applications/{app['id']}/owners/{admin['object_id']}/$ref", admin_token)
    assert gone.status_code == 204
    assert graph.get(f"/v1.0/applications/{app['id']}/owners", admin_token).json()["value"] == []


def test_a_deleted_application_takes_its_service_principal_and_credentials_with_it(
    graph, admin_token, new_app, private_sandbox
):
    app = new_app("Graph Test Deleted")
    sp = graph.post("/v1.0/servicePrincipals", admin_token, {"appId": app["appId"]}).json()
    secret = graph.post(f"/v1.0/applications/{app['id']}/addPassword", admin_token).json()["secretText"]
    assert graph.delete(f"/v1.0/applications/{app['id']}", admin_token).status_code == 204
    assert graph.get(f"/v1.0/servicePrincipals/{sp['id']}", admin_token).status_code == 404
    with pytest.raises(AuthError) as err:
        _client_credentials(private_sandbox["state_dir"], app["appId"], secret)
    assert err.value.code == 700016


def test_collections_page_with_top_and_next_link(graph, admin_token):
    first = graph.get("/v1.0/users?$top=2", admin_token).json()
    assert len(first["value"]) == 2
    second = graph.session.get(
        first["@odata.nextLink"], headers={"Authorization": f"Bearer {admin_token}"}, timeout=30
    )
    assert second.status_code == 200
    ids = [u["id"] for u in first["value"]] + [u["id"] for u in second.json()["value"]]
    assert len(set(ids)) == 4


def test_an_application_registered_here_is_listed_with_its_secrets_hints(graph, admin_token, private_sandbox):
    """The default seed registers the connector in this tenant (``--connector in-tenant``): its application
    object, and the hints of its secrets, are there to audit. (With the connector in its publisher's
    tenant, ``/applications`` does not show it: tests/sandbox/login/test_publisher_consent.py.)"""
    connector = next(a for a in private_sandbox["apps"] if a["name"] == "Grooper Azure AD Connector 2021")
    found = graph.get(f"/v1.0/applications(appId='{connector['client_id']}')", admin_token)
    assert found.status_code == 200
    assert len(found.json()["passwordCredentials"]) == 2  # the current secret and the expired one
