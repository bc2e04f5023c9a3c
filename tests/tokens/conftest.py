"""Fixtures for the token inspector: real sandbox tokens, a sandbox profile, and a forger.

Real tokens come from real MSAL over real HTTPS through the sandbox proxy (``SandboxTokens``). They are
fetched once per run and cached, to keep the suite fast. Forged tokens (``forge``) are signed with keys
made here; they are *inputs* to the pure verification code, while the tenant's keys are always fetched
over HTTPS from the sandbox.

``SandboxTokens`` uses MSAL directly. Once the AUTH stream's ``grooper_nb.auth.flows`` is in place, its
methods are the one place to switch to those flows.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
import warnings
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import msal
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from grooper_nb.clouds import Cloud, get_cloud

GRAPH = "https://graph.microsoft.com"
EXO = "https://outlook.office365.com"


@dataclass
class SandboxProfile:
    """A duck-typed stand-in for ``grooper_nb.profile.Profile``: only what ``inspect_token`` reads."""

    session: requests.Session
    tenant_id: str
    tenant: str
    cloud: Cloud = field(default_factory=get_cloud)
    sandbox_info: dict | None = None


def sandbox_http(sandbox: dict) -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # a preset REQUESTS_CA_BUNDLE must not override verify= (msal-and-sandbox-notes §1.3)
    s.proxies = {"https": sandbox["proxy"]}
    s.verify = sandbox["ca_bundle"]
    return s


@pytest.fixture(scope="session")
def sbx_session(sandbox: dict) -> requests.Session:
    return sandbox_http(sandbox)


@pytest.fixture(scope="session")
def sbx_profile(sandbox: dict, sbx_session: requests.Session) -> SandboxProfile:
    return SandboxProfile(
        session=sbx_session,
        tenant_id=sandbox["tenant"]["id"],
        tenant=sandbox["tenant"]["domain"],
        sandbox_info=sandbox,
    )


def fresh_profile(sandbox: dict, **changes: Any) -> SandboxProfile:
    """A profile with its own session (so its own, empty JWKS cache)."""
    p = SandboxProfile(
        session=sandbox_http(sandbox),
        tenant_id=sandbox["tenant"]["id"],
        tenant=sandbox["tenant"]["domain"],
        sandbox_info=sandbox,
    )
    for k, v in changes.items():
        setattr(p, k, v)
    return p


@pytest.fixture
def new_profile(sandbox: dict):
    return lambda **changes: fresh_profile(sandbox, **changes)


# ------------------------------------------------------------------------------------------ real tokens
class _Form(HTMLParser):
    """The forms of a sandbox page: action, hidden/visible inputs, and the submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}, "buttons": []})
        elif not self.forms or not a.get("name"):
            return
        elif tag == "button" or (tag == "input" and a.get("type") == "submit"):
            self.forms[-1]["buttons"].append((a["name"], a.get("value", "")))
        elif tag == "input":
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")


_YES = ("signin", "approve", "accept", "next", "continue", "yes", "consent")


