"""GROOPER_NB_* settings and the checks on each value (grooper_nb.settings)."""

from __future__ import annotations

import pytest

from grooper_nb.credentials import ProfileError
from grooper_nb.settings import (
    load_settings,
    validate_client_id,
    validate_redirect_uri,
    validate_sharepoint_host,
    validate_tenant,
)

CLIENT_ID = "11111111-2222-3333-4444-555555555555"
TENANT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


# ---- tenant and client ID ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "tenant", [TENANT_ID, "contoso.onmicrosoft.com", "contoso.com", "organizations", "common"]
)
def test_valid_tenants_pass(tenant):
    assert validate_tenant(tenant) == tenant


@pytest.mark.parametrize(
    ("tenant", "says"),
    [
        ("contoso", "neither a GUID nor a domain"),
        ("https://login.microsoftonline.com/contoso.onmicrosoft.com", "looks like a URL"),
        ("", "No tenant"),
        ("not a tenant!", "neither a GUID nor a domain"),
    ],
)
def test_bad_tenants_are_refused_with_a_fix(tenant, says):
    with pytest.raises(ProfileError, match=says):
        validate_tenant(tenant)


def test_client_id_must_be_a_guid():
    assert validate_client_id(CLIENT_ID) == CLIENT_ID
    with pytest.raises(ProfileError, match="Application \\(client\\) ID"):
        validate_client_id("Grooper Azure AD Connector 2021")
    with pytest.raises(ProfileError, match="Application ID URI"):
        validate_client_id(f"api://{CLIENT_ID}")


def test_a_base64_secret_as_client_id_is_masked_too():
    b64 = "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5oQ7sU9w="
    with pytest.raises(ProfileError) as info:
        validate_client_id(b64)
    assert b64 not in str(info.value) and "base64-like" in str(info.value)
    with pytest.raises(ProfileError, match="'Grooper Azure AD Connector 2021' is not a GUID"):
        validate_client_id("Grooper Azure AD Connector 2021")  # an ordinary mistake is still quoted


# ---- redirect URI and SharePoint host ------------------------------------------------------------------
def test_plain_http_redirect_uris_are_only_for_localhost():
    assert validate_redirect_uri("http://localhost:8400") == "http://localhost:8400"
    assert validate_redirect_uri("https://grooper.contoso.com/auth") == "https://grooper.contoso.com/auth"
    with pytest.raises(ProfileError, match="only for localhost"):
        validate_redirect_uri("http://grooper.contoso.com/auth")
    with pytest.raises(ProfileError, match="absolute http"):
        validate_redirect_uri("localhost")


def test_a_sharepoint_url_is_cut_down_to_its_host():
    assert validate_sharepoint_host("https://Contoso.sharepoint.com/sites/x/") == "contoso.sharepoint.com"
    assert validate_sharepoint_host(None) is None
    with pytest.raises(ProfileError, match="not a host name"):
        validate_sharepoint_host("contoso")


# ---- where settings come from --------------------------------------------------------------------------
def test_settings_come_from_the_environment_overridden_by_an_explicit_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("GROOPER_NB_TENANT=a.onmicrosoft.com\nGROOPER_NB_CLIENT_SECRET=\nOTHER=x\n")
    environ = {"GROOPER_NB_TENANT": "b.onmicrosoft.com", "GROOPER_NB_CLOUD": "usgov", "PATH": "/bin"}
    settings = load_settings(env_file, environ=environ)
    assert settings == {
        "GROOPER_NB_TENANT": "a.onmicrosoft.com",
        "GROOPER_NB_CLIENT_SECRET": "",
        "GROOPER_NB_CLOUD": "usgov",
    }
    assert load_settings(False, environ={}) == {}
    with pytest.raises(ProfileError, match="does not exist"):
        load_settings(tmp_path / "missing.env", environ={})
