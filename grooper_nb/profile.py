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
    GROOPER_NB_SHAREPOINT_HOST=contoso.sharepoint.com    # only if the tenant is not *.onmicrosoft.com
    GROOPER_NB_TOKEN_CACHE=~/.cache/grooper-nb/tokens/token-cache.json

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
import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from grooper_nb._ids import is_guid, secret_reason, shown, strip_braces
from grooper_nb._redact import Secret
from grooper_nb.clouds import Cloud, get_cloud
from grooper_nb.credentials import CertificateCredential, Credential, ProfileError, SecretCredential

__all__ = [
    "DEFAULT_SANDBOX_APP",
    "SANDBOX_BADGE",
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

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$")
_TENANT_ALIASES = ("common", "organizations", "consumers")
SANDBOX_CACHE_DIR = "client-token-cache"  # inside a sandbox's state dir: that sandbox's tokens
# Initial (``*.onmicrosoft.*``) domains name the tenant's SharePoint host: contoso.onmicrosoft.com ->
# contoso.sharepoint.com. A custom domain (contoso.com) says nothing about it.
_INITIAL_DOMAIN = re.compile(r"^([a-z0-9-]+)\.onmicrosoft\.(com|us)$", re.IGNORECASE)
SANDBOX_BADGE = (
    '<span class="grooper-nb-sandbox-badge" style="background:#f9a825;color:#000;padding:1px 6px;'
    'border-radius:3px;font-weight:bold">SANDBOX</span> '
)


def _secret_note(value: str) -> str:
    reason = secret_reason(value)
    return (
        f" It {reason}: if this is a client secret, it belongs in GROOPER_NB_CLIENT_SECRET (and, since it "
        "may now be in a shell history or a file, consider replacing it)."
        if reason
        else ""
    )


# ---- validation -------------------------------------------------------------------------------------
def validate_tenant(tenant: str) -> str:
    """A tenant GUID, a domain (``contoso.onmicrosoft.com``), or common/organizations/consumers."""
    if not isinstance(tenant, str) or not tenant.strip():
        raise ProfileError("No tenant given. Set GROOPER_NB_TENANT to the Directory (tenant) ID or domain.")
    t = strip_braces(tenant)
    if "://" in t or ("/" in t and not secret_reason(t)):
        raise ProfileError(
            f"Tenant {shown(t)} looks like a URL. Give only the Directory (tenant) ID (a GUID) or the "
            "domain (e.g. contoso.onmicrosoft.com), not the authority URL."
        )
    if is_guid(t) or t.lower() in _TENANT_ALIASES or _DOMAIN.match(t):
        return t
    raise ProfileError(
        f"Tenant {shown(t)} is neither a GUID nor a domain. Use the Directory (tenant) ID from the app "
        "registration's Overview page, or a verified domain such as contoso.onmicrosoft.com."
        + _secret_note(t)
    )


def validate_client_id(client_id: str) -> str:
    """The Application (client) ID: a GUID."""
    if not isinstance(client_id, str) or not client_id.strip():
        raise ProfileError("No client ID given. Set GROOPER_NB_CLIENT_ID to the Application (client) ID.")
    c = strip_braces(client_id)
    if c.lower().startswith("api://"):
        raise ProfileError(
            f"{c!r} is an Application ID URI. The client ID is the GUID shown as 'Application (client) ID' "
            "on the app registration's Overview page."
        )
    if not is_guid(c):
        raise ProfileError(
            f"Client ID {shown(c)} is not a GUID. Copy 'Application (client) ID' from the app "
            "registration's Overview page (not its name, not the Object ID's label)." + _secret_note(c)
        )
    return c


def _validate_redirect_uri(uri: str) -> str:
    s = urlsplit(uri)
    if s.scheme not in ("http", "https") or not s.netloc:
        raise ProfileError(
            f"Redirect URI {shown(uri)} must be an absolute http(s) URL, e.g. http://localhost."
            + _secret_note(uri)
        )
    if s.scheme == "http" and s.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise ProfileError(f"Redirect URI {uri!r}: plain http is allowed only for localhost.")
    return uri


def _validate_sharepoint_host(host: str | None) -> str | None:
    if host is None:
        return None
    h = host.strip()
    if "://" in h:
        h = urlsplit(h).netloc
    h = h.rstrip("/").lower()
    if not _DOMAIN.match(h):
        raise ProfileError(
            f"SharePoint host {shown(host)} is not a host name; use e.g. contoso.sharepoint.com "
            "(GROOPER_NB_SHAREPOINT_HOST)." + _secret_note(host)
        )
    return h


def _cloud(name: str | Cloud | None) -> Cloud:
    """:func:`~grooper_nb.clouds.get_cloud`, with its ValueError as a ProfileError naming the setting."""
    try:
        return get_cloud(name)
    except ValueError as exc:
        raise ProfileError(f"{exc} (GROOPER_NB_CLOUD / cloud=)") from None


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
    browser_url: str | None = None
    session: requests.Session = field(default_factory=ProfileSession)
    sandbox_info: Mapping[str, Any] | None = None
    token_cache_path: Path | None = None
    configured_sharepoint_host: str | None = None  # GROOPER_NB_SHAREPOINT_HOST / connect(sharepoint_host=)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tenant", validate_tenant(self.tenant))
        object.__setattr__(self, "client_id", validate_client_id(self.client_id))
        object.__setattr__(self, "cloud", _cloud(self.cloud))
        object.__setattr__(self, "redirect_uri", _validate_redirect_uri(self.redirect_uri))
        object.__setattr__(
            self, "configured_sharepoint_host", _validate_sharepoint_host(self.configured_sharepoint_host)
        )
        if self.credential is not None and not isinstance(
            self.credential, SecretCredential | CertificateCredential
        ):
            raise ProfileError("credential must be a SecretCredential, a CertificateCredential or None.")

    # -- derived (never stored, so replace(tenant=..., client_id=...) cannot leave them stale) ---------
    @property
    def authority(self) -> str:
        """MSAL's ``authority=``: ``https://login.microsoftonline.com/<tenant>`` (per cloud)."""
        return self.cloud.authority(self.tenant)

    @property
    def tenant_id(self) -> str | None:
        """The tenant's GUID when known: the tenant itself if it is one, or the sandbox tenant's ID when
        the tenant names it by domain. None for a real tenant given by domain."""
        if is_guid(self.tenant):
            return self.tenant
        sbx = (self.sandbox_info or {}).get("tenant") or {}
        if sbx.get("id") and self.tenant.lower() == str(sbx.get("domain", "")).lower():
            return sbx["id"]
        return None

    def _seeded_app(self) -> Mapping[str, Any] | None:
        for app in (self.sandbox_info or {}).get("apps", ()):
            if str(app.get("client_id", "")).lower() == self.client_id.lower():
                return app
        return None

    @property
    def app_name(self) -> str | None:
        """The seeded app's name when this client ID is one of the sandbox's apps."""
        app = self._seeded_app()
        return app.get("name") if app else None

    @property
    def registered_redirect_uris(self) -> tuple[str, ...] | None:
        """The redirect URIs registered for this client ID, when known (sandbox); None = unknown."""
        app = self._seeded_app()
        return tuple(app.get("redirect_uris") or ()) if app else None

    @property
    def public_client(self) -> bool | None:
        """The app's "Allow public client flows", when known (sandbox); None = unknown."""
        app = self._seeded_app()
        return app.get("public_client") if app else None

    @property
    def sharepoint_host(self) -> str | None:
        """The tenant's SharePoint host (``contoso.sharepoint.com``), or None when it cannot be known.

        In order: ``GROOPER_NB_SHAREPOINT_HOST`` (``connect(sharepoint_host=)``); the sandbox tenant's own
        host; derived from an initial ``*.onmicrosoft.com`` domain. A GUID or a custom domain
        (contoso.com) does not tell the host: set GROOPER_NB_SHAREPOINT_HOST for those.
        """
        if self.configured_sharepoint_host:
            return self.configured_sharepoint_host
        sbx = (self.sandbox_info or {}).get("tenant") or {}
        if sbx.get("sharepoint_host") and self.tenant_id and self.tenant_id == sbx.get("id"):
            return sbx["sharepoint_host"]
        m = _INITIAL_DOMAIN.match(self.tenant)
        return self.cloud.sharepoint_host(m.group(1).lower()) if m else None

    def require_sharepoint_host(self) -> str:
        """:attr:`sharepoint_host`, or a ProfileError saying how to set it."""
        host = self.sharepoint_host
        if host is None:
            raise ProfileError(
                f"The SharePoint host of tenant {self.tenant!r} is not known: it can be derived only from an "
                "initial *.onmicrosoft.com domain. Set GROOPER_NB_SHAREPOINT_HOST (e.g. "
                f"contoso.{self.cloud.sharepoint_suffix}) or pass connect(sharepoint_host=...)."
            )
        return host

    @property
    def credential_kind(self) -> str:
        return self.credential.kind if self.credential is not None else "none"

    @property
    def cache_path(self) -> Path:
        """Where this profile's tokens persist (a 0600 file in a 0700 directory).

        ``connect(token_cache=...)`` if given. A sandbox profile keeps its tokens inside that sandbox's
        state dir (``<state dir>/client-token-cache/``), so tokens of two sandboxes, or of a sandbox and a
        real tenant, never mix and go away with the sandbox. A real tenant uses
        ``GROOPER_NB_TOKEN_CACHE`` (environment or ``.env``), else the user cache dir.
        """
        if self.token_cache_path is not None:
            return Path(self.token_cache_path)
        state_dir = (self.sandbox_info or {}).get("state_dir")
        if self.is_sandbox and state_dir:
            return Path(state_dir) / SANDBOX_CACHE_DIR / "token-cache.json"
        from grooper_nb.auth.cache import default_cache_path

        return default_cache_path()

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
        """A copy with some fields changed (validated again); shares the HTTP session.

        ``client_secret=`` sets a :class:`SecretCredential` (None: no credential); ``cloud=`` takes a
        name; ``sharepoint_host=`` sets the host. What depends on the tenant or the client ID (tenant_id,
        app_name, the registered redirect URIs, sharepoint_host) is derived again from the new values.
        """
        if "client_secret" in changes:
            secret = changes.pop("client_secret")
            changes["credential"] = SecretCredential(secret) if secret is not None else None
        if "sharepoint_host" in changes:
            changes["configured_sharepoint_host"] = changes.pop("sharepoint_host")
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
        badge = SANDBOX_BADGE if self.is_sandbox else ""
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
    upwards; ``False`` = none), overridden by the process environment. Nothing is written to os.environ.

    A setting given with an empty value (``GROOPER_NB_CLIENT_SECRET=``) is kept as ``""``: an empty
    secret is a mistake to report, not the same as no secret."""
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

        dotenv = dotenv_values(path).items()
        values.update({k: v for k, v in dotenv if k.startswith(ENV_PREFIX) and v is not None})
    env = os.environ if environ is None else environ
    values.update({k: v for k, v in env.items() if k.startswith(ENV_PREFIX)})
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
    sharepoint_host: str | None = None,
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
    when both are configured. ``sharepoint_host`` (``GROOPER_NB_SHAREPOINT_HOST``) is needed only when
    the tenant is not given by its ``*.onmicrosoft.com`` domain; ``token_cache``
    (``GROOPER_NB_TOKEN_CACHE``) moves the token cache file.
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
            sharepoint_host=sharepoint_host or settings.get("GROOPER_NB_SHAREPOINT_HOST") or None,
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
    # A sandbox keeps its tokens in its own state dir; GROOPER_NB_TOKEN_CACHE is for real tenants.
    token_cache = setting(token_cache, "TOKEN_CACHE") or None
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
        cloud=_cloud(setting(cloud, "CLOUD")),
        redirect_uri=setting(redirect_uri, "REDIRECT_URI") or DEFAULT_REDIRECT_URI,
        is_sandbox=False,
        session=session or ProfileSession(),
        token_cache_path=Path(token_cache).expanduser() if token_cache else None,
        configured_sharepoint_host=setting(sharepoint_host, "SHAREPOINT_HOST") or None,
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
    # An empty value counts as configured: SecretCredential('') then says it is empty, instead of the
    # profile silently becoming a public client.
    has_secret = secret is not None
    if has_secret and certificate and choice is None:
        raise ProfileError(
            "Both a client secret and a certificate are configured; pass credential='secret' or "
            "credential='certificate' (or unset one of GROOPER_NB_CLIENT_SECRET / GROOPER_NB_CERTIFICATE)."
        )
    if certificate and choice in (None, "certificate"):
        return CertificateCredential.from_file(certificate, password=password, private_key=private_key)
    if has_secret and choice in (None, "secret"):
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
    sharepoint_host,
) -> Profile:
    from grooper_nb.sandbox.launcher import ensure_running  # the one client-side use of the launcher

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
        browser_url=info["browser_url"].rstrip("/"),
        session=session or sandbox_session(info["proxy"], info["ca_bundle"]),
        sandbox_info=info,
        token_cache_path=Path(token_cache).expanduser() if token_cache else None,
        configured_sharepoint_host=sharepoint_host,
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
