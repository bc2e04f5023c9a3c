"""Graph addresses a site by its path as well as by its id: ``/sites/{hostname}:/{server-relative-path}``,
optionally closed by ``:`` and followed by the rest of the path (``/sites/contoso.sharepoint.com:/sites/
finance:/drives``): https://learn.microsoft.com/graph/api/site-getbypath.

:func:`site_paths` rewrites that form to the site's id (``{hostname},{site collection id},{web id}``)
before routing, so every site route is written once and accepts both. The path matches without regard
to case, as SharePoint's URLs do. A path no site has becomes an id no site has, which the route answers
``404 itemNotFound`` (after checking the token, as Graph does).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["site_paths"]

_FORM = re.compile(r"^/(v1\.0|beta)/sites/([^/:,]+):(/[^:]*)?(?::(.*))?$", re.IGNORECASE)
_NOWHERE = "00000000-0000-0000-0000-000000000000"


def _find(store: Any, host: str, path: str) -> dict[str, Any] | None:
    sp = store.sharepoint
    found = sp.site_by_url(host, path)
    if found is None:
        found = next(
            (s for s in sp.sites() if s["host"].lower() == host and s["path"].lower() == path.lower()), None
        )
    return found


def _rewrite(store: Any, path: str) -> str | None:
    match = _FORM.match(path)
    if not match:
        return None
    version, host, site_path, rest = match.groups()
    host = host.lower()
    site_path = (site_path or "").rstrip("/")
    found = _find(store, host, site_path)
    site_id = f"{host},{found['id']},{found['web_id']}" if found else f"{host},{_NOWHERE},{_NOWHERE}"
    return f"/{version}/sites/{site_id}{rest or ''}"


def site_paths(wsgi_app: Any, store: Any) -> Any:
    """``wsgi_app`` behind the rewrite of ``/sites/{hostname}:/{path}[:...]`` to ``/sites/{site-id}...``."""

    def app(environ, start_response):
        raw = environ.get("PATH_INFO", "")
        path = raw.encode("latin-1").decode("utf-8", "replace")  # WSGI hands PATH_INFO over as latin-1
        rewritten = _rewrite(store, path)
        if rewritten is not None:
            environ = {**environ, "PATH_INFO": rewritten.encode("utf-8").decode("latin-1")}
        return wsgi_app(environ, start_response)

    return app
