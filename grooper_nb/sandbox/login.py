"""``login.microsoftonline.com``: Flask app, discovery and JWKS (reference/microsoft-protocols.md §1.1–1.3).

:func:`create_login_app` builds the identity host. Its routes live in three modules, one per concern:

* here — OIDC discovery (v2.0 and v1), JWKS, ``/common/discovery/instance`` (MSAL's instance discovery),
  ``/common/userrealm/<upn>`` (MSAL's ROPC realm check);
* :mod:`.pages` — what a person sees: ``/authorize``, ``/devicelogin``, ``/adminconsent``, ``/logout``,
  the ``nativeclient`` landing page;
* :mod:`.token` — ``/token`` (every grant) and ``/devicecode``.

URLs in discovery documents are built from the request's Host, so the same app answers as
``login.microsoftonline.com`` (through the proxy) and as ``127.0.0.1:PORT`` (direct). Tokens say
``iss = https://login.microsoftonline.com/...`` for the former and the loopback origin for the latter.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, render_template, request

from .errors import AADSTSError, error_body, error_headers

__all__ = [
    "bp",
    "check_audience",
    "create_login_app",
    "json_response",
    "resolve_tenant",
    "store",
    "tenant_or_raise",
]

bp = Blueprint("discovery", __name__)

PSEUDO_TENANTS = ("common", "organizations", "consumers")
CONSUMERS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
_TEMPLATES = Path(__file__).with_name("templates")


def create_login_app(store: Any, *, browser_url: str, person_pages_only: bool = False) -> Flask:
    """The identity host as a Flask app.

    ``person_pages_only`` leaves out the machine endpoints (discovery, /token): the plain-http loopback
    "browser" surface serves only what a person opens.
    """
    from . import pages, token  # the route modules import helpers from here

    app = Flask(
        __name__,
        template_folder=str(_TEMPLATES),
        static_folder=str(_TEMPLATES / "static"),
        static_url_path="/_sandbox/static",
    )
    app.config["SANDBOX_STORE"] = store
    app.config["BROWSER_URL"] = browser_url.rstrip("/")
    app.json.sort_keys = False
    if not person_pages_only:
        app.register_blueprint(bp)
        app.register_blueprint(token.bp)
    app.register_blueprint(pages.bp)
    app.register_error_handler(AADSTSError, _render_error)
    app.after_request(_common_headers)
    return app


def store() -> Any:
    return current_app.config["SANDBOX_STORE"]


def browser_url() -> str:
    return current_app.config["BROWSER_URL"]


def origin() -> str:
    """``https://login.microsoftonline.com`` through the proxy, else this server's own origin."""
    return f"{request.scheme}://{request.host}"


def issuer_origin() -> str:
    """The origin tokens name as issuer: the person-facing loopback surface stands in for the real host."""
    return "https://login.microsoftonline.com" if request.scheme == "http" else origin()


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    resp = Response(json.dumps(body), status=status, mimetype="application/json")
    resp.headers["Content-Type"] = "application/json; charset=utf-8"
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def _render_error(exc: AADSTSError) -> Response:
    body = error_body(exc, request.headers.get("client-request-id"))
    if getattr(g, "page_errors", False):
        html = render_template(
            "error.html", body=body, code=exc.code, message=exc.message, details=_script_safe_json(body)
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


def resolve_tenant(segment: str) -> dict[str, Any] | None:
    """The tenant a URL's first segment names; pseudo-tenants resolve to the one sandbox tenant."""
    if segment.lower() in PSEUDO_TENANTS:
        return store().tenant
    return store().resolve_tenant(segment)


def tenant_or_raise(segment: str, *, error: str | None = None) -> dict[str, Any]:
    tenant = resolve_tenant(segment)
    if tenant is None:
        raise AADSTSError(90002, tenant=segment, error=error)
    return tenant


def check_audience(segment: str, app: dict[str, Any]) -> None:
    """``/consumers`` serves Microsoft accounts, which the sandbox has none of (§1.1).

    An app for Entra users only (AzureADMyOrg, AzureADMultipleOrgs) gets AADSTS9002331 there, as from
    Entra; an app that also takes personal accounts gets 90002 (no Microsoft-account directory here).
    The consumer tenant's GUID never resolves at all (90002 from :func:`tenant_or_raise`).
    """
    if segment.lower() != "consumers":
        return
    if app.get("signInAudience") in ("AzureADMyOrg", "AzureADMultipleOrgs", None):
        raise AADSTSError(9002331, client_id=app["appId"], client_name=app["displayName"])
    raise AADSTSError(90002, tenant=segment)


# -- discovery (§1.2) ---------------------------------------------------------------------------------


def _discovery_doc(segment: str, *, v2: bool) -> dict[str, Any]:
    tenant = tenant_or_raise(segment, error="invalid_tenant")
    base = origin()
    pseudo = segment.lower() in PSEUDO_TENANTS
    path_tenant = segment.lower() if pseudo else tenant["id"]
    issuer_tid = (
        "{tenantid}"
        if pseudo and segment.lower() != "consumers"
        else (CONSUMERS_TENANT_ID if pseudo else tenant["id"])
    )
    # The v1 document names the v2.0 authorize/token/devicecode endpoints: the sandbox serves only the v2.0
    # protocol (scope=, not the v1 resource=), and an advertised v1 URL would be a 404. v1 clients that
    # read the document for its issuer and keys (token validation) get the real v1 values.
    oauth = f"{base}/{path_tenant}/oauth2/v2.0"
    logout = f"{oauth}/logout" if v2 else f"{base}/{path_tenant}/oauth2/logout"
    doc: dict[str, Any] = {
        "token_endpoint": f"{oauth}/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{base}/{path_tenant}/discovery/v2.0/keys" if v2 else f"{base}/common/discovery/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"]
        if v2
        else ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base}/{issuer_tid}/v2.0" if v2 else f"https://sts.windows.net/{issuer_tid}/",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": f"{oauth}/authorize",
        "device_authorization_endpoint": f"{oauth}/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": logout,
        "claims_supported": [
            "sub",
            "iss",
            "cloud_instance_name",
            "cloud_instance_host_name",
            "cloud_graph_host_name",
            "msgraph_host",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "acr",
            "nonce",
            "preferred_username",
            "name",
            "tid",
            "ver",
            "at_hash",
            "c_hash",
            "email",
        ],
        "tenant_region_scope": None if pseudo else "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }
    return doc


