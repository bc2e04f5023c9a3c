"""Every named rejection: each finding of validate() has a stable code, a message and a fix.

Forged tokens are signed with keys made in the test; the tenant's keys are always fetched over real
HTTPS from the sandbox through the profile's session. Real tokens are judged at another ``now`` rather
than waited for.
"""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from grooper_nb.tokens import TokenError, inspect_token
from grooper_nb.tokens.verify import cache_for

from .conftest import EXO, GRAPH, claims_of, header_of, raw


@pytest.fixture(scope="module")
def graph_app_token(tokens):
    return raw(tokens.client_credentials("Grooper Server-to-Server", GRAPH))


@pytest.fixture(scope="module")
def ews_user_token(tokens):
    return raw(tokens.ropc("Grooper Azure AD Connector 2021", [f"{EXO}/EWS.AccessAsUser.All"]))


def test_a_real_sandbox_token_is_valid(ews_user_token, sbx_profile):
    report = inspect_token(ews_user_token, sbx_profile)
    assert report.validation.status == "valid", report.validation.rejections
    assert report.validation.signature == "verified"
    assert report.validation.reasons == []


def test_alg_none_is_rejected_by_name(forger, sbx_profile):
    token = forger.unsigned(forger.claims(sbx_profile.tenant_id))
    report = inspect_token(token, sbx_profile)
    assert "alg_none" in report.validation.reasons
    assert report.validation.status == "invalid"
    assert "unsigned" in report.validation.rejection("alg_none").message


def test_hs256_signed_with_the_tenants_public_key_is_key_confusion(
    forger, sbx_profile, sbx_session, ews_user_token
):
    # The attack: take the tenant's real public key (fetched over HTTPS) and use it as an HMAC secret.
    kid = header_of(ews_user_token)["kid"]
    jwks = sbx_session.get(
        f"https://login.microsoftonline.com/{sbx_profile.tenant_id}/discovery/v2.0/keys"
    ).json()
    public_jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    token = forger.hs256(forger.claims(sbx_profile.tenant_id), public_jwk["n"].encode(), kid)
    report = inspect_token(token, sbx_profile)
    assert "hs256_key_confusion" in report.validation.reasons
    assert report.validation.signature == "rejected"


def test_an_issuer_from_another_cloud_is_the_wrong_issuer(forger, sbx_profile):
    tid = sbx_profile.tenant_id
    token = forger.rs256(forger.claims(tid, iss=f"https://sts.chinacloudapi.cn/{tid}/"))
    report = inspect_token(token, sbx_profile)
    assert "wrong_issuer" in report.validation.reasons
    assert "https://sts.windows.net/" in report.validation.rejection("wrong_issuer").message


def test_an_issuer_naming_another_tenant_than_tid_is_the_wrong_issuer(forger, sbx_profile):
    other = str(uuid.uuid4())
    token = forger.rs256(forger.claims(sbx_profile.tenant_id, iss=f"https://sts.windows.net/{other}/"))
    report = inspect_token(token, sbx_profile)
    assert "wrong_issuer" in report.validation.reasons


def test_a_v2_token_with_a_v1_issuer_is_the_wrong_issuer(forger, sbx_profile):
    token = forger.rs256(forger.claims(sbx_profile.tenant_id, ver="2.0"))
    assert "wrong_issuer" in inspect_token(token, sbx_profile).validation.reasons


def test_a_real_token_checked_against_another_tenant_is_the_wrong_tenant(ews_user_token, new_profile):
    other = new_profile(tenant_id=str(uuid.uuid4()))
    report = inspect_token(ews_user_token, other)
    assert report.validation.reasons == ["wrong_tenant"]
    assert other.tenant_id in report.validation.rejection("wrong_tenant").message
    # the signature itself is still genuine: the keys were found through the token's own issuer
    assert report.validation.signature == "verified"


def test_a_real_token_for_another_api_is_the_wrong_audience(ews_user_token, sbx_profile):
    report = inspect_token(ews_user_token, sbx_profile, expected_audience=GRAPH)
    assert report.validation.reasons == ["wrong_audience"]
    msg = report.validation.rejection("wrong_audience").message
    assert msg.startswith(f"aud is {EXO} (Exchange Online) but {GRAPH}")


def test_the_first_party_app_id_counts_as_the_same_audience(ews_user_token, sbx_profile):
    report = inspect_token(
        ews_user_token, sbx_profile, expected_audience="00000002-0000-0ff1-ce00-000000000000"
    )
    assert report.validation.reasons == []


def test_a_real_token_judged_after_its_expiry_is_expired(ews_user_token, sbx_profile):
    exp = claims_of(ews_user_token)["exp"]
    later = datetime.fromtimestamp(exp, tz=timezone.utc) + timedelta(hours=1)
    report = inspect_token(ews_user_token, sbx_profile, now=later)
    assert report.validation.reasons == ["expired"]
    assert "60 min ago" in report.validation.rejection("expired").message
    assert report.times.expires_in == pytest.approx(-3600)


def test_expiry_within_the_clock_skew_is_still_accepted(ews_user_token, sbx_profile):
    exp = claims_of(ews_user_token)["exp"]
    report = inspect_token(ews_user_token, sbx_profile, now=exp + 120, leeway=300)
    assert report.validation.reasons == []
    report = inspect_token(ews_user_token, sbx_profile, now=exp + 120, leeway=60)
    assert report.validation.reasons == ["expired"]


