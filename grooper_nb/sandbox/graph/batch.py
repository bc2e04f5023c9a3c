"""JSON batching: ``POST /$batch`` runs up to 20 Graph requests in one round trip.

https://learn.microsoft.com/graph/json-batching: the body is ``{"requests": [{"id", "method", "url",
"headers"?, "body"?, "dependsOn"?}]}`` with URLs relative to the version (``/me/messages``); ids are
unique (case-insensitive); more than 20 requests, a duplicate id, a missing field or a ``dependsOn``
naming no earlier request make the whole batch 400. Each request is served exactly as it would be
alone (same token, same checks) and answered as ``{"id", "status", "headers", "body"}``; a JSON body
stays JSON, any other is base64. A request whose dependency failed is not run: 424 Failed Dependency.
The sandbox runs the requests in order, which satisfies both sequential and parallel batches.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from flask import current_app, request
from werkzeug.test import EnvironBuilder, run_wsgi_app

from . import GRAPH
from .access import caller
from .odata import bad_request

__all__ = ["MAX_REQUESTS"]

MAX_REQUESTS = 20


def _requests() -> list[dict[str, Any]]:
    body = request.get_json(silent=True)
    items = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise bad_request("Invalid batch payload format.", "BadRequest")
    if len(items) > MAX_REQUESTS:
        raise bad_request(
            f"The number of requests in a batch exceeds the limit of {MAX_REQUESTS}.", "BadRequest"
        )
    seen: set[str] = set()
    for item in items:
        _check(item, seen)
        seen.add(str(item["id"]).lower())
    return items


def _check(item: dict[str, Any], seen: set[str]) -> None:
    for name in ("id", "method", "url"):
        if not item.get(name):
            raise bad_request(f"Each request in a batch must have a '{name}'.", "BadRequest")
    if str(item["id"]).lower() in seen:
        raise bad_request(f"Request id '{item['id']}' appears more than once in the batch.", "BadRequest")
    depends = item.get("dependsOn") or []
    if not isinstance(depends, list) or any(str(d).lower() not in seen for d in depends):
        raise bad_request(
            f"Request '{item['id']}' depends on a request not earlier in the batch.", "BadRequest"
        )
    if "body" in item and "content-type" not in {k.lower() for k in (item.get("headers") or {})}:
        raise bad_request("A request with a body must carry a Content-Type header.", "BadRequest")


def _run(item: dict[str, Any], version: str) -> dict[str, Any]:
    headers = {k: str(v) for k, v in (item.get("headers") or {}).items()}
    headers["Authorization"] = request.headers.get("Authorization", "")
    headers.setdefault("client-request-id", request.headers.get("client-request-id", ""))
    url = str(item["url"])
    path = url if url.startswith("/") else f"/{url}"
    data = item.get("body")
    raw = json.dumps(data).encode() if isinstance(data, (dict, list)) else (data or "").encode()
    builder = EnvironBuilder(
        path=f"/{version}{path.split('?', 1)[0]}",
        query_string=path.split("?", 1)[1] if "?" in path else "",
        method=str(item["method"]).upper(),
        headers=headers,
        data=raw,
        base_url="https://graph.microsoft.com",
    )
    with current_app.app_context():  # the request's own g: its own ids and caller
        chunks, status, out_headers = run_wsgi_app(current_app.wsgi_app, builder.get_environ())
    content = b"".join(chunks)
    answer: dict[str, Any] = {"id": item["id"], "status": int(status.split()[0]), "headers": {}}
    kept = ("Content-Type", "Location", "Retry-After", "request-id", "client-request-id")
    answer["headers"] = {k: v for k, v in out_headers.items() if k in kept}
    if content:
        is_json = out_headers.get("Content-Type", "").startswith("application/json")
        answer["body"] = json.loads(content) if is_json else base64.b64encode(content).decode()
    return answer


@GRAPH.post("/$batch")
def batch():
    """https://learn.microsoft.com/graph/json-batching"""
    caller()  # the batch itself needs a valid token, as Graph's does
    version = request.path.strip("/").split("/", 1)[0]
    failed: set[str] = set()
    responses = []
    for item in _requests():
        key = str(item["id"]).lower()
        if any(str(d).lower() in failed for d in item.get("dependsOn") or []):
            failed.add(key)
            responses.append(
                {
                    "id": item["id"],
                    "status": 424,
                    "body": {"error": {"code": "FailedDependency", "message": "Failed Dependency"}},
                }
            )
            continue
        answer = _run(item, version)
        if answer["status"] >= 400:
            failed.add(key)
        responses.append(answer)
    return {"responses": responses}