class SandboxTokens:
    """Tokens the sandbox really issues, through real MSAL flows; cached per run."""

    def __init__(self, sandbox: dict) -> None:
        self.sandbox = sandbox
        self.tid = sandbox["tenant"]["id"]
        self.authority = f"https://login.microsoftonline.com/{self.tid}"
        self.sp_host = sandbox["tenant"]["sharepoint_host"]
        self._cache: dict[tuple, dict] = {}
        self._apps: dict[tuple, Any] = {}

    def app(self, name: str) -> dict:
        return next(a for a in self.sandbox["apps"] if a["name"] == name)

    def user(self, **criteria) -> dict:
        return next(u for u in self.sandbox["users"] if all(u.get(k) == v for k, v in criteria.items()))

    @property
    def plain_user(self) -> dict:
        return next(
            u
            for u in self.sandbox["users"]
            if u["enabled"] and not u["mfa_required"] and u["has_mailbox"] and not u["directory_roles"]
        )

    def _msal(self, name: str, *, cert: bool = False):
        key = (name, cert)
        if key not in self._apps:
            a = self.app(name)
            http = sandbox_http(self.sandbox)
            if a["public_client"]:
                client = msal.PublicClientApplication(
                    a["client_id"], authority=self.authority, http_client=http
                )
            else:
                if cert:
                    credential = {
                        "private_key": Path(a["private_key_pem"]).read_text(),
                        "thumbprint": a["certificate_thumbprint"],
                    }
                else:
                    credential = a["client_secret"]
                client = msal.ConfidentialClientApplication(
                    a["client_id"],
                    client_credential=credential,
                    authority=self.authority,
                    http_client=http,
                    azure_region=False,
                )
            self._apps[key] = client
        return self._apps[key]

    @staticmethod
    def _ok(result: dict, what: str) -> dict:
        assert "access_token" in result, f"{what}: {result.get('error')}: {result.get('error_description')}"
        return result

    def ropc(self, app: str, scopes: list[str], user: dict | None = None) -> dict:
        """Resource-owner password flow (the sandbox's non-MFA users), as an MSAL result dict."""
        user = user or self.plain_user
        key = ("ropc", app, tuple(scopes), user["upn"])
        if key not in self._cache:
            with warnings.catch_warnings():  # MSAL deprecates ROPC for public clients; the sandbox allows it
                warnings.simplefilter("ignore", DeprecationWarning)
                r = self._msal(app).acquire_token_by_username_password(
                    user["upn"], user["password"], scopes=scopes
                )
            self._cache[key] = self._ok(r, f"ROPC {app} {scopes}")
        return self._cache[key]

    def client_credentials(self, app: str, resource: str, *, cert: bool = False) -> dict:
        key = ("cc", app, resource, cert)
        if key not in self._cache:
            r = self._msal(app, cert=cert).acquire_token_for_client(scopes=[f"{resource}/.default"])
            self._cache[key] = self._ok(r, f"client credentials {app} {resource} cert={cert}")
        return self._cache[key]

    def obo(self, scopes: list[str]) -> dict:
        """Bootstrap (public) signs a user in for the middle tier; the middle tier calls Graph OBO."""
        key = ("obo", tuple(scopes))
        if key not in self._cache:
            mid = self.app("Grooper Middle-Tier API")
            api_scope = f"{mid['identifier_uris'][0]}/access_as_user"
            user_token = self.ropc("Grooper NB Bootstrap", [api_scope])["access_token"]
            r = self._msal("Grooper Middle-Tier API").acquire_token_on_behalf_of(user_token, scopes=scopes)
            self._cache[key] = self._ok(r, f"OBO {scopes}")
        return self._cache[key]

    def auth_code(self, app: str, scopes: list[str], user: dict | None = None) -> dict:
        """Auth code + PKCE, driving the sandbox's HTML sign-in (and consent) form as a browser would."""
        user = user or self.plain_user
        key = ("code", app, tuple(scopes), user["upn"])
        if key in self._cache:
            return self._cache[key]
        client = self._msal(app)
        redirect = "http://localhost:8400"
        with warnings.catch_warnings():  # query response mode keeps this driver a plain redirect follower
            warnings.simplefilter("ignore", UserWarning)
            flow = client.initiate_auth_code_flow(scopes, redirect_uri=redirect, login_hint=user["upn"])
        http = sandbox_http(self.sandbox)
        url = flow["auth_uri"]
        resp = http.get(url, allow_redirects=False)
        answers = {"login": user["upn"], "passwd": user["password"]}
        for _ in range(6):
            if resp.status_code in (301, 302, 303) and resp.headers["Location"].startswith(redirect):
                break
            if resp.status_code in (301, 302, 303):
                url = urljoin(url, resp.headers["Location"])
                resp = http.get(url, allow_redirects=False)
                continue
            parser = _Form()
            parser.feed(resp.text)
            assert parser.forms, f"no form on {url}: {resp.status_code} {resp.text[:300]}"
            form = parser.forms[0]
            fields = dict(form["fields"])
            fields.update({k: v for k, v in answers.items() if k in fields})
            button = next((b for b in form["buttons"] if b[1].lower() in _YES), None)
            if button:
                fields[button[0]] = button[1]
            url = urljoin(url, form["action"]) if form["action"] else url
            resp = http.post(url, data=fields, allow_redirects=False)
        location = resp.headers.get("Location", "")
        assert location.startswith(redirect), f"auth code flow did not redirect back: {resp.status_code}"
        params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        r = client.acquire_token_by_auth_code_flow(flow, params)
        self._cache[key] = self._ok(r, f"auth code {app} {scopes}")
        return self._cache[key]


@pytest.fixture(scope="session")
def tokens(sandbox: dict) -> SandboxTokens:
    return SandboxTokens(sandbox)


# ------------------------------------------------------------------------------------------ forging
def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def header_of(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


class Forger:
    """Signs Entra-shaped tokens with a key made here (never the tenant's)."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = b64url(uuid.uuid4().bytes + b"kid")[:27]

    def claims(self, tid: str, **overrides: Any) -> dict:
        now = int(time.time())
        c = {
            "aud": "https://graph.microsoft.com",
            "iss": f"https://sts.windows.net/{tid}/",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "appid": "11111111-1111-1111-1111-111111111111",
            "appidacr": "1",
            "scp": "User.Read",
            "tid": tid,
            "ver": "1.0",
            "upn": "mallory@contoso.onmicrosoft.com",
        }
        c.update(overrides)
        return {k: v for k, v in c.items() if v is not None}

    def rs256(self, claims: dict, kid: str | None = None, **header: Any) -> str:
        kid = kid or self.kid
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": kid, "x5t": kid, **header})

    @staticmethod
    def hs256(claims: dict, secret: bytes, kid: str) -> str:
        return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})

    @staticmethod
    def unsigned(claims: dict, kid: str | None = None) -> str:
        header = {"typ": "JWT", "alg": "none"}
        if kid:
            header["kid"] = kid
        return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}."

    @staticmethod
    def resign_payload(token: str, **changes: Any) -> str:
        """The same header and signature over changed claims: what tampering looks like."""
        h, _, s = token.split(".")
        c = claims_of(token)
        c.update(changes)
        return f"{h}.{b64url(json.dumps(c, separators=(',', ':')).encode())}.{s}"


@pytest.fixture(scope="session")
def forger() -> Forger:
    return Forger()


JWT_LIKE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
