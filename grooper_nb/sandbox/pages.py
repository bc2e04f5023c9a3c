"""What a person sees on the identity host: sign-in, MFA, consent, device login, admin consent, sign-out.

Implements reference/microsoft-protocols.md §1.4 (``/authorize``: ``query``/``fragment``/``form_post``,
PKCE, ``login_hint``, ``prompt=login|none|consent|select_account``), §1.5f (the device-login page), §1.9
(sign-out) and §4.8 (admin consent, v1 and v2.0). Served on both surfaces: the TLS host (what MSAL's
``auth_uri`` names) and the plain loopback ``browser_url`` (what a person's ordinary browser can open).

Every interactive step is one server-side *flow* (``store.create_flow``); pages carry only its opaque id,
never a password, secret, code_verifier or token (the ``form_post`` page carries the authorization code,
as the protocol requires). A successful sign-in sets an ``ESTSAUTH`` session cookie, so later
``/authorize`` calls are single sign-on, and ``prompt=none`` works.

A flow moves through *stages*, and each handler that changes something accepts a flow only at the stage
it belongs to, so posting a form out of order (a consent form straight after the password, skipping
MFA) gets nowhere::

    signin ──password──▶ password_ok ──MFA──▶ mfa_ok ──consent page──▶ consent_shown ──Accept──▶ done
                         (MFA users only)     (SSO starts here)

``mfa_ok`` means "authenticated as far as this user must be". Who may consent (an administrator for
admin consent and for admin-only scopes) is checked where the grant is written, not only where the page
is drawn.

Stable names for automation: sign-in ``login``, ``passwd``, button "Sign in"; MFA button "Approve"; consent
buttons "Accept"/"Cancel"; device login field ``otc`` and button "Next".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, g, make_response, redirect, render_template, request

from .errors import AADSTSError, error_body
from .issuance import client_info, known_scope_values, parse_scopes
from .login import browser_url, check_audience, issuer_origin, store, tenant_or_raise
from .signin import check_password, needs_mfa
from .store import redirect_uris

__all__ = ["bp", "redirect_uri_matches"]

bp = Blueprint("pages", __name__)

SESSION_COOKIE = "ESTSAUTH"

# The stages of a flow, in order (see the module docstring).
SIGNIN, PASSWORD_OK, MFA_OK, CONSENT_SHOWN = "signin", "password_ok", "mfa_ok", "consent_shown"


def redirect_uri_matches(registered: list[str], given: str) -> bool:
    """Exact match, except Entra's loopback rule: ``http://localhost``/``127.0.0.1`` match on any port."""
    if given in registered:
        return True
    try:
        g_parts = urlsplit(given)
        g_parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    if g_parts.scheme != "http" or g_parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        return False
    for uri in registered:
        r = urlsplit(uri)
        if (
            r.scheme == "http"
            and r.hostname == g_parts.hostname
            and (r.path or "/") == (g_parts.path or "/")
            and r.query == g_parts.query
        ):
            return True
    return False


# -- /authorize ---------------------------------------------------------------------------------------------


