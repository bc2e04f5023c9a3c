"""What each claim means, and which service a token is for.

The catalogue is Microsoft's access-token claims reference (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference)
as data: one
:class:`ClaimInfo` per claim, plus value-aware wording for the claims whose *value* needs translating
(``appidacr`` "1" means a client secret, ``wids`` GUIDs are directory roles, ...)::

    >>> from grooper_nb.tokens.claims import explain, resolve_audience
    >>> explain("appidacr", "2")
    'How the client app authenticated (v1.0): 2 = certificate (client assertion).'
    >>> resolve_audience("00000002-0000-0ff1-ce00-000000000000").name
    'Exchange Online'

:func:`resolve_audience` turns an ``aud`` (a URL or the application ID GUID of a first-party
service) into an
:class:`Audience`: Microsoft Graph, Exchange Online, SharePoint Online (with its host), the legacy Azure AD
Graph, or a custom API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from grooper_nb._ids import is_guid

__all__ = [
    "CATALOGUE",
    "EXCHANGE_APP_ID",
    "GRAPH_APP_ID",
    "SHAREPOINT_APP_ID",
    "Audience",
    "ClaimInfo",
    "explain",
    "resolve_audience",
]

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"
AAD_GRAPH_APP_ID = "00000002-0000-0000-c000-000000000000"
MSA_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"


@dataclass(frozen=True)
class ClaimInfo:
    """One row of the claim explainer table. ``where`` is ``header`` or ``payload``."""

    name: str
    meaning: str
    where: str = "payload"
    versions: str = "v1, v2"
    source: str = (
        "DOC"  # DOC: in Microsoft's claims reference; REC: seen in real tokens; UNCONFIRMED: neither
    )


def _c(name: str, meaning: str, where: str = "payload", versions: str = "v1, v2", source: str = "DOC"):
    return ClaimInfo(name, meaning, where, versions, source)


CATALOGUE: dict[tuple[str, str], ClaimInfo] = {
    (c.where, c.name): c
    for c in (
        _c("typ", "Token type; always JWT.", "header"),
        _c("alg", "Signing algorithm; Entra signs access tokens with RS256.", "header"),
        _c("kid", "Thumbprint of the signing public key; look it up in the tenant's JWKS.", "header"),
        _c("x5t", "Legacy copy of kid (same value); v1.0 tokens only.", "header", "v1"),
        _c(
            "nonce",
            "Present on Microsoft Graph tokens: Graph's proprietary format; third parties cannot "
            "validate the signature.",
            "header",
            source="REC",
        ),
        _c("enc", "Content-encryption algorithm: this is an encrypted token (JWE).", "header"),
        _c("aud", "Audience: the resource (API) this token is for. The API rejects any other audience."),
        _c("iss", "Issuer: the STS that issued the token and the tenant; v2 issuers end in /v2.0."),
        _c(
            "idp",
            "Identity provider that authenticated the subject (differs from iss for guests, e.g. live.com).",
        ),
        _c("iat", "Issued at (Unix time)."),
        _c("nbf", "Not valid before (Unix time)."),
        _c("exp", "Expires at (Unix time). APIs reject the token after this moment (plus a small skew)."),
        _c("aio", "Opaque internal claim used by Entra for token reuse; ignore."),
        _c("acr", "v1 only: 0 = authentication did not meet ISO/IEC 29115, 1 = it did.", versions="v1"),
        _c("amr", "v1 only: how the user authenticated (pwd, mfa, rsa, otp, fed, wia, ...).", versions="v1"),
        _c("appid", "v1: the client app (application ID) that requested the token.", versions="v1"),
        _c("azp", "v2: the client app (application ID) that requested the token.", versions="v2"),
        _c(
            "appidacr",
            "v1: how the client app authenticated: 0 public, 1 secret, 2 certificate.",
            versions="v1",
        ),
        _c(
            "azpacr",
            "v2: how the client app authenticated: 0 public, 1 secret, 2 certificate.",
            versions="v2",
        ),
        _c(
            "app_displayname",
            "Display name of the client app (seen in Graph v1 tokens).",
            source="UNCONFIRMED",
        ),
        _c("preferred_username", "v2: the user's primary username; display only, mutable.", versions="v2"),
        _c("name", "User's display name; mutable, display only."),
        _c("given_name", "User's first name."),
        _c("family_name", "User's last name."),
        _c("upn", "User principal name; display and hint only, never for authorization."),
        _c("unique_name", "v1: human-readable subject identifier; display only.", versions="v1"),
        _c("email", "Email address; never use it for authorization."),
        _c(
            "scp", "Delegated scopes granted to the app for this user (space-separated). Only in user tokens."
        ),
        _c("roles", "App roles: granted to the app (app-only tokens) or assigned to the user."),
        _c("wids", "Directory role template IDs assigned to the user (tenant-wide admin roles)."),
        _c("groups", "Object IDs of groups the user belongs to."),
        _c("hasgroups", "The user is in at least one group (groups overage)."),
        _c("_claim_names", "Groups overage: the groups must be fetched from Graph."),
        _c("_claim_sources", "Groups overage: where to fetch the groups from."),
        _c("sub", "Subject: pairwise identifier of the user (or app) for this client; immutable."),
        _c("oid", "Object ID of the user or service principal in this tenant (= Graph user.id)."),
        _c("tid", "Tenant ID (GUID) the token was issued in."),
        _c("uti", "Token identifier (like jti); quote it to Microsoft support."),
        _c("rh", "Opaque internal claim; ignore."),
        _c("ver", "Token version: 1.0 or 2.0 (decided by the resource, not the endpoint)."),
        _c("sid", "Session ID."),
        _c("idtyp", "Token type (optional claim): app = app-only token, user = user token."),
        _c("acrs", "Authentication-context IDs the bearer is eligible for."),
        _c("xms_cc", "Client capabilities, e.g. cp1 = can handle claims challenges (CAE)."),
        _c("xms_pdl", "Preferred data location (Multi-Geo)."),
        _c("xms_pl", "User's preferred language."),
        _c("xms_tpl", "Tenant's preferred language."),
        _c("xms_edov", "Email domain owner verified."),
        _c("xms_tcdt", "Tenant creation date (Unix time); seen in Graph tokens.", source="UNCONFIRMED"),
        _c("xms_st", "Internal Microsoft claim; opaque.", source="UNCONFIRMED"),
        _c("xms_ftd", "Internal Microsoft claim; opaque.", source="UNCONFIRMED"),
        _c("xms_idrel", "Internal Microsoft claim; opaque.", source="UNCONFIRMED"),
        _c("ipaddr", "IP address the user authenticated from (v1).", versions="v1"),
        _c("onprem_sid", "On-premises security identifier of the user (v1).", versions="v1"),
        _c("pwd_exp", "Seconds until the user's password expires (v1, only when expiring).", versions="v1"),
        _c("pwd_url", "Where the user can change an expiring password (v1).", versions="v1"),
        _c("in_corp", "Signing in from the corporate network."),
        _c("acct", "Account type: 0 member, 1 guest."),
        _c("auth_time", "When the user last authenticated."),
        _c("ctry", "User's country."),
        _c("tenant_ctry", "Tenant's country."),
        _c("tenant_region_scope", "Tenant's region."),
        _c("login_hint", "Opaque, reliable login hint."),
        _c("platf", "Device platform (seen in v1 user tokens).", source="UNCONFIRMED"),
        _c("puid", "Internal user identifier (seen in v1 tokens).", source="UNCONFIRMED"),
        _c("cnf", "Proof-of-possession key confirmation (PoP tokens).", source="UNCONFIRMED"),
    )
}

_CLIENT_AUTH = {
    "0": "public client (no credential)",
    "1": "client secret",
    "2": "certificate (client assertion)",
}
_AMR = {
    "pwd": "password",
    "rsa": "RSA key (e.g. Authenticator, smart card)",
    "otp": "one-time passcode",
    "fed": "federated identity provider",
    "wia": "Windows integrated authentication",
    "mfa": "multi-factor authentication",
    "ngcmfa": "Windows Hello / passwordless (MFA)",
    "wiaormfa": "Windows auth or MFA",
    "none": "no authentication",
}
# Built-in role template IDs (Entra built-in roles:
# https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference).
DIRECTORY_ROLES = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "b79fbf4d-3ef9-4689-8143-76b194e85509": "User (default role)",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
}


def client_auth_method(value: Any) -> str | None:
    """``appidacr``/``azpacr`` value → ``public client`` / ``client secret`` / ``certificate``."""
    if value is None:
        return None
    return _CLIENT_AUTH.get(str(value), f"unknown ({value})")


def explain(name: str, value: Any = None, where: str = "payload") -> str:
    """Plain-words meaning of a claim (and of its value, where the value needs translating)."""
    info = CATALOGUE.get((where, name)) or CATALOGUE.get(("payload", name))
    base = info.meaning if info else "Not in the claim catalogue (custom or newer claim)."
    if value is None:
        return base
    if name in ("appidacr", "azpacr"):
        word = "v1.0" if name == "appidacr" else "v2.0"
        return f"How the client app authenticated ({word}): {value} = {client_auth_method(value)}."
    if name == "amr" and isinstance(value, list):
        words = ", ".join(_AMR.get(str(v), str(v)) for v in value)
        return f"{base} Here: {words}."
    if name == "wids" and isinstance(value, list):
        words = ", ".join(DIRECTORY_ROLES.get(str(v), str(v)) for v in value)
        return f"{base} Here: {words}."
    if name == "aud":
        return f"{base} Here: {resolve_audience(value).describe()}."
    if name == "idtyp":
        word = {"app": "app-only (no user)", "user": "a user (delegated)"}.get(str(value), str(value))
        return f"{base} Here: {word}."
    if name == "acct":
        return f"{base} Here: {'guest' if str(value) == '1' else 'member'}."
    if name == "tid" and str(value) == MSA_TENANT_ID:
        return f"{base} Here: the consumer (personal Microsoft account) tenant."
    return base


@dataclass(frozen=True)
class Audience:
    """What an ``aud`` names. ``kind``: graph | exchange | sharepoint | aad_graph | custom | missing."""

    value: str | None
    kind: str
    name: str
    resource_url: str | None = None  # canonical resource URL for scopes, e.g. https://outlook.office365.com
    host: str | None = None  # for SharePoint: contoso.sharepoint.com

    def describe(self) -> str:
        if self.kind == "missing":
            return "no audience"
        if self.kind == "sharepoint" and self.host:
            return f"{self.name} ({self.host})"
        if self.kind == "sharepoint":
            return f"{self.name} (host not named in aud)"
        return self.name


_GRAPH_HOSTS = {
    "graph.microsoft.com",
    "graph.microsoft.us",
    "dod-graph.microsoft.us",
    "microsoftgraph.chinacloudapi.cn",
}
_EXCHANGE_HOSTS = {
    "outlook.office365.com",
    "outlook.office.com",
    "ps.outlook.com",
    "outlook.office365.us",
    "outlook-dod.office365.us",
    "partner.outlook.cn",
}
_SHAREPOINT_SUFFIXES = (".sharepoint.com", ".sharepoint.us", ".sharepoint-mil.us", ".sharepoint.cn")


def resolve_audience(aud: Any) -> Audience:
    """Name the resource in ``aud`` (URL, first-party appId GUID, or SharePoint's ``appid/host@tid``)."""
    if isinstance(aud, list):  # some issuers use arrays; Entra does not, but do not crash
        aud = aud[0] if aud else None
    if aud is None or aud == "":
        return Audience(None, "missing", "no audience")
    value = str(aud)
    low = value.strip().lower()
    if low == GRAPH_APP_ID:
        return Audience(value, "graph", "Microsoft Graph", "https://graph.microsoft.com")
    if low == EXCHANGE_APP_ID:
        return Audience(value, "exchange", "Exchange Online", "https://outlook.office365.com")
    if low == AAD_GRAPH_APP_ID:
        return Audience(value, "aad_graph", "Azure AD Graph (legacy, retired)", "https://graph.windows.net")
    if low.startswith(SHAREPOINT_APP_ID):
        # SharePoint's own form: 00000003-0000-0ff1-ce00-000000000000/contoso.sharepoint.com@{tid}
        rest = low[len(SHAREPOINT_APP_ID) :].lstrip("/")
        host = rest.split("@", 1)[0] or None
        return Audience(
            value,
            "sharepoint",
            "SharePoint Online",
            f"https://{host}" if host else None,
            host,
        )
    if low.startswith(("https://", "http://")):
        host = (urlsplit(low).hostname or "").lower()
        if host in _GRAPH_HOSTS:
            return Audience(value, "graph", "Microsoft Graph", f"https://{host}")
        if host in _EXCHANGE_HOSTS:
            return Audience(value, "exchange", "Exchange Online", f"https://{host}")
        if host.endswith(_SHAREPOINT_SUFFIXES):
            return Audience(value, "sharepoint", "SharePoint Online", f"https://{host}", host)
        if host == "graph.windows.net":
            return Audience(
                value, "aad_graph", "Azure AD Graph (legacy, retired)", "https://graph.windows.net"
            )
        return Audience(value, "custom", f"custom API ({value})", value.rstrip("/"))
    if low.startswith("api://"):
        return Audience(value, "custom", f"custom API ({value})", value)
    if is_guid(low):
        return Audience(value, "custom", f"custom API (application ID {value})", value)
    return Audience(value, "custom", f"custom API ({value})", value)
