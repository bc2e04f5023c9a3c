"""Helpers for the sandbox identity tests (SANDBOX-IDENTITY stream): drive pages, check AADSTS bodies.

Nothing here fakes anything: the browser driver is plain ``requests`` parsing the sandbox's real HTML
forms, and :class:`RecordingSession` is a real ``requests.Session`` that remembers the headers it sent, so
a test can check that Entra's ``correlation_id`` echoes the ``client-request-id`` MSAL chose.

Tests that change a user or a grant (lockout, revoked sessions, aged refresh tokens, consent) do it on
their module's ``private_sandbox`` (tests/sandbox/conftest.py), never on the shared session sandbox.
"""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import msal
import requests

from grooper_nb.sandbox import launcher
from tests.helpers import seeded_app as app
from tests.helpers import seeded_user as user  # noqa: F401

TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$")


def authority(sandbox: dict, by: str = "id") -> str:
    """``by``: ``id`` (tenant GUID), ``domain``, or a literal alias such as ``common``/``organizations``."""
    tenant = {"id": sandbox["tenant"]["id"], "domain": sandbox["tenant"]["domain"]}.get(by, by)
    return f"https://login.microsoftonline.com/{tenant}"


def token_url(sandbox: dict, tenant: str | None = None) -> str:
    return f"https://login.microsoftonline.com/{tenant or sandbox['tenant']['id']}/oauth2/v2.0/token"


