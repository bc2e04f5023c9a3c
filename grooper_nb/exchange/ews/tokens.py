"""The bearer token an EWS backend sends: delegated or app-only, requested as the catalogue says.

The scopes come from :mod:`grooper_nb.connections` (``exchange_ews_delegated``: ``EWS.AccessAsUser.All``
on the cloud's Exchange resource; ``exchange_ews_app``: ``/.default``, which carries
``full_access_as_app``), filled in for the profile's cloud
(https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

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
    """``get_token(force_refresh) -> str``: client credentials for an app-only backend, else the signed-in
    ``account``'s cached token (refreshed with its refresh token). The token is fetched once and then
    remembered until a 401 asks for a fresh one."""
    from grooper_nb.auth import flows

    scopes = ews_scopes(profile, app_only)
    lock = threading.Lock()
    remembered: list[str] = []  # the token in use: the last one fetched

    def fetch(force_refresh: bool) -> str:
        if app_only:
            result = flows.client_credentials(profile, scopes, use_cache=not force_refresh)
        else:
            result = flows.silent(profile, scopes, account=account, force_refresh=force_refresh)
        return result.access_token.reveal()

    def get_token(force_refresh: bool) -> str:
        # The token fetched after a 401 is the one used from then on. Asking MSAL's cache again would
        # hand back the refused token (it is not expired by its own clock), and every later request would
        # pay a 401 and a refresh of its own.
        with lock:
            if force_refresh or not remembered:
                remembered[:] = [fetch(force_refresh)]
            return remembered[0]

    return get_token
