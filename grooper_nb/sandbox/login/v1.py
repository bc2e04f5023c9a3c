"""The v1 protocol: ``POST /{tenant}/oauth2/token`` and ``POST /{tenant}/oauth2/devicecode``.

A v1 client names the API it wants a token for with ``resource=`` (an App ID URI or app id), where a v2.0
client sends ``scope={resource}/.default``. The endpoints translate one into the other and run the same
grants (:func:`.token.run_grant`), then answer in v1's shape:
https://learn.microsoft.com/previous-versions/azure/active-directory/azuread-dev/v1-protocols-oauth-code

* numbers as strings (``"expires_in": "3599"``), with ``expires_on`` and ``not_before`` (the token's
  ``exp`` and ``nbf``) and the ``resource`` echoed;
* a refresh token for every grant made for a user (v1 has no ``offline_access``);
* the access token is the one the resource takes (v1.0 for Graph, Exchange and SharePoint), so a v1 and a
  v2.0 client get the same token for the same resource;
* ``grant_type=device_code`` with the device code in ``code`` is v1's device-flow poll; the device
  authorization answer names ``verification_url`` where v2.0 says ``verification_uri``.

The authorize endpoint (``/{tenant}/oauth2/authorize``) is in :mod:`.authorize`.
"""

from __future__ import annotations

from typing import Any

import jwt
from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from ..store import OIDC_SCOPES
from .context import reject_duplicates, require, tenant_or_raise
from .delegation import Delegation, issue_delegated, token_ok
from .errors import AADSTSError
from .grants import DEVICE_CODE
from .token import device_authorization, device_client, run_grant

__all__ = ["bp", "v1_scope"]

bp = Blueprint("v1", __name__)

# v1's own name for a grant, where it differs from the v2.0 one.
_GRANT_TYPES = {"device_code": DEVICE_CODE}
# Grants that need a resource: nothing stored earlier names one.
_NEEDS_RESOURCE = ("client_credentials", "password", "urn:ietf:params:oauth:grant-type:jwt-bearer")


def v1_scope(resource: str, scope: str | None, *, user: bool = True) -> str:
    """The v2.0 ``scope`` a v1 request means: everything consented for ``resource`` (``/.default``), the
    OpenID Connect values it asked for, and ``offline_access`` for a user (v1 always issues a refresh
    token)."""
    values = [f"{resource}/.default"] if resource else []
    values += [v for v in (scope or "").split() if v.lower() in OIDC_SCOPES]
    if user and "offline_access" not in values:
        values.append("offline_access")
    return " ".join(values)


@bp.post("/<segment>/oauth2/token")
def token(segment: str) -> Response:
    tenant_or_raise(segment)
    reject_duplicates(request.form)
    grant_type = require(request.form, "grant_type")
    grant_type = _GRANT_TYPES.get(grant_type, grant_type)
    resource = (request.form.get("resource") or "").strip()
    form = _as_v2(request.form, grant_type, resource)
    tenant, app, outcome = run_grant(segment, form, grant_type)
    if isinstance(outcome, Delegation):
        outcome = issue_delegated(tenant, app, form, outcome)
    if outcome.status_code != 200:
        return outcome
    return token_ok(_v1_body(outcome.get_json(), resource))


def _as_v2(form: Any, grant_type: str, resource: str) -> MultiDict:
    """The request as the v2.0 grants read it: ``scope`` from ``resource``, no ``client_info``."""
    if not resource and grant_type in _NEEDS_RESOURCE:
        raise AADSTSError(900144, param="resource")
    out = MultiDict(form)
    out.pop("client_info", None)
    out.pop("resource", None)
    if resource:
        out["scope"] = v1_scope(resource, form.get("scope"), user=grant_type != "client_credentials")
    else:
        out.pop("scope", None)  # the code's, refresh token's or device code's own scope
    return out


def _v1_body(body: dict[str, Any], resource: str) -> dict[str, Any]:
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    out: dict[str, Any] = {"token_type": body["token_type"]}
    if claims.get("scp"):
        out["scope"] = claims["scp"]
    out.update(
        expires_in=str(body["expires_in"]),
        ext_expires_in=str(body["ext_expires_in"]),
        expires_on=str(claims["exp"]),
        not_before=str(claims["nbf"]),
        resource=resource or claims["aud"],
        access_token=body["access_token"],
    )
    for name in ("refresh_token", "id_token"):
        if name in body:
            out[name] = body[name]
    return out


@bp.post("/<segment>/oauth2/devicecode")
def devicecode(segment: str) -> Response:
    tenant, app = device_client(segment)
    resource = require(request.form, "resource")
    body = device_authorization(tenant, app, v1_scope(resource, request.form.get("scope")))
    body["verification_url"] = body.pop("verification_uri")
    return token_ok(body)
