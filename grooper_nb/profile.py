"""Who signs in where: :class:`Profile` and :func:`connect`.

A profile is everything a flow needs to talk to one Entra ID tenant as one app: tenant, client ID,
credential (client secret, certificate, or none for a public client), cloud, redirect URI, and its own
HTTP session (proxy, CA bundle, timeouts, retries: :mod:`grooper_nb.http`) that MSAL and every client
use.

Start here::

    from grooper_nb import connect
    profile = connect()                                   # no tenant configured -> the sandbox tenant
    profile = connect(app="Grooper Server-to-Server")     # another seeded sandbox app
    profile = connect(app="Grooper Server-to-Server", credential="certificate")

A real tenant comes from ``GROOPER_NB_*`` environment variables or a ``.env`` file (the list, how
they are read and the checks on each value: :mod:`grooper_nb.settings`), so no secret is ever typed into
a notebook. Everything is validated when the profile is built, with errors that say what to fix (a
certificate that does not match its key or has expired, too: :mod:`grooper_nb.credentials`).

:func:`connect` never changes ``os.environ``: a sandbox profile (``trust_env=False``, its own proxy and
CA bundle, :func:`~grooper_nb.http.sandbox_session`) and a real-tenant profile (ordinary environment
handling) work side by side in one kernel. A sandbox profile carries the sandbox's facts as a typed
:class:`~grooper_nb.sandbox_info.SandboxInfo`. Secrets are :class:`~grooper_nb._redact.Secret` objects
and never appear in ``repr``/``str``.
"""

from __future__ import annotations

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

from grooper_nb._ids import is_guid
from grooper_nb._redact import Secret
from grooper_nb.clouds import Cloud, get_cloud
from grooper_nb.credentials import CertificateCredential, Credential, ProfileError, SecretCredential
from grooper_nb.http import ProfileSession, sandbox_session
from grooper_nb.sandbox.launcher import CLIENT_TOKEN_CACHE_DIR as SANDBOX_CACHE_DIR  # `reset` wipes it
from grooper_nb.sandbox_info import SandboxApp, SandboxInfo, SandboxUser
from grooper_nb.settings import (
    ENV_PREFIX,
    load_settings,
    refuse_half_configured_tenant,
    validate_client_id,
    validate_cloud,
    validate_redirect_uri,
    validate_sharepoint_host,
    validate_tenant,
)

__all__ = [
    "DEFAULT_SANDBOX_APP",
    "SANDBOX_BADGE",
    "CertificateCredential",
    "Profile",
    "ProfileError",
    "ProfileSession",
    "SandboxInfo",
    "SecretCredential",
    "connect",
    "load_settings",
    "sandbox_session",
    "validate_client_id",
    "validate_tenant",
]

