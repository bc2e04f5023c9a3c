"""Decoding: every accepted input shape, and a named TokenError for everything unreadable."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from grooper_nb._redact import Secret
from grooper_nb.tokens import TokenError, inspect_token
from grooper_nb.tokens.decode import b64url_encode, decode


@pytest.fixture
def forged(forger):
    return forger.rs256(forger.claims("72f988bf-86f1-41af-91ab-2d7cd011db47"))


def test_a_string_jwt_decodes_into_header_and_claims(forged):
    d = decode(forged)
    assert d.kind == "jws"
    assert d.header["alg"] == "RS256"
    assert d.claims["aud"] == "https://graph.microsoft.com"
    assert len(d.signature) == 256


@pytest.mark.parametrize(
    ("wrap", "source"),
    [
        (lambda t: t, "str"),
        (lambda t: t.encode(), "bytes"),
        (lambda t: Secret(t, "access token"), "Secret"),
        (lambda t: SimpleNamespace(access_token=Secret(t)), "TokenResult"),
        (lambda t: {"access_token": t, "token_type": "Bearer", "expires_in": 3599}, "msal-dict"),
        (lambda t: f"Bearer {t}\n", "str"),
    ],
)
def test_every_accepted_input_shape_gives_the_same_claims(forged, wrap, source):
    report = inspect_token(wrap(forged), verify=False)
    assert report.claims["upn"] == "mallory@contoso.onmicrosoft.com"
    assert report.source == source


def test_an_msal_error_result_is_explained_not_crashed_on():
    with pytest.raises(TokenError) as e:
        inspect_token({"error": "invalid_client", "error_codes": [7000215]})
    assert e.value.reason == "empty"
    assert "7000215" in str(e.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("not a token", "malformed"),
        ("a.b", "malformed"),  # "a" is not even base64url
        ("a.b.c.d", "malformed"),
        ("!!!.eyJ9.sig", "malformed"),
        (f"{b64url_encode(b'[1,2]')}.{b64url_encode(b'{}')}.", "malformed"),
        (f"{b64url_encode(b'{}')}.{b64url_encode(b'123')}.", "malformed"),
    ],
)
def test_unreadable_input_raises_token_error_with_a_named_reason(text, reason):
    with pytest.raises(TokenError) as e:
        decode(text)
    assert e.value.reason == reason


def test_a_token_cut_in_the_payload_is_called_truncated(forged):
    header, payload, _ = forged.split(".")
    with pytest.raises(TokenError) as e:
        decode(f"{header}.{payload[: len(payload) // 2]}")
    assert e.value.reason == "truncated"
    # cut exactly inside the payload JSON but with a dot and signature-looking tail
    cut = b64url_encode(b'{"aud":"https://graph.microsoft.com","iss":"https://sts.win')
    with pytest.raises(TokenError) as e:
        decode(f"{header}.{cut}.abc")
    assert e.value.reason == "truncated"


def test_only_the_first_segment_is_truncated(forged):
    with pytest.raises(TokenError) as e:
        decode(forged.split(".")[0])
    assert e.value.reason == "truncated"


def test_non_ascii_bytes_are_not_text():
    with pytest.raises(TokenError) as e:
        inspect_token(b"\xff\xfe", verify=False)
    assert e.value.reason == "not_text"


def test_unsupported_types_are_not_text():
    with pytest.raises(TokenError) as e:
        inspect_token(12345, verify=False)
    assert e.value.reason == "not_text"


def test_the_error_message_never_contains_the_token(forged):
    broken = forged[:-5] + "!!!!!"
    with pytest.raises(TokenError) as e:
        decode(broken)
    assert forged[:40] not in str(e.value)
    assert forged[:40] not in e.value._repr_html_()


def test_an_encrypted_token_is_explained_not_decrypted():
    header = b64url_encode(json.dumps({"alg": "RSA-OAEP", "enc": "A256GCM", "kid": "k1"}).encode())
    jwe = f"{header}.{'A' * 342}.{'B' * 16}.{'C' * 40}.{'D' * 22}"
    report = inspect_token(jwe, verify=False)
    assert report.kind == "jwe"
    assert report.validation.status == "unverifiable"
    assert "encrypted" in report.validation.signature_detail
    v = report.verdict("graph_mail_app")
    assert not v.ok and v.codes == ["unreadable"]


def test_an_opaque_token_is_explained_not_crashed_on():
    opaque = "EwBwA8l6BAAU" + "x" * 300 + "AAA="
    report = inspect_token(opaque, verify=False)
    assert report.kind == "opaque"
    assert report.validation.status == "unverifiable"
    assert "opaque" in report.validation.signature_detail
    assert "EwBwA8l6BAAUxxxx" not in repr(report)


def test_common_wrong_pastes_are_named_without_echoing_them(tokens, sandbox):
    """A GUID, a real refresh token (as str and as the result's Secret) and a real client secret value:
    each is named for what it is, with what to pass instead, and never quoted."""
    result = tokens.ropc("Grooper NB Bootstrap", ["User.Read"])
    refresh = result.refresh_token.reveal()
    secret = tokens.app("Grooper Server-to-Server")["client_secret"]
    cases = [
        (tokens.app("Grooper Server-to-Server")["client_id"], "GUID"),
        ("{" + sandbox["tenant"]["id"] + "}", "GUID"),
        (refresh, "refresh token"),
        (result.refresh_token, "refresh token"),
        (secret, "client secret"),
    ]
    for given, named in cases:
        with pytest.raises(TokenError) as e:
            inspect_token(given)
        err = e.value
        assert err.reason == "not_a_token", (named, str(err))
        assert named in err.message and "access token" in err.fix
        text = str(err) + err._repr_html_()
        plain = given.reveal() if hasattr(given, "reveal") else given
        assert plain.strip("{}") not in text
