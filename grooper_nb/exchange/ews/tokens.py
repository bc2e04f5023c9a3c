"""The bearer token an EWS backend sends: delegated or app-only, requested as the catalogue says.

The scopes come from :mod:`grooper_nb.connections` (``exchange_ews_delegated``: ``EWS.AccessAsUser.All``
on the cloud's Exchange resource; ``exchange_ews_app``: ``/.default``, which carries
``full_access_as_app``), filled in for the profile's cloud
(https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from grooper_nb.auth.provider import token_provider as remembering_provider
from grooper_nb.connections import RESERVED_SCOPES, fill, get_connection

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.auth.result import TokenResult
    from grooper_nb.profile import Profile

__all__ = ["ews_scopes", "token_provider"]


def ews_scopes(profile: Profile, app_only: bool) -> list[str]:
    """The scopes to request for EWS, as the connection catalogue names them (MSAL's own left out)."""
    connection = get_connection("exchange_ews_app" if app_only else "exchange_ews_delegated")
    requested = connection.requested(app_only)
    return [fill(s, profile.cloud) for s in requested if s not in RESERVED_SCOPES]


def token_provider(
    profile: Profile, *, app_only: bool, account: TokenResult | Mapping[str, Any] | None = None
) -> Callable[[bool], str]:
    """``get_token(force_refresh) -> str`` for EWS: client credentials for an app-only backend, else the
    signed-in ``account``'s cached token; remembered until a 401 (:mod:`grooper_nb.auth.provider`)."""
    return remembering_provider(profile, ews_scopes(profile, app_only), app_only=app_only, account=account)
