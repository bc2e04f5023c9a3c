"""Local heuristics: what Microsoft's message does not say, but this side can see.

Each function looks at what was *sent* (and, when known, what is *registered*) and returns short hints
in plain language; :func:`hints_for` picks the ones relevant to an
:class:`~grooper_nb.errors.aadsts.AuthError`. They never include a secret value.

    >>> redirect_uri_hints("http://localhost:8400/", ["http://localhost"])[0][:78]
    "The redirect URI sent, 'http://localhost:8400/', differs from the registered '"
    >>> scope_hints("client_credentials", ["Mail.Read"])[0][:46]
    "Client credentials need '{resource}/.default',"
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from grooper_nb._ids import GUID_RE, is_guid
from grooper_nb._redact import Secret, reveal
from grooper_nb.auth.scopes import OIDC_SCOPES

__all__ = [
    "GUID_RE",
    "HintContext",
    "hints_for",
    "looks_like_guid",
    "redirect_uri_hints",
    "scope_hints",
    "secret_hints",
    "tenant_hints",
]

_APP_ONLY_FLOWS = ("client_credentials", "on_behalf_of")
_LOOPBACK = ("localhost", "127.0.0.1", "[::1]", "::1")


def looks_like_guid(value: str | Secret | None) -> bool:
    """A GUID (with or without braces) where a secret or token belongs: usually an ID pasted instead."""
    return is_guid(reveal(value))


@dataclass
class HintContext:
    """What the failing request carried (filled in by the flows from the profile)."""

    flow: str | None = None
    tenant: str | None = None
    cloud: str | None = None  # Cloud.name
    client_id: str | None = None
    scopes: Sequence[str] = ()
    redirect_uri: str | None = None
    registered_redirect_uris: Sequence[str] | None = None  # None = unknown
    secret: Secret | None = None
    is_sandbox: bool = False
    public_client: bool | None = None  # the app's "Allow public client flows", if known


# ---- redirect URIs ------------------------------------------------------------------------------
def _parts(uri: str):
    s = urlsplit(uri.strip())
    host = (s.hostname or "").lower()
    return s.scheme.lower(), host, s.port, s.path or "", s.query


def redirect_uri_hints(sent: str | None, registered: Iterable[str] | None) -> list[str]:
    """Explain how ``sent`` differs from the nearest registered redirect URI (AADSTS50011).

    Entra compares redirect URIs exactly, except that the port of ``http://localhost`` is ignored
    (loopback rule:
    https://learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions). The usual near
    misses: trailing slash, ``localhost`` vs ``127.0.0.1``, http vs https, a different port, letter case
    in the path.
    """
    if not sent:
        return ["No redirect URI was sent; pass the profile's redirect_uri (default http://localhost)."]
    if registered is None:
        return [
            f"The redirect URI sent was {sent!r}. Compare it character by character with the app "
            "registration's Authentication page (trailing slash, localhost vs 127.0.0.1, http vs https)."
        ]
    registered = [r for r in registered if r]
    if not registered:
        return ["The app has no redirect URI registered; add http://localhost (Mobile and desktop)."]
    if sent in registered:
        return []
    hints: list[str] = []
    for reg in registered:
        diffs = _near_miss(sent, reg)
        if diffs is None:
            continue  # a different host or path is not a near miss
        if not diffs:
            return []  # it matches (loopback port rule)
        note = " (the port of http://localhost is ignored)" if _loopback_port_free(reg) else ""
        hints.append(
            f"The redirect URI sent, {sent!r}, differs from the registered {reg!r} only by "
            f"{' and '.join(diffs)}. Entra compares the path exactly{note}."
        )
    if not hints:
        hints.append(
            f"The redirect URI sent, {sent!r}, is not registered. Registered: {', '.join(registered)}."
        )
    return hints


def _loopback_port_free(registered: str) -> bool:
    scheme, host, _port, _path, _query = _parts(registered)
    return scheme == "http" and host == "localhost"


def _near_miss(sent: str, reg: str) -> list[str] | None:
    """How ``sent`` differs from ``reg`` ([] = it matches), or None when it is not a near miss at all."""
    s_scheme, s_host, s_port, s_path, s_query = _parts(sent)
    r_scheme, r_host, r_port, r_path, r_query = _parts(reg)
    diffs = []
    if s_scheme != r_scheme:
        diffs.append(f"scheme ({s_scheme} vs {r_scheme})")
    if s_host != r_host:
        if not (s_host in _LOOPBACK and r_host in _LOOPBACK):
            return None
        diffs.append(f"host ({s_host} vs {r_host}; Entra treats localhost and 127.0.0.1 as different)")
    if s_port != r_port and not _loopback_port_free(reg):
        diffs.append(f"port ({s_port or 'default'} vs {r_port or 'default'})")
    path = _path_difference(s_path, r_path)
    if path is None:
        return None
    diffs += path
    if s_query != r_query:
        diffs.append("the query string")
    return diffs


def _path_difference(sent: str, reg: str) -> list[str] | None:
    if sent.rstrip("/") == reg.rstrip("/") and sent != reg:
        return ["a trailing slash"]
    if sent.lower() == reg.lower() and sent != reg:
        return ["letter case in the path"]
    if sent.rstrip("/") != reg.rstrip("/"):
        return None
    return []


# ---- scopes -------------------------------------------------------------------------------------------
def _resource(scope: str) -> str:
    if "://" not in scope:
        return "https://graph.microsoft.com"  # short names mean Graph
    head, _, _ = scope.rstrip("/").rpartition("/")
    return head


def scope_hints(flow: str | None, scopes: Sequence[str]) -> list[str]:
    """Client credentials / OBO need ``{resource}/.default``; one resource per token request."""
    hints: list[str] = []
    scopes = [s for s in scopes if s not in OIDC_SCOPES]
    if flow == "client_credentials":
        bad = [s for s in scopes if not s.endswith("/.default")]
        if bad:
            fixed = sorted({_resource(s) + "/.default" for s in bad})
            hints.append(
                f"Client credentials need '{{resource}}/.default', not the permission names {bad}; "
                f"request {fixed} — the token then carries every application permission granted."
            )
    if any(s.endswith("/.default") for s in scopes) and len(scopes) > 1:
        hints.append("'/.default' cannot be combined with other scopes in one request.")
    resources = {_resource(s) for s in scopes}
    if len(resources) > 1:
        hints.append(
            f"The scopes span {len(resources)} resources ({', '.join(sorted(resources))}); a token is for "
            "one resource: request EWS (outlook.office365.com), SharePoint and Graph tokens separately."
        )
    for s in scopes:
        if s.count("https://") > 1:
            hints.append(f"The scope {s!r} contains 'https://' twice.")
    return hints


# ---- secrets ------------------------------------------------------------------------------------------
def secret_hints(secret: Secret | str | None) -> list[str]:
    """A GUID where a secret value belongs is the secret's *ID*, not its value (AADSTS7000215)."""
    if looks_like_guid(secret):
        return [
            "The client secret looks like a GUID: that is the secret's ID, not its value. Copy the "
            "'Value' column (shown once, when the secret is created) from Certificates & secrets."
        ]
    v = reveal(secret)
    if v is not None and v != v.strip():
        return ["The client secret has leading/trailing whitespace (copied with a space or newline?)."]
    return []


# ---- tenant / cloud ---------------------------------------------------------------------------------
def tenant_hints(tenant: str | None, cloud: str | None, flow: str | None = None) -> list[str]:
    hints: list[str] = []
    t = (tenant or "").lower()
    c = cloud or "global"
    if t.endswith((".us", ".onmicrosoft.us")) and c == "global":
        hints.append(f"{tenant!r} looks like a US Government tenant; set cloud='usgov' (GROOPER_NB_CLOUD).")
    if t.endswith((".cn", ".partner.onmschina.cn")) and c == "global":
        hints.append(f"{tenant!r} looks like an Azure China tenant; set cloud='china' (GROOPER_NB_CLOUD).")
    if t.endswith(".onmicrosoft.com") and c != "global":
        hints.append(f"{tenant!r} is a global-cloud domain but the profile uses the {c!r} cloud.")
    if t in ("common", "organizations", "consumers") and flow == "client_credentials":
        # Entra: AADSTS50059 "No tenant-identifying information found in either the request or implied
        # by any provided credentials" (an app-only token is issued by one tenant, the one whose data it
        # reads; /common and /organizations name none).
        hints.append(
            f"Client credentials need the tenant whose data the app reads, by GUID or domain, not {t!r}: "
            "set GROOPER_NB_TENANT (Entra answers /common and /organizations with AADSTS50059)."
        )
    elif t in ("common", "consumers") and flow == "ropc":
        hints.append(f"ROPC needs the user's tenant (or 'organizations'), not {t!r}.")
    return hints


# ---- dispatch ----------------------------------------------------------------------------------------
_REDIRECT_CODES = {50011, 500113, 900971, 70004}
_SCOPE_CODES = {70011, 700022, 700023, 1002012, 65005, 650057, 500011}
_SECRET_CODES = {7000215, 70002, 7000222}
_TENANT_CODES = {90002, 50128, 700016, 700011, 50059, 50194, 9001023, 50020}


def hints_for(codes: Iterable[int], error: str, ctx: HintContext) -> list[str]:
    """Hints relevant to an error with these AADSTS ``codes`` / OAuth ``error``, given the request."""
    codes = set(codes)
    hints: list[str] = []
    if codes & _REDIRECT_CODES or "redirect" in error:
        hints += redirect_uri_hints(ctx.redirect_uri, ctx.registered_redirect_uris)
    if codes & _SCOPE_CODES or error == "invalid_scope":
        hints += scope_hints(ctx.flow, ctx.scopes)
    if codes & _SECRET_CODES:
        hints += secret_hints(ctx.secret)
    if 7000222 in codes and ctx.is_sandbox:
        hints.append("In the sandbox, the seeded app's 'expired_client_secret' is deliberately expired.")
    if codes & _TENANT_CODES:
        hints += tenant_hints(ctx.tenant, ctx.cloud, ctx.flow)
        if codes & {700016, 700011}:
            hints.append(
                f"Client ID {ctx.client_id} was not found in tenant {ctx.tenant}. Check that it is the "
                "Application (client) ID, not the Object ID, and that the app exists in (or was consented "
                "in) this tenant."
            )
    if 7000218 in codes and ctx.flow in ("device_code", "ropc", "auth_code"):
        if ctx.public_client is False:
            hints.append(
                "This app has 'Allow public client flows' off, so device code/ROPC without a "
                "secret cannot work; use a confidential flow or a public client app."
            )
    if codes & {50076, 50079} and ctx.flow == "ropc":
        hints.append("ROPC cannot do MFA. Use device_code() or auth_code_interactive() for this user.")
    if 7000114 in codes or 500131 in codes:
        hints.append(
            "On-behalf-of needs the *user's* token for the middle-tier API "
            "(aud = the middle tier's client ID), not an app-only or Graph token."
        )
    return hints
