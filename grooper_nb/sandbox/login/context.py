"""What every identity-host handler needs from the request it serves: the store, the two origins, the
tenant a URL names, JSON responses and the checks every endpoint shares.

URLs are built from the request's Host, so the same app answers as ``login.microsoftonline.com``
(through the proxy) and as ``127.0.0.1:PORT`` (direct). Tokens say ``iss =
https://login.microsoftonline.com/...`` for the former and the loopback origin for the latter.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, request

from .errors import AADSTSError

__all__ = [
    "CONSUMERS_TENANT_ID",
    "PSEUDO_TENANTS",
    "artefacts",
    "browser_url",
    "check_audience",
    "check_enabled",
    "directory",
    "issuer_origin",
    "json_response",
    "origin",
    "reject_duplicates",
    "require",
    "resolve_tenant",
    "store",
    "tenant_or_raise",
]

PSEUDO_TENANTS = ("common", "organizations", "consumers")
CONSUMERS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
LOGIN_HOST = "login.microsoftonline.com"


def store() -> Any:
    return current_app.config["SANDBOX_STORE"]


def directory() -> Any:
    """Users, apps, service principals, grants (``store.directory``)."""
    return store().directory


def artefacts() -> Any:
    """Codes, refresh tokens, device codes, flows, sessions (``store.artefacts``)."""
    return store().artefacts


def browser_url() -> str:
    return current_app.config["BROWSER_URL"]


def origin() -> str:
    """``https://login.microsoftonline.com`` through the proxy, else this server's own origin."""
    return f"{request.scheme}://{request.host}"


def issuer_origin() -> str:
    """The origin tokens name as issuer: the person-facing loopback surface stands in for the real host."""
    return f"https://{LOGIN_HOST}" if request.scheme == "http" else origin()


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    resp = Response(json.dumps(body), status=status, mimetype="application/json")
    resp.headers["Content-Type"] = "application/json; charset=utf-8"
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def resolve_tenant(segment: str) -> dict[str, Any] | None:
    """The tenant a URL's first segment names; pseudo-tenants resolve to the one sandbox tenant."""
    if segment.lower() in PSEUDO_TENANTS:
        return directory().tenant
    return directory().resolve_tenant(segment)


def tenant_or_raise(segment: str, *, error: str | None = None) -> dict[str, Any]:
    tenant = resolve_tenant(segment)
    if tenant is None:
        raise AADSTSError(90002, tenant=segment, error=error)
    return tenant


def check_audience(segment: str, app: dict[str, Any]) -> None:
    """May this app be used on the tenant segment of the URL, and is it enabled? Every endpoint that names
    a client app asks, right after finding it.

    * A single-tenant app (``AzureADMyOrg``) on ``/common`` or ``/organizations``: AADSTS50194, in
      Entra's words (https://learn.microsoft.com/entra/identity-platform/reference-error-codes). Those
      aliases stand for "any organisation", which such an app does not serve.
    * ``/consumers`` serves Microsoft accounts, which the sandbox has none of. An app for Entra users only
      (AzureADMyOrg, AzureADMultipleOrgs) gets AADSTS9002331 there, as from Entra; an app that also takes
      personal accounts gets 90002 (no Microsoft-account directory here). The consumer tenant's GUID never
      resolves at all (90002 from :func:`tenant_or_raise`). Authority values:
      https://learn.microsoft.com/entra/identity-platform/msal-client-application-configuration#authority
    * An app whose service principal is disabled (``accountEnabled`` false): AADSTS7000112
      (:func:`check_enabled`).
    """
    alias = segment.lower()
    if alias in ("common", "organizations") and app.get("signInAudience") == "AzureADMyOrg":
        raise AADSTSError(50194, client_id=app["appId"], client_name=app["displayName"])
    if alias == "consumers":
        if app.get("signInAudience") in ("AzureADMyOrg", "AzureADMultipleOrgs", None):
            raise AADSTSError(9002331, client_id=app["appId"], client_name=app["displayName"])
        raise AADSTSError(90002, tenant=segment)
    check_enabled(app)


def check_enabled(app: dict[str, Any]) -> None:
    """AADSTS7000112 for an app whose enterprise app (service principal) an admin disabled: what
    "Enabled for users to sign-in = No" does
    (https://learn.microsoft.com/entra/identity/enterprise-apps/disable-user-sign-in-portal)."""
    sp = directory().service_principal(app["appId"])
    if sp is not None and sp.get("accountEnabled") is False:
        raise AADSTSError(7000112, client_id=app["appId"], client_name=app["displayName"])


def require(form: Any, name: str) -> str:
    """The parameter's value without surrounding blanks; AADSTS900144 when it is missing or blank."""
    value = (form.get(name) or "").strip()
    if not value:
        raise AADSTSError(900144, param=name)
    return value


def reject_duplicates(form: Any) -> None:
    """RFC 6749 section 3.1: request parameters must not be included more than once (AADSTS9002313)."""
    for name, values in form.lists():
        if len(values) > 1:
            raise AADSTSError(9002313, detail=f" The parameter '{name}' is included more than once.")
