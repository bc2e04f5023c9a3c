"""``/devicelogin``: the page where a person types the user code of the device code flow.

https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code. Stable names for automation:
field ``otc``, button "Next". The code itself is issued at ``/devicecode`` (:mod:`.token`) and redeemed
by polling ``/token`` (:func:`.grants.device_code`).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from .context import artefacts, directory
from .respond import signin_page
from .session import SIGNIN

__all__ = ["bp"]

bp = Blueprint("device_login", __name__)


@bp.get("/devicelogin")
def devicelogin() -> Response:
    html = render_template("devicelogin.html", error=None, otc=request.args.get("otc", ""))
    return Response(html, mimetype="text/html")


@bp.post("/devicelogin")
def devicelogin_submit() -> Response:
    otc = request.form.get("otc", "")
    entry = artefacts().device_code_by_user_code(otc) if otc.strip() else None
    if entry is None or entry["status"] != "pending" or entry["expired"]:
        if entry is None:
            msg = "That code didn't work. Check the code and try again."
        else:
            msg = "That code has expired or has already been used. Request a new code from the application."
        html = render_template("devicelogin.html", error=msg, otc=otc)
        return Response(html, status=400, mimetype="text/html")
    tenant_id = directory().tenant["id"]
    flow = {
        "kind": "device",
        "segment": entry.get("tenant_id") or tenant_id,
        "tenant_id": tenant_id,
        "client_id": entry["client_id"],
        "user_code": entry["user_code"],
        "scope": entry["scope"],
        "prompt": "",
        "login_hint": "",
        "stage": SIGNIN,
    }
    flow_id = artefacts().create_flow(flow)
    return signin_page(flow_id, flow)
