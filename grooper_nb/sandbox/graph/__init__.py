"""``graph.microsoft.com``: Microsoft Graph.

Until the Graph resource server lands, every request gets Graph's error envelope
(https://learn.microsoft.com/graph/errors): 401 ``InvalidAuthenticationToken`` without a token, else 400
``BadRequest`` for the unknown segment, with ``request-id`` and ``client-request-id`` as Graph sends them.
A client that gets that far sees a Microsoft-shaped failure, not a sandbox one.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

__all__ = ["HOST", "create_app"]

HOST = "graph.microsoft.com"


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _error(path: str, authorized: bool) -> tuple[str, str, str]:
    if not authorized:
        return "401 Unauthorized", "InvalidAuthenticationToken", "Access token is empty."
    segment = path.strip("/").split("/")[-1] or path
    return "400 Bad Request", "BadRequest", f"Resource not found for the segment '{segment}'."


def create_app(store: Any, **_: Any):
    """The Graph host as a WSGI app (``store`` is the tenant; unused until Graph serves resources)."""

    def app(environ, start_response):
        request_id = str(uuid.uuid4())
        client_request_id = environ.get("HTTP_CLIENT_REQUEST_ID", request_id)
        status, code, message = _error(environ.get("PATH_INFO", "/"), bool(environ.get("HTTP_AUTHORIZATION")))
        body = json.dumps(
            {
                "error": {
                    "code": code,
                    "message": message,
                    "innerError": {
                        "date": _now_iso(),
                        "request-id": request_id,
                        "client-request-id": client_request_id,
                    },
                }
            }
        ).encode()
        start_response(
            status,
            [
                ("Content-Type", "application/json"),
                ("request-id", request_id),
                ("client-request-id", client_request_id),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]

    return app
