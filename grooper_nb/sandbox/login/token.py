"""``POST /{tenant}/oauth2/v2.0/token`` (every grant) and ``POST /{tenant}/oauth2/v2.0/devicecode``.

The endpoint checks what every grant shares (tenant, duplicate parameters, ``grant_type``, the client
app) and hands over to the grant's function in :data:`.grants.GRANTS`; a delegated grant's
:class:`~.delegation.Delegation` becomes the token response in :func:`.delegation.issue_delegated`.
Device authorization: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code#device-authorization-request
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from .client_auth import basic_auth
from .context import (
    artefacts,
    browser_url,
    check_audience,
    directory,
    origin,
    reject_duplicates,
    require,
    store,
    tenant_or_raise,
)
from .delegation import Delegation, issue_delegated, token_ok
from .errors import AADSTSError
from .grants import GRANTS
from .issuance import known_scope_values, parse_scopes

__all__ = ["bp", "device_authorization", "device_client", "run_grant"]

bp = Blueprint("token", __name__)


@bp.post("/<segment>/oauth2/v2.0/token")
def token(segment: str) -> Response:
    tenant_or_raise(segment)
    form = request.form
    reject_duplicates(form)
    grant_type = require(form, "grant_type")
    if form.get("resource"):
        raise AADSTSError(901002)
    tenant, app, outcome = run_grant(segment, form, grant_type)
    if isinstance(outcome, Delegation):
        return issue_delegated(tenant, app, form, outcome)
    return outcome


def run_grant(segment: str, form: Any, grant_type: str) -> tuple[dict, dict, Delegation | Response]:
    """What every grant shares, v1 and v2.0 alike: the grant type, the tenant alias it allows, the client
    app; then the grant's own function. The tenant, the app, and the grant's outcome."""
    tenant = tenant_or_raise(segment)
    handler = GRANTS.get(grant_type)
    if handler is None:
        raise AADSTSError(70003, grant_type=grant_type)
    if grant_type == "password" and segment.lower() in ("common", "consumers"):
        raise AADSTSError(9001023)
    # An app-only token must name the tenant whose data it reads: /common and /organizations span every
    # tenant, so Entra refuses client credentials there (AADSTS50059).
    if grant_type == "client_credentials" and segment.lower() in ("common", "organizations"):
        raise AADSTSError(50059)
    client_id = form.get("client_id") or basic_auth()[0]
    if not client_id:
        raise AADSTSError(900144, param="client_id")
    app = directory().application(client_id)
    if app is None:
        raise AADSTSError(700016, client_id=client_id, tenant_name=tenant["domain"])
    check_audience(segment, app)
    return tenant, app, handler(tenant, app, form)


@bp.post("/<segment>/oauth2/v2.0/devicecode")
def devicecode(segment: str) -> Response:
    """Device authorization: the user code a person types at ``{browser_url}/devicelogin``."""
    tenant, app = device_client(segment)
    scope = require(request.form, "scope")
    return token_ok(device_authorization(tenant, app, scope))


def device_client(segment: str) -> tuple[dict, dict]:
    """The tenant and the client app of a device authorization request (v1 or v2.0)."""
    tenant = tenant_or_raise(segment)
    reject_duplicates(request.form)
    client_id = require(request.form, "client_id")
    app = directory().application(client_id)
    if app is None:
        raise AADSTSError(700016, client_id=client_id, tenant_name=tenant["domain"])
    check_audience(segment, app)
    return tenant, app


def device_authorization(tenant: dict, app: dict, scope: str) -> dict[str, Any]:
    """A new device code for ``scope``: the v2.0 answer (v1 renames one field)."""
    scopes = parse_scopes(store(), scope, tenant_name=tenant["display_name"])
    for entry in scopes.resources:
        known_scope_values(entry.sp, entry.values)
    settings = store().meta("settings", {})
    expires_in = int(settings.get("device_code_expires_in", 900))
    interval = int(settings.get("device_code_interval", 1))
    device, user_code = artefacts().create_device_code(
        app["appId"], expires_in, {"scope": scope, "issuer_base": origin(), "tenant_id": tenant["id"]}
    )
    uri = f"{browser_url()}/devicelogin"
    return {
        "user_code": user_code,
        "device_code": device,
        "verification_uri": uri,
        "expires_in": expires_in,
        "interval": interval,
        "message": f"To sign in, use a web browser to open the page {uri} and enter the code {user_code} "
        "to authenticate.",
    }
