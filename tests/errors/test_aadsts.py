"""The AADSTS catalogue and AuthError (pure functions: no sandbox needed)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from grooper_nb._redact import Secret
from grooper_nb.errors.aadsts import CATALOGUE, OAUTH_ERRORS, AuthError, error_page_url, explain
from grooper_nb.errors.base import ExplainedError
from tests.helpers import b64url

# The AADSTS codes of Microsoft's error-code reference that a Grooper setup meets
# (https://learn.microsoft.com/entra/identity-platform/reference-error-codes), copied here so the test
# pins down the catalogue's coverage.
REFERENCE_CODES = [
    50011, 500113, 900971, 50020, 50034, 50053, 50055, 50056, 50057, 50058, 50059, 50076, 50079, 50074,
    50072, 50089, 50105, 50126, 50128, 50173, 50194, 50196, 501481, 53000, 53003, 530035, 54005, 65001,
    65004, 65005, 650052, 650056, 650057, 70000, 70001, 70002, 70003, 70004, 70005, 700054, 70007, 70008,
    700082, 700084, 70011, 700022, 700023, 70016, 70018, 70019, 70043, 700016, 700011, 700024, 700025,
    700027, 700030, 7000112, 7000114, 7000215, 7000218, 7000222, 700005, 90002, 90009, 90014, 900144,
    9001023, 9002313, 9002331, 9002332, 90094, 90095, 90099, 901002, 500011, 500133, 1002016, 16000, 50001,
    50012, 50013, 50027, 50097, 50133, 50132, 90055, 90033, 90006, 90024,
]  # fmt: skip


# A JWT-shaped sample, built at run time so no token-looking literal is committed.
TOKEN = ".".join(
    b64url(part) for part in (b'{"typ":"JWT","alg":"RS256"}', b'{"aud":"https://graph"}', b"signature-value")
)


def test_every_code_of_microsofts_reference_that_grooper_meets_is_explained():
    missing = [c for c in REFERENCE_CODES if c not in CATALOGUE]
    assert missing == []


@pytest.mark.parametrize("entry", [*CATALOGUE.values(), *OAUTH_ERRORS.values()], ids=lambda e: str(e.name))
def test_each_entry_has_meaning_grooper_cause_and_fix(entry):
    assert entry.meaning.strip() and entry.cause.strip() and entry.fix.strip()
    assert entry.name


def test_explain_accepts_numbers_prefixed_strings_and_oauth_errors():
    assert explain(7000215).name == "InvalidClientSecret"
    assert explain("AADSTS50011: The redirect URI ...").code == 50011
    assert explain("50076").code == 50076
    assert explain("authorization_declined").name == "authorization_declined"
    assert explain(1) is None


def _body(code: int, error: str = "invalid_client", extra: str = "") -> dict:
    return {
        "error": error,
        "error_description": f"AADSTS{code}: Something happened. {extra}\r\nTrace ID: t-1\r\n"
        "Correlation ID: c-1\r\nTimestamp: 2026-01-02 03:04:05Z",
        "error_codes": [code],
        "timestamp": "2026-01-02 03:04:05Z",
        "trace_id": "0000aaaa-11bb-cccc-dd33-eeeeee333333",
        "correlation_id": "aaaa0000-bb11-2222-33cc-444444dddddd",
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        "suberror": "basic_action",
    }


def test_auth_error_keeps_what_microsoft_sent_and_adds_the_explanation():
    err = AuthError.from_response(_body(7000215), flow="client_credentials")
    assert err.code == 7000215 and err.codes == (7000215,)
    assert err.error == "invalid_client"
    assert err.trace_id == "0000aaaa-11bb-cccc-dd33-eeeeee333333"
    assert err.correlation_id == "aaaa0000-bb11-2222-33cc-444444dddddd"
    assert err.timestamp == "2026-01-02 03:04:05Z"
    assert err.suberror == "basic_action"
    assert err.meaning == CATALOGUE[7000215].meaning
    assert "ID" in err.grooper_cause and "Value" in err.fix
    text = str(err)
    assert "AADSTS7000215" in text and err.fix in text and err.grooper_cause in text
    assert err.correlation_id in text
    html = err._repr_html_()
    assert 'href="https://login.microsoftonline.com/error?code=7000215"' in html
    assert "Likely cause" in html and "Fix" in html
    assert err.error_uri == error_page_url(7000215)


def test_auth_error_takes_the_code_from_the_description_when_error_codes_is_missing():
    body = _body(65001, "invalid_grant")
    del body["error_codes"]
    assert AuthError.from_response(body).code == 65001


def test_auth_error_message_never_contains_tokens_or_known_secrets():
    secret = Secret("Xq8~Zz1secret-value-that-was-echoed", label="client secret")
    body = _body(70002, extra=f"assertion {TOKEN} and secret {secret.reveal()}")
    err = AuthError.from_response(body, secrets=[secret], hints=[f"the token was {TOKEN}"])
    for text in (str(err), repr(err), err._repr_html_(), repr(err.to_dict()), err.description):
        assert TOKEN not in text
        assert secret.reveal() not in text


def test_auth_error_pickles_and_stays_explained():
    err = AuthError.from_response(_body(50011, "invalid_request"), flow="auth_code", hints=["h"])
    again = pickle.loads(pickle.dumps(err))
    assert again.code == 50011 and again.hints == ["h"] and again.flow == "auth_code"


def test_unknown_codes_still_render_with_microsofts_text():
    err = AuthError.from_response(_body(1234567, "invalid_request"))
    assert err.explanation is None
    assert "Something happened" in err.meaning
    assert "error?code=1234567" in err._repr_html_()


def test_local_errors_have_explanations_too():
    err = AuthError.local("network_error", "ProxyError: refused", flow="silent")
    assert err.code is None and err.explanation is OAUTH_ERRORS["network_error"]
    assert "HTTPS_PROXY" in err.fix


def test_auth_error_is_an_explained_error_and_importable_where_it_always_was():
    import grooper_nb
    import grooper_nb.auth

    assert issubclass(AuthError, ExplainedError)
    assert grooper_nb.AuthError is AuthError and grooper_nb.auth.AuthError is AuthError


def _local_error_names() -> set[str]:
    """Every error name the package raises itself: the first argument of each AuthError.local(...)."""
    import ast

    root = Path(__file__).resolve().parents[2] / "grooper_nb"
    names = set()
    for path in root.rglob("*.py"):
        if "sandbox" in path.relative_to(root).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "local"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "AuthError"
            ):
                first = node.args[0]
                assert isinstance(first, ast.Constant), f"{path}:{node.lineno}: name the error literally"
                names.add(first.value)
    return names


def test_every_local_error_name_has_its_own_explanation():
    names = _local_error_names()
    assert {"invalid_client", "invalid_request", "client_error", "temporarily_unavailable"} <= names
    for name in sorted(names):
        err = AuthError.local(name, "what happened", flow="client_credentials")
        assert err.explanation is OAUTH_ERRORS[name], f"{name!r} has no OAUTH_ERRORS entry"
        assert "Not in the catalogue" not in err.grooper_cause and "error page" not in err.fix, name


def test_an_unknown_aadsts_code_keeps_microsofts_text_rather_than_a_generic_entry():
    err = AuthError(error="invalid_request", description="AADSTS99999999: Something new.", codes=(99999999,))
    assert err.explanation is None and err.meaning == "AADSTS99999999: Something new."
