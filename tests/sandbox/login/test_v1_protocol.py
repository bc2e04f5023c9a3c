"""The v1 protocol, as ADAL-era clients speak it: ``resource=`` instead of ``scope=``.

``/{tenant}/oauth2/token`` (every grant), ``/{tenant}/oauth2/authorize``, ``/{tenant}/oauth2/devicecode``
and the v1 discovery document that names them. ADAL is not installed: these are the requests it sends,
made with plain ``requests`` through the sandbox's proxy. Paths are matched case-insensitively, as Entra
matches them (ADAL asks ``/common/UserRealm/{upn}``).
"""

from __future__ import annotations

import jwt
import pytest
import requests

from tests.sandbox.login.identity_helpers import (
    app,
    approve_device_code,
    assert_aadsts,
    redirect_query,
    sign_in,
    user,
)

LOGIN = "https://login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com"
EXCHANGE = "https://outlook.office365.com"
BOOTSTRAP = "Grooper NB Bootstrap"
GROOPER = "Grooper Azure AD Connector 2021"
S2S = "Grooper Server-to-Server"


def _v1(sandbox: dict, endpoint: str) -> str:
    return f"{LOGIN}/{sandbox['tenant']['id']}/oauth2/{endpoint}"


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _ok(resp: requests.Response) -> dict:
    assert resp.status_code == 200, resp.text
    return resp.json()


def _assert_v1_body(body: dict, resource: str) -> None:
    """A v1 token response: numbers as strings, ``expires_on``/``not_before``, the ``resource`` echoed."""
    assert body["token_type"] == "Bearer" and body["resource"] == resource
    for field in ("expires_in", "ext_expires_in", "expires_on", "not_before"):
        assert isinstance(body[field], str) and body[field].isdigit(), (field, body[field])
    claims = _claims(body["access_token"])
    assert int(body["expires_on"]) == claims["exp"] and int(body["not_before"]) == claims["nbf"]
    assert claims["aud"] == resource and claims["ver"] == "1.0"


def test_v1_discovery_names_the_v1_endpoints(sandbox, sandbox_env):
    tid = sandbox["tenant"]["id"]
    doc = _ok(requests.get(f"{LOGIN}/{tid}/.well-known/openid-configuration", timeout=30))
    assert doc["token_endpoint"] == f"{LOGIN}/{tid}/oauth2/token"
    assert doc["authorization_endpoint"] == f"{LOGIN}/{tid}/oauth2/authorize"
    assert doc["device_authorization_endpoint"] == f"{LOGIN}/{tid}/oauth2/devicecode"
    assert doc["end_session_endpoint"] == f"{LOGIN}/{tid}/oauth2/logout"
    assert doc["issuer"] == f"https://sts.windows.net/{tid}/"


def test_a_v1_client_following_discovery_gets_a_token(sandbox, sandbox_env):
    s2s = app(sandbox, S2S)
    doc = _ok(requests.get(f"{LOGIN}/{sandbox['tenant']['id']}/.well-known/openid-configuration", timeout=30))
    data = {
        "grant_type": "client_credentials",
        "client_id": s2s["client_id"],
        "client_secret": s2s["client_secret"],
        "resource": GRAPH,
    }
    body = _ok(requests.post(doc["token_endpoint"], data=data, timeout=30))
    _assert_v1_body(body, GRAPH)
    claims = _claims(body["access_token"])
    assert claims["idtyp"] == "app" and "Mail.Read" in claims["roles"]
    assert "refresh_token" not in body


def test_v1_password_then_refresh_token(sandbox, sandbox_env):
    boot, person = app(sandbox, BOOTSTRAP), user(sandbox, "adele.vance")
    data = {
        "grant_type": "password",
        "client_id": boot["client_id"],
        "username": person["upn"],
        "password": person["password"],
        "resource": GRAPH,
    }
    body = _ok(requests.post(_v1(sandbox, "token"), data=data, timeout=30))
    _assert_v1_body(body, GRAPH)
    assert "User.Read" in _claims(body["access_token"])["scp"].split()
    assert body["refresh_token"]  # v1 user grants always carry one
    refreshed = _ok(
        requests.post(
            _v1(sandbox, "token"),
            data={
                "grant_type": "refresh_token",
                "client_id": boot["client_id"],
                "refresh_token": body["refresh_token"],
                "resource": GRAPH,
            },
            timeout=30,
        )
    )
    _assert_v1_body(refreshed, GRAPH)


