"""``POST /{tenant}/consent``: Accept or Cancel on a consent page (user consent or admin consent).

Stable names for automation: buttons "Accept"/"Cancel", checkbox ``consent_for_org``. What the page asks
for and what accepting writes is :mod:`.permissions`; drawing the page is :mod:`.flow`.
https://learn.microsoft.com/entra/identity-platform/consent-types-developer
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from .accounts import needs_mfa
from .context import artefacts, directory
from .flow import declined, finish
from .permissions import (
    check_may_consent,
    client_service_principal,
    grant_admin_consent,
    is_admin,
    needed_consent,
)
from .respond import admin_redirect, expired
from .session import CONSENT_SHOWN, flow_at

__all__ = ["bp"]

bp = Blueprint("consent", __name__)


@bp.post("/<segment>/consent")
def consent(segment: str) -> Response:
    flow_id = request.form.get("flow", "")
    flow = flow_at(flow_id, CONSENT_SHOWN)
    if flow is None:
        return expired()
    user = directory().user_by_id(flow["user_id"])
    if user is None or needs_mfa(user, flow.get("amr", [])):
        return expired()
    if request.form.get("action") != "accept":
        return declined(flow_id, flow, user)
    if flow["kind"] == "admin":
        return _accept_admin_consent(flow_id, flow, user)
    app = directory().application(flow["client_id"])
    needed = needed_consent(flow, user)
    check_may_consent(flow, user, needed)
    client_sp = client_service_principal(app)  # the first consent in this tenant creates it
    for_org = request.form.get("consent_for_org") == "on" and is_admin(user)
    for sp, values in needed:
        directory().add_permission_grant(client_sp["id"], sp["id"], values, None if for_org else user["id"])
    flow["consented"] = True
    artefacts().update_flow(flow_id, flow)
    return finish(flow_id, flow, user)


def _accept_admin_consent(flow_id: str, flow: dict, user: dict) -> Response:
    check_may_consent(flow, user, [])
    grant_admin_consent(flow)
    artefacts().delete_flow(flow_id)
    params = {"admin_consent": "True", "tenant": flow["tenant_id"], "state": flow.get("state")}
    if flow.get("scope"):
        params["scope"] = flow["scope"]
    return admin_redirect(flow, params)
