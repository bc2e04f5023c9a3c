"""Who signs in where: :class:`Profile` and :func:`connect`.

A profile is everything a flow needs to talk to one Entra ID tenant as one app: tenant, client ID,
credential (client secret, certificate, or none for a public client), cloud, redirect URI, and its own
HTTP session (proxy, CA bundle, timeouts) that MSAL and every client use.

Start here::

    from grooper_nb import connect
    profile = connect()                                   # no tenant configured -> the sandbox tenant
    profile = connect(app="Grooper Server-to-Server")     # another seeded sandbox app
    profile = connect(app="Grooper Server-to-Server", credential="certificate")

A real tenant comes from ``GROOPER_NB_*`` environment variables or a ``.env`` file (found from the
current directory upwards), so no secret is ever typed into a notebook::

    GROOPER_NB_TENANT=contoso.onmicrosoft.com          # or the Directory (tenant) ID
    GROOPER_NB_CLIENT_ID=00000000-0000-0000-0000-000000000000
    GROOPER_NB_CLIENT_SECRET=...                         # the secret's Value, not its ID
    # or a certificate instead of the secret:
    GROOPER_NB_CERTIFICATE=/path/grooper.pfx             # .pfx/.p12, or a .pem with cert (+ key)
    GROOPER_NB_CERTIFICATE_PASSWORD=...                  # PFX passphrase (or encrypted PEM key's)
    GROOPER_NB_PRIVATE_KEY=/path/grooper-key.pem         # only if the key is a separate PEM file
    GROOPER_NB_CLOUD=global                              # usgov | usgov-dod | china
    GROOPER_NB_REDIRECT_URI=http://localhost

Everything is validated when the profile is built, with errors that say what to fix (a tenant that is
neither a GUID nor a domain, a client ID that is not a GUID, a "secret" that is really the secret's ID,
a certificate that does not match its key or has expired). :func:`connect` never changes ``os.environ``:
a sandbox profile (``trust_env=False``, its own proxy and CA bundle) and a real-tenant profile (ordinary
environment handling) work side by side in one kernel. Secrets are :class:`~grooper_nb._redact.Secret`
objects and never appear in ``repr``/``str``.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from grooper_nb._redact import Secret, reveal
from grooper_nb.clouds import Cloud, get_cloud

__all__ = [
    "DEFAULT_SANDBOX_APP",
    "CertificateCredential",
    "Profile",
    "ProfileError",
    "SecretCredential",
    "connect",
    "load_settings",
    "validate_client_id",
    "validate_tenant",
]

DEFAULT_SANDBOX_APP = "Grooper Azure AD Connector 2021"
DEFAULT_REDIRECT_URI = "http://localhost"
DEFAULT_TIMEOUT = (10.0, 60.0)  # (connect, read) seconds for every request a profile makes
ENV_PREFIX = "GROOPER_NB_"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$")
_TENANT_ALIASES = ("common", "organizations", "consumers")


class ProfileError(ValueError):
    """A profile setting is wrong; the message says which one and how to fix it (never its secret)."""


# ---- validation -------------------------------------------------------------------------------------
def validate_tenant(tenant: str) -> str:
    """A tenant GUID, a domain (``contoso.onmicrosoft.com``), or common/organizations/consumers."""
    if not isinstance(tenant, str) or not tenant.strip():
        raise ProfileError("No tenant given. Set GROOPER_NB_TENANT to the Directory (tenant) ID or domain.")
    t = tenant.strip()
    if "://" in t or "/" in t:
        raise ProfileError(
            f"Tenant {t!r} looks like a URL. Give only the Directory (tenant) ID (a GUID) or the domain "
            "(e.g. contoso.onmicrosoft.com), not the authority URL."
        )
    if _GUID.match(t) or t.lower() in _TENANT_ALIASES or _DOMAIN.match(t):
        return t
    raise ProfileError(
        f"Tenant {t!r} is neither a GUID nor a domain. Use the Directory (tenant) ID from the app "
        "registration's Overview page, or a verified domain such as contoso.onmicrosoft.com."
    )


def validate_client_id(client_id: str) -> str:
    """The Application (client) ID: a GUID."""
    if not isinstance(client_id, str) or not client_id.strip():
        raise ProfileError("No client ID given. Set GROOPER_NB_CLIENT_ID to the Application (client) ID.")
    c = client_id.strip()
    if c.lower().startswith("api://"):
        raise ProfileError(
            f"{c!r} is an Application ID URI. The client ID is the GUID shown as 'Application (client) ID' "
            "on the app registration's Overview page."
        )
    if not _GUID.match(c):
        raise ProfileError(
            f"Client ID {c!r} is not a GUID. Copy 'Application (client) ID' from the app registration's "
            "Overview page (not its name, not the Object ID's label)."
        )
    return c


def _validate_redirect_uri(uri: str) -> str:
    s = urlsplit(uri)
    if s.scheme not in ("http", "https") or not s.netloc:
        raise ProfileError(f"Redirect URI {uri!r} must be an absolute http(s) URL, e.g. http://localhost.")
    if s.scheme == "http" and s.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise ProfileError(f"Redirect URI {uri!r}: plain http is allowed only for localhost.")
    return uri


# ---- credentials -----------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class SecretCredential:
    """A client secret's *value* (never its ID): ``SecretCredential("…")``."""

    secret: Secret
    secret_id: str | None = None  # the keyId, when known (sandbox)
    kind = "secret"

    def __init__(self, secret: str | Secret, secret_id: str | None = None) -> None:
        s = secret if isinstance(secret, Secret) else Secret(secret, label="client secret")
        value = s.reveal()
        if not value.strip():
            raise ProfileError(
                "The client secret is empty. Set GROOPER_NB_CLIENT_SECRET to the secret's Value."
            )
        if _GUID.match(value.strip()):
            raise ProfileError(
                "The client secret looks like a GUID: that is the secret's ID, not its value. Copy the "
                "'Value' column (shown only once, right after creating the secret) from Certificates & "
                "secrets; if it is gone, create a new secret."
            )
        if value != value.strip():
            raise ProfileError("The client secret has leading or trailing whitespace; copy it again.")
        object.__setattr__(self, "secret", Secret(value, label="client secret"))
        object.__setattr__(self, "secret_id", secret_id)

    def for_msal(self) -> str:
        """What MSAL's ``client_credential=`` takes (the plain value; do not print it)."""
        return self.secret.reveal()

    def secrets(self) -> list[Secret]:
        return [self.secret]

    def describe(self) -> str:
        return "client secret" + (f" (id {self.secret_id})" if self.secret_id else "")

    def __repr__(self) -> str:
        return f"SecretCredential({self.secret!r})"


