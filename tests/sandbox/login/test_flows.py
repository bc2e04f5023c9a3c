"""Real, unmodified MSAL with default settings completes every flow against the sandbox.

Only the ``env`` that ``start`` prints (``sandbox_env``) and ``authority=https://login.microsoftonline.com/
<tenant id or domain>`` — no ``instance_discovery``, ``http_client`` or ``verify`` knobs.
"""

from __future__ import annotations

import hashlib
import itertools

import jwt
import msal
import pytest
import requests

from tests.sandbox.login.identity_helpers import (
    app,
    approve_device_code,
    authority,
    forms,
    redirect_query,
    sign_in,
    user,
)

S2S = "Grooper Server-to-Server"
GROOPER = "Grooper Azure AD Connector 2021"
BOOTSTRAP = "Grooper NB Bootstrap"
MIDDLE = "Grooper Middle-Tier API"


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def header(token: str) -> dict:
    return jwt.get_unverified_header(token)


@pytest.mark.parametrize("by", ["id", "domain"])
def test_client_credentials_with_a_secret(sandbox, sandbox_env, by):
    s2s = app(sandbox, S2S)
    client = msal.ConfidentialClientApplication(
        s2s["client_id"], client_credential=s2s["client_secret"], authority=authority(sandbox, by)
    )
    result = client.acquire_token_for_client(["https://graph.microsoft.com/.default"])
    assert "access_token" in result, result
    assert "refresh_token" not in result
    assert result["token_type"] == "Bearer" and result["expires_in"] > 0 and result["ext_expires_in"] > 0
    c = claims(result["access_token"])
    assert c["aud"] == "https://graph.microsoft.com"
    assert c["iss"] == f"https://sts.windows.net/{sandbox['tenant']['id']}/"
    assert c["ver"] == "1.0" and c["idtyp"] == "app" and c["appidacr"] == "1"
    assert sorted(c["roles"]) == ["Mail.Read", "Sites.Read.All", "User.Read.All"]
    assert "scp" not in c and c["appid"] == s2s["client_id"]


def test_client_credentials_with_a_certificate_ps256_x5t_s256(sandbox, sandbox_env):
    s2s = app(sandbox, S2S)
    with open(s2s["private_key_pem"]) as key, open(s2s["certificate_pem"]) as cert:
        credential = {
            "private_key": key.read(),
            "thumbprint": s2s["certificate_thumbprint"],
            "public_certificate": cert.read(),
        }
    client = msal.ConfidentialClientApplication(
        s2s["client_id"], client_credential=credential, authority=authority(sandbox)
    )
    result = client.acquire_token_for_client(["https://outlook.office365.com/.default"])
    assert "access_token" in result, result
    c = claims(result["access_token"])
    assert c["aud"] == "https://outlook.office365.com" and c["appidacr"] == "2"
    assert c["roles"] == ["full_access_as_app"]
    # MSAL reuses its assertion: a second call (new token, same assertion) must still succeed.
    again = client.acquire_token_for_client(["https://graph.microsoft.com/.default"])
    assert "access_token" in again, again


def test_client_credentials_with_a_certificate_rs256_x5t_thumbprint_only(sandbox, sandbox_env):
    s2s = app(sandbox, S2S)
    with open(s2s["private_key_pem"]) as key:
        credential = {"private_key": key.read(), "thumbprint": s2s["certificate_thumbprint"]}
    client = msal.ConfidentialClientApplication(
        s2s["client_id"], client_credential=credential, authority=authority(sandbox, "domain")
    )
    result = client.acquire_token_for_client([f"https://{sandbox['tenant']['sharepoint_host']}/.default"])
    assert "access_token" in result, result
    c = claims(result["access_token"])
    assert c["aud"] == f"https://{sandbox['tenant']['sharepoint_host']}"
    assert c["appidacr"] == "2" and c["roles"] == ["Sites.Read.All"]


def test_auth_code_with_pkce_through_the_sign_in_form(sandbox, sandbox_env):
    grooper, person = app(sandbox, GROOPER), user(sandbox, "adele.vance")
    client = msal.ConfidentialClientApplication(
        grooper["client_id"], client_credential=grooper["client_secret"], authority=authority(sandbox)
    )
    flow = client.initiate_auth_code_flow(
        ["https://outlook.office365.com/EWS.AccessAsUser.All"], redirect_uri="http://localhost:53100"
    )
    assert "code_challenge=" in flow["auth_uri"]
    final = sign_in(requests.Session(), flow["auth_uri"], person)
    assert final.headers["Location"].startswith("http://localhost:53100")
    result = client.acquire_token_by_auth_code_flow(flow, redirect_query(final))
    assert "access_token" in result, result
    # MSAL sends sha256(nonce) on /authorize and insists the id_token echoes it (oidc.py).
    assert result["id_token_claims"]["nonce"] == hashlib.sha256(flow["nonce"].encode()).hexdigest()
    assert result["id_token_claims"]["preferred_username"] == person["upn"]
    assert "refresh_token" in result and "client_info" in result
    c = claims(result["access_token"])
    assert c["aud"] == "https://outlook.office365.com" and "EWS.AccessAsUser.All" in c["scp"].split()
    assert c["appidacr"] == "1" and c["upn"] == person["upn"]
    account = client.get_accounts()[0]
    assert account["home_account_id"] == f"{person['object_id']}.{sandbox['tenant']['id']}"


