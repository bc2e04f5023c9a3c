"""What a running sandbox tells a client: :class:`SandboxInfo`, typed, with its secrets wrapped.

``python -m grooper_nb.sandbox start`` prints one JSON object (proxy, CA bundle, tenant, seeded users
and apps, browser URL, state dir), and ``connect()`` gets the same object from the sandbox's launcher.
:func:`SandboxInfo.from_json` reads it once, wraps every password and client secret in
:class:`~grooper_nb._redact.Secret`, and gives the rest names and types, so the profile, the flows and
the notebooks read ``info.tenant.id`` and ``app.client_secret`` instead of digging through dicts::

    info = profile.sandbox_info
    info.tenant.sharepoint_host          # 'contoso.sharepoint.com'
    info.user("diego.siciliani").mfa_required
    info.app("Grooper Server-to-Server").client_id

Notebooks written against the JSON keep working: every object here also answers ``obj["key"]`` and
``obj.get("key")`` with the JSON's key names, including keys the sandbox adds later (kept in ``extra``).
This module only reads the JSON; it never starts or imports the sandbox.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from grooper_nb._redact import Secret

__all__ = ["SandboxApp", "SandboxInfo", "SandboxTenant", "SandboxUser"]


class _JsonKeys:
    """``obj["key"]``/``obj.get("key")``/``"key" in obj`` by the start JSON's key names."""

    extra: Mapping[str, Any]

    def _names(self) -> list[str]:
        return [f.name for f in dataclasses.fields(self) if f.name != "extra"]  # type: ignore[arg-type]

    def __getitem__(self, key: str) -> Any:
        if key in self._names():
            return getattr(self, key)
        return self.extra[key]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return key in self._names() or key in self.extra

    def keys(self) -> list[str]:
        return [*self._names(), *self.extra]


def _split(data: Mapping[str, Any], cls: type) -> tuple[dict[str, Any], dict[str, Any]]:
    """``data``'s known keys (the dataclass's fields) and the rest."""
    names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
    return {k: v for k, v in data.items() if k in names}, {k: v for k, v in data.items() if k not in names}


def _same(value: Any, wanted: Any) -> bool:
    """Equal, with a JSON list and the tuple it is kept as here counting as the same."""
    if isinstance(value, list | tuple) and isinstance(wanted, list | tuple):
        return tuple(value) == tuple(wanted)
    return value == wanted


def _secret(value: Any, label: str) -> Secret | None:
    return None if value is None else Secret(value, label=label)


@dataclass(frozen=True)
class SandboxTenant(_JsonKeys):
    id: str
    domain: str
    sharepoint_host: str | None = None
    display_name: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SandboxTenant:
        known, extra = _split(data, cls)
        return cls(**known, extra=extra)


@dataclass(frozen=True)
class SandboxUser(_JsonKeys):
    """A seeded user. ``password`` is a :class:`Secret` (``.reveal()`` it where a form needs it)."""

    upn: str
    password: Secret | None = None
    display_name: str | None = None
    enabled: bool = True
    mfa_required: bool = False
    has_mailbox: bool = False
    directory_roles: tuple[str, ...] = ()
    object_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SandboxUser:
        known, extra = _split(data, cls)
        known["password"] = _secret(known.get("password"), f"password of {known.get('upn')}")
        known["directory_roles"] = tuple(known.get("directory_roles") or ())
        return cls(**known, extra=extra)

    def matches(self, upn: str) -> bool:
        """The same user, by full UPN or by its local part (``diego.siciliani``), ignoring case."""
        wanted = upn.lower()
        return self.upn.lower() == wanted or self.upn.split("@")[0].lower() == wanted


@dataclass(frozen=True)
class SandboxApp(_JsonKeys):
    """A seeded app registration. Client secrets are :class:`Secret`; the certificate and its private
    key are file paths (the key file is 0600 in the state dir)."""

    name: str
    client_id: str
    object_id: str | None = None
    client_secret: Secret | None = None
    client_secret_id: str | None = None
    expired_client_secret: Secret | None = None
    certificate_pem: str | None = None
    private_key_pem: str | None = None
    certificate_thumbprint: str | None = None
    public_client: bool = False
    redirect_uris: tuple[str, ...] = ()
    identifier_uris: tuple[str, ...] = ()
    delegated_permissions: tuple[str, ...] = ()
    application_permissions: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SandboxApp:
        known, extra = _split(data, cls)
        name = known.get("name")
        for key in ("client_secret", "expired_client_secret"):
            known[key] = _secret(known.get(key), f"{key.replace('_', ' ')} of {name}")
        for key in ("redirect_uris", "identifier_uris", "delegated_permissions", "application_permissions"):
            known[key] = tuple(known.get(key) or ())
        return cls(**known, extra=extra)

    def secrets(self) -> list[Secret]:
        return [s for s in (self.client_secret, self.expired_client_secret) if s is not None]


@dataclass(frozen=True)
class SandboxInfo(_JsonKeys):
    """A running sandbox: where to reach it (``proxy``, ``ca_bundle``, ``browser_url``), its tenant, its
    seeded users and apps, and its state dir."""

    tenant: SandboxTenant
    users: tuple[SandboxUser, ...]
    apps: tuple[SandboxApp, ...]
    proxy: str
    ca_bundle: str
    browser_url: str
    state_dir: str
    env: Mapping[str, str] = field(default_factory=dict)
    pid: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SandboxInfo:
        """From the start JSON (secrets in clear there; wrapped here)."""
        known, extra = _split(data, cls)
        known["tenant"] = SandboxTenant.from_json(known["tenant"])
        known["users"] = tuple(SandboxUser.from_json(u) for u in known.get("users") or ())
        known["apps"] = tuple(SandboxApp.from_json(a) for a in known.get("apps") or ())
        known["env"] = dict(known.get("env") or {})
        return cls(**known, extra=extra)

    def app(self, name: str | None = None, *, client_id: str | None = None) -> SandboxApp | None:
        """The seeded app with this name, or with this client ID (ignoring case); None if none."""
        for a in self.apps:
            if (name is not None and a.name == name) or (
                client_id is not None and a.client_id.lower() == client_id.lower()
            ):
                return a
        return None

    def user(self, upn: str) -> SandboxUser | None:
        """The seeded user with this UPN or local part; None if none."""
        return next((u for u in self.users if u.matches(upn)), None)

    def users_where(self, **criteria: Any) -> Iterator[SandboxUser]:
        """Seeded users whose JSON fields equal ``criteria``, e.g. ``users_where(mfa_required=True)``."""
        return (u for u in self.users if all(_same(u.get(k), v) for k, v in criteria.items()))

    def secrets(self) -> list[Secret]:
        """Every password and client secret the sandbox told us (to scrub from messages)."""
        out = [s for a in self.apps for s in a.secrets()]
        return out + [u.password for u in self.users if u.password is not None]