def test_a_real_token_judged_before_its_nbf_is_not_yet_valid(ews_user_token, sbx_profile):
    nbf = claims_of(ews_user_token)["nbf"]
    report = inspect_token(ews_user_token, sbx_profile, now=nbf - 3600)
    assert report.validation.reasons == ["not_yet_valid"]


def test_a_forged_future_nbf_is_not_yet_valid(forger, sbx_profile):
    now = int(time.time())
    token = forger.rs256(forger.claims(sbx_profile.tenant_id, nbf=now + 7200, iat=now + 7200, exp=now + 9000))
    report = inspect_token(token, sbx_profile)
    assert "not_yet_valid" in report.validation.reasons


def test_an_unknown_kid_is_named_after_exactly_one_refresh(forger, new_profile):
    profile = new_profile()
    token = forger.rs256(forger.claims(profile.tenant_id))
    report = inspect_token(token, profile)
    assert "unknown_kid" in report.validation.reasons
    fetches = cache_for(profile.session).fetches
    jwks = [u for u in fetches if "keys" in u]
    assert len(jwks) == 2, fetches  # the first fetch, then one refresh for the unknown kid


def test_a_known_kid_is_served_from_the_cache(graph_app_token, ews_user_token, new_profile):
    profile = new_profile()
    inspect_token(ews_user_token, profile)
    before = list(cache_for(profile.session).fetches)
    inspect_token(graph_app_token, profile)
    inspect_token(ews_user_token, profile)
    assert cache_for(profile.session).fetches == before


def test_a_tampered_payload_is_a_bad_signature(forger, ews_user_token, sbx_profile):
    tampered = forger.resign_payload(ews_user_token, scp="EWS.AccessAsUser.All full_access_as_app")
    report = inspect_token(tampered, sbx_profile)
    assert report.validation.reasons == ["bad_signature"]


def test_a_cut_signature_is_truncated(ews_user_token, sbx_profile):
    cut = ews_user_token[:-40]
    report = inspect_token(cut, sbx_profile)
    assert report.validation.reasons == ["truncated"]


@pytest.mark.parametrize("cut", [0.3, 0.5])
def test_a_token_cut_before_its_signature_raises_truncated(ews_user_token, cut):
    head = ews_user_token.split(".")
    text = f"{head[0]}.{head[1][: int(len(head[1]) * cut)]}"
    with pytest.raises(TokenError) as e:
        inspect_token(text)
    assert e.value.reason == "truncated"


def test_malformed_input_raises_malformed(sbx_profile):
    with pytest.raises(TokenError) as e:
        inspect_token("this.is.not-a-jwt", sbx_profile)
    assert e.value.reason == "malformed"


def test_a_graph_nonce_token_is_never_called_an_invalid_signature(graph_app_token, sbx_profile):
    assert "nonce" in header_of(graph_app_token)
    report = inspect_token(graph_app_token, sbx_profile)
    assert report.validation.status == "valid"
    assert report.validation.signature == "verified (Graph nonce convention)"
    assert "not verifiable by third parties" in report.validation.signature_detail


def test_a_graph_nonce_token_that_no_convention_matches_is_unverifiable_not_invalid(
    graph_app_token, sbx_profile
):
    # Replace the transmitted nonce: the signature can no longer be checked by anyone but Graph.
    import base64
    import json

    h, p, s = graph_app_token.split(".")
    header = json.loads(base64.urlsafe_b64decode(h + "=="))
    header["nonce"] = secrets.token_urlsafe(32)
    h2 = base64.urlsafe_b64encode(json.dumps(header, separators=(",", ":")).encode()).rstrip(b"=").decode()
    report = inspect_token(f"{h2}.{p}.{s}", sbx_profile)
    assert report.validation.status == "unverifiable"
    assert report.validation.reasons == []
    assert "third parties cannot validate" in report.validation.signature_detail


def test_a_v2_token_with_a_v1_issuer_signed_with_the_tenants_key_is_named_once(sandbox, sbx_profile):
    """Signed with the sandbox tenant's real key (so the signature check also runs), a v2 token carrying a
    v1 issuer is *one* wrong_issuer, not one from the claims and another from the key's issuer."""
    import base64

    import jwt
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    keys = Path(sandbox["state_dir"]) / "keys"
    key = (keys / "signing-1.key.pem").read_text()
    cert = x509.load_pem_x509_certificate((keys / "signing-1.cert.pem").read_bytes())
    jwks_uri = sbx_profile.session.get(sbx_profile.cloud.discovery_url(sbx_profile.tenant_id)).json()[
        "jwks_uri"
    ]
    thumb = base64.urlsafe_b64encode(cert.fingerprint(hashes.SHA1())).rstrip(b"=").decode()
    published = sbx_profile.session.get(jwks_uri).json()["keys"]
    kid = next(k["kid"] for k in published if thumb in (k["kid"], k.get("x5t")))
    tid, now = sbx_profile.tenant_id, int(time.time())
    claims = {
        "aud": "https://outlook.office365.com", "iss": f"https://sts.windows.net/{tid}/", "tid": tid,
        "ver": "2.0", "iat": now, "nbf": now, "exp": now + 3600, "azp": sbx_profile.client_id,
        "azpacr": "1", "scp": "EWS.AccessAsUser.All",
    }  # fmt: skip
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
    report = inspect_token(token, sbx_profile)
    assert report.validation.signature == "verified"
    assert report.validation.reasons.count("wrong_issuer") == 1
