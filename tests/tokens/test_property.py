"""Property: whatever it is given, the inspector returns a report or raises TokenError — nothing else.

Inputs: arbitrary bytes and text; and mutations of a real sandbox token (characters replaced, cut,
inserted, segments swapped, header/payload re-encoded with arbitrary JSON values). Mutated tokens are
verified for real against the sandbox's JWKS (cached per session), and each report is fully used
(repr, HTML, summary, every verdict, comparison) so a crash in any later step counts too.
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grooper_nb._redact import JWT_RE
from grooper_nb.tokens import TokenError, TokenReport, compare_tokens, inspect_token

from .conftest import EXO, GRAPH, raw

# The run's hypothesis profile (tests/conftest.py): `ci` by default, `HYPOTHESIS_PROFILE=thorough` for more.
SETTINGS = settings()


def b64(obj) -> str:
    raw = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def exercise(report: TokenReport, raw: str | None = None) -> None:
    """Use every part of the report; none of it may raise, and none of it may show the raw token."""
    text = repr(report) + report._repr_html_() + json.dumps(report.summary(), default=str)
    for v in report.verdicts():
        text += str(v) + v._repr_html_()
    report.claims_frame()
    compare_tokens(report, report)._repr_html_()
    if raw and JWT_RE.fullmatch(raw):
        assert raw not in text


def check(value, profile=None) -> None:
    try:
        report = inspect_token(value, profile, verify=profile is not None)
    except TokenError as e:
        assert e.reason in {"empty", "not_text", "malformed", "truncated", "not_a_token"}
        return
    assert isinstance(report, TokenReport)
    exercise(report, value if isinstance(value, str) else None)


@SETTINGS
@given(st.binary(max_size=3000))
def test_any_bytes_give_a_report_or_a_token_error(data):
    check(data)


@SETTINGS
@given(st.text(max_size=3000))
def test_any_text_gives_a_report_or_a_token_error(text):
    check(text)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

CLAIM_NAMES = [
    "aud",
    "iss",
    "tid",
    "exp",
    "nbf",
    "iat",
    "ver",
    "scp",
    "roles",
    "appidacr",
    "idtyp",
    "amr",
    "wids",
]
HEADER_NAMES = ["alg", "kid", "x5t", "nonce", "typ", "enc"]


@pytest.fixture(scope="module")
def real_tokens(tokens):
    return [
        raw(tokens.client_credentials("Grooper Server-to-Server", GRAPH)),  # Graph nonce, app-only
        raw(tokens.ropc("Grooper Azure AD Connector 2021", [f"{EXO}/EWS.AccessAsUser.All"])),
    ]


@st.composite
def mutations(draw, tokens: list[str]):
    token = draw(st.sampled_from(tokens))
    kind = draw(
        st.sampled_from(["replace", "delete", "insert", "truncate", "swap", "claims", "header", "segments"])
    )
    n = len(token)
    if kind == "replace":
        i = draw(st.integers(0, n - 1))
        c = draw(st.sampled_from(list("AaZz09-_.=+/ \n\x00é")))
        return token[:i] + c + token[i + 1 :]
    if kind == "delete":
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(i, min(n, i + 50)))
        return token[:i] + token[j:]
    if kind == "insert":
        i = draw(st.integers(0, n))
        return token[:i] + draw(st.text(max_size=10)) + token[i:]
    if kind == "truncate":
        return token[: draw(st.integers(0, n))]
    h, p, s = token.split(".")
    if kind == "swap":
        order = draw(st.permutations([h, p, s]))
        return ".".join(order)
    if kind == "segments":
        extra = draw(st.lists(st.text(alphabet="AZaz09-_", max_size=20), min_size=1, max_size=3))
        return ".".join([h, p, s, *extra])
    header = json.loads(base64.urlsafe_b64decode(h + "=="))
    claims = json.loads(base64.urlsafe_b64decode(p + "=="))
    if kind == "claims":
        for name in draw(st.lists(st.sampled_from(CLAIM_NAMES), min_size=1, max_size=4)):
            if draw(st.booleans()):
                claims[name] = draw(json_values)
            else:
                claims.pop(name, None)
    else:
        for name in draw(st.lists(st.sampled_from(HEADER_NAMES), min_size=1, max_size=3)):
            if draw(st.booleans()):
                header[name] = draw(json_values)
            else:
                header.pop(name, None)
    return f"{b64(header)}.{b64(claims)}.{s}"


def test_mutations_of_real_tokens_give_a_report_or_a_token_error(real_tokens, sbx_profile):
    @SETTINGS
    @given(mutations(real_tokens))
    def run(mutated):
        check(mutated, sbx_profile)

    run()


def test_real_tokens_themselves_are_fully_usable(real_tokens, sbx_profile):
    for t in real_tokens:
        check(t, sbx_profile)