_PrivateKey = rsa.RSAPrivateKey


class CertificateCredential:
    """A certificate and its private key, for client credentials / auth code with a client assertion.

    Build it from files (the key never prints)::

        CertificateCredential.from_file("grooper.pfx", password="...")          # PFX / PKCS#12
        CertificateCredential.from_file("grooper.pem")                          # cert + key in one PEM
        CertificateCredential.from_pem("cert.pem", "key.pem", password=None)    # separate PEM files

    Validation: the key must be RSA and match the certificate; the certificate must be valid now.
    MSAL then signs a PS256 client assertion with ``x5t#S256`` (and ``x5c``).
    """

    kind = "certificate"

    def __init__(
        self,
        certificate: x509.Certificate,
        private_key: _PrivateKey,
        source: str | None = None,
        *,
        now: dt.datetime | None = None,
    ) -> None:
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ProfileError(
                f"The private key{_src(source)} is {type(private_key).__name__}; Entra client assertions "
                "need an RSA key."
            )
        spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        if certificate.public_key().public_bytes(*spki) != private_key.public_key().public_bytes(*spki):
            raise ProfileError(
                f"The certificate{_src(source)} does not match its private key (different public keys). "
                "Use the key that was generated with this certificate."
            )
        now = now or dt.datetime.now(dt.timezone.utc)
        if certificate.not_valid_after_utc < now:
            raise ProfileError(
                f"The certificate{_src(source)} (thumbprint {_sha1(certificate)}) expired on "
                f"{certificate.not_valid_after_utc:%Y-%m-%d}. Create a new certificate, upload its public "
                "part to the app registration (Certificates & secrets), and point GROOPER_NB_CERTIFICATE "
                "at it."
            )
        if certificate.not_valid_before_utc > now:
            raise ProfileError(
                f"The certificate{_src(source)} is not valid before "
                f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC (check this machine's clock)."
            )
        self.certificate = certificate
        self._key = private_key
        self.source = source

    # -- constructors ---------------------------------------------------------------------------------
    @classmethod
    def from_pem(
        cls,
        certificate: str | os.PathLike | bytes,
        private_key: str | os.PathLike | bytes | None = None,
        password: str | Secret | None = None,
    ) -> CertificateCredential:
        """From PEM data or files; ``private_key`` may be omitted when the certificate file holds both."""
        cert_bytes, cert_src = _read(certificate)
        key_bytes, key_src = _read(private_key) if private_key is not None else (cert_bytes, cert_src)
        try:
            cert = x509.load_pem_x509_certificate(cert_bytes)
        except ValueError:
            raise ProfileError(f"No PEM certificate found{_src(cert_src)}.") from None
        pw = reveal(password)
        try:
            key = serialization.load_pem_private_key(key_bytes, password=pw.encode() if pw else None)
        except TypeError:
            raise ProfileError(
                f"The private key{_src(key_src)} is encrypted; set GROOPER_NB_CERTIFICATE_PASSWORD."
                if not pw
                else f"The private key{_src(key_src)} is not encrypted; drop the password."
            ) from None
        except ValueError:
            msg = (
                f"The password for the private key{_src(key_src)} is wrong, or there is no PEM private key "
                "there."
                if pw
                else f"No PEM private key found{_src(key_src)} (set GROOPER_NB_PRIVATE_KEY)."
            )
            raise ProfileError(msg) from None
        return cls(cert, key, source=cert_src)

    @classmethod
    def from_pfx(
        cls, pfx: str | os.PathLike | bytes, password: str | Secret | None = None
    ) -> CertificateCredential:
        """From a PFX/PKCS#12 file (or bytes) and its passphrase."""
        data, src = _read(pfx)
        pw = reveal(password)
        try:
            key, cert, _extra = pkcs12.load_key_and_certificates(data, pw.encode() if pw else None)
        except ValueError:
            raise ProfileError(
                f"Could not open the PFX{_src(src)}: wrong passphrase (GROOPER_NB_CERTIFICATE_PASSWORD) or "
                "not a PKCS#12 file."
            ) from None
        if cert is None or key is None:
            raise ProfileError(f"The PFX{_src(src)} must contain both the certificate and its private key.")
        return cls(cert, key, source=src)

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike,
        password: str | Secret | None = None,
        private_key: str | os.PathLike | None = None,
    ) -> CertificateCredential:
        """PFX (``.pfx``/``.p12``, or binary content) or PEM, decided by the file itself."""
        p = Path(path).expanduser()
        if not p.is_file():
            raise ProfileError(f"Certificate file {str(p)!r} does not exist (GROOPER_NB_CERTIFICATE).")
        head = p.read_bytes()[:64]
        if p.suffix.lower() in (".pfx", ".p12") or b"-----BEGIN" not in head:
            return cls.from_pfx(p, password)
        return cls.from_pem(p, private_key, password)

    # -- facts --------------------------------------------------------------------------------------
    @property
    def thumbprint(self) -> str:
        """SHA-1 thumbprint, upper-case hex (as the Azure portal shows it)."""
        return _sha1(self.certificate)

    @property
    def thumbprint_sha256(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex().upper()

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def not_after(self) -> dt.datetime:
        return self.certificate.not_valid_after_utc

    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def for_msal(self) -> dict[str, str]:
        """MSAL's ``client_credential=`` dict (contains the private key: never print it)."""
        key_pem = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return {"private_key": key_pem, "public_certificate": self.certificate_pem()}

    def secrets(self) -> list[Secret]:
        return []

    def describe(self) -> str:
        return f"certificate {self.thumbprint} ({self.subject}, expires {self.not_after:%Y-%m-%d})"

    def __repr__(self) -> str:
        return (
            f"CertificateCredential(subject={self.subject!r}, thumbprint={self.thumbprint!r}, "
            f"not_after={self.not_after:%Y-%m-%d})"
        )

    def __reduce__(self):
        raise TypeError("CertificateCredential holds a private key and is not picklable")


Credential = SecretCredential | CertificateCredential


def _sha1(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - a thumbprint, not security


def _src(source: str | None) -> str:
    return f" ({source})" if source else ""


def _read(value: str | os.PathLike | bytes) -> tuple[bytes, str | None]:
    if isinstance(value, bytes):
        return value, None
    if isinstance(value, str) and "-----BEGIN" in value:
        return value.encode(), None
    p = Path(value).expanduser()
    if not p.is_file():
        raise ProfileError(f"File {str(p)!r} does not exist.")
    return p.read_bytes(), str(p)


# ---- HTTP session ---------------------------------------------------------------------------------
class ProfileSession(requests.Session):
    """A ``requests.Session`` with a default timeout on every request (MSAL and clients use it)."""

    def __init__(self, timeout: tuple[float, float] | float = DEFAULT_TIMEOUT) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)

    def __repr__(self) -> str:
        return (
            f"ProfileSession(proxies={self.proxies!r}, verify={self.verify!r}, "
            f"trust_env={self.trust_env}, timeout={self.timeout!r})"
        )


def sandbox_session(proxy: str, ca_bundle: str, timeout=DEFAULT_TIMEOUT) -> ProfileSession:
    """Reach the sandbox: its CONNECT proxy for https, its CA bundle, and *no* environment settings.

    ``trust_env=False`` is what keeps a preset ``REQUESTS_CA_BUNDLE``/``HTTPS_PROXY`` from overriding
    ``verify``/``proxies`` (the requests "verify trap", see reference/msal-and-sandbox-notes.md §1.3).
    """
    s = ProfileSession(timeout)
    s.trust_env = False
    s.proxies = {"https": proxy}
    s.verify = ca_bundle
    return s


# ---- profile ---------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class Profile:
    """One tenant + one app + one credential + one HTTP session. Build it with :func:`connect`.

    ``profile.replace(tenant=...)`` gives a variant (same session), e.g. to show a wrong-tenant error.
    """

    tenant: str
    client_id: str
    credential: Credential | None = None
    cloud: Cloud = field(default_factory=get_cloud)
    redirect_uri: str = DEFAULT_REDIRECT_URI
    is_sandbox: bool = False
    tenant_id: str | None = None
    browser_url: str | None = None
    session: requests.Session = field(default_factory=ProfileSession)
    sandbox_info: Mapping[str, Any] | None = None
    app_name: str | None = None
    registered_redirect_uris: tuple[str, ...] | None = None
    public_client: bool | None = None  # the app's "Allow public client flows", when known
    token_cache_path: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tenant", validate_tenant(self.tenant))
        object.__setattr__(self, "client_id", validate_client_id(self.client_id))
        object.__setattr__(self, "cloud", get_cloud(self.cloud))
        object.__setattr__(self, "redirect_uri", _validate_redirect_uri(self.redirect_uri))
        if self.tenant_id is None and _GUID.match(self.tenant):
            object.__setattr__(self, "tenant_id", self.tenant)
        if self.credential is not None and not isinstance(
            self.credential, SecretCredential | CertificateCredential
        ):
            raise ProfileError("credential must be a SecretCredential, a CertificateCredential or None.")

    # -- derived ------------------------------------------------------------------------------------
    @property
    def authority(self) -> str:
        """MSAL's ``authority=``: ``https://login.microsoftonline.com/<tenant>`` (per cloud)."""
        return self.cloud.authority(self.tenant)

    @property
    def confidential(self) -> bool:
        return self.credential is not None

    @property
    def credential_kind(self) -> str:
        return self.credential.kind if self.credential is not None else "none"

    @property
    def cache_path(self) -> Path:
        """Where this profile's tokens persist. Each sandbox state dir gets its own file, so tokens
        of two sandboxes (or a sandbox and a real tenant) never mix."""
        if self.token_cache_path is not None:
            return Path(self.token_cache_path)
        from grooper_nb.auth.cache import default_cache_path

        base = default_cache_path()
        if self.is_sandbox and self.sandbox_info:
            tag = hashlib.sha256(str(self.sandbox_info.get("state_dir")).encode()).hexdigest()[:10]
            return base.with_name(f"{base.stem}.sandbox-{tag}{base.suffix or '.json'}")
        return base

    @property
    def token_cache(self):
        """The persistent MSAL token cache (a :class:`~grooper_nb.auth.cache.PersistentTokenCache`)."""
        from grooper_nb.auth.cache import open_cache

        return open_cache(self.cache_path)

    def person_url(self, url: str) -> str:
        """A URL to show a person. For the sandbox, ``https://login.microsoftonline.com/<p>?<q>`` becomes
        ``{browser_url}/<p>?<q>`` (a browser trusts neither the sandbox CA nor its proxy); for a real
        tenant the URL is returned unchanged."""
        if not (self.is_sandbox and self.browser_url):
            return url
        s = urlsplit(url)
        if s.scheme != "https" or (s.hostname or "").lower() != self.cloud.authority_host:
            return url
        b = urlsplit(self.browser_url)
        path = b.path.rstrip("/") + s.path
        return urlunsplit((b.scheme, b.netloc, path, s.query, s.fragment))

    def replace(self, **changes: Any) -> Profile:
        """A copy with some fields changed (validated again); shares the HTTP session."""
        if "client_secret" in changes:
            secret = changes.pop("client_secret")
            changes["credential"] = SecretCredential(secret) if secret is not None else None
        return dataclasses.replace(self, **changes)

    def secrets(self) -> list[Secret]:
        """Every secret value this profile knows (to scrub from server messages)."""
        out: list[Secret] = list(self.credential.secrets()) if self.credential else []
        for app in (self.sandbox_info or {}).get("apps", []):
            out += [v for k, v in app.items() if isinstance(v, Secret)]
        for user in (self.sandbox_info or {}).get("users", []):
            if isinstance(user.get("password"), Secret):
                out.append(user["password"])
        return out

    # -- sandbox helpers ----------------------------------------------------------------------------
    def sandbox_app(self, name: str | None = None) -> dict[str, Any]:
        """A seeded app's facts (secrets as :class:`Secret`); default: this profile's app."""
        if not self.sandbox_info:
            raise ProfileError("This is not a sandbox profile.")
        for app in self.sandbox_info["apps"]:
            if (name is None and app["client_id"] == self.client_id) or app["name"] == name:
                return app
        raise ProfileError(f"No seeded app {name or self.client_id!r} in this sandbox.")

    def sandbox_user(self, upn: str | None = None, **criteria: Any) -> dict[str, Any]:
        """A seeded user by UPN (or local part) or by criteria, e.g. ``sandbox_user(mfa_required=True)``.
        Without arguments: an enabled, non-MFA user with a mailbox. The password is a :class:`Secret`."""
        if not self.sandbox_info:
            raise ProfileError("This is not a sandbox profile.")
        users = self.sandbox_info["users"]
        if upn is not None:
            for u in users:
                if u["upn"].lower() == upn.lower() or u["upn"].split("@")[0].lower() == upn.lower():
                    return u
            raise ProfileError(f"No seeded user {upn!r}.")
        if not criteria:
            criteria = {"enabled": True, "mfa_required": False, "has_mailbox": True}
        for u in users:
            if all(u.get(k) == v for k, v in criteria.items()):
                return u
        raise ProfileError(f"No seeded user with {criteria}.")

    # -- display ------------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Displayable facts (no secret)."""
        return {
            "kind": "SANDBOX" if self.is_sandbox else "tenant",
            "app": self.app_name,
            "tenant": self.tenant,
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "credential": self.credential.describe() if self.credential else "none (public client)",
            "cloud": self.cloud.name,
            "authority": self.authority,
            "redirect_uri": self.redirect_uri,
            "browser_url": self.browser_url,
        }

    def __repr__(self) -> str:
        kind = "sandbox" if self.is_sandbox else "tenant"
        app = f" app={self.app_name!r}" if self.app_name else ""
        return (
            f"Profile({kind}{app} tenant={self.tenant!r} client_id={self.client_id!r} "
            f"credential={self.credential!r} cloud={self.cloud.name!r})"
        )

    __str__ = __repr__

    def _repr_html_(self) -> str:
        badge = (
            '<span style="background:#f9a825;color:#000;padding:1px 6px;border-radius:3px;'
            'font-weight:bold">SANDBOX</span> '
            if self.is_sandbox
            else ""
        )
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in self.summary().items()
            if v is not None and k != "kind"
        )
        return f"<div>{badge}<b>Profile</b><table>{rows}</table></div>"


