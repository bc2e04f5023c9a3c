"""Forged tokens never get a passing verdict.

Each test is an attack: a token written by someone without the tenant's signing key, shaped to look as
good as possible (the tenant's real ``kid``, an administrator, a long life), judged against the
sandbox tenant's real keys fetched over HTTPS. The rules they pin (Microsoft's validation steps:
https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens):

* only a token for Microsoft Graph may fall back to "Graph verifies its own tokens" (its header
  ``nonce``); any other audience with a ``nonce`` is checked like every token, and a bad signature is
  ``bad_signature``;
* a verdict is never ``ok`` when the signature was not verified: at best it says "would work if genuine";
* ``exp``/``nbf``/``iat`` that are not finite integer times are a named rejection, never "valid until nan";
* an unreadable payload is the inspector's own :class:`TokenError`.
"""

from __future__ import annotations

import json
import re
import secrets
import time

import pytest

from grooper_nb.tokens import TokenError, inspect_token
from grooper_nb.tokens.decode import decode
from tests.helpers import b64url

from .conftest import EXO, GRAPH, header_of, raw

GROOPER = "Grooper Azure AD Connector 2021"
GLOBAL_ADMIN_ROLE = "62e90394-69f5-4237-9190-012177145e10"
TEN_YEARS = 10 * 365 * 86400


@pytest.fixture(scope="module")
def tenant_kid(tokens):
    """The ``kid`` of a key the tenant really signs with (any real token's header names one)."""
    return header_of(raw(tokens.ropc(GROOPER, [f"{EXO}/EWS.AccessAsUser.All"])))["kid"]


def forge(header: dict, claims: dict, signature: bytes | None = None) -> str:
    """A JWS as an attacker writes it: any header, any claims, a random 256-byte signature."""
    sig = secrets.token_bytes(256) if signature is None else signature
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()), b64url(sig)])


def admin_claims(tid: str, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "aud": EXO,
        "iss": f"https://sts.windows.net/{tid}/",
        "tid": tid,
        "ver": "1.0",
        "iat": now,
        "nbf": now,
        "exp": now + TEN_YEARS,
        "appid": "11111111-1111-1111-1111-111111111111",
        "appidacr": "1",
        "scp": "EWS.AccessAsUser.All",
        "upn": "admin@contoso.onmicrosoft.com",
        "wids": [GLOBAL_ADMIN_ROLE],
    }
    claims.update(overrides)
    return claims


def header(kid: str, **extra) -> dict:
    return {"typ": "JWT", "alg": "RS256", "x5t": kid, "kid": kid, **extra}


# ---- a header nonce does not excuse a bad signature outside Microsoft Graph ------------------------
@pytest.mark.parametrize(
    "aud",
    [
        EXO,
        "00000002-0000-0ff1-ce00-000000000000",  # Exchange Online's app ID
        "api://11111111-1111-1111-1111-111111111111",
        "https://graph.microsoft.com.evil.example",
        "https://graph.microsoft.com/EWS",
    ],
)
def test_a_forged_token_with_a_nonce_for_another_api_is_a_bad_signature(sbx_profile, tenant_kid, aud):
    token = forge(
        header(tenant_kid, nonce=secrets.token_urlsafe(32)), admin_claims(sbx_profile.tenant_id, aud=aud)
    )
    report = inspect_token(token, sbx_profile)
    assert report.validation.status == "invalid"
    assert report.validation.reasons == ["bad_signature"]
    assert report.validation.signature == "rejected"
    verdicts = report.verdicts()
    assert not any(v.ok for v in verdicts)
    assert not any(v.would_work_if_genuine for v in verdicts)
    assert report.verdict("exchange_ews_delegated").codes == (
        ["bad_signature"] if aud in (EXO, "00000002-0000-0ff1-ce00-000000000000") else
        ["bad_signature", "wrong_audience"]
    )  # fmt: skip


def test_the_same_forgery_without_a_nonce_is_the_same_bad_signature(sbx_profile, tenant_kid):
    report = inspect_token(forge(header(tenant_kid), admin_claims(sbx_profile.tenant_id)), sbx_profile)
    assert report.validation.reasons == ["bad_signature"]
    assert not report.verdict("exchange_ews_delegated").ok


# ---- a Graph token nobody can verify: "would work if genuine", never a pass --------------------------
@pytest.mark.parametrize(
    "aud",
    [GRAPH, f"{GRAPH}/", "00000003-0000-0000-c000-000000000000", "https://graph.microsoft.us"],
)
def test_a_forged_graph_token_is_unverifiable_and_never_passes(sbx_profile, tenant_kid, aud):
    claims = admin_claims(sbx_profile.tenant_id, aud=aud, scp="Files.ReadWrite.All Sites.ReadWrite.All")
    report = inspect_token(forge(header(tenant_kid, nonce=secrets.token_urlsafe(32)), claims), sbx_profile)
    assert report.validation.status == "unverifiable"
    assert not report.validation.signature_verified
    assert report.passing_targets() == []
    v = report.verdict("sharepoint_graph")
    assert not v.ok and not bool(v)
    assert v.status == "unverified" and v.would_work_if_genuine
    assert v.codes == []
    assert "would work if genuine" in str(v) and "would work if genuine" in v._repr_html_()
    assert "PASS" not in str(v) and "PASS" not in v._repr_html_()
    assert "PASS" not in report._verdicts_html()


