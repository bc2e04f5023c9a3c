"""What the identity host issues: scope resolution, access tokens, id tokens, ``client_info``.

* scopes and ``.default``: https://learn.microsoft.com/entra/identity-platform/scopes-oidc
* the v2.0 id_token: https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference
* v1.0 and v2.0 access tokens: https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
* ``client_info``: MSAL's extension (``uid`` and ``utid``, from which MSAL builds ``home_account_id``).

The token *version* is the
resource's choice (``accessTokenAcceptedVersion``): Graph, Exchange and SharePoint get v1.0 tokens; an
API that asks for 2 (the seeded middle tier) gets v2.0 ones. Graph tokens carry the header ``nonce``
(see :mod:`grooper_nb.sandbox.keys` for the signing convention).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..keys import b64url
from ..store import OIDC_SCOPES
from ..store.seed import GRAPH_APP_ID, MICROSOFT_TENANT_ID
from .errors import AADSTSError

__all__ = [
    "Grant",
    "ResourceScopes",
    "Scopes",
    "client_info",
    "id_token",
    "mint_access_token",
    "parse_scopes",
]


@dataclass
class ResourceScopes:
    """The scopes of one request that name one resource."""

    sp: dict[str, Any]
    audience: str  # how the request named the resource: the v1.0 ``aud``
    values: list[str] = field(default_factory=list)  # scope values ("User.Read") or [".default"]
    raw: list[str] = field(default_factory=list)  # as sent

    @property
    def is_default(self) -> bool:
        return ".default" in self.values

    @property
    def is_graph(self) -> bool:
        return self.sp["appId"] == GRAPH_APP_ID


@dataclass
class Scopes:
    oidc: list[str] = field(default_factory=list)
    resources: list[ResourceScopes] = field(default_factory=list)
    text: str = ""

    @property
    def offline(self) -> bool:
        return "offline_access" in self.oidc

    @property
    def openid(self) -> bool:
        return "openid" in self.oidc


def parse_scopes(store: Any, text: str, *, tenant_name: str) -> Scopes:
    """Split a ``scope`` parameter by resource ; unknown resources raise AADSTS500011.

    A bare value (``User.Read``) means Microsoft Graph, named by its app id. ``{resource}/.default``
    mixed with a single scope of the same resource is refused (AADSTS70011), as Entra refuses it.
    """
    out = Scopes(text=text)
    for raw in text.split():
        if raw.lower() in OIDC_SCOPES:
            if raw.lower() not in out.oidc:
                out.oidc.append(raw.lower())
            continue
        if "/" not in raw:
            # A bare value is a Microsoft Graph scope, and the token's audience is then Graph's app id
            # (the GUID form), not its URI: https://learn.microsoft.com/entra/identity-platform/scopes-oidc
            resource_id, value = GRAPH_APP_ID, raw
        else:
            resource_id, value = raw.rsplit("/", 1)
        sp = store.directory.resource_for(resource_id)
        if sp is None:
            raise AADSTSError(500011, resource=resource_id, tenant_name=tenant_name)
        entry = next((r for r in out.resources if r.sp["id"] == sp["id"]), None)
        if entry is None:
            audience = next(
                (
                    n.rstrip("/")
                    for n in [*sp.get("servicePrincipalNames", []), sp["appId"]]
                    if n.rstrip("/").lower() == resource_id.rstrip("/").lower()
                ),
                resource_id,
            )
            entry = ResourceScopes(sp=sp, audience=audience)
            out.resources.append(entry)
        entry.raw.append(raw)
        entry.values.append(value)
    for entry in out.resources:
        if entry.is_default and len(entry.values) > 1:
            raise AADSTSError(70011, scope=" ".join(entry.raw), detail=" static scope limit exceeded.")
    return out


def known_scope_values(sp: dict[str, Any], values: list[str]) -> list[str]:
    """``values`` in the resource's own spelling; AADSTS70011 for one it does not expose."""
    by_lower = {s["value"].lower(): s["value"] for s in sp.get("oauth2PermissionScopes", [])}
    out = []
    for value in values:
        if value == ".default":
            out.append(value)
            continue
        if value.lower() not in by_lower:
            raise AADSTSError(70011, scope=value, detail="")
        out.append(by_lower[value.lower()])
    return out


