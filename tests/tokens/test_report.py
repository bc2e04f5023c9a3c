"""TokenReport facts and display, compare_tokens, and verification with and without a profile."""

from __future__ import annotations

import requests

from grooper_nb._redact import JWT_RE
from grooper_nb.tokens import compare_tokens, inspect_token

from .conftest import EXO, GRAPH, SandboxProfile, raw

GROOPER = "Grooper Azure AD Connector 2021"
S2S = "Grooper Server-to-Server"


def test_a_delegated_v1_token_is_described_in_full(tokens, sbx_profile):
    result = tokens.ropc(GROOPER, [f"{EXO}/EWS.AccessAsUser.All"])
    r = inspect_token(result, sbx_profile)  # the flow's TokenResult itself
    assert r.source == "TokenResult"
    assert r.version == "v1"
    assert r.token_type == "delegated"
    assert r.audience.name == "Exchange Online"
    assert r.client_auth == "client secret"  # a confidential client redeemed the password grant
    assert r.client_id == tokens.app(GROOPER)["client_id"]
    assert r.tenant_id == sbx_profile.tenant_id
    assert r.subject == tokens.plain_user["upn"]
    assert "EWS.AccessAsUser.All" in r.scopes
    assert r.times.expires_in > 0
    assert r.times.issued_at <= r.times.now <= r.times.expires_at


def test_an_msal_result_dict_is_inspected_as_is(tokens, sbx_profile):
    r = inspect_token(tokens.msal_result(S2S, EXO), sbx_profile)
    assert r.source == "msal-dict"
    assert r.validation.status == "valid" and r.roles == ["full_access_as_app"]


def test_an_app_only_certificate_token_is_described(tokens, sbx_profile):
    r = inspect_token(tokens.client_credentials(S2S, EXO, cert=True), sbx_profile)
    assert r.token_type == "app-only"
    assert r.client_auth == "certificate (client assertion)"
    assert r.roles == ["full_access_as_app"]
    assert r.subject == "app Grooper Server-to-Server"


def test_a_v2_token_for_a_custom_api_is_verified_through_v2_discovery(tokens, new_profile):
    mid = tokens.app("Grooper Middle-Tier API")
    raw = tokens.ropc("Grooper NB Bootstrap", [f"{mid['identifier_uris'][0]}/access_as_user"])
    profile = new_profile()
    r = inspect_token(raw, profile)
    assert r.version == "v2"
    assert r.audience.kind == "custom"
    assert r.client_auth == "public client (no credential)"
    assert r.validation.status == "valid"
    assert "/v2.0/" in r.validation.key_source
    from grooper_nb.tokens.verify import cache_for

    assert cache_for(profile.session).fetches[0].endswith("/v2.0/.well-known/openid-configuration")
    # a custom API token is no good for any Grooper connection
    assert r.passing_targets() == []


def test_clock_skew_against_the_sts_is_reported(tokens, sbx_profile):
    r = inspect_token(tokens.client_credentials(S2S, GRAPH), sbx_profile)
    assert r.times.server_time_offset is not None
    labels = [row[0] for row in r.times.rows()]
    assert "this clock vs the STS" in labels
    assert any("allowed clock skew ±300 s" in row[2] for row in r.times.rows())


def test_no_output_shows_the_raw_token(tokens, sbx_profile):
    token = raw(tokens.client_credentials(S2S, GRAPH))
    r = inspect_token(token, sbx_profile)
    shown = repr(r) + r._repr_html_() + str(r.summary()) + r.claims_frame().to_string()
    assert token not in shown
    assert not JWT_RE.search(shown)
    assert r.reveal() == token  # but you can have it when you ask


def test_the_html_puts_the_verdict_first(tokens, sbx_profile):
    html = inspect_token(tokens.client_credentials(S2S, GRAPH), sbx_profile)._repr_html_()
    assert html.index("Verdict") < html.index("Summary") < html.index("Validation") < html.index("Claims")


def test_comparing_an_ews_and_a_graph_token_shows_the_audience_and_scopes(tokens, sbx_profile):
    ews = tokens.ropc(GROOPER, [f"{EXO}/EWS.AccessAsUser.All"])
    graph = tokens.ropc(GROOPER, [f"{GRAPH}/Files.ReadWrite.All", f"{GRAPH}/Sites.ReadWrite.All"])
    cmp = compare_tokens(ews, graph, sbx_profile, labels=("EWS", "Graph"))
    assert cmp.differs("audience") and cmp.differs("aud")
    assert cmp.only_in_a["scopes"] == ["EWS.AccessAsUser.All"]
    assert "Files.ReadWrite.All" in cmp.only_in_b["scopes"]
    assert not cmp.differs("iat")  # volatile claims do not count as differences
    assert cmp.row("Exchange via EWS, delegated", "verdict").a == "pass"
    assert cmp.row("Exchange via EWS, delegated", "verdict").b.startswith("fail")
    frame = cmp.to_frame()
    assert list(frame.columns) == ["section", "field", "EWS", "Graph", "same", "volatile"]
    assert not JWT_RE.search(cmp._repr_html_() + repr(cmp))


def test_comparing_secret_and_certificate_app_tokens_shows_why_sharepoint_rest_differs(tokens, sbx_profile):
    sp = f"https://{tokens.sp_host}"
    cmp = compare_tokens(
        tokens.client_credentials(S2S, sp),
        tokens.client_credentials(S2S, sp, cert=True),
        sbx_profile,
        labels=("secret", "certificate"),
    )
    assert cmp.row("appidacr").a == "1" and cmp.row("appidacr").b == "2"
    assert cmp.row("SharePoint REST, app-only", "verdict").a == "fail: secret_app_only"
    assert cmp.row("SharePoint REST, app-only", "verdict").b == "pass"


def test_without_a_profile_the_token_is_verified_through_the_environment(tokens, sandbox_env):
    r = inspect_token(raw(tokens.client_credentials(S2S, EXO)))
    assert r.validation.status == "valid"
    assert r.cloud.name == "global"
    assert not r.verified_with_profile


def test_unreachable_keys_mean_not_verified_never_a_crash(tokens, sandbox):
    dead = requests.Session()
    dead.trust_env = False
    dead.proxies = {"https": "http://127.0.0.1:9"}  # nothing listens on the discard port
    profile = SandboxProfile(
        session=dead, tenant_id=sandbox["tenant"]["id"], tenant=sandbox["tenant"]["domain"]
    )
    r = inspect_token(tokens.client_credentials(S2S, EXO), profile)
    assert r.validation.status == "not_verified"
    assert r.validation.reasons == []
    assert "could not be fetched" in r.validation.signature_detail
    v = r.verdict("exchange_ews_app")  # a genuine token, but nothing here proves it
    assert not v.ok and v.would_work_if_genuine and any("not verified" in n for n in v.notes)


def test_verify_false_touches_no_network(tokens, sbx_profile):
    from grooper_nb.tokens.verify import cache_for

    before = list(cache_for(sbx_profile.session).fetches)
    r = inspect_token(tokens.client_credentials(S2S, EXO), sbx_profile, verify=False)
    assert r.validation.status == "not_verified"
    assert cache_for(sbx_profile.session).fetches == before


def test_the_repr_names_the_token_type_once(tokens, sbx_profile):
    result = tokens.ropc(
        "Grooper Azure AD Connector 2021", ["https://outlook.office365.com/EWS.AccessAsUser.All"]
    )
    assert "ID token for" in repr(inspect_token(result.id_token, sbx_profile))
    assert "token token" not in repr(inspect_token(result.id_token, sbx_profile))
    assert "delegated token for" in repr(inspect_token(result, sbx_profile))
