"""Token shapes (response fields, id_token, v1.0/v2.0 access tokens): versions by resource, Graph's
header nonce, client_info."""

from __future__ import annotations

import base64
import hashlib
import json

import jwt
import pytest
import requests
from cryptography.x509 import load_der_x509_certificate

from grooper_nb.sandbox.login.issuance import Grant, mint_access_token, parse_scopes
from grooper_nb.sandbox.store import Store
from tests.helpers import b64url
from tests.sandbox.login.identity_helpers import (
    app,
    authority,
    cca,
    pca,
    redirect_query,
    sign_in,
    token_url,
    user,
)

BOOTSTRAP = "Grooper NB Bootstrap"
S2S = "Grooper Server-to-Server"
GROOPER = "Grooper Azure AD Connector 2021"
MIDDLE = "Grooper Middle-Tier API"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
BACKDATE = 300  # seconds: iat and nbf are set five minutes before the token is issued


def _jwks_key(sandbox, kid):
    keys = requests.get(f"{authority(sandbox)}/discovery/v2.0/keys", timeout=30).json()["keys"]
    key = next(k for k in keys if k["kid"] == kid)
    return load_der_x509_certificate(base64.b64decode(key["x5c"][0])).public_key()


def _ropc_raw(sandbox, scope, alias="adele.vance"):
    person = user(sandbox, alias)
    resp = requests.post(
        token_url(sandbox),
        timeout=30,
        data={
            "grant_type": "password",
            "client_id": app(sandbox, BOOTSTRAP)["client_id"],
            "username": person["upn"],
            "password": person["password"],
            "scope": scope,
            "client_info": "1",
        },
    )
    assert resp.status_code == 200, resp.text
    return resp


def test_token_response_fields_and_headers(sandbox, sandbox_env):
    resp = _ropc_raw(sandbox, "User.Read openid profile offline_access")
    body = resp.json()
    assert list(body)[:5] == ["token_type", "scope", "expires_in", "ext_expires_in", "access_token"]
    assert {"refresh_token", "id_token", "client_info"} <= set(body)
    assert resp.headers["Cache-Control"] == "no-store, no-cache" and resp.headers["Pragma"] == "no-cache"
    assert resp.headers["x-ms-request-id"]
    info = json.loads(base64.urlsafe_b64decode(body["client_info"] + "=="))
    assert info == {"uid": user(sandbox, "adele.vance")["object_id"], "utid": sandbox["tenant"]["id"]}


def test_no_refresh_token_without_offline_access_and_no_id_token_without_openid(sandbox, sandbox_env):
    body = _ropc_raw(sandbox, "User.Read").json()
    assert "refresh_token" not in body and "id_token" not in body


def test_graph_tokens_carry_a_header_nonce_that_defeats_naive_verification(sandbox, sandbox_env):
    token = _ropc_raw(sandbox, "User.Read").json()["access_token"]
    _, payload_seg, sig_seg = token.split(".")
    header = jwt.get_unverified_header(token)
    assert set(header) == {"typ", "nonce", "alg", "x5t", "kid"}
    public_key = _jwks_key(sandbox, header["kid"])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, public_key, algorithms=["RS256"], audience=GRAPH_APP_ID)
    # The convention documented in grooper_nb/sandbox/keys.py: the signed header has nonce = SHA-256(nonce).
    hashed = dict(header, nonce=b64url(hashlib.sha256(header["nonce"].encode()).digest()))
    rebuilt = f"{b64url(json.dumps(hashed, separators=(',', ':')).encode())}.{payload_seg}.{sig_seg}"
    claims = jwt.decode(rebuilt, public_key, algorithms=["RS256"], audience=GRAPH_APP_ID)
    assert claims["ver"] == "1.0" and claims["iss"] == f"https://sts.windows.net/{sandbox['tenant']['id']}/"


def test_exchange_tokens_verify_with_the_published_keys(sandbox, sandbox_env):
    s2s = app(sandbox, S2S)
    resp = requests.post(
        token_url(sandbox),
        timeout=30,
        auth=(s2s["client_id"], s2s["client_secret"]),
        data={"grant_type": "client_credentials", "scope": "https://outlook.office365.com/.default"},
    )
    assert resp.status_code == 200, resp.text  # client_secret_basic works too
    token = resp.json()["access_token"]
    header = jwt.get_unverified_header(token)
    assert "nonce" not in header and header["x5t"] == header["kid"]
    claims = jwt.decode(
        token,
        _jwks_key(sandbox, header["kid"]),
        algorithms=["RS256"],
        audience="https://outlook.office365.com",
    )
    assert claims["idtyp"] == "app" and claims["oid"] and claims["sub"] == claims["oid"]


def test_id_token_is_v2_for_the_client(sandbox, sandbox_env):
    body = _ropc_raw(sandbox, "User.Read openid profile").json()
    header = jwt.get_unverified_header(body["id_token"])
    assert "x5t" not in header
    claims = jwt.decode(
        body["id_token"],
        _jwks_key(sandbox, header["kid"]),
        algorithms=["RS256"],
        audience=app(sandbox, BOOTSTRAP)["client_id"],
    )
    assert (
        claims["ver"] == "2.0"
        and claims["iss"] == f"https://login.microsoftonline.com/{sandbox['tenant']['id']}/v2.0"
    )
    assert (
        claims["preferred_username"] == user(sandbox, "adele.vance")["upn"]
        and claims["tid"] == sandbox["tenant"]["id"]
    )