@dataclass
class Grant:
    """Everything a token is minted from."""

    tenant: dict[str, Any]
    issuer_base: str  # https://login.microsoftonline.com (or the loopback origin)
    client_app: dict[str, Any]
    client_sp: dict[str, Any]
    resource: ResourceScopes
    client_acr: str  # "0" public, "1" secret, "2" certificate
    user: dict[str, Any] | None = None  # None: app-only
    scp: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    amr: list[str] = field(default_factory=lambda: ["pwd"])
    sid: str | None = None


def _pairwise(*parts: str) -> str:
    return b64url(hashlib.sha256(":".join(parts).encode()).digest())[:43]


def _opaque(n: int = 24) -> str:
    return b64url(secrets.token_bytes(n))


def _uti() -> str:
    return b64url(uuid.uuid4().bytes)[:22]


# Entra sets iat and nbf five minutes before it issues a token, so that a resource whose clock runs a little
# behind accepts the token at once; the lifetime (``expires_in``) still counts from the moment of issue.
# The claims: https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
BACKDATE = 300


def _idtyp(store: Any, sp: dict[str, Any], *, app_only: bool) -> str | None:
    """The ``idtyp`` claim of an access token for ``sp``, or None when Entra writes none.

    Microsoft's own APIs get it always ("app", or "user" on delegated v1.0 tokens). A custom API gets it
    only when its registration asks for the optional claim, and then on app-only tokens only, unless
    ``include_user_token`` is set: https://learn.microsoft.com/entra/identity-platform/optional-claims-reference
    """
    if sp.get("appOwnerOrganizationId") == MICROSOFT_TENANT_ID:
        return "app" if app_only else "user"
    api = store.directory.application(sp["appId"]) or {}
    for claim in (api.get("optionalClaims") or {}).get("accessToken", []):
        if claim.get("name") == "idtyp":
            if app_only:
                return "app"
            return "user" if "include_user_token" in (claim.get("additionalProperties") or []) else None
    return None


