"""Fixtures for the token inspector: real sandbox tokens, a sandbox profile, and a forger.

Real tokens come from real MSAL over real HTTPS through the sandbox proxy (``SandboxTokens``). They are
fetched once per run and cached, to keep the suite fast. Forged tokens (``forge``) are signed with keys
made here; they are *inputs* to the pure verification code, while the tenant's keys are always fetched
over HTTPS from the sandbox.

``SandboxTokens`` gets them through ``grooper_nb.auth.flows`` on real ``connect()`` profiles (the person
at the browser is ``grooper_nb.auth.person``); only ``msal_result`` calls MSAL itself, for the MSAL
result-dict input shape.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any

import jwt
import msal
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from grooper_nb.clouds import Cloud, get_cloud
from tests.helpers import b64url, plain_user, seeded_app, seeded_user

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

    @property
    def sharepoint_host(self) -> str | None:
        return (self.sandbox_info or {}).get("tenant", {}).get("sharepoint_host")


def sandbox_http(sandbox: dict) -> requests.Session:
    s = requests.Session()
    # With trust_env, a preset REQUESTS_CA_BUNDLE overrides verify= (requests' SSL cert verification:
    # https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification).
    s.trust_env = False
    s.proxies = {"https": sandbox["proxy"]}
    s.verify = sandbox["ca_bundle"]
    return s


@pytest.fixture(scope="session")
def sbx_session(sandbox: dict) -> requests.Session:
    return sandbox_http(sandbox)


@pytest.fixture(scope="session")
def sbx_profile(tokens):
    """The real ``connect()`` profile of Grooper's app: its session, cloud, tenant and sandbox info."""
    return tokens.profile("Grooper Azure AD Connector 2021")


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
class SandboxTokens:
    """Tokens the sandbox really issues, through ``grooper_nb.auth.flows`` on real ``connect()`` profiles.

    Each method returns the flow's ``TokenResult`` (``.access_token`` is a ``Secret``) and caches it for the
    run. :meth:`msal_result` goes through MSAL directly, for the "MSAL result dict" input shape.
    """

    def __init__(self, sandbox: dict) -> None:
        self.sandbox = sandbox
        self.tid = sandbox["tenant"]["id"]
        self.authority = f"https://login.microsoftonline.com/{self.tid}"
        self.sp_host = sandbox["tenant"]["sharepoint_host"]
        self._cache: dict[tuple, Any] = {}
        self._profiles: dict[tuple, Any] = {}

    def app(self, name: str) -> dict:
        return seeded_app(self.sandbox, name)

    def user(self, **criteria) -> dict:
        return seeded_user(self.sandbox, **criteria)

    @property
    def plain_user(self) -> dict:
        return plain_user(self.sandbox)

    def profile(self, app: str, *, cert: bool = False):
        """The real ``connect()`` profile of a seeded app (its secret, or its certificate)."""
        from grooper_nb.profile import connect

        key = (app, cert)
        if key not in self._profiles:
            state_dir = self.sandbox["state_dir"]
            if cert:
                self._profiles[key] = connect(app, credential="certificate", sandbox_dir=state_dir)
            else:
                self._profiles[key] = connect(app, sandbox_dir=state_dir)
        return self._profiles[key]

    def ropc(self, app: str, scopes: list[str], user: dict | None = None):
        """Username + password (the sandbox's non-MFA users)."""
        from grooper_nb.auth import flows

        user = user or self.plain_user
        key = ("ropc", app, tuple(scopes), user["upn"])
        if key not in self._cache:
            with warnings.catch_warnings():  # ROPC is legacy (RopcWarning); the sandbox allows it
                warnings.simplefilter("ignore")
                self._cache[key] = flows.ropc(self.profile(app), user["upn"], user["password"], scopes)
        return self._cache[key]

    def client_credentials(self, app: str, resource: str, *, cert: bool = False):
        from grooper_nb.auth import flows

        key = ("cc", app, resource, cert)
        if key not in self._cache:
            self._cache[key] = flows.client_credentials(
                self.profile(app, cert=cert), [f"{resource}/.default"]
            )
        return self._cache[key]

    def obo(self, scopes: list[str]):
        """The bootstrap (public) client signs a user in for the middle tier, which calls Graph OBO."""
        from grooper_nb.auth import flows

        key = ("obo", tuple(scopes))
        if key not in self._cache:
            mid = self.app("Grooper Middle-Tier API")
            user_token = self.ropc("Grooper NB Bootstrap", [f"{mid['identifier_uris'][0]}/access_as_user"])
            self._cache[key] = flows.on_behalf_of(self.profile("Grooper Middle-Tier API"), user_token, scopes)
        return self._cache[key]

    def auth_code(self, app: str, scopes: list[str], user: dict | None = None):
        """Auth code + PKCE (paste variant): the seeded user signs in on the sandbox's pages at the
        person-facing ``browser_url`` (grooper_nb.auth.person), and the final URL is pasted back."""
        from grooper_nb.auth import flows
        from grooper_nb.auth.person import sandbox_person

        user = user or self.plain_user
        key = ("code", app, tuple(scopes), user["upn"])
        if key not in self._cache:
            profile = self.profile(app)
            flow = flows.auth_code_start(profile, scopes, login_hint=user["upn"])
            self._cache[key] = flow.finish(sandbox_person(profile, user["upn"]).sign_in(flow.url))
        return self._cache[key]

    def msal_result(self, app: str, resource: str) -> dict:
        """Client credentials through MSAL itself: the raw MSAL result dict."""
        key = ("msal", app, resource)
        if key not in self._cache:
            a = self.app(app)
            client = msal.ConfidentialClientApplication(
                a["client_id"],
                client_credential=a["client_secret"],
                authority=self.authority,
                http_client=sandbox_http(self.sandbox),
                azure_region=False,
            )
            result = client.acquire_token_for_client(scopes=[f"{resource}/.default"])
            assert "access_token" in result, result.get("error_description")
            self._cache[key] = result
        return self._cache[key]


def raw(result: Any) -> str:
    """The token string of a TokenResult (tests only: to tamper with it or to search for it)."""
    return result.access_token.reveal()


@pytest.fixture(scope="session")
def tokens(sandbox: dict) -> SandboxTokens:
    return SandboxTokens(sandbox)


# ------------------------------------------------------------------------------------------ forging
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


@pytest.fixture(scope="session")
def tenant_signer(sandbox: dict, sbx_session: requests.Session):
    """``sign(claims)``: a token signed with the sandbox tenant's own signing key (read from its state
    dir), for shapes the sandbox never issues (IMAP tokens): genuine to the inspector, which still
    fetches the tenant's keys over HTTPS to check it."""
    from pathlib import Path

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    keys = Path(sandbox["state_dir"]) / "keys"
    key = (keys / "signing-1.key.pem").read_text()
    cert = x509.load_pem_x509_certificate((keys / "signing-1.cert.pem").read_bytes())
    thumb = b64url(cert.fingerprint(hashes.SHA1()))
    discovery = (
        f"https://login.microsoftonline.com/{sandbox['tenant']['id']}/.well-known/openid-configuration"
    )
    published = sbx_session.get(sbx_session.get(discovery).json()["jwks_uri"]).json()["keys"]
    kid = next(k["kid"] for k in published if thumb in (k["kid"], k.get("x5t")))
    return lambda claims: jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, "x5t": thumb})


JWT_LIKE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
