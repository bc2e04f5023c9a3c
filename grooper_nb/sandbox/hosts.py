"""The two WSGI surfaces of the sandbox, and the dispatch of impersonated hosts by ``Host`` header.

* :func:`create_tls_app` — everything the proxy carries over HTTPS. ``login.microsoftonline.com`` (and a
  direct ``127.0.0.1:PORT``) is the identity host (:mod:`.login`); ``graph.microsoft.com``,
  ``outlook.office365.com`` and ``*.sharepoint.com`` are placeholders until their resource servers land:
  they answer each service's real error envelope (reference §5.7 Graph, §7 SharePoint REST, §8 EWS), so a
  client that gets that far sees a Microsoft-shaped failure, not a sandbox one.
* :func:`create_browser_app` — plain http on loopback: the pages a person opens (sign-in, device login,
  admin consent, the nativeclient landing page) plus the admin endpoints under ``/_sandbox/``, which
  answer only requests addressed to the browser_url and, when they change something, coming from it
  (:func:`admin_refusal`: no DNS rebinding, no cross-site requests from a page in the same browser):

  ======================================  =================================================================
  ``GET  /_sandbox/health``               ``{"status": "ok", "tenant": ...}``
  ``GET  /_sandbox/describe``             the tenant, users and apps *without* secret values (the service's
                                          key-guarded describe has them)
  ``POST /_sandbox/clock/advance``        ``{"seconds": N[, "upn": U | "user_code": C]}``: age stored codes /
                                          refresh tokens / device codes / sessions as if N seconds passed
                                          (only user U's, or only the device code C, if given)
  ``POST /_sandbox/users/<upn>/revoke-sessions``  revokeSignInSessions: earlier refresh tokens -> AADSTS50173
  ======================================  =================================================================
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, request

from .login import create_login_app

__all__ = ["admin_refusal", "create_browser_app", "create_tls_app"]

LOGIN_HOST = "login.microsoftonline.com"


def create_tls_app(store: Any, *, browser_url: str):
    """The HTTPS side: dispatch on Host to the identity host or a resource host."""
    login = create_login_app(store, browser_url=browser_url)
    graph, outlook, sharepoint = _graph_placeholder(), _outlook_placeholder(), _sharepoint_placeholder(store)

    def app(environ, start_response):
        host = environ.get("HTTP_HOST", "").lower()
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host
        if name == "graph.microsoft.com":
            return graph(environ, start_response)
        if name == "outlook.office365.com":
            return outlook(environ, start_response)
        if name.endswith(".sharepoint.com"):
            return sharepoint(environ, start_response)
        return login(environ, start_response)  # login.microsoftonline.com, or 127.0.0.1:PORT directly

    return app


def create_browser_app(store: Any, *, browser_url: str) -> Flask:
    """The plain-http loopback side: person-facing pages and ``/_sandbox/`` admin endpoints."""
    app = create_login_app(store, browser_url=browser_url, person_pages_only=True)
    app.register_blueprint(_admin)
    app.before_request(_guard_admin)
    return app


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
    tenant = _store().tenant
    return _json({"status": "ok", "tenant": {"id": tenant["id"], "domain": tenant["domain"]}})


@_admin.get("/describe")
def describe() -> Response:
    info = _store().describe()
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
        user = _store().user_by_upn(upn)
        if user is None:
            return _json({"error": f"no user {upn!r}"}, 404)
        user_id = user["id"]
    if user_code and _store().device_code_by_user_code(user_code) is None:
        return _json({"error": f"no device code with user code {user_code!r}"}, 404)
    aged = _store().advance_clock(float(seconds), user_id=user_id, user_code=user_code or None)
    return _json({"advanced_seconds": seconds, "aged": aged})


@_admin.post("/users/<path:upn>/revoke-sessions")
def revoke_sessions(upn: str) -> Response:
    user = _store().user_by_upn(upn)
    if user is None:
        return _json({"error": f"no user {upn!r}"}, 404)
    valid_from = _store().revoke_sessions(user["id"])
    return _json(
        {
            "value": True,
            "tokens_valid_from": dt.datetime.fromtimestamp(valid_from, dt.timezone.utc).isoformat(),
        }
    )


# -- resource-host placeholders ------------------------------------------------------------------------


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _graph_placeholder():
    """graph.microsoft.com until the Graph resource server lands: Graph's error envelope (§5.7)."""

    def app(environ, start_response):
        request_id = str(uuid.uuid4())
        client_request_id = environ.get("HTTP_CLIENT_REQUEST_ID", request_id)
        path = environ.get("PATH_INFO", "/")
        if not environ.get("HTTP_AUTHORIZATION"):
            status, code, message = "401 Unauthorized", "InvalidAuthenticationToken", "Access token is empty."
        else:
            segment = path.strip("/").split("/")[-1] or path
            status, code, message = (
                "400 Bad Request",
                "BadRequest",
                f"Resource not found for the segment '{segment}'.",
            )
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


def _outlook_placeholder():
    """outlook.office365.com until the EWS server lands: 401 with Exchange's Bearer challenge, else 404."""

    def app(environ, start_response):
        if not environ.get("HTTP_AUTHORIZATION"):
            challenge = (
                'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", '
                'trusted_issuers="00000001-0000-0000-c000-000000000000@*", '
                'token_types="app_asserted_user_v1 service_asserted_app_v1", '
                'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"'
            )
            start_response(
                "401 Unauthorized",
                [("WWW-Authenticate", challenge), ("Content-Length", "0"), ("request-id", str(uuid.uuid4()))],
            )
            return [b""]
        start_response("404 Not Found", [("Content-Type", "text/html"), ("Content-Length", "0")])
        return [b""]

    return app


def _sharepoint_placeholder(store: Any):
    """*.sharepoint.com until the SharePoint server lands: SharePoint REST's ``odata.error`` envelope (§7)."""

    def app(environ, start_response):
        headers = [
            ("Content-Type", "application/json;odata=nometadata;charset=utf-8"),
            ("request-id", str(uuid.uuid4())),
            ("SPRequestGuid", str(uuid.uuid4())),
        ]
        if not environ.get("HTTP_AUTHORIZATION"):
            tenant_id = store.tenant["id"]
            headers.append(
                (
                    "WWW-Authenticate",
                    f'Bearer realm="{tenant_id}",client_id="00000003-0000-0ff1-ce00-000000000000",'
                    'trusted_issuers="00000001-0000-0000-c000-000000000000@*,D3776938-3DBA-481F-A652-4BEDFCAB7CD8@*,'
                    "https://sts.windows.net/*/,https://login.microsoftonline.com/*/v2.0,"
                    '00000003-0000-0ff1-ce00-000000000000@90140122-8516-11e1-8eff-49304924019b",'
                    'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
                )
            )
            status, code, message = (
                "401 Unauthorized",
                "-2147024891, System.UnauthorizedAccessException",
                "Access denied. You do not have permission to perform this action or access this resource.",
            )
        else:
            status, code, message = (
                "404 Not Found",
                "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
                "The expression is not valid.",
            )
        body = json.dumps(
            {"odata.error": {"code": code, "message": {"lang": "en-US", "value": message}}}
        ).encode()
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]

    return app
