"""``login.microsoftonline.com``: the identity host, one module per endpoint or concern.

The route table (blueprints, in the order they are registered):

==========================  =============================================================================
:mod:`.discovery`           OIDC discovery (v2.0, v1), JWKS, ``/common/discovery/instance``, userrealm
:mod:`.token`               ``/oauth2/v2.0/token`` (grants in :mod:`.grants`, client authentication in
                            :mod:`.client_auth`, issuing in :mod:`.delegation` and :mod:`.issuance`) and
                            ``/oauth2/v2.0/devicecode``
:mod:`.v1`                  ``/oauth2/token`` and ``/oauth2/devicecode``: the v1 protocol (``resource=``)
:mod:`.authorize`           ``/oauth2/v2.0/authorize``, v1's ``/oauth2/authorize`` and the ``nativeclient``
                            landing page
:mod:`.signin`              the sign-in and MFA forms (the password check is :mod:`.accounts`)
:mod:`.consent`             the consent form (what it asks and writes: :mod:`.permissions`)
:mod:`.device_login`        ``/devicelogin``
:mod:`.admin_consent`       ``/adminconsent`` (v1 and v2.0)
:mod:`.logout`              ``/oauth2/v2.0/logout`` (and v1)
==========================  =============================================================================

:data:`MACHINE_ENDPOINTS` are what MSAL calls; :data:`PERSON_PAGES` are what a person opens, served on
both surfaces: the TLS host and the plain loopback ``browser_url`` (:func:`create_app` with
``person_pages_only``). Errors are AADSTS bodies (:mod:`.errors`), or an HTML error page where Entra
shows one instead of redirecting. Paths match in any case, as Entra's do (:class:`_CaseInsensitivePaths`).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, render_template, request

from . import admin_consent, authorize, consent, device_login, discovery, logout, signin, token, v1
from .context import LOGIN_HOST, json_response
from .errors import AADSTSError, error_body, error_headers

__all__ = ["LOGIN_HOST", "MACHINE_ENDPOINTS", "PERSON_PAGES", "RESOURCE_CHALLENGE_URI", "create_app"]

MACHINE_ENDPOINTS = (discovery.bp, token.bp, v1.bp)
PERSON_PAGES = (authorize.bp, signin.bp, consent.bp, device_login.bp, admin_consent.bp, logout.bp)

# Error pages whose heading is not the generic one: AADSTS90094 is Entra's "Need admin approval" page
# (https://learn.microsoft.com/entra/identity/enterprise-apps/configure-user-consent).
_PAGE_TITLES = {90094: "Need admin approval"}

# The v1 authorize endpoint a resource server names in its ``WWW-Authenticate: Bearer`` challenge.
RESOURCE_CHALLENGE_URI = f"https://{LOGIN_HOST}/common/oauth2/authorize"

_TEMPLATES = Path(__file__).with_name("templates")


def create_app(store: Any, *, browser_url: str, person_pages_only: bool = False) -> Flask:
    """The identity host as a Flask app.

    ``person_pages_only`` leaves out the machine endpoints (discovery, /token): the plain-http loopback
    "browser" surface serves only what a person opens.
    """
    app = Flask(
        __name__,
        template_folder=str(_TEMPLATES),
        static_folder=str(_TEMPLATES / "static"),
        static_url_path="/_sandbox/static",
    )
    app.config["SANDBOX_STORE"] = store
    app.config["BROWSER_URL"] = browser_url.rstrip("/")
    app.json.sort_keys = False
    for blueprint in PERSON_PAGES if person_pages_only else MACHINE_ENDPOINTS + PERSON_PAGES:
        app.register_blueprint(blueprint)
    app.register_error_handler(AADSTSError, _render_error)
    app.after_request(_common_headers)
    app.wsgi_app = _CaseInsensitivePaths(app.wsgi_app, _route_words(app))
    return app


def _route_words(app: Flask) -> set[str]:
    """The fixed words of the app's routes (``oauth2``, ``v2.0``, ``token``, ``userrealm``, ...)."""
    return {
        part for rule in app.url_map.iter_rules() for part in rule.rule.split("/") if part and "<" not in part
    }


class _CaseInsensitivePaths:
    """Entra matches its paths without regard to case: ADAL asks ``/common/UserRealm/{upn}``, old scripts
    post to ``/OAuth2/Token``. Each path segment that spells a route word in another case is rewritten to
    the route's spelling before Flask routes the request; variable segments (a tenant, a UPN) are left as
    they are."""

    def __init__(self, wsgi_app: Any, words: set[str]):
        self.wsgi_app = wsgi_app
        self.words = {word.lower(): word for word in words}

    def __call__(self, environ: dict, start_response: Any) -> Any:
        parts = environ.get("PATH_INFO", "").split("/")
        environ["PATH_INFO"] = "/".join(self.words.get(part.lower(), part) for part in parts)
        return self.wsgi_app(environ, start_response)


def _render_error(exc: AADSTSError) -> Response:
    body = error_body(exc, request.headers.get("client-request-id"))
    if getattr(g, "page_errors", False):
        html = render_template(
            "error.html",
            body=body,
            code=exc.code,
            message=exc.message,
            details=_script_safe_json(body),
            title=_PAGE_TITLES.get(exc.code),
        )
        resp = Response(html, status=exc.status, mimetype="text/html")
        resp.headers.update(error_headers(body))
        return resp
    return json_response(body, exc.status, error_headers(body))


def _script_safe_json(body: Any) -> str:
    # Request values (a redirect URI, a tenant name) end up in the body: keep "</script>" out of the page.
    return json.dumps(body).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _common_headers(resp: Response) -> Response:
    resp.headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
    resp.headers.setdefault("x-ms-ests-server", "2.1.sandbox - local")
    resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    return resp
