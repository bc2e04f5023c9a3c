"""Malformed requests get Entra's answers (AADSTS JSON, 4xx), never a 500 page.

Hand-picked cases first (each was a crash once), then hypothesis: form bodies built from real parameter
names and values mixed with arbitrary text and bytes (not UTF-8, duplicated parameters, junk Basic
headers), sent over real TLS through the proxy to a sandbox of this module's own — random sign-ins
count towards lockouts, which must not reach the shared sandbox.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote_from_bytes

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.sandbox.login.identity_helpers import (
    app,
    assert_aadsts,
    page_error_details,
    redirect_query,
    sign_in,
    token_url,
    user,
)

S2S = "Grooper Server-to-Server"
BOOTSTRAP = "Grooper NB Bootstrap"
MIDDLE = "Grooper Middle-Tier API"

# The run's hypothesis profile (tests/conftest.py): `ci` by default, `HYPOTHESIS_PROFILE=thorough` for more.
SETTINGS = settings()


@pytest.fixture(scope="module")
def http(private_sandbox: dict) -> requests.Session:
    """A session that reaches the module's sandbox through its proxy (like ``private_env``, but usable
    from a hypothesis test, which may not take function-scoped fixtures)."""
    session = requests.Session()
    session.trust_env = False
    session.proxies = {"https": private_sandbox["proxy"]}
    session.verify = private_sandbox["ca_bundle"]
    return session


def _post(http: requests.Session, url: str, body: bytes, headers: dict | None = None) -> requests.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    return http.post(url, data=body, headers=headers, timeout=30)


def _form(pairs: list[tuple[str, str | bytes]]) -> bytes:
    def enc(v: str | bytes) -> str:
        return quote_from_bytes(v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs).encode("ascii")


# -- hand-picked: each of these was a 500 once -------------------------------------------------------------


def _client_credentials(sandbox: dict, *scopes: str) -> bytes:
    """A client-credentials body for the server-to-server app, with one ``scope`` pair per scope."""
    s2s = app(sandbox, S2S)
    pairs = [("grant_type", "client_credentials"), ("client_id", s2s["client_id"])]
    pairs += [("client_secret", s2s["client_secret"]), *(("scope", scope) for scope in scopes)]
    return _form(pairs)


def test_client_credentials_with_a_blank_scope_is_900144(private_sandbox, http):
    resp = _post(http, token_url(private_sandbox), _client_credentials(private_sandbox, "   "))
    assert resp.status_code == 400
    assert_aadsts(resp.json(), 900144, error="invalid_request")
    assert "'scope'" in resp.json()["error_description"]


def test_obo_assertion_whose_header_is_a_json_array_is_50013(private_sandbox, http):
    mid = app(private_sandbox, MIDDLE)
    segment = base64.urlsafe_b64encode(json.dumps([1, 2]).encode()).rstrip(b"=").decode()
    body = _form(
        [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("client_id", mid["client_id"]),
            ("client_secret", mid["client_secret"]),
            ("assertion", f"{segment}.{segment}.c2ln"),
            ("scope", "https://graph.microsoft.com/User.Read"),
            ("requested_token_use", "on_behalf_of"),
        ]
    )
    resp = _post(http, token_url(private_sandbox), body)
    assert resp.status_code == 400
    assert_aadsts(resp.json(), 50013, error="invalid_grant")


@pytest.mark.parametrize(
    "header", ["Basic é", "Basic !!!", "Basic " + base64.b64encode(b"\xff\xfe:x").decode()]
)
def test_a_junk_basic_authorization_header_is_an_aadsts_answer(private_sandbox, http, header):
    body = _form([("grant_type", "client_credentials"), ("scope", "https://graph.microsoft.com/.default")])
    resp = _post(http, token_url(private_sandbox), body, {"Authorization": header.encode("latin-1")})
    assert resp.status_code == 400
    assert_aadsts(resp.json(), 900144)


def test_a_form_body_that_is_not_utf8_is_an_aadsts_answer(private_sandbox, http):
    body = b"grant_type=client_credentials&client_id=%ff%fe&scope=%c3%28"
    resp = _post(http, token_url(private_sandbox), body)
    assert resp.status_code in (400, 401), resp.text
    assert resp.json()["error_codes"]


def test_a_parameter_sent_twice_is_9002313(private_sandbox, http):
    twice = ("https://graph.microsoft.com/.default", "https://outlook.office365.com/.default")
    resp = _post(http, token_url(private_sandbox), _client_credentials(private_sandbox, *twice))
    assert resp.status_code == 400
    assert_aadsts(resp.json(), 9002313, error="invalid_request")
    assert "'scope'" in resp.json()["error_description"]


# -- fuzzing the token and device-code endpoints -----------------------------------------------------------

_NAMES = [
    "grant_type",
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "scope",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "username",
    "password",
    "device_code",
    "assertion",
    "requested_token_use",
    "resource",
    "client_info",
]
_GRANTS = [
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "password",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
]
_JUNK_JWTS = [
    "eyJ.eyJ.",
    "a.b.c",
    "e30.e30.e30",
    "W10.W10.",
    "eyJhbGciOiJub25lIn0" + ".eyJzdWIiOiJ4In0.",  # alg none (split: no token-shaped literal)
    "eyJhbGciOiJSUzI1NiIsIng1dCI6WzFdfQ.e30.c2ln",
    "...",
    "ey" * 40,
]


@pytest.fixture(scope="module")
def known_values(private_sandbox: dict) -> list[str]:
    """Real values of this tenant: fuzzed requests get past the first checks often enough to go deep."""
    s2s, boot, mid = (app(private_sandbox, n) for n in (S2S, BOOTSTRAP, MIDDLE))
    person = user(private_sandbox, "adele.vance")
    return [
        *_GRANTS,
        s2s["client_id"],
        s2s["client_secret"],
        boot["client_id"],
        mid["client_id"],
        mid["client_secret"],
        person["upn"],
        person["password"],
        "https://graph.microsoft.com/.default",
        "User.Read openid profile offline_access",
        "https://graph.microsoft.com/.default https://graph.microsoft.com/User.Read",
        f"api://{mid['client_id']}/access_as_user",
        "http://localhost",
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "on_behalf_of",
        "1",
        *_JUNK_JWTS,
    ]


def _values(known: list[str]):
    return st.one_of(
        st.sampled_from(known),
        st.text(max_size=40),
        st.binary(max_size=40),
        st.sampled_from(known).map(lambda v: v + " "),
    )


@SETTINGS
@given(data=st.data())
def test_the_token_endpoint_never_answers_5xx(private_sandbox, http, known_values, data):
    tenant = data.draw(
        st.sampled_from(
            [private_sandbox["tenant"]["id"], private_sandbox["tenant"]["domain"], "common", "consumers"]
        )
        | st.text(alphabet="abcdefghij-.0123456789", min_size=1, max_size=20),
        label="tenant",
    )
    endpoint = data.draw(st.sampled_from(["token", "devicecode"]), label="endpoint")
    names = st.sampled_from(_NAMES) | st.text(max_size=12)
    pairs = data.draw(st.lists(st.tuples(names, _values(known_values)), max_size=10), label="form")
    headers = {}
    if data.draw(st.booleans(), label="basic auth"):
        raw = data.draw(
            st.binary(max_size=40) | st.sampled_from([b"", b":", b"x:y", b"%ff:%fe"]), label="basic"
        )
        headers["Authorization"] = b"Basic " + base64.b64encode(raw)
    url = f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/{endpoint}"
    resp = _post(http, url, _form(pairs), headers)
    assert resp.status_code < 500, (resp.status_code, resp.text[:300])
    if resp.status_code >= 400 and resp.headers.get("Content-Type", "").startswith("application/json"):
        assert resp.json()["error_codes"], resp.text


@pytest.mark.parametrize("uri", ["http://[::1", "http://localhost:notaport"])
def test_a_redirect_uri_that_is_not_a_url_is_50011(private_sandbox, uri):
    boot = app(private_sandbox, BOOTSTRAP)["client_id"]
    resp = requests.get(
        f"{private_sandbox['browser_url']}/{private_sandbox['tenant']['id']}/oauth2/v2.0/authorize",
        params={"client_id": boot, "response_type": "code", "redirect_uri": uri, "scope": "User.Read"},
        proxies={"http": None},
        allow_redirects=False,
        timeout=30,
    )
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert_aadsts(page_error_details(resp.text), 50011)


def test_a_plain_pkce_verifier_with_non_ascii_characters_is_501481(private_sandbox, private_env):
    sandbox, boot = private_sandbox, app(private_sandbox, BOOTSTRAP)
    challenge = "plain-challenge-" + "x" * 40
    url = (
        f"{sandbox['browser_url']}/{sandbox['tenant']['id']}/oauth2/v2.0/authorize?client_id={boot['client_id']}"
        f"&response_type=code&redirect_uri=http%3A%2F%2Flocalhost&scope=User.Read&code_challenge={challenge}"
        "&code_challenge_method=plain&state=s"
    )
    code = redirect_query(sign_in(requests.Session(), url, user(sandbox, "lee.gu")))["code"]
    resp = requests.post(
        token_url(sandbox),
        data={
            "grant_type": "authorization_code",
            "client_id": boot["client_id"],
            "code": code,
            "redirect_uri": "http://localhost",
            "code_verifier": "é" * 50,
        },
        timeout=30,
    )
    assert resp.status_code == 400
    assert_aadsts(resp.json(), 501481, error="invalid_grant")


_REDIRECTS = [
    "http://localhost",
    "http://localhost:1234/x",
    "https://evil.example/cb",
    "https://login.microsoftonline.com/common/oauth2/nativeclient",
    # not URLs urllib can take apart: a malformed IPv6 host, ports that are not port numbers
    "http://[::1",
    "http://[",
    "http://localhost:notaport",
    "http://localhost:99999",
    "http://127.0.0.1:-1/",
]
_PAGE_PARAMS = {  # name -> plausible values (fuzzing mixes in arbitrary text and bytes too)
    "response_type": ["code", "token", "id_token", "code id_token", "id_token token", ""],
    "response_mode": ["query", "fragment", "form_post", "web_message"],
    "scope": ["User.Read", "openid profile", "https://graph.microsoft.com/.default", "Directory.Read.All"],
    "state": ["s", ""],
    "nonce": ["n"],
    "prompt": ["none", "login", "consent", "select_account"],
    "login_hint": ["adele.vance@contoso.onmicrosoft.com", "x@y"],
    "code_challenge": ["a" * 43, "short", "b" * 129],
    "code_challenge_method": ["S256", "plain", "S512"],
    "redirect_uri": _REDIRECTS,
    "post_logout_redirect_uri": _REDIRECTS,
    "flow": ["", "not-a-flow"],
    "login": ["adele.vance@contoso.onmicrosoft.com", "nobody@contoso.onmicrosoft.com"],
    "passwd": ["wrong"],
    "action": ["accept", "cancel", "approve"],
    "otc": ["ABCDEFGHJ", ""],
    "consent_for_org": ["on"],
    "code": ["abc"],
    "error": ["access_denied"],
}


def _valid_page_params(sandbox: dict, path: str) -> dict[str, str]:
    """A request each page accepts; the fuzzer corrupts, drops and adds parameters from there."""
    boot = app(sandbox, BOOTSTRAP)["client_id"]
    if path.endswith("/authorize"):
        return {
            "client_id": boot,
            "response_type": "code",
            "redirect_uri": "http://localhost",
            "scope": "User.Read",
            "state": "s",
            "code_challenge": "c" * 43,
            "code_challenge_method": "S256",
        }
    if path.endswith("adminconsent"):
        return {"client_id": boot, "redirect_uri": "http://localhost", "state": "s"}
    if path.endswith("logout"):
        return {"post_logout_redirect_uri": "http://localhost", "client_id": boot}
    if path.endswith(("/login", "/mfa", "/consent")):
        return {"flow": "not-a-flow", "login": user(sandbox, "adele.vance")["upn"], "action": "accept"}
    return {"otc": "ABCDEFGHJ"}


# page -> the parameters it reads (the ones the fuzzer corrupts)
_PAGES = {
    "/{tid}/oauth2/v2.0/authorize": [
        "client_id",
        "redirect_uri",
        "response_type",
        "response_mode",
        "scope",
        "state",
        "nonce",
        "prompt",
        "login_hint",
        "code_challenge",
        "code_challenge_method",
    ],
    "/consumers/oauth2/v2.0/authorize": ["client_id", "redirect_uri", "scope"],
    "/{tid}/adminconsent": ["client_id", "redirect_uri", "state"],
    "/{tid}/v2.0/adminconsent": ["client_id", "redirect_uri", "scope", "state"],
    "/{tid}/oauth2/v2.0/logout": ["post_logout_redirect_uri", "client_id"],
    "/devicelogin": ["otc"],
    "/{tid}/login": ["flow", "login", "passwd"],
    "/{tid}/mfa": ["flow", "action"],
    "/{tid}/consent": ["flow", "action", "consent_for_org"],
    "/common/oauth2/nativeclient": ["code", "error", "state"],
}


@SETTINGS
@given(data=st.data())
def test_the_person_pages_never_answer_5xx(private_sandbox, known_values, data):
    template = data.draw(st.sampled_from(sorted(_PAGES)), label="page")
    path = template.format(tid=private_sandbox["tenant"]["id"])
    params = _valid_page_params(private_sandbox, path)
    pools = {**_PAGE_PARAMS, "client_id": [a["client_id"] for a in private_sandbox["apps"]]}
    corrupt = st.sets(st.sampled_from(_PAGES[template]), min_size=1, max_size=3)
    for name in data.draw(corrupt, label="corrupt"):
        plausible = st.sampled_from(pools[name])
        params[name] = data.draw(plausible | plausible | plausible | _values(known_values), label=name)
    if data.draw(st.booleans(), label="drop one"):
        params.pop(data.draw(st.sampled_from(sorted(params)), label="dropped"))
    pairs = list(params.items())
    extra = st.lists(st.tuples(st.text(max_size=12), _values(known_values)), max_size=2)
    pairs += data.draw(extra, label="extra")
    method = data.draw(st.sampled_from(["GET", "POST"]), label="method")
    url = f"{private_sandbox['browser_url']}{path}"
    with requests.Session() as browser:
        browser.trust_env = False
        if method == "GET":
            resp = browser.get(f"{url}?{_form(pairs).decode()}", allow_redirects=False, timeout=30)
        else:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            resp = browser.post(url, data=_form(pairs), headers=headers, allow_redirects=False, timeout=30)
    assert resp.status_code < 500, (resp.status_code, resp.text[:300])
