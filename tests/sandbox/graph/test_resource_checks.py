"""Graph refuses a token as a Microsoft resource server does, and says so in Graph's own shape.

401 ``InvalidAuthenticationToken`` with Graph's ``WWW-Authenticate`` challenge for a token that does not
authenticate (none, expired, for another audience, forged); 403 ``Authorization_RequestDenied`` for a
caller without the permission or the directory role. Every answer carries ``request-id`` and the
caller's ``client-request-id``: https://learn.microsoft.com/graph/errors
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from grooper_nb.auth import flows
from grooper_nb.profile import connect
from grooper_nb.sandbox.keys import SigningKeys, b64url_decode
from tests.helpers import b64url
from tests.sandbox.graph.graph_helpers import ropc_token
from tests.sandbox.login.identity_helpers import admin as sandbox_admin

CHALLENGE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'client_id="00000003-0000-0000-c000-000000000000"'
)


def assert_graph_error(resp, status: int, code: str, client_request_id: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["code"] == code
    inner = error["innerError"]
    assert inner["request-id"] == resp.headers["request-id"]
    assert inner["client-request-id"] == resp.headers["client-request-id"]
    assert inner["date"]
    if client_request_id:
        assert resp.headers["client-request-id"] == client_request_id
    if status == 401:
        assert resp.headers["WWW-Authenticate"] == CHALLENGE
    return error


def test_no_token_is_401_with_graphs_challenge_and_the_callers_client_request_id(graph):
    crid = str(uuid.uuid4())
    resp = graph.get("/v1.0/applications", None, headers={"client-request-id": crid})
    error = assert_graph_error(resp, 401, "InvalidAuthenticationToken", crid)
    assert error["message"] == "Access token is empty."


def test_a_success_carries_request_id_and_the_callers_client_request_id(graph, admin_token):
    crid = str(uuid.uuid4())
    resp = graph.get("/v1.0/me", admin_token, headers={"client-request-id": crid})
    assert resp.status_code == 200
    assert resp.headers["client-request-id"] == crid
    uuid.UUID(resp.headers["request-id"])


def _forged(claims: dict, state_dir: str) -> str:
    """A token the tenant's own key signs, with the claims a test needs (an expired one, say)."""
    return SigningKeys.load_or_create(Path(state_dir)).sign(claims, version="1.0", graph_nonce=True)