DEFAULT_SANDBOX_APP = "Grooper Azure AD Connector 2021"
DEFAULT_REDIRECT_URI = "http://localhost"
# Initial (``*.onmicrosoft.*``) domains name the tenant's SharePoint host: contoso.onmicrosoft.com ->
# contoso.sharepoint.com. A custom domain (contoso.com) says nothing about it.
_INITIAL_DOMAIN = re.compile(r"^([a-z0-9-]+)\.onmicrosoft\.(com|us)$", re.IGNORECASE)
SANDBOX_BADGE = (
    '<span class="grooper-nb-sandbox-badge" style="background:#f9a825;color:#000;padding:1px 6px;'
    'border-radius:3px;font-weight:bold">SANDBOX</span> '
)


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
    sandbox_info: SandboxInfo | None = None  # what the sandbox said about itself (sandbox profiles)
    token_cache_path: Path | None = None
    configured_sharepoint_host: str | None = None  # GROOPER_NB_SHAREPOINT_HOST / connect(sharepoint_host=)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tenant", validate_tenant(self.tenant))
        object.__setattr__(self, "client_id", validate_client_id(self.client_id))
        object.__setattr__(self, "cloud", validate_cloud(self.cloud))
        object.__setattr__(self, "redirect_uri", validate_redirect_uri(self.redirect_uri))
        object.__setattr__(
            self, "configured_sharepoint_host", validate_sharepoint_host(self.configured_sharepoint_host)
        )
        if isinstance(self.sandbox_info, Mapping):  # the start JSON as printed by the sandbox CLI
            object.__setattr__(self, "sandbox_info", SandboxInfo.from_json(self.sandbox_info))
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
        sbx = self.sandbox_info.tenant if self.sandbox_info else None
        if sbx and sbx.id and self.tenant.lower() == sbx.domain.lower():
            return sbx.id
        return None

    def _seeded_app(self) -> SandboxApp | None:
        return self.sandbox_info.app(client_id=self.client_id) if self.sandbox_info else None

    @property
    def app_name(self) -> str | None:
        """The seeded app's name when this client ID is one of the sandbox's apps."""
        app = self._seeded_app()
        return app.name if app else None

    @property
    def registered_redirect_uris(self) -> tuple[str, ...] | None:
        """The redirect URIs registered for this client ID, when known (sandbox); None = unknown."""
        app = self._seeded_app()
        return app.redirect_uris if app else None

    @property
    def public_client(self) -> bool | None:
        """The app's "Allow public client flows", when known (sandbox); None = unknown."""
        app = self._seeded_app()
        return app.public_client if app else None

    @property
    def sharepoint_host(self) -> str | None:
        """The tenant's SharePoint host (``contoso.sharepoint.com``), or None when it cannot be known.

        In order: ``GROOPER_NB_SHAREPOINT_HOST`` (``connect(sharepoint_host=)``); the sandbox tenant's own
        host; derived from an initial ``*.onmicrosoft.com`` domain. A GUID or a custom domain
        (contoso.com) does not tell the host: set GROOPER_NB_SHAREPOINT_HOST for those.
        """
        if self.configured_sharepoint_host:
            return self.configured_sharepoint_host
        sbx = self.sandbox_info.tenant if self.sandbox_info else None
        if sbx and sbx.sharepoint_host and self.tenant_id and self.tenant_id == sbx.id:
            return sbx.sharepoint_host
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
        if self.is_sandbox and self.sandbox_info and self.sandbox_info.state_dir:
            return Path(self.sandbox_info.state_dir) / SANDBOX_CACHE_DIR / "token-cache.json"
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
        if self.sandbox_info:
            out += self.sandbox_info.secrets()
        return out

    # -- sandbox helpers ----------------------------------------------------------------------------
    def _require_sandbox_info(self) -> SandboxInfo:
        if not self.sandbox_info:
            raise ProfileError("This is not a sandbox profile.")
        return self.sandbox_info

    def sandbox_app(self, name: str | None = None) -> SandboxApp:
        """A seeded app's facts (secrets as :class:`Secret`); default: this profile's app.

        A :class:`~grooper_nb.sandbox_info.SandboxApp`; ``app["client_id"]`` works as well as
        ``app.client_id``."""
        info = self._require_sandbox_info()
        found = info.app(name) if name is not None else info.app(client_id=self.client_id)
        if found is None:
            raise ProfileError(f"No seeded app {name or self.client_id!r} in this sandbox.")
        return found

    def sandbox_user(self, upn: str | None = None, **criteria: Any) -> SandboxUser:
        """A seeded user by UPN (or local part) or by criteria, e.g. ``sandbox_user(mfa_required=True)``.
        Without arguments: an enabled, non-MFA user with a mailbox. The password is a :class:`Secret`.

        A :class:`~grooper_nb.sandbox_info.SandboxUser`; ``user["upn"]`` works as well as ``user.upn``."""
        info = self._require_sandbox_info()
        if upn is not None:
            found = info.user(upn)
            if found is None:
                raise ProfileError(f"No seeded user {upn!r}.")
            return found
        if not criteria:
            criteria = {"enabled": True, "mfa_required": False, "has_mailbox": True}
        found = next(info.users_where(**criteria), None)
        if found is None:
            raise ProfileError(f"No seeded user with {criteria}.")
        return found

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


