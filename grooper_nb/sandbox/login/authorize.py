"""``/{tenant}/oauth2/v2.0/authorize`` (and v1's ``/{tenant}/oauth2/authorize``): the start of the
authorization code flow, and the ``nativeclient`` landing page desktop apps redirect to.

https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-authorization-code:
``response_mode`` ``query``/``fragment``/``form_post``, PKCE (RFC 7636), ``login_hint``,
``prompt=login|none|consent|select_account``. Served on both surfaces: the TLS host (what MSAL's
``auth_uri`` names) and the plain loopback ``browser_url`` (what a person's ordinary browser can open).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, g, render_template, request
from werkzeug.datastructures import MultiDict

from ..store import redirect_uris
from .context import LOGIN_HOST, artefacts, check_audience, directory, issuer_origin, store, tenant_or_raise
from .errors import AADSTSError
from .flow import proceed
from .issuance import known_scope_values, parse_scopes
from .permissions import needed_consent
from .respond import redirect_error, signin_page
from .session import MFA_OK, SIGNIN, current_session, session_user
from .v1 import v1_scope

__all__ = ["NATIVECLIENT_URI", "bp", "redirect_uri_matches"]

bp = Blueprint("authorize", __name__)

NATIVECLIENT_PATH = "/common/oauth2/nativeclient"
# The redirect URI Entra offers desktop apps ("https://login.microsoftonline.com/common/oauth2/nativeclient").
NATIVECLIENT_URI = f"https://{LOGIN_HOST}{NATIVECLIENT_PATH}"


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


@bp.get("/<segment>/oauth2/v2.0/authorize")
@bp.post("/<segment>/oauth2/v2.0/authorize")
def authorize(segment: str) -> Response:
    return _authorize(segment, request.values)


@bp.get("/<segment>/oauth2/authorize")
@bp.post("/<segment>/oauth2/authorize")
def authorize_v1(segment: str) -> Response:
    """v1: the API is named by ``resource=``, and the code is good for a refresh token too:
    https://learn.microsoft.com/previous-versions/azure/active-directory/azuread-dev/v1-protocols-oauth-code#request-an-authorization-code
    """
    args = MultiDict(request.values)
    args["scope"] = v1_scope((args.get("resource") or "").strip(), args.get("scope"))
    return _authorize(segment, args)


def _authorize(segment: str, args: Any) -> Response:
    g.page_errors = True  # until the redirect URI is trusted, errors are shown, never redirected
    tenant = tenant_or_raise(segment)
    client_id = args.get("client_id")
    if not client_id:
        raise AADSTSError(900144, param="client_id")
    app = directory().application(client_id)
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
        # Implicit and hybrid responses travel in the fragment by default, codes in the query .
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
        return redirect_error(flow, exc)

    session = current_session()
    if session and flow["prompt"] not in ("login", "select_account"):
        hint = flow["login_hint"].lower()
        user = session_user(session)
        if user and (not hint or hint == user["userPrincipalName"].lower()):
            flow.update(user_id=user["id"], amr=session.get("amr", ["pwd"]), sid=session["id"], stage=MFA_OK)
            if flow["prompt"] == "none" and needed_consent(flow, user):
                # prompt=none never shows a page: a missing consent is the app's to ask for .
                exc = AADSTSError(
                    65001, error="consent_required", client_id=app["appId"], client_name=app["displayName"]
                )
                exc.suberror = None
                return redirect_error(flow, exc)
            return proceed(artefacts().create_flow(flow), flow)
    if flow["prompt"] == "none":
        return redirect_error(flow, AADSTSError(50058))
    if session and flow["prompt"] == "select_account" and not flow["login_hint"]:
        user = session_user(session)
        flow["login_hint"] = user["userPrincipalName"] if user else ""
    flow_id = artefacts().create_flow(flow)
    return signin_page(flow_id, flow)


def _check_authorize_request(args: Any, response_type: set[str], flow: dict) -> None:
    """What /authorize refuses on the redirect .

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
    _check_code_challenge(flow["code_challenge"], flow["code_challenge_method"])


# RFC 7636 section 4.2: an S256 challenge is BASE64URL(SHA256(verifier)), 32 bytes written without padding.
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")


def _check_code_challenge(challenge: str | None, method: str | None) -> None:
    """PKCE as Entra checks it at /authorize (codes from
    https://learn.microsoft.com/entra/identity-platform/reference-error-codes):

    * a method other than ``S256`` or ``plain``: AADSTS50149;
    * an S256 challenge that is not exactly 43 base64url characters: AADSTS501491. A padded challenge
      (``...=``, 44 characters) is the classic hand-rolled PKCE bug; Entra refuses it here, before
      sign-in, instead of failing the redemption later with 501481;
    * a plain challenge (the verifier itself) outside 43–128 characters (RFC 7636 section 4.1): AADSTS501491.
    """
    if method not in (None, "S256", "plain"):
        raise AADSTSError(50149)
    if challenge is None:
        return
    if method == "S256" and not _S256_CHALLENGE.fullmatch(challenge):
        raise AADSTSError(501491)
    if not 43 <= len(challenge) <= 128:
        raise AADSTSError(501491)


@bp.get(NATIVECLIENT_PATH)
def nativeclient() -> Response:
    """Where desktop apps registered with the nativeclient URI land; shows the URL to copy back."""
    url = f"{issuer_origin()}{request.full_path.rstrip('?')}"
    error = request.args.get("error")
    html = render_template("nativeclient.html", url=url, has_code="code" in request.args, error=error)
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store, no-cache"})