@bp.get("/<segment>/oauth2/v2.0/authorize")
@bp.post("/<segment>/oauth2/v2.0/authorize")
def authorize(segment: str) -> Response:
    g.page_errors = True  # until the redirect URI is trusted, errors are shown, never redirected
    args = request.values
    tenant = tenant_or_raise(segment)
    client_id = args.get("client_id")
    if not client_id:
        raise AADSTSError(900144, param="client_id")
    app = store().application(client_id)
    if app is None:
        raise AADSTSError(700016, client_id=client_id, tenant_name=tenant["domain"])
    redirect_uri = args.get("redirect_uri") or (redirect_uris(app) or [""])[0]
    if not redirect_uri_matches(redirect_uris(app), redirect_uri):
        raise AADSTSError(50011, redirect_uri=redirect_uri, client_id=client_id)
    check_audience(segment, app)
    g.page_errors = False
    response_type = set((args.get("response_type") or "").split())
    flow: dict[str, Any] = {
        "kind": "authorize",
        "segment": segment,
        "tenant_id": tenant["id"],
        "client_id": app["appId"],
        "redirect_uri": redirect_uri,
        # Implicit and hybrid responses travel in the fragment by default, codes in the query (§1.4).
        "response_mode": args.get("response_mode") or ("query" if response_type <= {"code"} else "fragment"),
        "state": args.get("state"),
        "nonce": args.get("nonce"),
        "scope": args.get("scope", ""),
        "code_challenge": args.get("code_challenge"),
        "code_challenge_method": args.get("code_challenge_method")
        or ("plain" if args.get("code_challenge") else None),
        "client_info": args.get("client_info") == "1",
        "prompt": (args.get("prompt") or "").lower(),
        "login_hint": args.get("login_hint", ""),
        "issuer_base": issuer_origin(),
        "stage": SIGNIN,
    }
    try:
        _check_authorize_request(args, response_type, flow)
        if not flow["scope"].strip():
            raise AADSTSError(900144, param="scope")
        scopes = parse_scopes(store(), flow["scope"], tenant_name=tenant["display_name"])
        for entry in scopes.resources:
            known_scope_values(entry.sp, entry.values)
    except AADSTSError as exc:
        return _redirect_error(flow, exc)

    session = _current_session()
    if session and flow["prompt"] not in ("login", "select_account"):
        hint = flow["login_hint"].lower()
        user = _session_user(session)
        if user and (not hint or hint == user["userPrincipalName"].lower()):
            flow.update(user_id=user["id"], amr=session.get("amr", ["pwd"]), sid=session["id"], stage=MFA_OK)
            if flow["prompt"] == "none" and _needed_consent(flow, user):
                # prompt=none never shows a page: a missing consent is the app's to ask for (§1.4).
                exc = AADSTSError(
                    65001, error="consent_required", client_id=app["appId"], client_name=app["displayName"]
                )
                exc.suberror = None
                return _redirect_error(flow, exc)
            return _continue(store().create_flow(flow), flow)
    if flow["prompt"] == "none":
        return _redirect_error(flow, AADSTSError(50058))
    if session and flow["prompt"] == "select_account" and not flow["login_hint"]:
        user = _session_user(session)
        flow["login_hint"] = user["userPrincipalName"] if user else ""
    flow_id = store().create_flow(flow)
    return _signin_page(flow_id, flow)


def _check_authorize_request(args: Any, response_type: set[str], flow: dict) -> None:
    """What /authorize refuses on the redirect (§1.4, §3.2).

    The sandbox implements the authorization code flow only. Implicit and hybrid requests get what Entra
    answers for an app without implicit grant enabled (the seeded apps): AADSTS70005 for ``token``,
    700054 for ``id_token``.
    """
    if not response_type:
        raise AADSTSError(900144, param="response_type")
    if flow["response_mode"] not in ("query", "fragment", "form_post"):
        mode = flow["response_mode"]
        flow["response_mode"] = "query"  # the error itself has to travel somehow
        raise AADSTSError(70007, response_mode=mode)
    if "token" in response_type:
        raise AADSTSError(70005, response_type="token")
    if "id_token" in response_type:
        raise AADSTSError(700054)
    if response_type != {"code"}:
        raise AADSTSError(70005, response_type=args.get("response_type"))
    challenge, method = flow["code_challenge"], flow["code_challenge_method"]
    if method not in (None, "S256", "plain"):
        raise AADSTSError(50149, method=method)
    if challenge is not None and not 43 <= len(challenge) <= 128:  # RFC 7636 §4.1-4.2
        raise AADSTSError(501491)


# -- sign-in, MFA, consent ----------------------------------------------------------------------


def _app_name(flow: dict) -> str:
    app = store().application(flow["client_id"]) if flow.get("client_id") else None
    return app["displayName"] if app else "your device"


def _signin_page(
    flow_id: str, flow: dict, *, error: str | None = None, code: int | None = None, status: int = 200
) -> Response:
    html = render_template(
        "signin.html",
        flow_id=flow_id,
        segment=flow.get("segment", "common"),
        login=flow.get("login_hint", ""),
        app_name=_app_name(flow),
        error=error,
        code=code,
    )
    return Response(html, status=status, mimetype="text/html")


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
    flow = store().flow(flow_id)
    if flow is None:
        return _message("Your sign-in session expired", "Start signing in again from the application.", 400)
    upn = request.form.get("login", "").strip()
    flow["login_hint"] = upn
    try:
        user = check_password(store(), upn, request.form.get("passwd", ""), domain=store().tenant["domain"])
    except AADSTSError as exc:
        return _signin_page(flow_id, flow, error=_SIGNIN_ERRORS[exc.code], code=exc.code)
    flow.update(user_id=user["id"], amr=["pwd"], sid=None)
    if needs_mfa(user, flow["amr"]):
        flow["stage"] = PASSWORD_OK
        store().update_flow(flow_id, flow)
        html = render_template("mfa.html", flow_id=flow_id, segment=segment, upn=user["userPrincipalName"])
        return Response(html, mimetype="text/html")
    flow["stage"] = MFA_OK
    return _signed_in(flow_id, flow, user)