# ---- connect() ---------------------------------------------------------------------------------------
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
    environment or ``.env``). Other real-tenant settings without ``GROOPER_NB_TENANT`` (or with its name
    misspelled) raise a :class:`ProfileError` naming it, rather than quietly giving the sandbox.

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
    given = _Given(
        tenant=tenant,
        client_id=client_id,
        client_secret=client_secret,
        certificate=certificate,
        certificate_password=certificate_password,
        private_key=private_key,
        credential=credential,
        cloud=cloud,
        redirect_uri=redirect_uri,
        session=session,
        token_cache=token_cache,
        sharepoint_host=sharepoint_host,
    )
    settings = load_settings(env_file)
    if sandbox is None:
        sandbox = app is not None or not (tenant or settings.get(ENV_PREFIX + "TENANT"))
        if sandbox and app is None and not tenant:
            refuse_half_configured_tenant(settings, env_file)
    if sandbox:
        info = _start_sandbox(sandbox_dir or settings.get(ENV_PREFIX + "SANDBOX_DIR"), seed)
        host = sharepoint_host or settings.get(ENV_PREFIX + "SHAREPOINT_HOST") or None
        return _sandbox_profile(info, app, dataclasses.replace(given, sharepoint_host=host))
    return _tenant_profile(given.filled_from(settings))


@dataclass(frozen=True)
class _Given:
    """What the caller passed to :func:`connect` (None = not given), before settings fill the gaps."""

    tenant: str | None = None
    client_id: str | None = None
    client_secret: str | Secret | None = None
    certificate: str | os.PathLike | None = None
    certificate_password: str | Secret | None = None
    private_key: str | os.PathLike | None = None
    credential: Credential | str | None = None
    cloud: str | Cloud | None = None
    redirect_uri: str | None = None
    session: requests.Session | None = None
    token_cache: str | os.PathLike | None = None
    sharepoint_host: str | None = None

    _NOT_SETTINGS = ("credential", "session")

    def filled_from(self, settings: Mapping[str, str]) -> _Given:
        """Each value not given taken from its ``GROOPER_NB_<NAME>`` setting (``client_id`` ->
        ``GROOPER_NB_CLIENT_ID``)."""
        filled = {
            f.name: settings.get(ENV_PREFIX + f.name.upper())
            for f in dataclasses.fields(self)
            if f.name not in self._NOT_SETTINGS and getattr(self, f.name) is None
        }
        return dataclasses.replace(self, **filled)

    @property
    def token_cache_path(self) -> Path | None:
        return Path(self.token_cache).expanduser() if self.token_cache else None


def _tenant_profile(given: _Given) -> Profile:
    """A real-tenant profile from the caller's values, completed by ``GROOPER_NB_*`` settings."""
    if given.tenant is None or given.client_id is None:
        names = ("tenant", "client_id")
        missing = [ENV_PREFIX + n.upper() for n in names if not getattr(given, n)]
        raise ProfileError(f"Real-tenant profile needs {' and '.join(missing)} (environment or .env file).")
    return Profile(
        tenant=given.tenant,
        client_id=given.client_id,
        credential=_credential(given),
        cloud=validate_cloud(given.cloud),
        redirect_uri=given.redirect_uri or DEFAULT_REDIRECT_URI,
        is_sandbox=False,
        session=given.session or ProfileSession(),
        token_cache_path=given.token_cache_path,
        configured_sharepoint_host=given.sharepoint_host or None,
    )