def test_delegated_graph_token_claims(sandbox, sandbox_env):
    client, _ = pca(sandbox, BOOTSTRAP)
    person = user(sandbox, "megan.bowen")
    result = client.acquire_token_by_username_password(
        person["upn"], person["password"], scopes=["User.Read"]
    )
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    for name in (
        "aud",
        "iss",
        "iat",
        "nbf",
        "exp",
        "acr",
        "aio",
        "amr",
        "appid",
        "appidacr",
        "family_name",
        "given_name",
        "ipaddr",
        "name",
        "oid",
        "rh",
        "scp",
        "sub",
        "tid",
        "unique_name",
        "upn",
        "uti",
        "ver",
        "wids",
    ):
        assert name in claims, name
    assert "roles" not in claims and claims["wids"] == ["b79fbf4d-3ef9-4689-8143-76b194e85509"]
    # Entra: 60–90 minutes, counted from an iat (= nbf) set five minutes back.
    assert claims["iat"] == claims["nbf"]
    assert 3600 + 300 <= claims["exp"] - claims["iat"] <= 5400 + 300


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


# -- claims as Entra writes them --------------------------------------------------------------------------


def test_a_graph_scope_by_short_name_gives_the_graph_app_id_as_audience(sandbox, sandbox_env):
    short = _claims(_ropc_raw(sandbox, "User.Read").json()["access_token"])
    assert short["aud"] == GRAPH_APP_ID
    full = _claims(_ropc_raw(sandbox, "https://graph.microsoft.com/User.Read").json()["access_token"])
    assert full["aud"] == "https://graph.microsoft.com"


def test_iat_and_nbf_are_five_minutes_before_the_lifetime_starts(sandbox, sandbox_env):
    body = _ropc_raw(sandbox, "User.Read openid profile").json()
    access = _claims(body["access_token"])
    assert access["iat"] == access["nbf"]
    assert access["exp"] - access["iat"] == body["expires_in"] + BACKDATE
    identity = _claims(body["id_token"])
    assert identity["iat"] == identity["nbf"] and identity["exp"] - identity["iat"] == 3600 + BACKDATE


def test_oidc_scopes_are_in_scp_only_on_graph_tokens(sandbox, sandbox_env):
    graph = _claims(_ropc_raw(sandbox, "User.Read openid profile email").json()["access_token"])
    assert {"openid", "profile", "email"} <= set(graph["scp"].split())
    api = f"api://{app(sandbox, MIDDLE)['client_id']}/access_as_user"
    custom = _claims(_ropc_raw(sandbox, f"{api} openid profile email").json()["access_token"])
    assert custom["scp"] == "access_as_user"


def test_oidc_scopes_are_not_in_scp_on_exchange_tokens(sandbox, sandbox_env):
    client, _ = cca(sandbox, GROOPER, app(sandbox, GROOPER)["client_secret"])
    flow = client.initiate_auth_code_flow(
        ["https://outlook.office365.com/EWS.AccessAsUser.All"], redirect_uri="http://localhost"
    )  # MSAL adds openid profile offline_access
    response = redirect_query(sign_in(requests.Session(), flow["auth_uri"], user(sandbox, "adele.vance")))
    result = client.acquire_token_by_auth_code_flow(flow, response)
    assert "access_token" in result, result
    assert _claims(result["access_token"])["scp"] == "EWS.AccessAsUser.All"


def test_a_custom_api_without_the_idtyp_optional_claim_gets_no_idtyp(sandbox, sandbox_env):
    api = f"api://{app(sandbox, MIDDLE)['client_id']}"
    delegated = _claims(_ropc_raw(sandbox, f"{api}/access_as_user").json()["access_token"])
    assert "idtyp" not in delegated
    s2s = app(sandbox, S2S)
    resp = requests.post(
        token_url(sandbox),
        timeout=30,
        data={
            "grant_type": "client_credentials",
            "client_id": s2s["client_id"],
            "client_secret": s2s["client_secret"],
            "scope": f"{api}/.default",
        },
    )
    assert resp.status_code == 200, resp.text
    app_only = _claims(resp.json()["access_token"])
    assert "idtyp" not in app_only and "scp" not in app_only


def test_a_custom_api_with_the_idtyp_optional_claim_gets_idtyp(tmp_path):
    """The optional claim, configured on the API's registration, makes Entra write ``idtyp`` ("app" or
    "user") into the API's access tokens. Minted on a tenant of its own, whose API the test configures."""
    store = Store.open(tmp_path / "state")
    try:
        directory = store.directory
        mid = next(a for a in directory.applications() if a["displayName"] == MIDDLE)
        s2s = next(a for a in directory.applications() if a["displayName"] == S2S)
        person = directory.user_by_upn(f"adele.vance@{directory.tenant['domain']}")

        def mint(optional_claim: dict, user: dict | None) -> dict:
            mid["optionalClaims"] = {"accessToken": [optional_claim]}
            directory.execute(
                "UPDATE applications SET data=? WHERE app_id=?", (json.dumps(mid), mid["appId"])
            )
            resource = parse_scopes(store, f"api://{mid['appId']}/access_as_user", tenant_name="t").resources[
                0
            ]
            grant = Grant(
                tenant=directory.tenant,
                issuer_base="https://login.microsoftonline.com",
                client_app=s2s,
                client_sp=directory.service_principal(s2s["appId"]),
                resource=resource,
                client_acr="1",
                user=user,
                scp=["access_as_user"] if user else [],
            )
            return _claims(mint_access_token(store, grant)[0])

        idtyp = {"name": "idtyp", "source": None, "essential": False, "additionalProperties": []}
        assert mint(idtyp, None)["idtyp"] == "app"
        assert "idtyp" not in mint(idtyp, person)  # user tokens only with include_user_token
        with_users = {**idtyp, "additionalProperties": ["include_user_token"]}
        assert mint(with_users, person)["idtyp"] == "user"
    finally:
        store.close()
