"""``graph.microsoft.com``: Microsoft Graph, the directory surface, under ``/v1.0`` and ``/beta``.

One module per resource, each a small set of routes on the shared blueprint :data:`GRAPH`:

* :mod:`.users`: ``/organization``, ``/users``, ``/me``;
* :mod:`.applications`: app registrations and their owners; :mod:`.credentials`: their secrets and
  certificates;
* :mod:`.service_principals`: enterprise apps and their app-role assignments;
* :mod:`.grants`: ``/oauth2PermissionGrants`` (delegated consent);
* :mod:`.mail`: Outlook mail (folders, messages, attachments, delta) per user and ``/me``, with
  :mod:`.mail_access` (who may open which mailbox) and :mod:`.mail_query` (its query options);
* SharePoint and OneDrive: :mod:`.sites` (``/sites``), :mod:`.drives` (``/drives``, ``/me/drive``,
  ``/users/{id}/drive``, ``/sites/{id}/drive(s)``), :mod:`.drive_items` (items, children, ``root:/path:``,
  content), :mod:`.drive_delta`, :mod:`.lists` (lists, columns, items with ``fields``) and
  :mod:`.site_permissions` (Sites.Selected grants), on ``store.sharepoint``; who may read which site is
  :mod:`.sites_access`, the JSON :mod:`.drive_shapes`, ``/sites/{hostname}:/{path}`` :mod:`.site_paths`;
* :mod:`.batch`: JSON batching, ``POST /$batch`` (up to 20 requests, ``dependsOn``);
* :mod:`.alternate_keys`: the ``(appId='...')`` form of every application and service principal path.

Every request is authenticated by :mod:`..resource` (through :mod:`.access`); every answer carries
``request-id`` and ``client-request-id`` (the caller's, echoed), and every error Graph's envelope
(:mod:`.odata`): https://learn.microsoft.com/graph/errors. A path no module serves answers as Graph
does: 401 without a valid token, else 400 ``BadRequest`` naming the unknown segment.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, Flask, Response, g, request

__all__ = ["HOST", "create_app"]

HOST = "graph.microsoft.com"

GRAPH = Blueprint("graph", __name__)

# The route modules register on GRAPH when imported (the rules do not overlap, so order does not matter).
from . import (  # noqa: E402
    access,
    applications,
    batch,
    credentials,
    drive_delta,
    drive_items,
    drives,
    grants,
    lists,
    mail,
    service_principals,
    site_permissions,
    sites,
    users,
)
from .alternate_keys import alternate_keys  # noqa: E402
from .odata import GraphError, envelope  # noqa: E402
from .site_paths import site_paths  # noqa: E402

_MODULES = (
    users,
    applications,
    credentials,
    service_principals,
    grants,
    mail,
    sites,
    drives,
    drive_items,
    drive_delta,
    lists,
    site_permissions,
    batch,
)


def create_app(store: Any, **_: Any) -> Flask:
    """The Graph host as a WSGI app serving ``store``'s tenant."""
    app = Flask(__name__)
    app.config["STORE"] = store
    app.url_map.strict_slashes = False
    app.register_blueprint(GRAPH, url_prefix="/v1.0")
    app.register_blueprint(GRAPH, url_prefix="/beta", name="graph_beta")
    app.before_request(_ids)
    app.after_request(_headers)
    app.teardown_request(_release_mailbox_slots)
    app.register_error_handler(GraphError, _graph_error)
    app.register_error_handler(404, _unknown_segment)
    app.register_error_handler(405, _method_not_allowed)
    app.wsgi_app = site_paths(alternate_keys(app.wsgi_app, store), store)
    return app


def _ids() -> None:
    g.request_id = str(uuid.uuid4())
    g.client_request_id = request.headers.get("client-request-id") or g.request_id


def _release_mailbox_slots(_exc: BaseException | None) -> None:
    slots = g.pop("mailbox_slots", None)  # taken by graph.mail_access when a request opened a mailbox
    if slots is not None:
        slots.close()


def _headers(resp: Response) -> Response:
    resp.headers["request-id"] = g.get("request_id", "")
    resp.headers["client-request-id"] = g.get("client_request_id", "")
    return resp


def _graph_error(exc: GraphError) -> Response:
    resp = Response(json.dumps(envelope(exc.code, exc.message)), exc.status, mimetype="application/json")
    for key, value in exc.headers.items():
        resp.headers[key] = value
    return resp


def _unknown_segment(_exc: Exception) -> Response:
    segment = request.path.strip("/").split("/")[-1] or request.path
    return _authenticated_error(
        GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")
    )


def _method_not_allowed(_exc: Exception) -> Response:
    message = "Specified HTTP method is not allowed for the request uri."
    return _authenticated_error(GraphError(405, "Request_BadRequest", message))


def _authenticated_error(error: GraphError) -> Response:
    """``error`` for a caller with a valid token; Graph checks the token first, so 401 for any other."""
    if "request_id" not in g:
        _ids()
    try:
        access.caller()
    except GraphError as exc:
        return _graph_error(exc)
    return _graph_error(error)
