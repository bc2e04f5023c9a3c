"""The hosts the sandbox impersonates: one registry, :data:`HOSTS`, and the two WSGI surfaces built on it.

Each :class:`Host` names the host names it serves for a tenant and builds its WSGI app. The registry
drives everything that depends on the list of hosts:

* dispatch by ``Host`` header on the TLS side (:func:`create_tls_app`);
* the CONNECT proxy's allow-list and the server certificate's names (:func:`host_names`, used by
  :mod:`.process`);
* the sandbox CA's NameConstraints (:func:`ca_permitted_names`).

To add a host: write a package with ``create_app(store, *, browser_url)`` (see :mod:`.graph`), add one
``Host`` entry here. Nothing else keeps a list of hosts. Every host's requests are logged
(:mod:`.requestlog`); a resource host's pass through the faults switched on (:mod:`.faults`).

:func:`create_browser_app` is the other surface: plain http on loopback, for the pages a person opens
(the identity host's :data:`.login.PERSON_PAGES`) and the ``/_sandbox/`` admin endpoints (:mod:`.admin`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from . import admin, ews, graph, login, sharepoint
from .faults import board_for, faulted
from .requestlog import log_for, logged

__all__ = ["HOSTS", "Host", "ca_permitted_names", "create_browser_app", "create_tls_app", "host_names"]


@dataclass(frozen=True)
class Host:
    """One impersonated host: its name, the host names it serves for a tenant, its app factory."""

    name: str
    names: Callable[[dict[str, Any]], list[str]]  # tenant -> host names (lower case)
    create_app: Callable[..., Any]  # (store, *, browser_url) -> WSGI app
    suffix: str | None = None  # also serve any host name ending with this (a tenant's sites)
    resource: bool = True  # a resource host: its requests pass through the faults (:mod:`.faults`)

    def matches(self, host_name: str, tenant: dict[str, Any]) -> bool:
        return host_name in self.names(tenant) or bool(self.suffix and host_name.endswith(self.suffix))


HOSTS = [
    Host("login", lambda tenant: [login.LOGIN_HOST], login.create_app, resource=False),
    Host("graph", lambda tenant: [graph.HOST], graph.create_app),
    Host("ews", lambda tenant: [ews.HOST], ews.create_app),
    Host("sharepoint", sharepoint.host_names, sharepoint.create_app, suffix=".sharepoint.com"),
]
DEFAULT_HOST = "login"  # what a direct request to 127.0.0.1:PORT reaches


def host_names(tenant: dict[str, Any]) -> list[str]:
    """Every host name of :data:`HOSTS` for ``tenant``: the proxy allow-list and the certificate names.

    >>> host_names({"sharepoint_host": "contoso.sharepoint.com"})[-2:]
    ['contoso.sharepoint.com', 'contoso-my.sharepoint.com']
    """
    return [name for host in HOSTS for name in host.names(tenant)]


def ca_permitted_names(tenant: dict[str, Any]) -> list[str]:
    """The DNS subtrees the sandbox CA may vouch for (RFC 5280 section 4.2.1.10): each host's names,
    or for a host serving a suffix, that suffix's domain, which covers every tenant's sites (the CA
    outlives a ``reset`` to another tenant).

    >>> ca_permitted_names({"sharepoint_host": "contoso.sharepoint.com"})[-1]
    'sharepoint.com'
    """
    return [
        name for host in HOSTS for name in ([host.suffix.lstrip(".")] if host.suffix else host.names(tenant))
    ]


def create_tls_app(store: Any, *, browser_url: str):
    """The HTTPS side: dispatch on the ``Host`` header to the app of the matching :class:`Host`.

    Every host's requests go to the service's request log (:mod:`.requestlog`); a resource host's also
    pass the faults switched on (:mod:`.faults`) first, so a faulted request is logged with its fault.
    """
    apps = {host.name: _observed(host, store, browser_url) for host in HOSTS}
    tenant = store.directory.tenant

    def app(environ, start_response):
        header = environ.get("HTTP_HOST", "").lower()
        name = header.rsplit(":", 1)[0] if not header.startswith("[") else header
        chosen = next((h.name for h in HOSTS if h.matches(name, tenant)), DEFAULT_HOST)
        return apps[chosen](environ, start_response)

    return app


def _observed(host: Host, store: Any, browser_url: str) -> Any:
    app = host.create_app(store, browser_url=browser_url)
    if host.resource:
        app = faulted(app, host.name, board_for(store))
    return logged(app, host.name, log_for(store))


def create_browser_app(store: Any, *, browser_url: str, admin_key: str | None = None) -> Flask:
    """The plain-http loopback side: person-facing pages and ``/_sandbox/`` admin endpoints (their
    state-changing routes need ``admin_key``; without one they refuse every such request)."""
    app = login.create_app(store, browser_url=browser_url, person_pages_only=True)
    admin.mount(app, admin_key)
    return app
