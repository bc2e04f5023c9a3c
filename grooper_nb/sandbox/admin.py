"""The ``/_sandbox/`` admin endpoints on the browser surface, and the guard in front of them.

They answer only requests addressed to the browser_url and, when they change something, coming from it
(:func:`admin_refusal`: no DNS rebinding, no cross-site requests from a page in the same browser):

======================================  =================================================================
``GET  /_sandbox/health``               ``{"status": "ok", "tenant": ...}``
``GET  /_sandbox/describe``             the tenant, users and apps *without* secret values (the service's
                                        key-guarded describe has them)
``POST /_sandbox/clock/advance``        ``{"seconds": N[, "upn": U | "user_code": C]}``: age stored codes /
                                        refresh tokens / device codes / sessions as if N seconds passed
                                        (only user U's, or only the device code C, if given)
``POST /_sandbox/users/<upn>/revoke-sessions``  revokeSignInSessions: earlier refresh tokens -> AADSTS50173
``GET  /_sandbox/service/describe``     the start JSON's tenant, users and apps *with* secrets, for the
                                        launcher only: it needs the admin key from ``service.json``
                                        (:class:`ServiceRoutes`)
======================================  =================================================================
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import math
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, request

from .launcher import DESCRIBE_PATH, KEY_HEADER

__all__ = ["ServiceRoutes", "admin_refusal", "mount"]


def mount(app: Flask) -> None:
    """Add the admin endpoints, and the guard in front of them, to the browser surface's ``app``."""
    app.register_blueprint(_admin)
    app.before_request(_guard_admin)


def admin_refusal(browser_url: str, host: str, method: str, origin: str | None) -> str | None:
    """Why an admin request must be refused, or None. Loopback is not a boundary a browser respects:

    * ``Host`` must be the browser_url's ``host:port`` — a page on a domain that resolves to 127.0.0.1
      (DNS rebinding) sends its own name;
    * a state-changing request that carries an ``Origin`` must come from the browser_url itself — a
      cross-site page's form or fetch says where it came from (``null`` included). Scripts and the
      launcher send no ``Origin``; the sandbox's own pages are same-origin.
    """
    own = urlsplit(browser_url)
    if host.lower() != own.netloc.lower():
        return f"refused: Host {host!r} is not this sandbox's {own.netloc}"
    if method not in ("GET", "HEAD", "OPTIONS") and origin is not None:
        if origin.rstrip("/").lower() != f"{own.scheme}://{own.netloc}".lower():
            return f"refused: a {method} from origin {origin!r}; only {own.scheme}://{own.netloc} may"
    return None


def _guard_admin() -> Response | None:
    if not request.path.startswith("/_sandbox/") or request.path.startswith("/_sandbox/static/"):
        return None
    refusal = admin_refusal(
        current_app.config["BROWSER_URL"], request.host, request.method, request.headers.get("Origin")
    )
    return _json({"error": refusal}, 403) if refusal else None


# -- admin endpoints ------------------------------------------------------------------------------------

_admin = Blueprint("sandbox_admin", __name__, url_prefix="/_sandbox")
_SECRET_FIELDS = ("password", "client_secret", "expired_client_secret")


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body), status=status, mimetype="application/json", headers={"Cache-Control": "no-store"}
    )


def _store() -> Any:
    return current_app.config["SANDBOX_STORE"]


@_admin.get("/health")
def health() -> Response:
    tenant = _store().directory.tenant
    return _json({"status": "ok", "tenant": {"id": tenant["id"], "domain": tenant["domain"]}})


@_admin.get("/describe")
def describe() -> Response:
    info = _store().directory.describe()
    for entry in [*info["users"], *info["apps"]]:
        for key in _SECRET_FIELDS:
            if key in entry:
                entry[key] = None
    return _json(info)


@_admin.post("/clock/advance")
def clock_advance() -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _json({"error": 'body must be a JSON object {"seconds": N}'}, 400)
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < math.inf:
        return _json({"error": '"seconds" must be a finite number of seconds, 0 or more'}, 400)
    upn, user_code = body.get("upn"), body.get("user_code")
    if not isinstance(upn, (str, type(None))) or not isinstance(user_code, (str, type(None))):
        return _json({"error": '"upn" and "user_code" must be strings'}, 400)
    user_id = None
    if upn:
        user = _store().directory.user_by_upn(upn)
        if user is None:
            return _json({"error": f"no user {upn!r}"}, 404)
        user_id = user["id"]
    if user_code and _store().artefacts.device_code_by_user_code(user_code) is None:
        return _json({"error": f"no device code with user code {user_code!r}"}, 404)
    aged = _store().clock.advance(float(seconds), user_id=user_id, user_code=user_code or None)
    return _json({"advanced_seconds": seconds, "aged": aged})


@_admin.post("/users/<path:upn>/revoke-sessions")
def revoke_sessions(upn: str) -> Response:
    user = _store().directory.user_by_upn(upn)
    if user is None:
        return _json({"error": f"no user {upn!r}"}, 404)
    valid_from = _store().directory.revoke_sessions(user["id"])
    return _json(
        {
            "value": True,
            "tokens_valid_from": dt.datetime.fromtimestamp(valid_from, dt.timezone.utc).isoformat(),
        }
    )


class ServiceRoutes:
    """Service-private routes in front of the browser app: live describe, guarded by the admin key
    (and, like every admin endpoint, answering only requests addressed to the browser_url)."""

    def __init__(self, app: Any, key: str, describe: Any, identity: dict, browser_url: str) -> None:
        self.app, self.key, self.describe, self.identity = app, key, describe, identity
        self.browser_url = browser_url

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != DESCRIBE_PATH:
            return self.app(environ, start_response)
        refusal = admin_refusal(
            self.browser_url,
            environ.get("HTTP_HOST", ""),
            environ["REQUEST_METHOD"],
            environ.get("HTTP_ORIGIN"),
        )
        if refusal:
            return _plain(start_response, "403 Forbidden", refusal + "\n")
        given = environ.get("HTTP_" + KEY_HEADER.upper().replace("-", "_"), "")
        if not hmac.compare_digest(given.encode(), self.key.encode()):
            return _plain(start_response, "403 Forbidden", "missing or wrong sandbox admin key\n")
        body = json.dumps({**self.identity, **self.describe()}).encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [body]


def _plain(start_response, status: str, text: str):
    body = text.encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]