def admin(sandbox: dict, path: str, payload: dict | None = None) -> dict:
    """POST an admin call to ``{browser_url}/_sandbox/{path}`` (plain http on loopback, no proxy)."""
    resp = requests.post(
        f"{sandbox['browser_url']}/_sandbox/{path}",
        json=payload or {},
        headers=launcher.admin_headers(sandbox["state_dir"]),  # state-changing routes need the admin key
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def new_correlation_id() -> str:
    return str(uuid.uuid4())


# -- checking error bodies ------------------------------------------------------------------------------


def assert_aadsts(
    body: dict[str, Any],
    code: int,
    *,
    error: str | None = None,
    correlation_id: str | None = None,
    suberror: str | None = None,
) -> None:
    """``body`` is Entra's error shape for AADSTS``code``."""
    assert body.get("error_codes") == [code], body
    if error is not None:
        assert body["error"] == error, body
    description = body["error_description"]
    assert description.startswith(f"AADSTS{code}: "), description
    assert TIMESTAMP_RE.match(body["timestamp"]), body["timestamp"]
    uuid.UUID(body["trace_id"])
    uuid.UUID(body["correlation_id"])
    if correlation_id is not None:
        assert body["correlation_id"] == correlation_id
    assert f"\r\nTrace ID: {body['trace_id']}\r\n" in description
    assert f"\r\nCorrelation ID: {body['correlation_id']}\r\n" in description
    assert description.endswith(f"\r\nTimestamp: {body['timestamp']}")
    assert body["error_uri"] == f"https://login.microsoftonline.com/error?code={code}"
    if suberror is not None:
        assert body.get("suberror") == suberror, body


def assert_msal_error(
    result: dict, code: int, session: RecordingSession | None = None, **kwargs: Any
) -> None:
    """An MSAL result carrying AADSTS``code``; with a session, the correlation id echoes what MSAL sent."""
    correlation_id = session.last_client_request_id() if session is not None else None
    assert_aadsts(result, code, correlation_id=correlation_id, **kwargs)


class RecordingSession(requests.Session):
    """A real ``requests.Session`` (env proxy + CA bundle apply) that remembers each request's headers."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def request(self, method, url, *args, **kwargs):
        resp = super().request(method, url, *args, **kwargs)
        self.sent.append((method, url, dict(resp.request.headers)))
        return resp

    def last_client_request_id(self) -> str | None:
        for method, _url, headers in reversed(self.sent):
            if method == "POST" and "client-request-id" in headers:
                return headers["client-request-id"]
        return None


def pca(sandbox: dict, name: str, *, by: str = "id", record: bool = False, tenant: str | None = None):
    session = RecordingSession() if record else None
    auth = f"https://login.microsoftonline.com/{tenant}" if tenant else authority(sandbox, by)
    client = msal.PublicClientApplication(
        app(sandbox, name)["client_id"], authority=auth, **({"http_client": session} if session else {})
    )
    return client, session


def cca(
    sandbox: dict,
    name: str,
    credential: Any,
    *,
    by: str = "id",
    record: bool = False,
    client_id: str | None = None,
):
    session = RecordingSession() if record else None
    client = msal.ConfidentialClientApplication(
        client_id or app(sandbox, name)["client_id"],
        client_credential=credential,
        authority=authority(sandbox, by),
        **({"http_client": session} if session else {}),
    )
    return client, session


# -- driving the HTML pages as a browser would ------------------------------------------------------------


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action") or "",
                    "method": a.get("method", "get"),
                    "fields": {},
                    "buttons": [],
                }
            )
        elif self.forms and tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "submit"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""
        elif self.forms and tag == "button":
            self.forms[-1]["buttons"].append((a.get("name"), a.get("value")))


def forms(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def submit(
    session: requests.Session,
    page: requests.Response,
    fields: dict[str, str],
    button: str | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Fill the page's first form like a browser: hidden fields kept, ``fields`` typed, ``button`` pressed."""
    form = forms(page.text)[0]
    data = {**form["fields"], **fields}
    kwargs.setdefault("timeout", 30)
    if button is not None:
        name, value = next((n, v) for n, v in form["buttons"] if v == button)
        data[name] = value
    return session.post(urljoin(page.url, form["action"]), data=data, allow_redirects=False, **kwargs)


def sign_in(
    session: requests.Session, auth_uri: str, person: dict, *, consent: bool = True
) -> requests.Response:
    """Open ``auth_uri``, sign in as ``person``, approve MFA and consent if asked; the final response."""
    page = session.get(auth_uri, allow_redirects=False, timeout=30)
    if page.status_code != 200 or 'id="signin-form"' not in page.text:
        return page
    resp = submit(session, page, {"login": person["upn"], "passwd": person["password"]})
    return continue_pages(session, resp, consent=consent)


def continue_pages(
    session: requests.Session, resp: requests.Response, *, consent: bool = True
) -> requests.Response:
    while resp.status_code == 200:
        if 'id="mfa-form"' in resp.text:
            resp = submit(session, resp, {}, button="approve")
        elif 'id="consent-form"' in resp.text and consent:
            resp = submit(session, resp, {}, button="accept")
        else:
            break
    return resp


def redirect_query(resp: requests.Response) -> dict[str, str]:
    """The query parameters of a 302 to the app's redirect URI."""
    assert resp.status_code == 302, (resp.status_code, resp.text[:500])
    return {k: v[0] for k, v in parse_qs(urlsplit(resp.headers["Location"]).query).items()}


def approve_device_code(sandbox: dict, user_code: str, person: dict) -> requests.Response:
    """What a person does at ``verification_uri``: enter the code, sign in, approve."""
    session = requests.Session()
    page = session.get(f"{sandbox['browser_url']}/devicelogin", timeout=30)
    resp = submit(session, page, {"otc": user_code})
    resp = submit(session, resp, {"login": person["upn"], "passwd": person["password"]})
    return continue_pages(session, resp)


def page_error_details(html: str) -> dict[str, Any]:
    """The error body an Entra error page embeds (``<script type="application/json" id="error-details">``)."""
    import json

    match = re.search(r'<script type="application/json" id="error-details">(.*?)</script>', html, re.S)
    assert match, html[:800]
    return json.loads(match.group(1))


def unregistered_certificate() -> dict[str, str]:
    """A key pair + self-signed certificate that no app registered: an MSAL ``client_credential`` dict."""
    import hashlib

    from cryptography.hazmat.primitives import serialization

    from grooper_nb.sandbox import _x509

    key, cert = _x509.self_signed("not registered anywhere", days=30)
    der = cert.public_bytes(serialization.Encoding.DER)
    return {
        "private_key": _x509.key_pem(key).decode(),
        "thumbprint": hashlib.sha1(der).hexdigest().upper(),
        "public_certificate": _x509.cert_pem(cert).decode(),
    }
