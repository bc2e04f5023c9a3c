"""Graph addresses an application or a service principal by its appId as well as by its object id:
``/applications(appId='{appId}')`` and ``/servicePrincipals(appId='{appId}')``, for every operation
(https://learn.microsoft.com/graph/api/application-get, https://learn.microsoft.com/graph/api/serviceprincipal-get).

:func:`alternate_keys` rewrites that form to the object id before routing, so each route is written
once and accepts both. An appId the tenant does not know is passed on as it is, and the route answers
``404 Request_ResourceNotFound`` naming it.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["alternate_keys"]

_FORM = re.compile(
    r"^/(v1\.0|beta)/(applications|servicePrincipals)\(appId='([^'/]*)'\)(/.*)?$", re.IGNORECASE
)


def alternate_keys(wsgi_app: Any, store: Any) -> Any:
    """``wsgi_app`` behind the rewrite of ``(appId='...')`` paths to object-id paths."""

    def app(environ, start_response):
        match = _FORM.match(environ.get("PATH_INFO", ""))
        if match:
            version, kind, app_id, rest = match.groups()
            kind = "applications" if kind.lower() == "applications" else "servicePrincipals"
            find = (
                store.directory.application if kind == "applications" else store.directory.service_principal
            )
            found = find(app_id)
            path = f"/{version}/{kind}/{found['id'] if found else app_id}{rest or ''}"
            environ = {**environ, "PATH_INFO": path}
        return wsgi_app(environ, start_response)

    return app
