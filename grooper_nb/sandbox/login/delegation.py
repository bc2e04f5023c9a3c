"""What a delegated grant established, and the token response issued for it.

Each grant (:mod:`.grants`) checks its own evidence (a code, a refresh token, a password, an approved
device code, an incoming token) and returns a :class:`Delegation`; :func:`issue_delegated` is the same for
all of them: consent check, access token, refresh and id tokens, ``client_info``
(https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#successful-response-2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response

from ..store import OIDC_SCOPES
from ..store.seed import GRAPH_APP_ID
from .context import artefacts, directory, json_response, origin, store
from .errors import AADSTSError
from .issuance import (
    Grant,
    ResourceScopes,
    Scopes,
    client_info,
    id_token,
    known_scope_values,
    mint_access_token,
    parse_scopes,
    response_scope,
)

__all__ = ["Delegation", "graph_resource", "issue_delegated", "one_resource", "token_ok"]

_TOKEN_HEADERS = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache", "x-ms-clitelem": "1,0,0,,"}


def token_ok(body: dict[str, Any]) -> Response:
    """A successful token-endpoint response (never cached)."""
    return json_response(body, 200, _TOKEN_HEADERS)


def one_resource(scopes: Scopes, *, strict: bool) -> ResourceScopes | None:
    """The resource a token is for; with ``strict``, two resources are AADSTS700022 (else the first wins)."""
    if strict and len(scopes.resources) > 1:
        raise AADSTSError(700022, scope=scopes.text)
    return scopes.resources[0] if scopes.resources else None


def graph_resource(tenant: dict[str, Any]) -> ResourceScopes:
    """Microsoft Graph, named by its app id: the resource of a request that asked for OIDC scopes only."""
    return parse_scopes(store(), f"{GRAPH_APP_ID}/.default", tenant_name=tenant["display_name"]).resources[0]


def _consented_scp(
    app: dict, client_sp: dict | None, resource: ResourceScopes, user: dict, oidc: list[str]
) -> list[str]:
    """The ``scp`` claim: every consented scope of the resource; AADSTS65001 if a requested one is not,
    or if no one consented to the app in this tenant at all (it has no service principal here)."""
    if client_sp is None:
        raise AADSTSError(65001, client_id=app["appId"], client_name=app["displayName"])
    values = known_scope_values(resource.sp, resource.values)
    granted = directory().granted_scopes(client_sp["id"], resource.sp["id"], user["id"])
    lower = {g.lower() for g in granted}
    missing = [v for v in values if v != ".default" and v.lower() not in lower]
    if missing or not [g for g in granted if g not in OIDC_SCOPES]:
        raise AADSTSError(65001, client_id=app["appId"], client_name=app["displayName"])
    scp = [g for g in granted if g != "offline_access"]
    if resource.is_graph:
        # The OpenID Connect scopes are permissions of Microsoft Graph: they show in Graph's tokens only,
        # never in Exchange's, SharePoint's or a custom API's.
        # https://learn.microsoft.com/entra/identity-platform/scopes-oidc#openid-connect-scopes
        scp += [s for s in ("openid", "profile", "email") if "openid" in oidc and s not in scp]
    else:
        scp = [s for s in scp if s not in OIDC_SCOPES]
    return sorted(scp, key=str.lower)


@dataclass
class Delegation:
    """What a delegated grant established; :func:`_delegated_token_response` issues the tokens for it.

    Each grant function checks its own evidence (a code, a refresh token, a password, an approved device
    code, an incoming token) and returns one of these; the issuing is the same for all of them.
    """

    user: dict
    scopes: Scopes
    resource: ResourceScopes | None  # None: only OIDC scopes were asked for -> a Graph token
    acr: str  # "0" public, "1" secret, "2" certificate
    amr: list[str]
    sid: str | None = None
    issuer_base: str | None = None  # where the sign-in happened (default: this request's origin)
    nonce: str | None = None  # the authorize request's, echoed in the id_token
    offline: bool | None = None  # issue a refresh token (default: offline_access was asked for)
    rt_scope: str | None = None  # what the refresh token remembers (default: this request's scope)


def issue_delegated(tenant: dict, app: dict, form: Any, d: Delegation) -> Response:
    """The token response for ``d``: consent check, access token, refresh/id token, client_info."""
    user, scopes, amr, sid = d.user, d.scopes, d.amr, d.sid
    issuer_base = d.issuer_base or origin()
    client_sp = directory().service_principal(app["appId"])
    resource = d.resource or graph_resource(tenant)
    grant = Grant(
        tenant=tenant,
        issuer_base=issuer_base,
        client_app=app,
        client_sp=client_sp,
        resource=resource,
        client_acr=d.acr,
        user=user,
        amr=amr,
        sid=sid,
    )
    grant.scp = _consented_scp(app, client_sp, resource, user, scopes.oidc)
    access, lifetime = mint_access_token(store(), grant)
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "scope": response_scope(grant, scopes.oidc),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
    }
    if scopes.offline if d.offline is None else d.offline:
        body["refresh_token"] = artefacts().create_refresh_token(
            user["id"],
            app["appId"],
            {
                "scope": d.rt_scope or scopes.text,
                "public": d.acr == "0",
                "amr": amr,
                "sid": sid,
                "issuer_base": issuer_base,
                "tenant_id": tenant["id"],
            },
        )
    if scopes.openid:
        body["id_token"] = id_token(
            store(),
            tenant=tenant,
            issuer_base=issuer_base,
            client_id=app["appId"],
            user=user,
            oidc=scopes.oidc,
            nonce=d.nonce,
            sid=sid,
        )
    if form.get("client_info") == "1":
        body["client_info"] = client_info(user, tenant)
    return token_ok(body)
