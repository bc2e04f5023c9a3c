"""Where a SharePoint/OneDrive client gets its bearer tokens: one provider per resource.

Graph takes a token for ``https://graph.microsoft.com``; SharePoint REST takes a token whose audience is
the very host it calls, ``https://contoso.sharepoint.com`` for team sites and
``https://contoso-my.sharepoint.com`` for OneDrive (a token for one host is refused by the other with
"Invalid audience Uri",
https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread). So the REST
client asks for ``https://{host}/.default`` per host it reaches.

Delegated (``account`` given, or the profile has no credential): :func:`grooper_nb.auth.flows.silent`
with the cached refresh token, which Entra ID redeems for any resource the app was consented to.
App-only (the profile has a secret or certificate and no ``account``):
:func:`grooper_nb.auth.flows.client_credentials`. Either way the provider's ``force_refresh`` is what
:class:`~grooper_nb.http.BearerAuth` passes after a 401.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grooper_nb.auth.provider import TokenProvider, token_provider

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.auth.result import TokenResult
    from grooper_nb.profile import Profile

__all__ = ["TokenProvider", "app_only", "graph_provider", "rest_provider", "token_for"]


def app_only(profile: Profile, account: Any) -> bool:
    """True when calls are made as the app itself: a credential and no signed-in ``account``."""
    return account is None and profile.credential is not None


def token_for(profile: Profile, resource: str, account: Any, force_refresh: bool = False) -> TokenResult:
    """A token for ``resource`` (``https://host``) as the app or as ``account``."""
    from grooper_nb.auth import flows

    scopes = [f"{resource.rstrip('/')}/.default"]
    if app_only(profile, account):
        return flows.client_credentials(profile, scopes, use_cache=not force_refresh)
    return flows.silent(profile, scopes, account=account, force_refresh=force_refresh)


def _provider(profile: Profile, resource: str, account: Any) -> TokenProvider:
    """Tokens for ``resource``, remembered until a 401 (:mod:`grooper_nb.auth.provider`)."""
    scopes = [f"{resource.rstrip('/')}/.default"]
    return token_provider(profile, scopes, app_only=app_only(profile, account), account=account)


def graph_provider(profile: Profile, account: Any = None) -> TokenProvider:
    """Tokens for Microsoft Graph (``{graph}/.default``)."""
    return _provider(profile, profile.cloud.graph_url, account)


def rest_provider(profile: Profile, host: str, account: Any = None) -> TokenProvider:
    """Tokens for SharePoint REST on ``host`` (``https://{host}/.default``)."""
    return _provider(profile, f"https://{host}", account)