# ---- settings and connect() --------------------------------------------------------------------------
def load_settings(
    env_file: str | os.PathLike | bool | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``GROOPER_NB_*`` settings: a ``.env`` file (``env_file``, or found from the current directory
    upwards; ``False`` = none), overridden by the process environment. Nothing is written to os.environ."""
    values: dict[str, str] = {}
    path: str | os.PathLike | None
    if env_file is False:
        path = None
    elif env_file is None or env_file is True:
        from dotenv import find_dotenv

        path = find_dotenv(usecwd=True) or None
    else:
        path = env_file
        if not Path(path).is_file():
            raise ProfileError(f"env_file {str(path)!r} does not exist.")
    if path:
        from dotenv import dotenv_values

        values.update({k: v for k, v in dotenv_values(path).items() if k.startswith(ENV_PREFIX) and v})
    env = os.environ if environ is None else environ
    values.update({k: v for k, v in env.items() if k.startswith(ENV_PREFIX) and v})
    return values


def connect(
    app: str | None = None,
    *,
    tenant: str | None = None,
    client_id: str | None = None,
    client_secret: str | Secret | None = None,
    certificate: str | os.PathLike | None = None,
    certificate_password: str | Secret | None = None,
    private_key: str | os.PathLike | None = None,
    credential: Credential | str | None = None,
    cloud: str | Cloud | None = None,
    redirect_uri: str | None = None,
    sandbox: bool | None = None,
    sandbox_dir: str | os.PathLike | None = None,
    seed: int | None = None,
    env_file: str | os.PathLike | bool | None = None,
    session: requests.Session | None = None,
    token_cache: str | os.PathLike | None = None,
) -> Profile:
    """Build a :class:`Profile`: the embedded sandbox tenant, or a real tenant from settings.

    Which one: ``sandbox=True/False`` decides; by default the sandbox is used when ``app`` (a seeded
    app's name) is given or when no tenant is configured (no ``tenant=``, no ``GROOPER_NB_TENANT`` in the
    environment or ``.env``).

    Sandbox: starts or reuses the sandbox of ``sandbox_dir`` (default ``GROOPER_NB_SANDBOX_DIR``, else
    the user cache dir) and uses the seeded ``app`` (default "Grooper Azure AD Connector 2021").
    ``credential`` picks the app's ``"secret"`` (default when it has one), ``"certificate"``,
    ``"expired_secret"`` or ``"none"``; any other keyword (``tenant``, ``client_id``, ``client_secret``,
    ``redirect_uri``) overrides the seeded value, which is how the notebooks show each failure.

    Real tenant: keywords override ``GROOPER_NB_*`` settings. ``credential`` may be a
    :class:`SecretCredential`/:class:`CertificateCredential`, or ``"secret"``/``"certificate"`` to choose
    when both are configured.
    """
    settings = load_settings(env_file)
    if sandbox is None:
        sandbox = app is not None or not (tenant or settings.get("GROOPER_NB_TENANT"))
    if sandbox:
        return _sandbox_profile(
            app,
            tenant=tenant,
            client_id=client_id,
            client_secret=client_secret,
            certificate=certificate,
            certificate_password=certificate_password,
            private_key=private_key,
            credential=credential,
            redirect_uri=redirect_uri,
            sandbox_dir=sandbox_dir or settings.get("GROOPER_NB_SANDBOX_DIR"),
            seed=seed,
            session=session,
            token_cache=token_cache,
        )

    def setting(value: Any, name: str) -> Any:
        return value if value is not None else settings.get(ENV_PREFIX + name)

    tenant = setting(tenant, "TENANT")
    client_id = setting(client_id, "CLIENT_ID")
    if tenant is None or client_id is None:
        missing = [
            n for n, v in (("GROOPER_NB_TENANT", tenant), ("GROOPER_NB_CLIENT_ID", client_id)) if not v
        ]
        raise ProfileError(f"Real-tenant profile needs {' and '.join(missing)} (environment or .env file).")
    cred = _credential(
        credential,
        setting(client_secret, "CLIENT_SECRET"),
        setting(certificate, "CERTIFICATE"),
        setting(certificate_password, "CERTIFICATE_PASSWORD"),
        setting(private_key, "PRIVATE_KEY"),
    )
    return Profile(
        tenant=tenant,
        client_id=client_id,
        credential=cred,
        cloud=get_cloud(setting(cloud, "CLOUD")),
        redirect_uri=setting(redirect_uri, "REDIRECT_URI") or DEFAULT_REDIRECT_URI,
        is_sandbox=False,
        session=session or ProfileSession(),
        token_cache_path=Path(token_cache) if token_cache else None,
    )


def _credential(choice, secret, certificate, password, private_key) -> Credential | None:
    if isinstance(choice, SecretCredential | CertificateCredential):
        return choice
    if choice not in (None, "secret", "certificate", "none"):
        raise ProfileError(
            f"credential={choice!r}: use 'secret', 'certificate', 'none' or a credential object."
        )
    if choice == "none":
        return None
    if secret and certificate and choice is None:
        raise ProfileError(
            "Both a client secret and a certificate are configured; pass credential='secret' or "
            "credential='certificate' (or unset one of GROOPER_NB_CLIENT_SECRET / GROOPER_NB_CERTIFICATE)."
        )
    if certificate and choice in (None, "certificate"):
        return CertificateCredential.from_file(certificate, password=password, private_key=private_key)
    if secret and choice in (None, "secret"):
        return SecretCredential(secret)
    if choice is not None:
        raise ProfileError(f"credential={choice!r} chosen but none is configured.")
    return None


def _wrap_sandbox_secrets(info: Mapping[str, Any]) -> dict[str, Any]:
    info = copy.deepcopy(dict(info))
    for user in info.get("users", []):
        if user.get("password") is not None:
            user["password"] = Secret(user["password"], label=f"password of {user.get('upn')}")
    for app in info.get("apps", []):
        for key in ("client_secret", "expired_client_secret"):
            if app.get(key) is not None:
                app[key] = Secret(app[key], label=f"{key.replace('_', ' ')} of {app.get('name')}")
    return info


def _sandbox_profile(
    app,
    *,
    tenant,
    client_id,
    client_secret,
    certificate,
    certificate_password,
    private_key,
    credential,
    redirect_uri,
    sandbox_dir,
    seed,
    session,
    token_cache,
) -> Profile:
    from grooper_nb.sandbox.service import ensure_running  # the one client-side use of the launcher

    info = _wrap_sandbox_secrets(ensure_running(state_dir=sandbox_dir, seed=seed))
    apps = info["apps"]
    if client_id is not None and app is None:
        found = next((a for a in apps if a["client_id"].lower() == str(client_id).lower()), None)
    else:
        name = app or DEFAULT_SANDBOX_APP
        found = next((a for a in apps if a["name"] == name), None)
        if found is None:
            raise ProfileError(
                f"No seeded app named {name!r}. Seeded apps: {', '.join(a['name'] for a in apps)}."
            )

    if isinstance(credential, SecretCredential | CertificateCredential):
        cred: Credential | None = credential
    elif client_secret is not None:
        cred = SecretCredential(client_secret)
    elif certificate is not None:
        cred = CertificateCredential.from_file(certificate, certificate_password, private_key)
    else:
        cred = _sandbox_app_credential(found, credential)

    return Profile(
        tenant=tenant or info["tenant"]["id"],
        client_id=client_id or found["client_id"],
        credential=cred,
        cloud=get_cloud("global"),
        redirect_uri=redirect_uri or DEFAULT_REDIRECT_URI,
        is_sandbox=True,
        tenant_id=info["tenant"]["id"] if tenant is None else None,
        browser_url=info["browser_url"].rstrip("/"),
        session=session or sandbox_session(info["proxy"], info["ca_bundle"]),
        sandbox_info=info,
        app_name=found["name"] if found else None,
        registered_redirect_uris=tuple(found.get("redirect_uris") or ()) if found else None,
        public_client=found.get("public_client") if found else None,
        token_cache_path=Path(token_cache) if token_cache else None,
    )


def _sandbox_app_credential(app: Mapping[str, Any] | None, choice: str | None) -> Credential | None:
    if app is None or choice == "none":
        return None
    if choice in (None, "secret") and app.get("client_secret") is not None:
        return SecretCredential(app["client_secret"], secret_id=app.get("client_secret_id"))
    if choice == "expired_secret":
        if app.get("expired_client_secret") is None:
            raise ProfileError(f"Seeded app {app['name']!r} has no expired secret.")
        return SecretCredential(app["expired_client_secret"])
    if choice in (None, "certificate") and app.get("certificate_pem"):
        return CertificateCredential.from_pem(app["certificate_pem"], app.get("private_key_pem"))
    if choice is None:
        return None
    raise ProfileError(f"Seeded app {app['name']!r} has no {choice}.")
