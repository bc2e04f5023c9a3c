"""Who may call SharePoint REST on this host and site: SharePoint Online's own token rules.

The signature, issuer, lifetime, tenant and user checks are every resource host's
(:mod:`..resource`); SharePoint adds three of its own:

* the audience must be *this* host (``https://contoso.sharepoint.com``; the ``-my`` host for OneDrive)
  or SharePoint's app id ``00000003-0000-0ff1-ce00-000000000000``. A Graph token, or a token for the
  ``-my`` host sent to the root host, is ``401`` with ``x-ms-diagnostics: 3000003;reason="Invalid
  audience Uri '...'.";category="invalid_client"``;
* an app-only token must come from a certificate (``appidacr``/``azpacr`` ``"2"``): one from a client
  secret (``"1"``) is ``401 Unsupported app only token.``
  (https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread);
* permissions are SharePoint's, not Graph's: delegated ``AllSites.Read``/``Write``/``Manage``/
  ``FullControl`` (any site the user may see) and ``MyFiles.Read``/``Write`` (the user's own OneDrive);
  application ``Sites.Read.All``/``ReadWrite.All``/``Manage.All``/``FullControl.All`` (every site) and
  ``Sites.Selected`` (only the sites an administrator granted the app through Graph's
  ``/sites/{id}/permissions``: https://learn.microsoft.com/graph/api/site-post-permissions). Otherwise
  ``403 Access denied.``

Who may see a site: every user of the tenant sees the tenant's sites; a OneDrive is its owner's alone.
"""

from __future__ import annotations

from typing import Any

import jwt

from ..login import RESOURCE_CHALLENGE_URI
from ..resource import Caller, TokenRejected, authenticate
from .errors import ACCESS_DENIED, ACCESS_DENIED_MESSAGE, SPError, access_denied, token_rejected

__all__ = ["SHAREPOINT_APP_ID", "authorize", "caller_of", "challenge", "expired_token"]

SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"
SITE_SCOPES = {"allsites.read", "allsites.write", "allsites.manage", "allsites.fullcontrol"}
MY_FILES_SCOPES = {"myfiles.read", "myfiles.write"}
ALL_SITES_ROLES = {"sites.read.all", "sites.readwrite.all", "sites.manage.all", "sites.fullcontrol.all"}
SELECTED_ROLE = "sites.selected"

_TRUSTED_ISSUERS = (
    "00000001-0000-0000-c000-000000000000@*,D3776938-3DBA-481F-A652-4BEDFCAB7CD8@*,"
    "https://sts.windows.net/*/,https://login.microsoftonline.com/*/v2.0,"
    "00000003-0000-0ff1-ce00-000000000000@90140122-8516-11e1-8eff-49304924019b"
)
_AUDIENCE_EXCEPTION = (
    "Exception of type 'Microsoft.IdentityModel.Tokens.AudienceUriValidationFailedException' was thrown."
)


def challenge(tenant_id: str) -> str:
    """SharePoint's ``WWW-Authenticate``: the realm is the tenant id
    (https://learn.microsoft.com/sharepoint/dev/sp-add-ins/authorization-code-oauth-flow-for-sharepoint-add-ins)."""
    return (
        f'Bearer realm="{tenant_id}",client_id="{SHAREPOINT_APP_ID}",'
        f'trusted_issuers="{_TRUSTED_ISSUERS}",'
        f'authorization_uri="{RESOURCE_CHALLENGE_URI}"'
    )


def caller_of(store: Any, authorization: str | None, host: str) -> Caller:
    """The validated caller of a request to ``host``, or :class:`.errors.SPError` (401)."""
    if not (authorization or "").partition(" ")[2].strip():
        # No token at all: SharePoint's access-denied OData error with the challenge.
        raise SPError(401, ACCESS_DENIED, ACCESS_DENIED_MESSAGE)
    try:
        caller = authenticate(store, authorization, resource_app_id=SHAREPOINT_APP_ID)
    except TokenRejected as exc:
        raise _rejected(exc, authorization) from None
    _audience(caller.claims, host)
    _certificate_only(caller)
    return caller


def _unverified_audience(authorization: str | None) -> str:
    """The ``aud`` a rejected token names (for the diagnostics; the token is not trusted for anything)."""
    token = (authorization or "").partition(" ")[2].strip()
    try:
        return str(jwt.decode(token, options={"verify_signature": False}).get("aud", ""))
    except jwt.InvalidTokenError:
        return ""


def _rejected(exc: TokenRejected, authorization: str | None) -> SPError:
    if exc.reason == "audience":
        aud = _unverified_audience(authorization)
        return token_rejected(_AUDIENCE_EXCEPTION, f"Invalid audience Uri '{aud}'.")
    if exc.reason in ("expired", "not_yet_valid"):
        return expired_token()
    if exc.reason in ("user_disabled", "revoked"):
        return token_rejected(exc.message, exc.message, 3000006)
    return token_rejected("Invalid issuer or signature.", "Token contains invalid signature.", 3000006)


def expired_token() -> SPError:
    """The 401 of an expired token (the ``token_expiry`` fault answers it too).
    UNCONFIRMED: SharePoint Online's exact wording for a lifetime failure."""
    return token_rejected("Invalid JWT token. The token is expired.", "The token has expired.", 3000006)


def _audience(claims: dict[str, Any], host: str) -> None:
    """The token was issued for this host (or for SharePoint by its app id)."""
    aud = str(claims.get("aud", ""))
    if aud.rstrip("/").lower() not in {f"https://{host}", SHAREPOINT_APP_ID}:
        raise token_rejected(_AUDIENCE_EXCEPTION, f"Invalid audience Uri '{aud}'.")


def _certificate_only(caller: Caller) -> None:
    """An app-only token must come from a certificate credential (``appidacr``/``azpacr`` 2)."""
    if not caller.app_only:
        return
    acr = str(caller.claims.get("appidacr", caller.claims.get("azpacr", "")))
    if acr != "2":
        # UNCONFIRMED: the diagnostics number and category; the text is SharePoint Online's.
        raise token_rejected("Unsupported app only token.", "Unsupported app only token.")


def authorize(store: Any, caller: Caller, site: dict[str, Any]) -> None:
    """The caller may read ``site``; else :func:`.errors.access_denied` (403)."""
    if caller.app_only:
        roles = {r.lower() for r in caller.roles}
        if roles & ALL_SITES_ROLES:
            return
        if SELECTED_ROLE in roles and store.sharepoint.app_site_roles(caller.app_id, site["id"]):
            return
        raise access_denied()
    scopes = {s.lower() for s in caller.scp}
    if site["kind"] == "onedrive":
        if site["owner_user_id"] == caller.user["id"] and scopes & (SITE_SCOPES | MY_FILES_SCOPES):
            return
        raise access_denied()
    if scopes & SITE_SCOPES:
        return
    raise access_denied()