def _claims_of(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


def test_an_expired_token_is_401(graph, admin_token, private_sandbox):
    claims = _claims_of(admin_token)
    claims.update(iat=int(time.time()) - 7200, nbf=int(time.time()) - 7200, exp=int(time.time()) - 301 - 60)
    resp = graph.get("/v1.0/me", _forged(claims, private_sandbox["state_dir"]))
    error = assert_graph_error(resp, 401, "InvalidAuthenticationToken")
    assert "expired" in error["message"]


def test_a_token_just_past_exp_is_still_accepted_within_five_minutes_skew(
    graph, admin_token, private_sandbox
):
    claims = _claims_of(admin_token)
    claims.update(exp=int(time.time()) - 120)
    assert graph.get("/v1.0/me", _forged(claims, private_sandbox["state_dir"])).status_code == 200


def test_an_exchange_token_is_401_invalid_audience(graph, private_sandbox):
    profile = connect(app="Grooper Server-to-Server", sandbox_dir=private_sandbox["state_dir"])
    exo = flows.client_credentials(profile, ["https://outlook.office365.com/.default"], use_cache=False)
    error = assert_graph_error(
        graph.get("/v1.0/applications", exo.access_token.reveal()), 401, "InvalidAuthenticationToken"
    )
    assert "audience" in error["message"]


def test_a_token_with_a_broken_signature_is_401(graph, admin_token):
    header, payload, signature = admin_token.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[0] ^= 0xFF
    resp = graph.get("/v1.0/me", f"{header}.{payload}.{b64url(bytes(raw))}")
    assert_graph_error(resp, 401, "InvalidAuthenticationToken")


def test_a_token_for_another_tenant_is_401(graph, admin_token, private_sandbox):
    claims = _claims_of(admin_token)
    other = str(uuid.uuid4())
    claims.update(tid=other, iss=f"https://sts.windows.net/{other}/")
    resp = graph.get("/v1.0/me", _forged(claims, private_sandbox["state_dir"]))
    assert_graph_error(resp, 401, "InvalidAuthenticationToken")


def test_an_unknown_path_is_401_without_a_token_and_400_with_one(graph, admin_token):
    assert_graph_error(graph.get("/v1.0/nothingHere", None), 401, "InvalidAuthenticationToken")
    error = assert_graph_error(graph.get("/v1.0/nothingHere", admin_token), 400, "BadRequest")
    assert error["message"] == "Resource not found for the segment 'nothingHere'."


def test_a_non_admin_user_may_read_but_not_register_an_app(graph, user_token):
    assert graph.get("/v1.0/applications", user_token).status_code == 200
    resp = graph.post("/v1.0/applications", user_token, {"displayName": "Not allowed"})
    error = assert_graph_error(resp, 403, "Authorization_RequestDenied")
    assert error["message"] == "Insufficient privileges to complete the operation."


def test_a_non_admin_user_may_not_grant_consent(graph, user_token, graph_sp):
    body = {
        "clientId": graph_sp["id"],
        "consentType": "AllPrincipals",
        "resourceId": graph_sp["id"],
        "scope": "User.Read",
    }
    assert_graph_error(
        graph.post("/v1.0/oauth2PermissionGrants", user_token, body), 403, "Authorization_RequestDenied"
    )


def test_an_app_without_application_permissions_for_apps_is_403(graph, s2s_token):
    assert_graph_error(graph.get("/v1.0/applications", s2s_token), 403, "Authorization_RequestDenied")
    assert graph.get("/v1.0/users", s2s_token).status_code == 200  # it holds User.Read.All


def test_me_with_an_app_only_token_is_400(graph, s2s_token):
    assert_graph_error(graph.get("/v1.0/me", s2s_token), 400, "BadRequest")


def test_revoked_sessions_end_a_users_graph_access(graph, bootstrap, private_sandbox):
    user = next(u for u in private_sandbox["users"] if u["upn"].startswith("lee.gu@"))
    token = ropc_token(bootstrap, user)
    assert graph.get("/v1.0/me", token).status_code == 200
    sandbox_admin(private_sandbox, f"users/{user['upn']}/revoke-sessions")
    assert_graph_error(graph.get("/v1.0/me", token), 401, "InvalidAuthenticationToken")


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_both_versions_serve_the_directory(graph, admin_token, version):
    resp = graph.get(f"/{version}/organization", admin_token)
    assert resp.status_code == 200
    assert resp.json()["@odata.context"] == f"https://graph.microsoft.com/{version}/$metadata#organization"


def test_a_token_not_yet_valid_beyond_the_skew_is_401(graph, admin_token, private_sandbox):
    claims = _claims_of(admin_token)
    claims.update(nbf=int(time.time()) + 600, exp=int(time.time()) + 4000)
    assert_graph_error(
        graph.get("/v1.0/me", _forged(claims, private_sandbox["state_dir"])),
        401,
        "InvalidAuthenticationToken",
    )


def test_a_token_of_a_disabled_user_is_401(graph, admin_token, private_sandbox):
    disabled = next(u for u in private_sandbox["users"] if not u["enabled"])
    claims = _claims_of(admin_token)
    claims.update(oid=disabled["object_id"], upn=disabled["upn"], unique_name=disabled["upn"])
    resp = graph.get("/v1.0/me", _forged(claims, private_sandbox["state_dir"]))
    error = assert_graph_error(resp, 401, "InvalidAuthenticationToken")
    assert "UserDisabled" in error["message"]


def test_a_method_a_resource_does_not_have_is_405_after_the_token_check(graph, admin_token):
    assert_graph_error(graph.call("PUT", "/v1.0/applications", None), 401, "InvalidAuthenticationToken")
    assert_graph_error(
        graph.call("PUT", "/v1.0/applications", admin_token, json={}), 405, "Request_BadRequest"
    )
