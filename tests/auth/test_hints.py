"""The local hints for sign-in errors (pure functions: no sandbox needed)."""

from __future__ import annotations

import pytest

from grooper_nb._redact import Secret
from grooper_nb.auth.hints import (
    HintContext,
    hints_for,
    redirect_uri_hints,
    scope_hints,
    secret_hints,
    tenant_hints,
)

REGISTERED = ["http://localhost", "https://login.microsoftonline.com/common/oauth2/nativeclient"]


def test_redirect_hint_trailing_slash():
    hints = redirect_uri_hints("https://login.microsoftonline.com/common/oauth2/nativeclient/", REGISTERED)
    assert len(hints) == 1 and "trailing slash" in hints[0]


def test_redirect_hint_localhost_vs_127_0_0_1():
    (hint,) = redirect_uri_hints("http://127.0.0.1:5000", REGISTERED)
    assert "127.0.0.1 vs localhost" in hint


def test_redirect_hint_port_matters_except_for_http_localhost():
    assert redirect_uri_hints("http://localhost:8765", REGISTERED) == []  # loopback rule
    (hint,) = redirect_uri_hints("https://app.example.com:8443/cb", ["https://app.example.com/cb"])
    assert "port" in hint


def test_redirect_hint_scheme_and_unregistered_and_unknown():
    (hint,) = redirect_uri_hints("https://localhost", ["http://localhost"])
    assert "scheme" in hint
    (hint,) = redirect_uri_hints("https://grooper.example.com/oauth", REGISTERED)
    assert "not registered" in hint and "http://localhost" in hint
    (hint,) = redirect_uri_hints("http://localhost/x", None)
    assert "character by character" in hint


def test_scope_hints_for_client_credentials_without_default():
    (hint,) = scope_hints("client_credentials", ["Mail.Read"])
    assert "https://graph.microsoft.com/.default" in hint
    assert scope_hints("client_credentials", ["https://graph.microsoft.com/.default"]) == []
    multi = scope_hints(
        "auth_code", ["https://outlook.office365.com/EWS.AccessAsUser.All", "Files.ReadWrite.All"]
    )
    assert any("2 resources" in h for h in multi)


def test_secret_hint_when_a_guid_is_used_as_the_secret():
    (hint,) = secret_hints(Secret("5f1c3c9e-1d3c-4a9e-9d4e-0c7b7b5a8e11"))
    assert "secret's ID, not its value" in hint
    assert secret_hints(Secret("Abc8Q~realsecretvalue")) == []


def test_tenant_hints_point_at_the_cloud():
    assert "usgov" in tenant_hints("contoso.onmicrosoft.us", "global")[0]
    assert "china" in tenant_hints("contoso.partner.onmschina.cn", "global")[0]
    assert tenant_hints("contoso.onmicrosoft.com", "global") == []


def test_hints_for_dispatches_by_code():
    ctx = HintContext(
        flow="client_credentials",
        tenant="contoso.onmicrosoft.us",
        cloud="global",
        client_id="x",
        scopes=["Mail.Read"],
        secret=Secret("5f1c3c9e-1d3c-4a9e-9d4e-0c7b7b5a8e11"),
    )
    assert any(".default" in h for h in hints_for([1002012], "invalid_scope", ctx))
    assert any("secret's ID" in h for h in hints_for([7000215], "invalid_client", ctx))
    assert any("usgov" in h for h in hints_for([90002], "invalid_request", ctx))
    assert hints_for([50126], "invalid_grant", ctx) == []


@pytest.mark.parametrize("tenant", ["common", "organizations"])
def test_client_credentials_on_a_multi_tenant_alias_names_aadsts50059_and_the_setting(tenant):
    """What Entra answers (AADSTS50059, 'No tenant-identifying information found ...') is what the hint
    explains: client credentials need the tenant whose data the app reads."""
    ctx = HintContext(flow="client_credentials", tenant=tenant, cloud="global")
    hints = hints_for([50059], "invalid_request", ctx)
    assert any("GROOPER_NB_TENANT" in h and "AADSTS50059" in h and repr(tenant) in h for h in hints)