@bp.post("/<segment>/mfa")
def mfa(segment: str) -> Response:
    flow_id = request.form.get("flow", "")
    flow = _flow_at(flow_id, PASSWORD_OK)
    if flow is None:
        return _expired()
    flow.update(amr=["pwd", "mfa"], stage=MFA_OK)
    return _signed_in(flow_id, flow, store().user_by_id(flow["user_id"]))


def _flow_at(flow_id: str, stage: str) -> dict | None:
    """The flow ``flow_id`` at ``stage`` with a signed-in user; None if it expired or is out of order."""
    flow = store().flow(flow_id) if flow_id else None
    if flow is None or flow.get("stage") != stage or not flow.get("user_id"):
        return None
    return flow


def _expired() -> Response:
    return _message("Your sign-in session expired", "Start signing in again from the application.", 400)


def _signed_in(flow_id: str, flow: dict, user: dict) -> Response:
    sid = store().create_session(user["id"], {"amr": flow["amr"]})
    flow["sid"] = sid
    store().update_flow(flow_id, flow)
    resp = _continue(flow_id, flow)
    resp.set_cookie(
        SESSION_COOKIE, sid, httponly=True, samesite="Lax", secure=request.scheme == "https", path="/"
    )
    return resp


def _current_session() -> dict | None:
    sid = request.cookies.get(SESSION_COOKIE)
    return store().session(sid) if sid else None


def _session_user(session: dict) -> dict | None:
    """The user a browser session stands for, if they may still use it (enabled, MFA passed if required)."""
    user = store().user_by_id(session["user_id"])
    if user is None or not user["accountEnabled"] or needs_mfa(user, session.get("amr", [])):
        return None
    return user


def _needed_consent(flow: dict, user: dict) -> list[tuple[dict, list[str]]]:
    """(resource SP, scope values) the user still has to consent to for this flow."""
    app = store().application(flow["client_id"])
    client_sp = store().service_principal(app["appId"])
    tenant = store().tenant
    scopes = parse_scopes(store(), flow["scope"], tenant_name=tenant["display_name"])
    needed = []
    for entry in scopes.resources:
        granted = {s.lower() for s in store().granted_scopes(client_sp["id"], entry.sp["id"], user["id"])}
        if entry.is_default:
            wanted = _required_scopes(app, entry.sp)
        else:
            wanted = known_scope_values(entry.sp, entry.values)
        missing = [v for v in wanted if v.lower() not in granted]
        if missing or (flow.get("prompt") == "consent" and flow["kind"] != "admin"):
            needed.append((entry.sp, missing or wanted))
    return needed


def _required_scopes(app: dict, sp: dict) -> list[str]:
    by_id = {s["id"]: s["value"] for s in sp.get("oauth2PermissionScopes", [])}
    out = []
    for req in app.get("requiredResourceAccess", []):
        if req["resourceAppId"].lower() == sp["appId"].lower():
            out += [
                by_id[a["id"]] for a in req["resourceAccess"] if a["type"] == "Scope" and a["id"] in by_id
            ]
    return out


def _continue(flow_id: str, flow: dict) -> Response:
    """After sign-in (stage ``mfa_ok``): consent if needed, then finish (a code / an approved device)."""
    user = store().user_by_id(flow["user_id"])
    if flow["kind"] == "admin":
        return _admin_consent_page(flow_id, flow, user)
    needed = _needed_consent(flow, user)
    if needed and not flow.get("consented"):
        return _consent_page(flow_id, flow, user, needed)
    return _finish(flow_id, flow, user)


def _is_admin(user: dict) -> bool:
    return "Global Administrator" in user["_sandbox"]["directory_roles"]


