"""``GROOPER_NB_*`` settings: where they come from, and the checks each value must pass.

A real tenant is configured by environment variables or a ``.env`` file (found from the current
directory upwards), so no secret is ever typed into a notebook::

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
    GROOPER_NB_SANDBOX_DIR=/tmp/my-sandbox               # which sandbox state dir (sandbox profiles)

Which value wins: the process environment overrides a ``.env`` file found on its own (as dotenv tools
do); a file you name, ``connect(env_file=...)``, overrides the environment, since you asked for that
file. Keywords of :func:`~grooper_nb.profile.connect` override both.

A real tenant needs ``GROOPER_NB_TENANT``. When other real-tenant settings are there without it (or
with a misspelled name, ``GROOPER_NB_TENNANT``), :func:`refuse_half_configured_tenant` stops
``connect()`` from quietly using the sandbox instead, and names the missing setting. The sandbox's own
``GROOPER_NB_SANDBOX_DIR`` and the cache location ``GROOPER_NB_TOKEN_CACHE`` say nothing about a tenant
and do not count.

:func:`load_settings` reads them without ever writing to ``os.environ``. The ``validate_*`` functions
are what :class:`~grooper_nb.profile.Profile` runs on every value, with errors that say what to fix: a
tenant that is neither a GUID nor a domain, a client ID that is not a GUID, a URL where a host belongs.
When a value looks like a client secret pasted into the wrong setting, the error says that too (and
never quotes it, see :func:`~grooper_nb._ids.shown`).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from grooper_nb._ids import is_guid, secret_reason, shown, strip_braces
from grooper_nb.clouds import Cloud, get_cloud
from grooper_nb.credentials import ProfileError

__all__ = [
    "ENV_PREFIX",
    "NEUTRAL_SETTINGS",
    "TENANT_SETTINGS",
    "likely_meant",
    "load_settings",
    "refuse_half_configured_tenant",
    "validate_client_id",
    "validate_cloud",
    "validate_redirect_uri",
    "validate_sharepoint_host",
    "validate_tenant",
]

ENV_PREFIX = "GROOPER_NB_"
# What connect() reads for a real tenant (each after ENV_PREFIX).
TENANT_SETTINGS = (
    "TENANT",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "CERTIFICATE",
    "CERTIFICATE_PASSWORD",
    "PRIVATE_KEY",
    "CLOUD",
    "REDIRECT_URI",
    "SHAREPOINT_HOST",
)
# Settings that name no tenant: the sandbox's state dir, where a real tenant's tokens are cached.
NEUTRAL_SETTINGS = ("SANDBOX_DIR", "TOKEN_CACHE")

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$")
_TENANT_ALIASES = ("common", "organizations", "consumers")


def load_settings(
    env_file: str | os.PathLike | bool | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``GROOPER_NB_*`` settings from the process environment and a ``.env`` file: ``env_file``, or one
    found from the current directory upwards (``None``/``True``; ``False`` = none). The environment
    overrides a file found on its own; a file named in ``env_file`` overrides the environment. Nothing
    is written to os.environ.

    A setting given with an empty value (``GROOPER_NB_CLIENT_SECRET=``) is kept as ``""``: an empty
    secret is a mistake to report, not the same as no secret."""
    from_file: dict[str, str] = {}
    path = _env_file_path(env_file)
    if path:
        from dotenv import dotenv_values

        dotenv = dotenv_values(path).items()
        from_file = {k: v for k, v in dotenv if k.startswith(ENV_PREFIX) and v is not None}
    env = os.environ if environ is None else environ
    from_env = {k: v for k, v in env.items() if k.startswith(ENV_PREFIX)}
    if env_file in (None, True, False):
        return {**from_file, **from_env}
    return {**from_env, **from_file}


def _env_file_path(env_file: str | os.PathLike | bool | None) -> str | os.PathLike | None:
    if env_file is False:
        return None
    if env_file is None or env_file is True:
        from dotenv import find_dotenv

        return find_dotenv(usecwd=True) or None
    if not Path(env_file).is_file():
        raise ProfileError(f"env_file {str(env_file)!r} does not exist.")
    return env_file