def _credential(given: _Given) -> Credential | None:
    """The real-tenant credential: an object given as is, else the configured secret or certificate."""
    choice = given.credential
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
    has_secret = given.client_secret is not None
    if has_secret and given.certificate and choice is None:
        raise ProfileError(
            "Both a client secret and a certificate are configured; pass credential='secret' or "
            "credential='certificate' (or unset one of GROOPER_NB_CLIENT_SECRET / GROOPER_NB_CERTIFICATE)."
        )
    if given.certificate and choice in (None, "certificate"):
        return CertificateCredential.from_file(
            given.certificate, password=given.certificate_password, private_key=given.private_key
        )
    if has_secret and choice in (None, "secret"):
        return SecretCredential(given.client_secret)
    if choice is not None:
        raise ProfileError(f"credential={choice!r} chosen but none is configured.")
    return None


# ---- the sandbox ------------------------------------------------------------------------------------------
def _start_sandbox(state_dir: str | os.PathLike | None, seed: int | None) -> SandboxInfo:
    """Start or find the sandbox of ``state_dir``: the one client-side use of its launcher."""
    from grooper_nb.sandbox.launcher import ensure_running

    return SandboxInfo.from_json(ensure_running(state_dir=state_dir, seed=seed))


def _sandbox_profile(info: SandboxInfo, app: str | None, given: _Given) -> Profile:
    """A profile of a seeded app; what the caller gave (tenant, client ID, credential, redirect URI)
    overrides the seeded value."""
    seeded = _seeded_app(info, app, given.client_id)
    return Profile(
        tenant=given.tenant or info.tenant.id,
        client_id=given.client_id or seeded.client_id,
        credential=_sandbox_credential(given, seeded),
        cloud=get_cloud("global"),
        redirect_uri=given.redirect_uri or DEFAULT_REDIRECT_URI,
        is_sandbox=True,
        browser_url=info.browser_url.rstrip("/"),
        session=given.session or sandbox_session(info.proxy, info.ca_bundle),
        sandbox_info=info,
        token_cache_path=given.token_cache_path,
        configured_sharepoint_host=given.sharepoint_host,
    )


def _seeded_app(info: SandboxInfo, app: str | None, client_id: str | None) -> SandboxApp | None:
    """The seeded app named ``app`` (default: the Grooper connector), or, when only a client ID is
    given, the seeded app with that ID if there is one."""
    if client_id is not None and app is None:
        return info.app(client_id=str(client_id))
    name = app or DEFAULT_SANDBOX_APP
    found = info.app(name)
    if found is None:
        raise ProfileError(
            f"No seeded app named {name!r}. Seeded apps: {', '.join(a.name for a in info.apps)}."
        )
    return found


def _sandbox_credential(given: _Given, app: SandboxApp | None) -> Credential | None:
    if isinstance(given.credential, SecretCredential | CertificateCredential):
        return given.credential
    if given.client_secret is not None:
        return SecretCredential(given.client_secret)
    if given.certificate is not None:
        return CertificateCredential.from_file(
            given.certificate, given.certificate_password, given.private_key
        )
    return _sandbox_app_credential(app, given.credential)


def _sandbox_app_credential(app: SandboxApp | None, choice: str | None) -> Credential | None:
    """The seeded app's own credential: ``choice`` is "secret", "certificate", "expired_secret", "none"
    or None (its secret if it has one, else its certificate, else none)."""
    if app is None or choice == "none":
        return None
    if choice in (None, "secret") and app.client_secret is not None:
        return SecretCredential(app.client_secret, secret_id=app.client_secret_id)
    if choice == "expired_secret":
        if app.expired_client_secret is None:
            raise ProfileError(f"Seeded app {app.name!r} has no expired secret.")
        return SecretCredential(app.expired_client_secret)
    if choice in (None, "certificate") and app.certificate_pem:
        return CertificateCredential.from_pem(app.certificate_pem, app.private_key_pem)
    if choice is None:
        return None
    raise ProfileError(f"Seeded app {app.name!r} has no {choice}.")