def _check_may_consent(flow: dict, user: dict, needed: list[tuple[dict, list[str]]]) -> None:
    """AADSTS90094 unless ``user`` may grant ``needed``: admin consent and admin-only scopes need an admin."""
    admin_only = [
        v
        for sp, values in needed
        for v in values
        if any(s["value"] == v and s.get("type") == "Admin" for s in sp.get("oauth2PermissionScopes", []))
    ]
    if (flow["kind"] == "admin" or admin_only) and not _is_admin(user):
        g.page_errors = True
        raise AADSTSError(90094, client_name=store().application(flow["client_id"])["displayName"])


def _show_consent(flow_id: str, flow: dict, user: dict, items: list[str], *, admin: bool) -> Response:
    flow["stage"] = CONSENT_SHOWN
    store().update_flow(flow_id, flow)
    html = render_template(
        "consent.html",
        flow_id=flow_id,
        segment=flow.get("segment", "common"),
        app_name=_app_name(flow),
        upn=user["userPrincipalName"],
        permissions=items,
        can_consent_for_org=not admin and _is_admin(user),
        admin=admin,
    )
    return Response(html, mimetype="text/html")


def _consent_page(flow_id: str, flow: dict, user: dict, needed: list[tuple[dict, list[str]]]) -> Response:
    _check_may_consent(flow, user, needed)
    items = [_describe_scope(sp, v) for sp, values in needed for v in values]
    return _show_consent(flow_id, flow, user, items, admin=False)


def _describe_scope(sp: dict, value: str) -> str:
    scope = next((s for s in sp.get("oauth2PermissionScopes", []) if s["value"] == value), None)
    label = scope.get("userConsentDisplayName") or value if scope else value
    return f"{label} ({sp['displayName']}: {value})"


@bp.post("/<segment>/consent")
def consent(segment: str) -> Response:
    flow_id = request.form.get("flow", "")
    flow = _flow_at(flow_id, CONSENT_SHOWN)
    if flow is None:
        return _expired()
    user = store().user_by_id(flow["user_id"])
    if user is None or needs_mfa(user, flow.get("amr", [])):
        return _expired()
    if request.form.get("action") != "accept":
        return _declined(flow_id, flow, user)
    if flow["kind"] == "admin":
        _check_may_consent(flow, user, [])
        _grant_admin_consent(flow)
        store().delete_flow(flow_id)
        params = {"admin_consent": "True", "tenant": flow["tenant_id"], "state": flow.get("state")}
        if flow.get("scope"):
            params["scope"] = flow["scope"]
        return _admin_redirect(flow, params)
    app = store().application(flow["client_id"])
    client_sp = store().service_principal(app["appId"])
    needed = _needed_consent(flow, user)
    _check_may_consent(flow, user, needed)
    for_org = request.form.get("consent_for_org") == "on" and _is_admin(user)
    for sp, values in needed:
        store().add_permission_grant(client_sp["id"], sp["id"], values, None if for_org else user["id"])
    flow["consented"] = True
    store().update_flow(flow_id, flow)
    return _finish(flow_id, flow, user)


def _declined(flow_id: str, flow: dict, user: dict) -> Response:
    """Cancel on a consent page: the device code is declined, the app is told (§1.4, §4.8)."""
    store().delete_flow(flow_id)
    if flow["kind"] == "device":
        entry = _pending_device_code(flow)
        if entry is None:
            return _device_code_gone()
        store().settle_device_code(entry["_hash"], "declined", user["id"], {})
        return _message("Sign-in declined", "You declined the request. You can close this window.")
    if flow["kind"] == "admin":
        params = {
            "error": "permission_denied",
            "error_description": "The admin canceled the request",
            "state": flow.get("state"),
        }
        return _admin_redirect(flow, params)
    return _redirect_error(flow, AADSTSError(65004))


