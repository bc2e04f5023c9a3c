"""How a page answers: the sign-in page, a plain message, and the authorize response delivered to the
redirect URI per ``response_mode`` (``query``, ``fragment``, ``form_post``:
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-authorization-code).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Response, make_response, redirect, render_template, request

from .context import LOGIN_HOST, browser_url, directory
from .errors import AADSTSError, error_body

__all__ = [
    "app_name",
    "deliver",
    "expired",
    "message",
    "reachable_redirect",
    "redirect_error",
    "signin_page",
]


def app_name(flow: dict) -> str:
    app = directory().application(flow["client_id"]) if flow.get("client_id") else None
    return app["displayName"] if app else "your device"


def signin_page(
    flow_id: str, flow: dict, *, error: str | None = None, code: int | None = None, status: int = 200
) -> Response:
    html = render_template(
        "signin.html",
        flow_id=flow_id,
        segment=flow.get("segment", "common"),
        login=flow.get("login_hint", ""),
        app_name=app_name(flow),
        error=error,
        code=code,
    )
    return Response(html, status=status, mimetype="text/html")


def message(title: str, text: str, status: int = 200, element_id: str = "message") -> Response:
    html = render_template("message.html", title=title, text=text, element_id=element_id)
    return Response(html, status=status, mimetype="text/html")


def expired() -> Response:
    return message("Your sign-in session expired", "Start signing in again from the application.", 400)


def reachable_redirect(redirect_uri: str) -> str:
    """The redirect URI, moved onto ``browser_url`` when it is a page of the impersonated login host and
    the person is on the plain loopback surface (e.g. the ``…/common/oauth2/nativeclient`` landing page):
    their ordinary browser would otherwise leave the sandbox for the real Microsoft site."""
    parts = urlsplit(redirect_uri)
    if request.scheme == "http" and parts.hostname == LOGIN_HOST:
        base = urlsplit(browser_url())
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))
    return redirect_uri


def deliver(flow: dict, params: dict[str, Any]) -> Response:
    """Send the authorize response to the redirect URI per ``response_mode``."""
    params = {k: v for k, v in params.items() if v is not None}
    target = reachable_redirect(flow["redirect_uri"])
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


def redirect_error(flow: dict, exc: AADSTSError) -> Response:
    """An AADSTS error sent to the redirect URI (``error``, ``error_description``, ``state``, ...)."""
    body = error_body(exc, request.headers.get("client-request-id"))
    params = {
        "error": body["error"],
        "error_description": body["error_description"],
        "error_uri": body["error_uri"],
        "state": flow.get("state"),
    }
    if body.get("suberror"):
        params["suberror"] = body["suberror"]
    return deliver(flow, params)


def admin_redirect(flow: dict, params: dict[str, Any]) -> Response:
    """The admin-consent response: always in the query."""
    return deliver({**flow, "response_mode": "query"}, params)
