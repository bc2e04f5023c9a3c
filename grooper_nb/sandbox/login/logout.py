"""``/{tenant}/oauth2/v2.0/logout`` (and the v1 ``/oauth2/logout``): end the browser session.

https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#send-a-sign-out-request
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request

from ..store import redirect_uris
from .authorize import redirect_uri_matches
from .context import artefacts, directory
from .respond import message, reachable_redirect
from .session import SESSION_COOKIE

__all__ = ["bp"]

bp = Blueprint("logout", __name__)


@bp.route("/<segment>/oauth2/v2.0/logout", methods=["GET", "POST"])
@bp.route("/<segment>/oauth2/logout", methods=["GET", "POST"])
def logout(segment: str) -> Response:
    """End the browser session; then go to ``post_logout_redirect_uri`` if an app registered it.

    The address must match a redirect URI of the app named by ``client_id`` (of any app in the tenant
    when there is none), with Entra's loopback rule; anything else shows the signed-out page, so the
    sign-out URL is never an open redirect.
    """
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        artefacts().delete_session(sid)
    target = request.values.get("post_logout_redirect_uri") or ""
    if target and _registered_logout_target(target, request.values.get("client_id")):
        resp = redirect(reachable_redirect(target), code=302)
    else:
        resp = message(
            "You signed out of your account",
            "It's a good idea to close all browser windows.",
            element_id="signed-out",
        )
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


def _registered_logout_target(target: str, client_id: str | None) -> bool:
    apps = [directory().application(client_id)] if client_id else directory().applications()
    return any(app and redirect_uri_matches(redirect_uris(app), target) for app in apps)
