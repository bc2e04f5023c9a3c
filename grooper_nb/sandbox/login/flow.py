"""After the password (and MFA): the consent page if one is needed, then the end of the flow.

:func:`proceed` is where every signed-in flow goes next (stage ``mfa_ok``, see :mod:`.session`): the
consent page, the admin-consent page, or :func:`finish`, which sends an authorization code to the
redirect URI or approves a device code. :func:`declined` is the Cancel button.
"""

from __future__ import annotations

from flask import Response, render_template, request

from .accounts import needs_mfa
from .context import artefacts, directory
from .errors import AADSTSError
from .issuance import client_info
from .permissions import (
    admin_permissions,
    check_may_consent,
    describe_scope,
    is_admin,
    needed_consent,
)
from .respond import admin_redirect, app_name, deliver, expired, message, redirect_error
from .session import CONSENT_SHOWN, SESSION_COOKIE

__all__ = ["declined", "finish", "pending_device_code", "proceed", "signed_in"]

# What the authorization code remembers of its flow (the token endpoint checks and uses these).
_CODE_FIELDS = (
    "client_id",
    "redirect_uri",
    "scope",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "user_id",
    "amr",
    "sid",
    "issuer_base",
)


def signed_in(flow_id: str, flow: dict, user: dict) -> Response:
    """Start the browser session (the ``ESTSAUTH`` cookie), then :func:`proceed`."""
    sid = artefacts().create_session(user["id"], {"amr": flow["amr"]})
    flow["sid"] = sid
    artefacts().update_flow(flow_id, flow)
    resp = proceed(flow_id, flow)
    resp.set_cookie(
        SESSION_COOKIE, sid, httponly=True, samesite="Lax", secure=request.scheme == "https", path="/"
    )
    return resp


def proceed(flow_id: str, flow: dict) -> Response:
    """After sign-in (stage ``mfa_ok``): consent if needed, then finish (a code / an approved device)."""
    user = directory().user_by_id(flow["user_id"])
    if flow["kind"] == "admin":
        return _admin_consent_page(flow_id, flow, user)
    needed = needed_consent(flow, user)
    if needed and not flow.get("consented"):
        return _consent_page(flow_id, flow, user, needed)
    return finish(flow_id, flow, user)


def _show_consent(flow_id: str, flow: dict, user: dict, items: list[str], *, admin: bool) -> Response:
    flow["stage"] = CONSENT_SHOWN
    artefacts().update_flow(flow_id, flow)
    html = render_template(
        "consent.html",
        flow_id=flow_id,
        segment=flow.get("segment", "common"),
        app_name=app_name(flow),
        upn=user["userPrincipalName"],
        permissions=items,
        can_consent_for_org=not admin and is_admin(user),
        admin=admin,
    )
    return Response(html, mimetype="text/html")


def _consent_page(flow_id: str, flow: dict, user: dict, needed: list[tuple[dict, list[str]]]) -> Response:
    check_may_consent(flow, user, needed)
    items = [describe_scope(sp, v) for sp, values in needed for v in values]
    return _show_consent(flow_id, flow, user, items, admin=False)


def _admin_consent_page(flow_id: str, flow: dict, user: dict) -> Response:
    check_may_consent(flow, user, [])
    items = [
        f"{value} ({sp['displayName']}, {'application' if kind == 'Role' else 'delegated'})"
        for sp, kind, value in admin_permissions(flow)
    ]
    return _show_consent(flow_id, flow, user, items, admin=True)


def declined(flow_id: str, flow: dict, user: dict) -> Response:
    """Cancel on a consent page: the device code is declined, the app is told (AADSTS65004, or the admin
    consent's ``permission_denied``)."""
    artefacts().delete_flow(flow_id)
    if flow["kind"] == "device":
        entry = pending_device_code(flow)
        if entry is None:
            return _device_code_gone()
        artefacts().settle_device_code(entry["_hash"], "declined", user["id"], {})
        return message("Sign-in declined", "You declined the request. You can close this window.")
    if flow["kind"] == "admin":
        params = {
            "error": "permission_denied",
            "error_description": "The admin canceled the request",
            "state": flow.get("state"),
        }
        return admin_redirect(flow, params)
    return redirect_error(flow, AADSTSError(65004))


def finish(flow_id: str, flow: dict, user: dict) -> Response:
    """The end of a sign-in: an authorization code to the redirect URI, or the device code approved."""
    artefacts().delete_flow(flow_id)
    if needs_mfa(user, flow.get("amr", [])):  # the last gate before anything is issued
        return expired()
    if flow["kind"] == "device":
        return _approve_device(flow, user)
    code = artefacts().create_code({key: flow.get(key) for key in _CODE_FIELDS})
    params = {"code": code}
    if flow.get("client_info"):
        params["client_info"] = client_info(user, directory().tenant)
    if flow.get("state") is not None:
        params["state"] = flow["state"]
    params["session_state"] = flow.get("sid") or ""
    return deliver(flow, params)


def _approve_device(flow: dict, user: dict) -> Response:
    entry = pending_device_code(flow)
    if entry is None:
        return _device_code_gone()
    artefacts().settle_device_code(
        entry["_hash"], "approved", user["id"], {"amr": flow["amr"], "sid": flow.get("sid")}
    )
    return message(
        "You're signed in",
        f"You have signed in to the {app_name(flow)} application on your device. You may now close "
        "this window.",
        element_id="device-done",
    )


def pending_device_code(flow: dict) -> dict | None:
    entry = artefacts().device_code_by_user_code(flow["user_code"])
    return entry if entry and entry["status"] == "pending" and not entry["expired"] else None


def _device_code_gone() -> Response:
    return message(
        "That code has expired",
        "The code has expired or has already been used. Request a new code from the application.",
        400,
    )
