"""Discovery, JWKS, instance discovery and userrealm, as login.microsoftonline.com serves them."""

from __future__ import annotations

import base64
import hashlib

import pytest
import requests

from tests.sandbox.login.identity_helpers import authority

LOGIN = "https://login.microsoftonline.com"


@pytest.mark.parametrize("by", ["id", "domain"])
def test_tenant_discovery_by_guid_and_by_domain_names_the_guid_issuer(sandbox, sandbox_env, by):
    tid = sandbox["tenant"]["id"]
    resp = requests.get(f"{authority(sandbox, by)}/v2.0/.well-known/openid-configuration", timeout=30)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    doc = resp.json()
    assert doc["issuer"] == f"{LOGIN}/{tid}/v2.0"
    assert doc["token_endpoint"] == f"{LOGIN}/{tid}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"] == f"{LOGIN}/{tid}/oauth2/v2.0/authorize"
    assert doc["device_authorization_endpoint"] == f"{LOGIN}/{tid}/oauth2/v2.0/devicecode"
    assert doc["jwks_uri"] == f"{LOGIN}/{tid}/discovery/v2.0/keys"
    assert "private_key_jwt" in doc["token_endpoint_auth_methods_supported"]


@pytest.mark.parametrize("pseudo", ["common", "organizations"])
def test_multi_tenant_discovery_uses_the_tenantid_template(sandbox, sandbox_env, pseudo):
    doc = requests.get(f"{LOGIN}/{pseudo}/v2.0/.well-known/openid-configuration", timeout=30).json()
    assert doc["issuer"] == f"{LOGIN}/{{tenantid}}/v2.0"
    assert doc["token_endpoint"] == f"{LOGIN}/{pseudo}/oauth2/v2.0/token"


def test_v1_discovery_points_at_the_v1_keys(sandbox, sandbox_env):
    tid = sandbox["tenant"]["id"]
    doc = requests.get(f"{LOGIN}/{tid}/.well-known/openid-configuration", timeout=30).json()
    assert doc["issuer"] == f"https://sts.windows.net/{tid}/"
    assert doc["jwks_uri"] == f"{LOGIN}/common/discovery/keys"
    keys = requests.get(doc["jwks_uri"], timeout=30).json()["keys"]
    assert len(keys) == 2


def test_jwks_has_two_keys_whose_kid_is_the_sha1_thumbprint_of_the_certificate(sandbox, sandbox_env):
    keys = requests.get(f"{authority(sandbox)}/discovery/v2.0/keys", timeout=30).json()["keys"]
    assert len(keys) == 2
    for key in keys:
        der = base64.b64decode(key["x5c"][0])
        thumb = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()
        assert key["kid"] == key["x5t"] == thumb and len(thumb) == 27
        assert key["kty"] == "RSA" and key["use"] == "sig" and key["e"] == "AQAB"
        assert key["issuer"] == f"{LOGIN}/{{tenantid}}/v2.0"


def test_instance_discovery_answers_msal(sandbox, sandbox_env):
    resp = requests.get(
        f"{LOGIN}/common/discovery/instance",
        timeout=30,
        params={
            "api-version": "1.1",
            "authorization_endpoint": f"{authority(sandbox)}/oauth2/v2.0/authorize",
        },
    )
    body = resp.json()
    assert body["tenant_discovery_endpoint"] == f"{authority(sandbox)}/v2.0/.well-known/openid-configuration"
    assert "login.windows.net" in body["metadata"][0]["aliases"]


def test_userrealm_is_managed_for_the_tenant_domain_only(sandbox, sandbox_env):
    upn = sandbox["users"][0]["upn"]
    managed = requests.get(
        f"{LOGIN}/common/userrealm/{upn}", params={"api-version": "1.0"}, timeout=30
    ).json()
    assert managed["account_type"] == "Managed" and managed["domain_name"] == sandbox["tenant"]["domain"]
    other = requests.get(
        f"{LOGIN}/common/userrealm/someone@fabrikam.com", params={"api-version": "1.0"}, timeout=30
    )
    assert other.json()["account_type"] == "Unknown"


def test_resource_hosts_answer_their_own_error_envelopes(sandbox, sandbox_env):
    graph = requests.get("https://graph.microsoft.com/v1.0/me", timeout=30)
    assert graph.status_code == 401 and graph.json()["error"]["code"] == "InvalidAuthenticationToken"
    spo = requests.get(f"https://{sandbox['tenant']['sharepoint_host']}/_api/web", timeout=30)
    assert spo.status_code == 401 and "odata.error" in spo.json()
    assert 'client_id="00000003-0000-0ff1-ce00-000000000000"' in spo.headers["WWW-Authenticate"]
    ews = requests.post("https://outlook.office365.com/EWS/Exchange.asmx", timeout=30)
    assert ews.status_code == 401 and ews.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("by", ["id", "common"])
def test_every_endpoint_a_discovery_document_names_is_served(sandbox, sandbox_env, version, by):
    """No advertised endpoint is a 404: a v1 client following the v1 document must reach something real."""
    base = authority(sandbox) if by == "id" else f"{LOGIN}/common"
    doc_url = (
        f"{base}/v2.0/.well-known/openid-configuration"
        if version == "v2"
        else (f"{base}/.well-known/openid-configuration")
    )
    doc = requests.get(doc_url, timeout=30).json()
    for key, method in (
        ("authorization_endpoint", "GET"),
        ("token_endpoint", "POST"),
        ("device_authorization_endpoint", "POST"),
        ("end_session_endpoint", "GET"),
        ("jwks_uri", "GET"),
    ):
        resp = requests.request(method, doc[key], allow_redirects=False, timeout=30)
        assert resp.status_code != 404, (key, doc[key])
        assert resp.status_code < 500, (key, doc[key], resp.status_code)
    assert "kerberos_endpoint" not in doc  # not served, so not advertised