def mint_access_token(store: Any, grant: Grant) -> tuple[str, int]:
    """An access token for ``grant.resource`` and its lifetime in seconds."""
    now = int(time.time())
    sp = grant.resource.sp
    tid = grant.tenant["id"]
    v2 = sp.get("accessTokenAcceptedVersion") == 2
    # Entra randomises delegated lifetimes to 60–90 minutes; app-only tokens live 60 minutes.
    lifetime = 3599 if grant.user is None else 3600 + secrets.randbelow(1800)
    claims: dict[str, Any] = {
        "aud": sp["appId"] if v2 else grant.resource.audience,
        "iss": f"{grant.issuer_base}/{tid}/v2.0" if v2 else f"https://sts.windows.net/{tid}/",
        "iat": now - BACKDATE,
        "nbf": now - BACKDATE,
        "exp": now + lifetime,
    }
    idtyp = _idtyp(store, sp, app_only=grant.user is None)
    if grant.user is None:
        claims["aio"] = _opaque()
        if not v2:
            claims["app_displayname"] = grant.client_app["displayName"]
            claims["appid"] = grant.client_app["appId"]
            claims["appidacr"] = grant.client_acr
            claims["idp"] = f"https://sts.windows.net/{tid}/"
        else:
            claims["azp"] = grant.client_app["appId"]
            claims["azpacr"] = grant.client_acr
        if idtyp:
            claims["idtyp"] = idtyp
        claims["oid"] = grant.client_sp["id"]
        claims["rh"] = _opaque(16) + "."
        if grant.roles:
            claims["roles"] = list(grant.roles)
        claims["sub"] = grant.client_sp["id"]
        claims["tid"] = tid
        claims["uti"] = _uti()
        claims["ver"] = "2.0" if v2 else "1.0"
    else:
        user = grant.user
        extra = user.get("_sandbox", {})
        if not v2:
            claims["acr"] = "1"
        claims["aio"] = _opaque()
        if not v2:
            claims["amr"] = list(grant.amr)
            claims["app_displayname"] = grant.client_app["displayName"]
            claims["appid"] = grant.client_app["appId"]
            claims["appidacr"] = grant.client_acr
            claims["family_name"] = user.get("surname")
            claims["given_name"] = user.get("givenName")
            if idtyp:
                claims["idtyp"] = idtyp
            claims["ipaddr"] = "127.0.0.1"
        else:
            claims["azp"] = grant.client_app["appId"]
            claims["azpacr"] = grant.client_acr
            if idtyp:
                claims["idtyp"] = idtyp
        claims["name"] = user["displayName"]
        claims["oid"] = user["id"]
        if v2:
            claims["preferred_username"] = user["userPrincipalName"]
        claims["rh"] = _opaque(16) + "."
        claims["scp"] = " ".join(grant.scp)
        claims["sid"] = grant.sid or str(uuid.uuid4())
        claims["sub"] = _pairwise(user["id"], grant.client_app["appId"])
        claims["tid"] = tid
        if not v2:
            claims["unique_name"] = user["userPrincipalName"]
            claims["upn"] = user["userPrincipalName"]
        claims["uti"] = _uti()
        claims["ver"] = "2.0" if v2 else "1.0"
        claims["wids"] = list(extra.get("wids", []))
    token = store.keys.sign(claims, version="2.0" if v2 else "1.0", graph_nonce=sp["appId"] == GRAPH_APP_ID)
    if grant.user is not None:
        store.artefacts.record_access_token(claims["uti"], grant.user["id"])
    return token, lifetime


def id_token(
    store: Any,
    *,
    tenant: dict,
    issuer_base: str,
    client_id: str,
    user: dict,
    oidc: list[str],
    nonce: str | None = None,
    sid: str | None = None,
) -> str:
    """A v2.0 id_token; echoes the authorize ``nonce``, which MSAL checks."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": client_id,
        "iss": f"{issuer_base}/{tenant['id']}/v2.0",
        "iat": now - BACKDATE,
        "nbf": now - BACKDATE,
        "exp": now + 3600,
        "aio": _opaque(),
    }
    if "email" in oidc and user.get("mail"):
        claims["email"] = user["mail"]
    claims["name"] = user["displayName"]
    if nonce:
        claims["nonce"] = nonce
    claims["oid"] = user["id"]
    claims["preferred_username"] = user["userPrincipalName"]
    claims["rh"] = _opaque(16) + "."
    claims["sid"] = sid or str(uuid.uuid4())
    claims["sub"] = _pairwise(user["id"], client_id)
    claims["tid"] = tenant["id"]
    claims["uti"] = _uti()
    claims["ver"] = "2.0"
    return store.keys.sign(claims, version="2.0")


def client_info(user: dict, tenant: dict) -> str:
    """base64url JSON ``{"uid", "utid"}``; MSAL builds ``home_account_id`` from it."""
    raw = json.dumps({"uid": user["id"], "utid": tenant["id"]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def response_scope(grant: Grant, oidc: list[str]) -> str:
    """The ``scope`` field: Graph answers short names, other resources full URIs."""
    if grant.user is None:
        return f"{grant.resource.audience}/.default"
    prefix = "" if grant.resource.is_graph else f"{grant.resource.audience}/"
    names = [f"{prefix}{s}" for s in grant.scp if s not in OIDC_SCOPES]
    if "openid" in oidc:
        names += ["profile", "openid", "email"]
    return " ".join(names)
