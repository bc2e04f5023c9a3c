"""The browser session (the ``ESTSAUTH`` cookie) and the stages of a sign-in flow.

Every interactive step is one server-side *flow* (``store.artefacts.create_flow``); pages carry only its
opaque id, never a password, secret, code_verifier or token (the ``form_post`` page carries the
authorization code, as the protocol requires). A successful sign-in sets an ``ESTSAUTH`` session cookie,
so later ``/authorize`` calls are single sign-on, and ``prompt=none`` works.

A flow moves through *stages*, and each handler that changes something accepts a flow only at the stage
it belongs to, so posting a form out of order (a consent form straight after the password, skipping
MFA) gets nowhere::

    signin ──password──▶ password_ok ──MFA──▶ mfa_ok ──consent page──▶ consent_shown ──Accept──▶ done
                         (MFA users only)     (SSO starts here)

``mfa_ok`` means "authenticated as far as this user must be". Who may consent (an administrator for
admin consent and for admin-only scopes) is checked where the grant is written, not only where the page
is drawn.
"""

from __future__ import annotations

from flask import request

from .accounts import needs_mfa
from .context import artefacts, directory

__all__ = [
    "CONSENT_SHOWN",
    "MFA_OK",
    "PASSWORD_OK",
    "SESSION_COOKIE",
    "SIGNIN",
    "current_session",
    "flow_at",
    "session_user",
]

SESSION_COOKIE = "ESTSAUTH"

# The stages of a flow, in order (see the module docstring).
SIGNIN, PASSWORD_OK, MFA_OK, CONSENT_SHOWN = "signin", "password_ok", "mfa_ok", "consent_shown"


def flow_at(flow_id: str, stage: str) -> dict | None:
    """The flow ``flow_id`` at ``stage`` with a signed-in user; None if it expired or is out of order."""
    flow = artefacts().flow(flow_id) if flow_id else None
    if flow is None or flow.get("stage") != stage or not flow.get("user_id"):
        return None
    return flow


def current_session() -> dict | None:
    sid = request.cookies.get(SESSION_COOKIE)
    return artefacts().session(sid) if sid else None


def session_user(session: dict) -> dict | None:
    """The user a browser session stands for, if they may still use it (enabled, MFA passed if required)."""
    user = directory().user_by_id(session["user_id"])
    if user is None or not user["accountEnabled"] or needs_mfa(user, session.get("amr", [])):
        return None
    return user
