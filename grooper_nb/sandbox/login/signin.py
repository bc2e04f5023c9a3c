"""The sign-in and MFA forms: ``POST /{tenant}/login`` (``login``, ``passwd``) and ``POST /{tenant}/mfa``.

Stable names for automation: sign-in fields ``login`` and ``passwd``, button "Sign in"; MFA button
"Approve". The password check itself (lockout, disabled accounts) is :mod:`.accounts`.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from .accounts import check_password, needs_mfa
from .context import artefacts, directory, store
from .errors import AADSTSError
from .flow import signed_in
from .respond import expired, message, signin_page
from .session import MFA_OK, PASSWORD_OK, flow_at

__all__ = ["bp"]

bp = Blueprint("signin", __name__)

# What the sign-in form says for each refusal (Entra's own wording); the code is shown beside it.
_SIGNIN_ERRORS = {
    50034: "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.",
    50053: "Your account is temporarily locked to prevent unauthorized use. Try again later.",
    50126: "Your account or password is incorrect.",
    50057: "Your account has been locked. Contact your support person to unlock it, then try again.",
}


@bp.post("/<segment>/login")
def login(segment: str) -> Response:
    flow_id = request.form.get("flow", "")
    flow = artefacts().flow(flow_id)
    if flow is None:
        return message("Your sign-in session expired", "Start signing in again from the application.", 400)
    upn = request.form.get("login", "").strip()
    flow["login_hint"] = upn
    try:
        domain = directory().tenant["domain"]
        user = check_password(store(), upn, request.form.get("passwd", ""), domain=domain)
    except AADSTSError as exc:
        return signin_page(flow_id, flow, error=_SIGNIN_ERRORS[exc.code], code=exc.code)
    flow.update(user_id=user["id"], amr=["pwd"], sid=None)
    if needs_mfa(user, flow["amr"]):
        flow["stage"] = PASSWORD_OK
        artefacts().update_flow(flow_id, flow)
        html = render_template("mfa.html", flow_id=flow_id, segment=segment, upn=user["userPrincipalName"])
        return Response(html, mimetype="text/html")
    flow["stage"] = MFA_OK
    return signed_in(flow_id, flow, user)


@bp.post("/<segment>/mfa")
def mfa(segment: str) -> Response:
    flow_id = request.form.get("flow", "")
    flow = flow_at(flow_id, PASSWORD_OK)
    if flow is None:
        return expired()
    flow.update(amr=["pwd", "mfa"], stage=MFA_OK)
    return signed_in(flow_id, flow, directory().user_by_id(flow["user_id"]))
