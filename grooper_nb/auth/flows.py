"""One function per OAuth flow, over real MSAL, each returning a :class:`TokenResult` or raising an
explained :class:`AuthError`.

* auth code + PKCE — :func:`auth_code_interactive` (browser on the kernel's machine) and
  :func:`auth_code_start` (paste the redirect URL: remote kernel, JupyterHub, WSL). Grooper's Exchange,
  SharePoint and OneDrive connections are authorized this way (delegated).
* device code — :func:`device_code`: a non-blocking handle with ``cancel()``; for headless boxes.
* client credentials — :func:`client_credentials` with a secret or a certificate: server-to-server.
* ROPC — :func:`ropc`: legacy (no MFA), warns; only to show why it fails.
* on-behalf-of — :func:`on_behalf_of`: a middle-tier API calling Graph as the user.
* silent / refresh — :func:`silent`: every later call, from the cache or with the refresh token.
* admin consent — :func:`admin_consent_url`: the first setup of the app in a tenant.

Example (sandbox)::

    from grooper_nb import connect
    from grooper_nb.auth import flows
    s2s = connect(app="Grooper Server-to-Server")
    token = flows.client_credentials(s2s)                # https://graph.microsoft.com/.default
    token.claims["roles"]                                # ['Mail.Read', 'Sites.Read.All', ...]

    handle = flows.device_code(connect(app="Grooper NB Bootstrap"), ["User.Read"])
    print(handle.user_code, handle.verification_uri)     # a person signs in there
    token = handle.wait(timeout=300)

Reserved scopes (``openid profile offline_access``) are added by MSAL to every user flow; passing them is
harmless (they are dropped before MSAL sees them). The protocol of each grant is on its Microsoft page:
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code,
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow,
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow and
https://learn.microsoft.com/entra/identity-platform/v2-oauth-ropc.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import msal

from grooper_nb._redact import Secret, reveal
from grooper_nb.auth._msal import (
    account_for,
    app_only_cache,
    build_app,
    error_from_result,
    msal_errors,
    require_scopes,
    scope_list,
    user_scopes,
)
from grooper_nb.auth.auth_code import AuthCodeFlow, auth_code_interactive, auth_code_start, no_browser_error
from grooper_nb.auth.device_code import DeviceCodeFlow, FlowCancelled, device_code
from grooper_nb.auth.result import TokenResult
from grooper_nb.errors.aadsts import AuthError

if TYPE_CHECKING:
    from grooper_nb.profile import Profile

__all__ = [
    "ROPC_WARNING",
    "AuthCodeFlow",
    "AuthError",
    "DeviceCodeFlow",
    "FlowCancelled",
    "RopcWarning",
    "TokenResult",
    "admin_consent_url",
    "auth_code_interactive",
    "auth_code_start",
    "client_credentials",
    "device_code",
    "no_browser_error",
    "on_behalf_of",
    "ropc",
    "silent",
]

DEFAULT_APP_SCOPES = ("https://graph.microsoft.com/.default",)
DEFAULT_USER_SCOPES = ("User.Read",)


class RopcWarning(UserWarning):
    """ROPC (username + password) is legacy: it cannot do MFA and hands the password to the app."""


ROPC_WARNING = (
    "ROPC (resource owner password) is a legacy flow: the app sees the user's password, and it cannot "
    "satisfy multi-factor authentication or Conditional Access — MFA-required users fail with AADSTS50076. "
    "Microsoft recommends against it; use auth code (auth_code_interactive/auth_code_start) or device_code."
)


def _success(
    app,
    result: dict[str, Any],
    profile: Profile,
    flow: str,
    scopes: Sequence[str],
    redirect_uri: str | None = None,
    user: bool = True,
) -> TokenResult:
    if "access_token" not in result:
        raise error_from_result(result, profile, flow, scopes, redirect_uri)
    account = account_for(app, result) if user else None
    return TokenResult.from_msal(
        result, flow=flow, requested=scopes, account=account, client_id=profile.client_id
    )


def client_credentials(
    profile: Profile, scopes: Sequence[str] | str = DEFAULT_APP_SCOPES, *, use_cache: bool = True
) -> TokenResult:
    """App-only token (no user) with the profile's client secret or certificate.

    ``scopes`` must be ``{resource}/.default`` (e.g. ``https://graph.microsoft.com/.default``,
    ``https://outlook.office365.com/.default``); the token's ``roles`` claim then lists every application
    permission granted to the app. A token cached for *this credential* is reused (``result.source ==
    "cache"``) unless ``use_cache=False``; app-only tokens are kept in memory only.
    """
    flow = "client_credentials"
    scopes = scope_list(scopes)
    require_scopes(
        scopes,
        flow,
        f"'{profile.cloud.graph_url}/.default' (Graph) or '{profile.cloud.exchange_url}/.default' (EWS)",
    )
    if profile.credential is None:
        raise AuthError.local(
            "invalid_client",
            "Client credentials need a client secret or certificate; this profile has none.",
            flow=flow,
            hints=[
                "connect(credential='secret'|'certificate') or set GROOPER_NB_CLIENT_SECRET / "
                "GROOPER_NB_CERTIFICATE."
            ],
        )
    app = build_app(profile, flow, token_cache=app_only_cache(profile) if use_cache else msal.TokenCache())
    with msal_errors(profile, flow, scopes):
        result = app.acquire_token_for_client(scopes)
    return _success(app, result, profile, flow, scopes, user=False)


def ropc(
    profile: Profile,
    username: str,
    password: str | Secret,
    scopes: Sequence[str] | str = DEFAULT_USER_SCOPES,
    *,
    warn: bool = True,
) -> TokenResult:
    """Username + password (resource owner password credentials). **Legacy**: emits :class:`RopcWarning`.

    Works only for cloud-only users without MFA; MFA-required users fail with AADSTS50076. A public
    client needs "Allow public client flows"; a confidential profile sends its secret/certificate too.
    ``warn=False`` is for callers that show :data:`ROPC_WARNING` themselves (the LoginPanel does).
    """
    if warn:
        warnings.warn(RopcWarning(ROPC_WARNING), stacklevel=2)
    flow = "ropc"
    ews = f"{profile.cloud.exchange_url}/EWS.AccessAsUser.All"
    require_scopes(scope_list(scopes), flow, f"'User.Read' or '{ews}'")
    scopes = user_scopes(scopes)
    app = build_app(profile, flow)
    with msal_errors(profile, flow, scopes):
        result = app.acquire_token_by_username_password(username, reveal(password), scopes)
    return _success(app, result, profile, flow, scopes)


def on_behalf_of(
    profile: Profile, user_token: TokenResult | Secret | str, scopes: Sequence[str] | str = DEFAULT_APP_SCOPES
) -> TokenResult:
    """Exchange a user's token *for this (middle-tier) app* for a token to the API that app calls next
    (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow).

    ``profile`` is the middle tier (confidential, e.g. "Grooper Middle-Tier API"); ``user_token`` is the
    user's access token whose ``aud`` is that app (``api://{client_id}/access_as_user``); ``scopes`` are
    those of the API it calls, e.g. ``https://graph.microsoft.com/.default`` or ``User.Read``.
    """
    flow = "on_behalf_of"
    require_scopes(scope_list(scopes), flow, f"'{profile.cloud.graph_url}/.default' or 'User.Read'")
    scopes = user_scopes(scopes)
    if profile.credential is None:
        raise AuthError.local(
            "invalid_client", "On-behalf-of needs a confidential profile (secret or certificate).", flow=flow
        )
    assertion = user_token.access_token if isinstance(user_token, TokenResult) else user_token
    if not reveal(assertion):
        raise AuthError.local(
            "invalid_request",
            "On-behalf-of needs the user's access token for this middle-tier API; none was given.",
            flow=flow,
            hints=[
                f"Sign the user in for this API's scope (e.g. api://{profile.client_id}/access_as_user) "
                "and pass that result."
            ],
        )
    app = build_app(profile, flow)
    with msal_errors(profile, flow, scopes):
        result = app.acquire_token_on_behalf_of(reveal(assertion), scopes)
    return _success(app, result, profile, flow, scopes)


def silent(
    profile: Profile,
    scopes: Sequence[str] | str = DEFAULT_USER_SCOPES,
    *,
    account: Mapping[str, Any] | TokenResult | None = None,
    username: str | None = None,
    force_refresh: bool = False,
) -> TokenResult:
    """A user token from the cache, refreshed with the stored refresh token when needed.

    Picks ``account`` (an MSAL account dict or a previous :class:`TokenResult`), else the cached account
    named ``username``, else every cached account of this tenant in turn. ``force_refresh=True`` always
    redeems the refresh token (``result.source == "identity_provider"``). Raises
    ``AuthError('no_cached_token')`` when nothing in the cache fits: sign in interactively first.
    """
    flow = "silent"
    scopes = user_scopes(scopes)
    app = build_app(profile, flow)
    if isinstance(account, TokenResult):
        account = account.account
    with msal_errors(profile, flow, scopes):
        candidates = [dict(account)] if account else _accounts(app, profile, username)
        last_error: dict[str, Any] | None = None
        for acc in candidates:
            result = app.acquire_token_silent_with_error(scopes, acc, force_refresh=force_refresh)
            if result and "access_token" in result:
                return TokenResult.from_msal(
                    result, flow=flow, requested=scopes, account=acc, client_id=profile.client_id
                )
            last_error = result or last_error
    if last_error:
        raise error_from_result(last_error, profile, flow, scopes)
    who = f" for {username}" if username else ""
    raise AuthError.local(
        "no_cached_token",
        f"No cached token or refresh token{who} for client {profile.client_id} "
        f"and scopes {' '.join(scopes)}.",
        flow=flow,
    )


def _accounts(app, profile: Profile, username: str | None) -> list[dict[str, Any]]:
    accounts = app.get_accounts(username=username)
    if profile.tenant_id:
        accounts.sort(key=lambda a: a.get("realm") != profile.tenant_id)  # this tenant's first
    return accounts


def admin_consent_url(
    profile: Profile,
    scopes: Sequence[str] | str | None = None,
    *,
    redirect_uri: str | None = None,
    state: str | None = None,
    tenant: str | None = None,
) -> str:
    """The URL an administrator opens to grant the app's permissions tenant-wide
    (https://learn.microsoft.com/entra/identity-platform/v2-admin-consent).

    Without ``scopes``: the classic ``/{tenant}/adminconsent`` (every permission the app registration
    lists). With ``scopes`` (e.g. ``["https://outlook.office365.com/.default"]``): the v2
    ``/{tenant}/v2.0/adminconsent``. For the sandbox the URL is its ``browser_url`` page
    (:meth:`Profile.person_url`).
    """
    t = tenant or profile.tenant
    params = {"client_id": profile.client_id}
    path = f"/{t}/adminconsent"
    if scopes:
        path = f"/{t}/v2.0/adminconsent"
        params["scope"] = " ".join(scope_list(scopes))
    params["redirect_uri"] = redirect_uri or profile.redirect_uri
    if state:
        params["state"] = state
    return profile.person_url(f"{profile.cloud.authority_url}{path}?{urlencode(params)}")