def _finish(flow_id: str, flow: dict, user: dict) -> Response:
    """The end of a sign-in: an authorization code to the redirect URI, or the device code approved."""
    store().delete_flow(flow_id)
    if needs_mfa(user, flow.get("amr", [])):  # the last gate before anything is issued
        return _expired()
    if flow["kind"] == "device":
        entry = _pending_device_code(flow)
        if entry is None:
            return _device_code_gone()
        store().settle_device_code(
            entry["_hash"], "approved", user["id"], {"amr": flow["amr"], "sid": flow.get("sid")}
        )
        return _message(
            "You're signed in",
            f"You have signed in to the {_app_name(flow)} application on your device. You may now close "
            "this window.",
            element_id="device-done",
        )
    code = store().create_code(
        {
            key: flow.get(key)
            for key in (
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
        }
    )
    params = {"code": code}
    tenant = store().tenant
    if flow.get("client_info"):
        params["client_info"] = client_info(user, tenant)
    if flow.get("state") is not None:
        params["state"] = flow["state"]
    params["session_state"] = flow.get("sid") or ""
    return _deliver(flow, params)


def _pending_device_code(flow: dict) -> dict | None:
    entry = store().device_code_by_user_code(flow["user_code"])
    return entry if entry and entry["status"] == "pending" and not entry["expired"] else None


def _device_code_gone() -> Response:
    return _message(
        "That code has expired",
        "The code has expired or has already been used. Request a new code from the application.",
        400,
    )


def _reachable_redirect(redirect_uri: str) -> str:
    """The redirect URI, moved onto ``browser_url`` when it is a page of the impersonated login host and
    the person is on the plain loopback surface (e.g. the ``…/common/oauth2/nativeclient`` landing page):
    their ordinary browser would otherwise leave the sandbox for the real Microsoft site."""
    parts = urlsplit(redirect_uri)
    if request.scheme == "http" and parts.hostname == "login.microsoftonline.com":
        base = urlsplit(browser_url())
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))
    return redirect_uri


def _deliver(flow: dict, params: dict[str, Any]) -> Response:
    """Send the authorize response to the redirect URI per ``response_mode`` (§1.4)."""
    params = {k: v for k, v in params.items() if v is not None}
    target = _reachable_redirect(flow["redirect_uri"])
    if flow.get("response_mode") == "form_post":
        html = render_template("form_post.html", action=target, params=params)
        resp = make_response(Response(html, mimetype="text/html"))
        resp.headers["Cache-Control"] = "no-store, no-cache"
        return resp
    parts = urlsplit(target)
    if flow.get("response_mode") == "fragment":
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, urlencode(params)))
    else:
        query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    resp = redirect(url, code=302)
    resp.headers["Cache-Control"] = "no-store, no-cache"
    return resp


def _redirect_error(flow: dict, exc: AADSTSError) -> Response:
    body = error_body(exc, request.headers.get("client-request-id"))
    params = {
        "error": body["error"],
        "error_description": body["error_description"],
        "error_uri": body["error_uri"],
        "state": flow.get("state"),
    }
    if body.get("suberror"):
        params["suberror"] = body["suberror"]
    return _deliver(flow, params)


def _message(title: str, text: str, status: int = 200, element_id: str = "message") -> Response:
    html = render_template("message.html", title=title, text=text, element_id=element_id)
    return Response(html, status=status, mimetype="text/html")


# -- device login (§1.5f) ---------------------------------------------------------------------------------


@bp.get("/devicelogin")
def devicelogin() -> Response:
    html = render_template("devicelogin.html", error=None, otc=request.args.get("otc", ""))
    return Response(html, mimetype="text/html")


@bp.post("/devicelogin")
def devicelogin_submit() -> Response:
    otc = request.form.get("otc", "")
    entry = store().device_code_by_user_code(otc) if otc.strip() else None
    if entry is None or entry["status"] != "pending" or entry["expired"]:
        if entry is None:
            msg = "That code didn't work. Check the code and try again."
        else:
            msg = "That code has expired or has already been used. Request a new code from the application."
        html = render_template("devicelogin.html", error=msg, otc=otc)
        return Response(html, status=400, mimetype="text/html")
    flow = {
        "kind": "device",
        "segment": entry.get("tenant_id") or store().tenant["id"],
        "tenant_id": store().tenant["id"],
        "client_id": entry["client_id"],
        "user_code": entry["user_code"],
        "scope": entry["scope"],
        "prompt": "",
        "login_hint": "",
        "stage": SIGNIN,
    }
    flow_id = store().create_flow(flow)
    return _signin_page(flow_id, flow)


# -- admin consent (§4.8) ----------------------------------------------------------------------


