"""The ``/_sandbox/`` admin endpoints on the browser surface, and the guard in front of them.

They answer only requests addressed to the browser_url and, when they change something, coming from it
(:func:`admin_refusal`: no DNS rebinding, no cross-site requests from a page in the same browser) and
carrying the admin key from ``service.json`` (``X-Grooper-Sandbox-Key``): any local user can reach the
loopback port, only the service's own user can read that file. The launcher's :func:`.launcher.admin_post`
sends it; a person's browser never calls these routes:

======================================  =================================================================
``GET  /_sandbox/health``               ``{"status": "ok", "tenant": ...}``
``GET  /_sandbox/describe``             the tenant, users and apps *without* secret values (the service's
                                        key-guarded describe has them)
``POST /_sandbox/clock/advance``        ``{"seconds": N[, "upn": U | "user_code": C]}``: age stored codes /
                                        refresh tokens / device codes / sessions as if N seconds passed
                                        (only user U's, or only the device code C, if given)
``POST /_sandbox/users/<upn>/revoke-sessions``  revokeSignInSessions: earlier refresh tokens -> AADSTS50173
``POST /_sandbox/apps/<appId>/revoke-consent``   ``{["resource": URI or appId][, "upn": U]}``: delete what
                                        consent granted the app (the next token request: AADSTS65001)
``GET  /_sandbox/ews-policy``           the tenant's EWS policy: ``{"enabled": ..., "allowed_app_ids": ...}``
``POST /_sandbox/ews-policy``           set it (``EwsEnabled``, ``EwsAllowedAppIDs``; null: not configured)
``GET  /_sandbox/faults``               the fault scenarios (``catalogue``) and those switched on (``active``)
``POST /_sandbox/faults``               ``{"name": N[, "rate": R, "seed": S, "count": C, "after": A,
                                        "retry_after": W, "host": H]}`` switches fault N on;
                                        ``{"off": N}`` or ``{"off": true}`` switches N or all off
                                        (:mod:`.faults`)
``GET  /_sandbox/requests``             ``?host=graph&since=N&limit=L``: the request log after entry N
                                        (:mod:`.requestlog`)
``POST /_sandbox/requests/clear``       forget the request log's entries
``GET  /_sandbox/service/describe``     the start JSON's tenant, users and apps *with* secrets, for the
                                        launcher only: it needs the admin key from ``service.json``
                                        (:class:`ServiceRoutes`)
======================================  =================================================================
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, request

from .faults import CATALOGUE, FaultError, board_for
from .launcher import DESCRIBE_PATH, KEY_HEADER
from .requestlog import log_for

__all__ = ["MAX_ADVANCE_SECONDS", "ServiceRoutes", "admin_refusal", "mount"]

# How far one clock/advance may go: 100 years. More is never a test's need, and a float of seconds
# that large would age stored times past what a date can hold.
MAX_ADVANCE_SECONDS = 100 * 365 * 24 * 3600
_READ_ONLY = ("GET", "HEAD", "OPTIONS")


def mount(app: Flask, admin_key: str | None) -> None:
    """Add the admin endpoints, and the guard in front of them, to the browser surface's ``app``.

    ``admin_key``: what a state-changing request must send in ``X-Grooper-Sandbox-Key``; with None,
    every state-changing admin request is refused.
    """
    app.config["SANDBOX_ADMIN_KEY"] = admin_key
    app.register_blueprint(_admin)
    app.before_request(_guard_admin)


def key_matches(given: str | None, key: str | None) -> bool:
    """Whether ``given`` is the admin ``key``, compared in constant time (no key: nothing matches)."""
    return bool(key) and hmac.compare_digest((given or "").encode(), key.encode())


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
    if method not in _READ_ONLY and origin is not None:
        if origin.rstrip("/").lower() != f"{own.scheme}://{own.netloc}".lower():
            return f"refused: a {method} from origin {origin!r}; only {own.scheme}://{own.netloc} may"
    return None


def _guard_admin() -> Response | None:
    if not request.path.startswith("/_sandbox/") or request.path.startswith("/_sandbox/static/"):
        return None
    refusal = admin_refusal(
        current_app.config["BROWSER_URL"], request.host, request.method, request.headers.get("Origin")
    )
    if refusal is None and request.method not in _READ_ONLY:
        if not key_matches(request.headers.get(KEY_HEADER), current_app.config.get("SANDBOX_ADMIN_KEY")):
            refusal = (
                f"refused: a {request.method} to an admin endpoint needs the {KEY_HEADER} header, whose "
                "value is admin_key in the state dir's service.json"
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
    # Compared before any float(): a JSON integer such as 10**400 has no float (OverflowError).
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not 0 <= seconds <= MAX_ADVANCE_SECONDS
    ):
        return _json(
            {"error": f'"seconds" must be a number of seconds from 0 to {MAX_ADVANCE_SECONDS} (100 years)'},
            400,
        )
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


@_admin.post("/apps/<app_id>/revoke-consent")
def revoke_consent(app_id: str) -> Response:
    """Delete the app's consent grants in the tenant: all of them, or only for one resource (``resource``)
    or one user's own (``upn``), as removing permissions of an enterprise app does
    (https://learn.microsoft.com/entra/identity/enterprise-apps/manage-application-permissions)."""
    body = request.get_json(silent=True)
    body = {} if body is None else body
    if not isinstance(body, dict) or not all(
        isinstance(body.get(k), (str, type(None))) for k in ("resource", "upn")
    ):
        return _json({"error": 'body must be a JSON object {["resource": URI][, "upn": U]}'}, 400)
    directory = _store().directory
    client_sp = directory.service_principal(app_id)
    if client_sp is None:
        return _json({"error": f"no service principal for app {app_id!r} in this tenant"}, 404)
    resource_id = user_id = None
    if body.get("resource"):
        resource = directory.resource_for(body["resource"])
        if resource is None:
            return _json({"error": f"no resource {body['resource']!r}"}, 404)
        resource_id = resource["id"]
    if body.get("upn"):
        user = directory.user_by_upn(body["upn"])
        if user is None:
            return _json({"error": f"no user {body['upn']!r}"}, 404)
        user_id = user["id"]
    deleted = directory.revoke_consent(client_sp["id"], resource_sp_id=resource_id, user_id=user_id)
    return _json({"deleted": deleted})


@_admin.get("/ews-policy")
def ews_policy_get() -> Response:
    from .ews import get_ews_policy

    return _json(get_ews_policy(_store()))


@_admin.post("/ews-policy")
def ews_policy_set() -> Response:
    """The tenant's EWS switch and app allow-list, as ``Set-OrganizationConfig -EwsEnabled
    -EwsAllowedAppIDs`` sets them (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange)."""
    from .ews import set_ews_policy

    body = request.get_json(silent=True)
    ids = body.get("allowed_app_ids") if isinstance(body, dict) else None
    if not isinstance(body, dict) or not (ids is None or isinstance(ids, list)):
        return _json({"error": 'body must be {"enabled": true|false|null[, "allowed_app_ids": [...]]}'}, 400)
    try:
        return _json(set_ews_policy(_store(), body.get("enabled"), ids))
    except ValueError as exc:
        return _json({"error": str(exc)}, 400)


@_admin.get("/faults")
def faults_list() -> Response:
    catalogue = [
        {"name": s.name, "summary": s.summary, "hosts": list(s.hosts), "docs": s.docs} for s in CATALOGUE
    ]
    return _json({"catalogue": catalogue, "active": board_for(_store()).describe()})


@_admin.post("/faults")
def faults_switch() -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not (isinstance(body.get("name"), str) or "off" in body):
        return _json({"error": 'body must be {"name": N, ...parameters} or {"off": N | true}'}, 400)
    board = board_for(_store())
    if "off" in body:
        off = body["off"]
        if off is not True and not isinstance(off, str):
            return _json({"error": '"off" must be a fault name or true'}, 400)
        return _json({"off": board.switch_off(None if off is True else off), "active": board.describe()})
    params = {k: v for k, v in body.items() if k != "name"}
    try:
        fault = board.switch_on(body["name"], **params)
    except FaultError as exc:
        return _json({"error": str(exc)}, 400)
    return _json({"on": fault, "active": board.describe()})


def _int_arg(name: str) -> int | None:
    value = request.args.get(name)
    if value is None:
        return None
    if not value.isdigit():
        raise ValueError(f"{name!r} must be a non-negative integer")
    return int(value)


@_admin.get("/requests")
def requests_read() -> Response:
    try:
        since, limit = _int_arg("since") or 0, _int_arg("limit")
    except ValueError as exc:
        return _json({"error": str(exc)}, 400)
    return _json(log_for(_store()).read(request.args.get("host") or None, since, limit))


@_admin.post("/requests/clear")
def requests_clear() -> Response:
    return _json({"cleared": log_for(_store()).clear()})


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
        if not key_matches(given, self.key):
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