def likely_meant(name: str) -> str | None:
    """The setting an unknown ``GROOPER_NB_*`` name was probably meant to be
    (``GROOPER_NB_TENNANT`` -> ``GROOPER_NB_TENANT``); None for a known name or one like no setting."""
    known = TENANT_SETTINGS + NEUTRAL_SETTINGS
    short = name[len(ENV_PREFIX) :] if name.startswith(ENV_PREFIX) else name
    if short in known:
        return None
    match = difflib.get_close_matches(short.upper(), known, n=1, cutoff=0.75)
    return ENV_PREFIX + match[0] if match else None


def _settings_source(env_file: str | os.PathLike | bool | None) -> str:
    try:
        path = _env_file_path(env_file)
    except ProfileError:
        path = None
    if not path:
        return "the environment"
    if env_file in (None, True):
        return f"the environment or the .env file {path}"
    return f"the .env file {path} or the environment"


def refuse_half_configured_tenant(
    settings: Mapping[str, str], env_file: str | os.PathLike | bool | None = None
) -> None:
    """Raise :class:`ProfileError` when ``settings`` configure a real tenant but name no tenant.

    ``connect()`` uses the sandbox when no tenant is configured. A client ID (or a secret, a
    certificate, a cloud, ...) without ``GROOPER_NB_TENANT`` is a real tenant configured half-way, or
    with the tenant's name misspelled: using the sandbox then would hide the mistake."""
    tenant = ENV_PREFIX + "TENANT"
    if settings.get(tenant):
        return
    present = [k for k in settings if k[len(ENV_PREFIX) :] in TENANT_SETTINGS and k != tenant]
    meant = {k: likely_meant(k) for k in settings}
    misspelled = {k: m for k, m in meant.items() if m and m[len(ENV_PREFIX) :] in TENANT_SETTINGS}
    if not (present or misspelled or tenant in settings):
        return
    found = present + list(misspelled)
    state = f"{tenant} is empty" if tenant in settings else f"{tenant} is not set"
    typos = "".join(
        f" {k} is not a setting grooper-nb reads: did you mean {m}?" for k, m in misspelled.items()
    )
    unset = ", ".join(found) or tenant
    raise ProfileError(
        f"{', '.join(found) or 'A real tenant'} {'is' if len(found) < 2 else 'are'} set (in "
        f"{_settings_source(env_file)}) but {state}, so it is not clear which tenant to sign in to; "
        f"grooper-nb does not fall back to the sandbox then.{typos} Set {tenant} to the Directory "
        f"(tenant) ID or a domain such as contoso.onmicrosoft.com. For the sandbox, unset {unset} or "
        "call connect(sandbox=True)."
    )


def _secret_note(value: str) -> str:
    """A sentence for an error about ``value`` when it looks like a client secret in the wrong place."""
    reason = secret_reason(value)
    return (
        f" It {reason}: if this is a client secret, it belongs in GROOPER_NB_CLIENT_SECRET (and, since it "
        "may now be in a shell history or a file, consider replacing it)."
        if reason
        else ""
    )


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


def validate_redirect_uri(uri: str) -> str:
    """An absolute http(s) URL; plain http only for localhost (the one host Entra accepts it for)."""
    s = urlsplit(uri)
    if s.scheme not in ("http", "https") or not s.netloc:
        raise ProfileError(
            f"Redirect URI {shown(uri)} must be an absolute http(s) URL, e.g. http://localhost."
            + _secret_note(uri)
        )
    if s.scheme == "http" and s.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise ProfileError(f"Redirect URI {uri!r}: plain http is allowed only for localhost.")
    return uri


def validate_sharepoint_host(host: str | None) -> str | None:
    """A host name (``contoso.sharepoint.com``), lower-cased; a URL is cut down to its host."""
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


def validate_cloud(name: str | Cloud | None) -> Cloud:
    """:func:`~grooper_nb.clouds.get_cloud`, with its ValueError as a ProfileError naming the setting."""
    try:
        return get_cloud(name)
    except ValueError as exc:
        raise ProfileError(f"{exc} (GROOPER_NB_CLOUD / cloud=)") from None