@bp.get("/<segment>/adminconsent")
@bp.get("/<segment>/v2.0/adminconsent")
def adminconsent(segment: str) -> Response:
    g.page_errors = True
    tenant = tenant_or_raise(segment)
    client_id = request.args.get("client_id")
    if not client_id:
        raise AADSTSError(900144, param="client_id")
    app = store().application(client_id)
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
    flow_id = store().create_flow(flow)
    session = _current_session()
    user = _session_user(session) if session else None
    if user:
        flow.update(user_id=user["id"], amr=session.get("amr", ["pwd"]), sid=session["id"], stage=MFA_OK)
        store().update_flow(flow_id, flow)
        return _continue(flow_id, flow)
    return _signin_page(flow_id, flow)


def _admin_permissions(flow: dict) -> list[tuple[dict, str, str]]:
    """(resource SP, kind "Scope"/"Role", value) the admin consent would grant."""
    app = store().application(flow["client_id"])
    wanted_resources = None
    if flow.get("scope"):
        scopes = parse_scopes(store(), flow["scope"], tenant_name=store().tenant["display_name"])
        wanted_resources = {r.sp["appId"].lower() for r in scopes.resources}
    out = []
    for req in app.get("requiredResourceAccess", []):
        sp = store().service_principal(req["resourceAppId"])
        if sp is None or (wanted_resources is not None and sp["appId"].lower() not in wanted_resources):
            continue
        scopes = {s["id"]: s["value"] for s in sp.get("oauth2PermissionScopes", [])}
        roles = {r["id"]: r["value"] for r in sp.get("appRoles", [])}
        for access in req["resourceAccess"]:
            table = scopes if access["type"] == "Scope" else roles
            if access["id"] in table:
                out.append((sp, access["type"], table[access["id"]]))
    return out


def _admin_consent_page(flow_id: str, flow: dict, user: dict) -> Response:
    _check_may_consent(flow, user, [])
    items = [
        f"{value} ({sp['displayName']}, {'application' if kind == 'Role' else 'delegated'})"
        for sp, kind, value in _admin_permissions(flow)
    ]
    return _show_consent(flow_id, flow, user, items, admin=True)


def _grant_admin_consent(flow: dict) -> None:
    """What "Grant admin consent" writes (§4.7): AllPrincipals grants and one assignment per app role."""
    app = store().application(flow["client_id"])
    client_sp = store().service_principal(app["appId"])
    by_resource: dict[str, list[str]] = {}
    for sp, kind, value in _admin_permissions(flow):
        if kind == "Scope":
            by_resource.setdefault(sp["id"], []).append(value)
        else:
            role_id = next(r["id"] for r in sp["appRoles"] if r["value"] == value)
            store().add_app_role_assignment(client_sp["id"], sp["id"], role_id)
    for sp_id, values in by_resource.items():
        store().add_permission_grant(client_sp["id"], sp_id, values)


def _admin_redirect(flow: dict, params: dict[str, Any]) -> Response:
    return _deliver({**flow, "response_mode": "query"}, params)


# -- sign-out and the nativeclient landing page -------------------------------------------------------------


@bp.route("/<segment>/oauth2/v2.0/logout", methods=["GET", "POST"])
@bp.route("/<segment>/oauth2/logout", methods=["GET", "POST"])
def logout(segment: str) -> Response:
    """§1.9: end the browser session; then go to ``post_logout_redirect_uri`` if an app registered it.

    The address must match a redirect URI of the app named by ``client_id`` (of any app in the tenant
    when there is none), with Entra's loopback rule; anything else shows the signed-out page, so the
    sign-out URL is never an open redirect.
    """
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        store().delete_session(sid)
    target = request.values.get("post_logout_redirect_uri") or ""
    if target and _registered_logout_target(target, request.values.get("client_id")):
        resp = redirect(_reachable_redirect(target), code=302)
    else:
        resp = _message(
            "You signed out of your account",
            "It's a good idea to close all browser windows.",
            element_id="signed-out",
        )
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


def _registered_logout_target(target: str, client_id: str | None) -> bool:
    apps = [store().application(client_id)] if client_id else store().applications()
    return any(app and redirect_uri_matches(redirect_uris(app), target) for app in apps)


@bp.get("/common/oauth2/nativeclient")
def nativeclient() -> Response:
    """Where desktop apps registered with the nativeclient URI land; shows the URL to copy back."""
    url = f"{issuer_origin()}{request.full_path.rstrip('?')}"
    error = request.args.get("error")
    html = render_template("nativeclient.html", url=url, has_code="code" in request.args, error=error)
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store, no-cache"})