_DISCOVERY_HEADERS = {"Cache-Control": "max-age=86400, private", "Access-Control-Allow-Origin": "*"}


@bp.get("/<segment>/v2.0/.well-known/openid-configuration")
def openid_configuration_v2(segment: str) -> Response:
    return json_response(_discovery_doc(segment, v2=True), headers=_DISCOVERY_HEADERS)


@bp.get("/<segment>/.well-known/openid-configuration")
def openid_configuration_v1(segment: str) -> Response:
    return json_response(_discovery_doc(segment, v2=False), headers=_DISCOVERY_HEADERS)


@bp.get("/<segment>/discovery/v2.0/keys")
@bp.get("/<segment>/discovery/keys")
@bp.get("/discovery/keys")
def jwks(segment: str = "common") -> Response:
    tenant_or_raise(segment, error="invalid_tenant")
    return json_response(store().keys.jwks(f"{origin()}/{{tenantid}}/v2.0"), headers=_DISCOVERY_HEADERS)


@bp.get("/common/discovery/instance")
@bp.get("/organizations/discovery/instance")
def instance_discovery() -> Response:
    """MSAL's instance discovery (§1.2): where the tenant discovery document is, and host aliases."""
    authorize = request.args.get("authorization_endpoint", "")
    segment = "common"
    parts = authorize.split("/")
    if len(parts) > 3 and parts[3]:
        segment = parts[3]
    host = request.host
    return json_response(
        {
            "tenant_discovery_endpoint": f"https://{host}/{segment}/v2.0/.well-known/openid-configuration",
            "api-version": request.args.get("api-version", "1.1"),
            "metadata": [
                {
                    "preferred_network": "login.microsoftonline.com",
                    "preferred_cache": "login.windows.net",
                    "aliases": [
                        "login.microsoftonline.com",
                        "login.windows.net",
                        "login.microsoft.com",
                        "sts.windows.net",
                    ],
                },
                {
                    "preferred_network": "login.partner.microsoftonline.cn",
                    "preferred_cache": "login.partner.microsoftonline.cn",
                    "aliases": ["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"],
                },
                {
                    "preferred_network": "login.microsoftonline.us",
                    "preferred_cache": "login.microsoftonline.us",
                    "aliases": ["login.microsoftonline.us", "login.usgovcloudapi.net"],
                },
            ],
        },
        headers=_DISCOVERY_HEADERS,
    )


@bp.get("/common/userrealm/<path:upn>")
@bp.get("/common/userrealm/")
def userrealm(upn: str = "") -> Response:
    """Home-realm discovery MSAL runs before ROPC: Managed for the sandbox's domains, else Unknown."""
    domain = upn.rsplit("@", 1)[-1].lower() if "@" in upn else ""
    tenant = store().tenant
    if domain in (d.lower() for d in tenant["domains"]):
        body = {
            "ver": "1.0",
            "account_type": "Managed",
            "domain_name": domain,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_audience_urn": "urn:federation:MicrosoftOnline",
        }
    else:
        body = {"ver": "1.0", "account_type": "Unknown", "cloud_instance_name": "microsoftonline.com"}
    return json_response(body)
