"""OpenID Connect discovery (v2.0 and v1), the JWKS, and the two lookups MSAL makes before a flow.

* ``/{tenant}/v2.0/.well-known/openid-configuration`` and the v1 document
  (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri);
* ``/{tenant}/discovery/v2.0/keys`` (the signing keys: https://learn.microsoft.com/entra/identity-platform/signing-key-rollover);
* ``/common/discovery/instance`` (MSAL's instance discovery: where the tenant discovery document is, and
  the host aliases of each cloud);
* ``/common/userrealm/<upn>`` (the home-realm check MSAL runs before ROPC).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from .context import (
    CONSUMERS_TENANT_ID,
    PSEUDO_TENANTS,
    directory,
    json_response,
    origin,
    store,
    tenant_or_raise,
)

__all__ = ["bp"]

bp = Blueprint("discovery", __name__)


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
    # Each document names its own protocol's endpoints: v2.0 (scope=) or v1 (resource=, :mod:`.v1`).
    oauth = f"{base}/{path_tenant}/oauth2/v2.0" if v2 else f"{base}/{path_tenant}/oauth2"
    logout = f"{oauth}/logout"
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
    """MSAL's instance discovery: where the tenant discovery document is, and host aliases."""
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
    tenant = directory().tenant
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
