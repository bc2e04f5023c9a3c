"""Which permissions Grooper's app needs, derived from the connection catalogue.

Each Grooper connection (:data:`grooper_nb.connections.CONNECTIONS`) says what it requests: a signed-in
user's scopes (``delegated_request``) or, app-only, the roles its API accepts (``roles``). Registering the
app means asking Entra ID for exactly those, by ID (:mod:`grooper_nb.registration.permissions`)::

    >>> from grooper_nb.registration import requirements
    >>> table = requirements(["exchange_ews_delegated"])
    >>> table[["permission", "type"]].values.tolist()
    [['EWS.AccessAsUser.All', 'delegated'], ['offline_access', 'delegated']]

A connection is named by its key, by a :class:`~grooper_nb.connections.Connection`, or as
``(key, "app")`` / ``(key, "delegated")`` for a connection that works both ways (``mode="either"``, which
is delegated unless told). App-only, the app asks for the first role the catalogue lists for the
connection: the least-privileged one its API accepts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grooper_nb.connections import CONNECTIONS, RESERVED_SCOPES, RESOURCES, Connection

from .permissions import Permission, lookup

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "COLUMNS",
    "DEFAULT_CONNECTIONS",
    "ConnectionSpec",
    "Requirement",
    "collect",
    "requirements",
    "resolve",
]

ConnectionSpec = str | Connection | tuple[str | Connection, str]

# Grooper's usual set: the Exchange binding (EWS), SharePoint over REST and Graph, OneDrive; all delegated.
DEFAULT_CONNECTIONS: tuple[str, ...] = (
    "exchange_ews_delegated",
    "sharepoint_rest_delegated",
    "sharepoint_graph",
    "onedrive",
)

COLUMNS = [
    "resource",
    "resource_app_id",
    "permission",
    "type",
    "permission_id",
    "id_status",
    "connections",
    "why",
    "source",
]

# Scopes MSAL adds to every sign-in: why Grooper's registration still names them.
_RESERVED_WHY = {
    "offline_access": "lets Grooper keep a refresh token, so the connection keeps working without the user "
    "signing in again",
    "openid": "signs the user in (OpenID Connect)",
    "profile": "names the signed-in user",
}
_MODES = {"app": True, "application": True, "app-only": True, "delegated": False}


@dataclass(frozen=True)
class Requirement:
    """One permission the registration asks for, the connections that need it and why."""

    permission: Permission
    connections: tuple[str, ...]
    why: tuple[str, ...]


def _connection(spec: str | Connection) -> Connection:
    if isinstance(spec, Connection):
        return spec
    key = str(spec).strip()
    if key in CONNECTIONS:
        return CONNECTIONS[key]
    raise ValueError(
        f"Unknown connection {spec!r}. Name one of the catalogue's keys "
        f"(grooper_nb.connections.CONNECTIONS): {', '.join(CONNECTIONS)}."
    )


def _mode(connection: Connection, mode: str) -> bool:
    app_only = _MODES.get(str(mode).strip().lower())
    if app_only is None:
        raise ValueError(f"Unknown mode {mode!r} for {connection.key}: use 'delegated' or 'app'.")
    if app_only and not connection.app_only:
        raise ValueError(f"{connection.key} has no app-only form.{connection.app_only_alternative}")
    if not app_only and not connection.delegated:
        raise ValueError(
            f"{connection.key} is app-only: name it without a mode, or as ({connection.key!r}, 'app')."
        )
    return app_only


def resolve(spec: ConnectionSpec) -> tuple[Connection, bool]:
    """``(connection, app_only)`` for a key, a Connection or a ``(key, mode)`` pair."""
    if isinstance(spec, tuple):
        if len(spec) != 2:
            raise ValueError(f"{spec!r}: name a connection as key, Connection or (key, 'delegated'|'app').")
        connection = _connection(spec[0])
        return connection, _mode(connection, spec[1])
    connection = _connection(spec)
    return connection, connection.mode == "app"


def _split(template: str, connection: Connection) -> tuple[str, str] | None:
    """``{exchange}/EWS.AccessAsUser.All`` -> ``("exchange", "EWS.AccessAsUser.All")``; a reserved scope
    such as ``offline_access`` is Graph's; ``.default`` asks for what is registered, so it names nothing."""
    if template in RESERVED_SCOPES:
        return "graph", template
    head, _, value = template.rpartition("/")
    resource = head.strip("{}")
    if resource not in RESOURCES or not value:
        raise ValueError(f"{connection.key}: cannot read the scope template {template!r}")
    return None if value == ".default" else (resource, value)


def permissions_of(connection: Connection, app_only: bool) -> list[Permission]:
    """The permissions a registration asks for so that ``connection`` works, delegated or app-only."""
    if app_only:
        return [lookup(connection.resource, connection.roles[0], "application")]
    wanted = (_split(t, connection) for t in connection.delegated_request)
    return [lookup(resource, value, "delegated") for resource, value in filter(None, wanted)]


def _why(connection: Connection, permission: Permission) -> str:
    if permission.value in _RESERVED_WHY:
        return connection.title
    note = dict(connection.permission_notes).get(permission.value)
    return f"{connection.title}: {connection.grooper}" + (f" {note}" if note else "")


def why_text(req: Requirement) -> str:
    """The ``why`` cell: what each connection does with the permission (a reserved scope's reason once)."""
    reason = _RESERVED_WHY.get(req.permission.value)
    if reason:
        return f"{reason[0].upper()}{reason[1:]} (for {', '.join(req.why)})."
    return " | ".join(req.why)


def collect(connections: Iterable[ConnectionSpec] | None = None) -> list[Requirement]:
    """The permissions for ``connections`` (default :data:`DEFAULT_CONNECTIONS`), one entry per
    permission, in the order the connections first name them."""
    specs = list(DEFAULT_CONNECTIONS if connections is None else connections)
    if not specs:
        raise ValueError("Name at least one connection (a key of grooper_nb.connections.CONNECTIONS).")
    found: dict[Permission, tuple[list[str], list[str]]] = {}
    for spec in specs:
        connection, app_only = resolve(spec)
        for permission in permissions_of(connection, app_only):
            names, whys = found.setdefault(permission, ([], []))
            if connection.key not in names:
                names.append(connection.key)
                whys.append(_why(connection, permission))
    return [Requirement(p, tuple(names), tuple(whys)) for p, (names, whys) in found.items()]


def _row(req: Requirement) -> dict[str, str]:
    p = req.permission
    return {
        "resource": p.resource_name,
        "resource_app_id": p.resource_app_id,
        "permission": p.value,
        "type": p.kind,
        "permission_id": p.id,
        "id_status": p.status,
        "connections": ", ".join(req.connections),
        "why": why_text(req),
        "source": p.source,
    }


def requirements(connections: Sequence[ConnectionSpec] | None = None) -> pd.DataFrame:
    """A DataFrame of the permissions Grooper's app needs for ``connections`` (default: Grooper's usual
    set, :data:`DEFAULT_CONNECTIONS`).

    Columns: ``resource`` (its display name), ``resource_app_id``, ``permission`` (the value, as a token
    carries it), ``type`` (``delegated`` | ``application``), ``permission_id`` (Microsoft's ID),
    ``id_status`` (``confirmed`` | ``UNCONFIRMED``), ``connections`` (the keys that need it), ``why``
    (what Grooper does with it, from the catalogue) and ``source`` (the page the ID comes from). Every
    cell is text: nothing is left missing.
    """
    import pandas as pd

    return pd.DataFrame([_row(r) for r in collect(connections)], columns=COLUMNS, dtype=object)