def test_v1_authorization_code_for_exchange(sandbox, sandbox_env):
    grooper = app(sandbox, GROOPER)
    url = (
        f"{_v1(sandbox, 'authorize')}?client_id={grooper['client_id']}&response_type=code"
        f"&redirect_uri=http%3A%2F%2Flocalhost&resource={EXCHANGE}&state=s1"
    )
    response = redirect_query(sign_in(requests.Session(), url, user(sandbox, "megan.bowen")))
    assert response["state"] == "s1"
    data = {
        "grant_type": "authorization_code",
        "client_id": grooper["client_id"],
        "client_secret": grooper["client_secret"],
        "code": response["code"],
        "redirect_uri": "http://localhost",
        "resource": EXCHANGE,
    }
    body = _ok(requests.post(_v1(sandbox, "token"), data=data, timeout=30))
    _assert_v1_body(body, EXCHANGE)
    assert _claims(body["access_token"])["scp"] == "EWS.AccessAsUser.All"


def test_v1_device_code_names_verification_url(sandbox, sandbox_env):
    boot, person = app(sandbox, BOOTSTRAP), user(sandbox, "lee.gu")
    flow = _ok(
        requests.post(
            _v1(sandbox, "devicecode"), data={"client_id": boot["client_id"], "resource": GRAPH}, timeout=30
        )
    )
    assert flow["verification_url"] == f"{sandbox['browser_url']}/devicelogin"
    assert "verification_uri" not in flow
    poll = {
        "grant_type": "device_code",
        "client_id": boot["client_id"],
        "code": flow["device_code"],
        "resource": GRAPH,
    }
    pending = requests.post(_v1(sandbox, "token"), data=poll, timeout=30)
    assert_aadsts(pending.json(), 70016, error="authorization_pending")
    approve_device_code(sandbox, flow["user_code"], person)
    body = _ok(requests.post(_v1(sandbox, "token"), data=poll, timeout=30))
    _assert_v1_body(body, GRAPH)
    assert _claims(body["access_token"])["oid"] == person["object_id"]


def test_v1_client_credentials_needs_a_resource(sandbox, sandbox_env):
    s2s = app(sandbox, S2S)
    data = {
        "grant_type": "client_credentials",
        "client_id": s2s["client_id"],
        "client_secret": s2s["client_secret"],
    }
    resp = requests.post(_v1(sandbox, "token"), data=data, timeout=30)
    assert resp.status_code == 400
    assert_aadsts(resp.json(), 900144, error="invalid_request")
    assert "'resource'" in resp.json()["error_description"]


def test_the_v2_token_endpoint_still_refuses_resource(sandbox, sandbox_env):
    s2s = app(sandbox, S2S)
    data = {
        "grant_type": "client_credentials",
        "client_id": s2s["client_id"],
        "client_secret": s2s["client_secret"],
        "resource": GRAPH,
    }
    resp = requests.post(f"{LOGIN}/{sandbox['tenant']['id']}/oauth2/v2.0/token", data=data, timeout=30)
    assert_aadsts(resp.json(), 901002, error="invalid_request")


@pytest.mark.parametrize("path", ["OAuth2/Token", "oauth2/TOKEN"])
def test_paths_are_matched_case_insensitively(sandbox, sandbox_env, path):
    s2s = app(sandbox, S2S)
    data = {
        "grant_type": "client_credentials",
        "client_id": s2s["client_id"],
        "client_secret": s2s["client_secret"],
        "resource": GRAPH,
    }
    body = _ok(requests.post(f"{LOGIN}/{sandbox['tenant']['id']}/{path}", data=data, timeout=30))
    _assert_v1_body(body, GRAPH)


def test_adal_user_realm_lookup(sandbox, sandbox_env):
    upn = user(sandbox, "adele.vance")["upn"]
    realm = _ok(requests.get(f"{LOGIN}/common/UserRealm/{upn}", params={"api-version": "1.0"}, timeout=30))
    assert realm["account_type"] == "Managed"
