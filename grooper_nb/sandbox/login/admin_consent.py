"""``/{tenant}/adminconsent`` and ``/{tenant}/v2.0/adminconsent``: an administrator grants an app every
permission it registered, for the whole tenant.

https://learn.microsoft.com/entra/identity-platform/v2-admin-consent (v2.0, ``scope`` limits the
resources) and the v1 endpoint (everything the app registered). The response always travels in the query:
``admin_consent=True&tenant=...`` or ``error=permission_denied``.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from ..store import redirect_uris
from .authorize import redirect_uri_matches
from .context import artefacts, check_audience, directory, tenant_or_raise
from .errors import AADSTSError
from .flow import proceed
from .respond import signin_page
from .session import MFA_OK, SIGNIN, current_session, session_user

__all__ = ["bp"]

bp = Blueprint("admin_consent", __name__)


@bp.get("/<segment>/adminconsent")
@bp.get("/<segment>/v2.0/adminconsent")
def adminconsent(segment: str) -> Response:
    g.page_errors = True
    tenant = tenant_or_raise(segment)
    client_id = request.args.get("client_id")
    if not client_id:
        raise AADSTSError(900144, param="client_id")
    app = directory().application(client_id)
    if app is None:
        raise AADSTSError(700016, client_id=client_id, tenant_name=tenant["domain"])
    redirect_uri = request.args.get("redirect_uri") or (redirect_uris(app) or [""])[0]
    if not redirect_uri_matches(redirect_uris(app), redirect_uri):
        raise AADSTSError(50011, redirect_uri=redirect_uri, client_id=client_id)
    check_audience(segment, app)
    g.page_errors = False
    v2 = "/v2.0/" in request.path
    flow = {
        "kind": "admin",
        "segment": segment,
        "tenant_id": tenant["id"],
        "client_id": app["appId"],
        "redirect_uri": redirect_uri,
        "state": request.args.get("state"),
        "response_mode": "query",
        "scope": request.args.get("scope", "") if v2 else "",
        "prompt": "",
        "login_hint": "",
        "stage": SIGNIN,
    }
    flow_id = artefacts().create_flow(flow)
    session = current_session()
    user = session_user(session) if session else None
    if user:
        flow.update(user_id=user["id"], amr=session.get("amr", ["pwd"]), sid=session["id"], stage=MFA_OK)
        artefacts().update_flow(flow_id, flow)
        return proceed(flow_id, flow)
    return signin_page(flow_id, flow)