def test_auth_code_form_post_for_a_public_client(sandbox, sandbox_env):
    boot, person = app(sandbox, BOOTSTRAP), user(sandbox, "lee.gu")
    client = msal.PublicClientApplication(boot["client_id"], authority=authority(sandbox))
    flow = client.initiate_auth_code_flow(
        ["User.Read"], redirect_uri="http://localhost", response_mode="form_post"
    )
    session = requests.Session()
    page = sign_in(session, flow["auth_uri"], person)
    assert page.status_code == 200 and 'id="hiddenform"' in page.text
    form = forms(page.text)[0]
    assert form["action"] == "http://localhost"
    result = client.acquire_token_by_auth_code_flow(flow, form["fields"])
    assert "access_token" in result, result
    assert claims(result["access_token"])["appidacr"] == "0"


def test_device_code_approved_on_the_devicelogin_page(sandbox, sandbox_env):
    boot, person = app(sandbox, BOOTSTRAP), user(sandbox, "diego.siciliani")  # the MFA user: Approve step too
    client = msal.PublicClientApplication(boot["client_id"], authority=authority(sandbox))
    flow = client.initiate_device_flow(scopes=["User.Read"])
    assert flow["verification_uri"] == f"{sandbox['browser_url']}/devicelogin"
    assert flow["interval"] == 1 and flow["expires_in"] == 900 and flow["user_code"] in flow["message"]
    # The person approves first, so MSAL's first poll already gets the tokens. Should it not, MSAL
    # hands back the poll's answer after a few rounds instead of polling for the 15 minutes of
    # expires_in (a test must never be able to hang).
    page = approve_device_code(sandbox, flow["user_code"], person)
    assert 'id="device-done"' in page.text
    polls = itertools.count(1)
    result = client.acquire_token_by_device_flow(flow, exit_condition=lambda _flow: next(polls) >= 3)
    assert "access_token" in result, result
    c = claims(result["access_token"])
    assert c["upn"] == person["upn"] and c["amr"] == ["pwd", "mfa"]


def test_ropc(sandbox, sandbox_env):
    boot, person = app(sandbox, BOOTSTRAP), user(sandbox, "admin")
    client = msal.PublicClientApplication(boot["client_id"], authority=authority(sandbox, "domain"))
    result = client.acquire_token_by_username_password(
        person["upn"], person["password"], scopes=["User.Read"]
    )
    assert "access_token" in result, result
    c = claims(result["access_token"])
    assert "62e90394-69f5-4237-9190-012177145e10" in c["wids"]  # Global Administrator
    assert c["appidacr"] == "0" and "Application.ReadWrite.All" in c["scp"].split()


def test_refresh_silently_and_by_refresh_token(sandbox, sandbox_env):
    boot, person = app(sandbox, BOOTSTRAP), user(sandbox, "adele.vance")
    client = msal.PublicClientApplication(boot["client_id"], authority=authority(sandbox))
    first = client.acquire_token_by_username_password(person["upn"], person["password"], scopes=["User.Read"])
    account = client.get_accounts(username=person["upn"])[0]
    silent = client.acquire_token_silent(["User.Read"], account=account, force_refresh=True)
    assert silent and "access_token" in silent, silent
    assert silent["access_token"] != first["access_token"]
    # Rotation: a new refresh token each time; the first one still works (Entra does not revoke it).
    assert silent["refresh_token"] != first["refresh_token"]
    by_rt = client.acquire_token_by_refresh_token(
        first["refresh_token"], scopes=["https://graph.microsoft.com/User.Read"]
    )
    assert "access_token" in by_rt, by_rt
    # A refresh token is valid for every resource the client has consent for.
    other = client.acquire_token_by_refresh_token(
        first["refresh_token"], scopes=[f"api://{app(sandbox, MIDDLE)['client_id']}/access_as_user"]
    )
    assert claims(other["access_token"])["aud"] == app(sandbox, MIDDLE)["client_id"]


def test_on_behalf_of_from_the_middle_tier_to_graph(sandbox, sandbox_env):
    boot, mid, person = app(sandbox, BOOTSTRAP), app(sandbox, MIDDLE), user(sandbox, "lee.gu")
    front = msal.PublicClientApplication(boot["client_id"], authority=authority(sandbox))
    incoming = front.acquire_token_by_username_password(
        person["upn"], person["password"], scopes=[f"api://{mid['client_id']}/access_as_user"]
    )
    assert "access_token" in incoming, incoming
    c = claims(incoming["access_token"])
    assert c["ver"] == "2.0" and c["aud"] == mid["client_id"] and c["scp"].split()[0] == "access_as_user"
    assert c[
        "iss"
    ] == f"https://login.microsoftonline.com/{sandbox['tenant']['id']}/v2.0" and "x5t" not in header(
        incoming["access_token"]
    )
    middle = msal.ConfidentialClientApplication(
        mid["client_id"], client_credential=mid["client_secret"], authority=authority(sandbox)
    )
    result = middle.acquire_token_on_behalf_of(
        incoming["access_token"], ["https://graph.microsoft.com/User.Read"]
    )
    assert "access_token" in result, result
    c = claims(result["access_token"])
    assert c["aud"] == "https://graph.microsoft.com" and c["appid"] == mid["client_id"]
    assert c["oid"] == person["object_id"] and "Mail.Read" in c["scp"].split()