def test_a_real_graph_token_with_a_replaced_nonce_would_work_if_genuine_but_does_not_pass(
    tokens, sbx_profile
):
    token = raw(tokens.client_credentials("Grooper Server-to-Server", GRAPH))
    _, p, s = token.split(".")
    forged_header = {**header_of(token), "nonce": secrets.token_urlsafe(32)}
    report = inspect_token(f"{b64url(json.dumps(forged_header).encode())}.{p}.{s}", sbx_profile)
    assert report.validation.status == "unverifiable"
    v = report.verdict("graph_mail_app")
    assert not v.ok and v.would_work_if_genuine
    assert v.label == "would work if genuine (signature not verified)"


def test_a_token_not_checked_at_all_never_passes(forger, sandbox):
    claims = forger.claims(sandbox["tenant"]["id"], aud=EXO, scp="EWS.AccessAsUser.All")
    report = inspect_token(forger.rs256(claims), verify=False)
    assert report.validation.status == "not_verified"
    v = report.verdict("exchange_ews_delegated")
    assert not v.ok and v.would_work_if_genuine and v.codes == []
    assert repr(v) == "Verdict(exchange_ews_delegated: unverified, reasons=[])"
    assert report.passing_targets() == []


def test_a_verdict_with_reasons_is_a_plain_fail_even_when_unverified(forger, sandbox):
    claims = forger.claims(sandbox["tenant"]["id"], aud=GRAPH)
    v = inspect_token(forger.rs256(claims), verify=False).verdict("exchange_ews_delegated")
    assert v.status == "fail" and not v.would_work_if_genuine
    assert v.codes == ["wrong_audience"]


# ---- times that are not times ----------------------------------------------------------------------
BAD_TIMES = [
    ("NaN", "NaN"),
    ("Infinity", "Infinity"),
    ("-Infinity", "-Infinity"),
    ("1e400", "1e400"),
    ("fraction", "1700000000.5"),
    ("string", '"1700000000"'),
    ("bool", "true"),
    ("past year 9999", str(10**20)),
]


def _with_raw_claim(tid: str, name: str, raw_json: str, kid: str) -> str:
    claims = admin_claims(tid, scp="EWS.AccessAsUser.All")
    claims[name] = "__RAW__"
    payload = json.dumps(claims).replace('"__RAW__"', raw_json)
    sig = b64url(secrets.token_bytes(256))
    return f"{b64url(json.dumps(header(kid)).encode())}.{b64url(payload.encode())}.{sig}"


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize(("label", "raw_json"), BAD_TIMES, ids=[b[0] for b in BAD_TIMES])
def test_a_time_claim_that_is_not_a_finite_integer_is_a_named_rejection(
    sandbox, tenant_kid, claim, label, raw_json
):
    token = _with_raw_claim(sandbox["tenant"]["id"], claim, raw_json, tenant_kid)
    report = inspect_token(token, verify=False)
    assert "bad_time_claim" in report.validation.reasons, (label, report.validation.reasons)
    rejection = report.validation.rejection("bad_time_claim")
    assert f"'{claim}'" in rejection.message
    details = " ".join(c.detail for c in report.validation.checks).lower()
    assert not re.search(r"\b(nan|inf|infinity)\b", details)  # never "valid until nan"
    assert not report.verdict("exchange_ews_delegated").ok
    assert "bad_time_claim" in report.verdict("exchange_ews_delegated").codes


def test_an_integer_time_as_a_whole_float_is_still_a_time(sandbox, tenant_kid):
    token = _with_raw_claim(sandbox["tenant"]["id"], "exp", f"{int(time.time()) + 3600}.0", tenant_kid)
    report = inspect_token(token, verify=False)
    assert "bad_time_claim" not in report.validation.reasons


def test_an_integer_longer_than_python_reads_is_a_token_error_not_a_value_error(sandbox, tenant_kid):
    token = _with_raw_claim(sandbox["tenant"]["id"], "exp", "9" * 5000, tenant_kid)
    with pytest.raises(TokenError) as info:
        inspect_token(token, verify=False)
    assert info.value.reason == "malformed"
    assert "9999999999" not in str(info.value)


# ---- the decoded token does not show the token --------------------------------------------------------
def test_the_decoded_tokens_repr_shows_no_segment(tokens):
    token = raw(tokens.ropc(GROOPER, [f"{EXO}/EWS.AccessAsUser.All"]))
    text = repr(decode(token))
    h, p, s = token.split(".")
    assert p[:16] not in text and s[:16] not in text and h[:16] not in text
    assert "signing_input" not in text and "signature=" not in text


def test_the_verdict_matrix_shows_an_unverified_token_as_unverified_never_as_a_pass(forger, sandbox):
    from grooper_nb.tokens.matrix import PASS, UNVERIFIED, verdict_matrix

    claims = forger.claims(sandbox["tenant"]["id"], aud=EXO, scp="EWS.AccessAsUser.All")
    matrix = verdict_matrix({"forged EWS": inspect_token(forger.rs256(claims), verify=False)})
    column = matrix["forged EWS"]
    assert PASS not in set(column)
    assert column["Exchange via EWS, delegated"] == UNVERIFIED
    assert column["SharePoint via Graph"].startswith("fail: wrong_audience")
