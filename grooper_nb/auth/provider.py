"""``get_token(force_refresh) -> str`` for a client: the one token provider the Microsoft 365 clients
(Exchange through Graph or EWS, SharePoint through Graph or REST) hand to
:class:`~grooper_nb.http.BearerAuth`.

As the app itself (client credentials) when ``app_only``, else as the signed-in ``account`` from the
token cache (refreshed with its refresh token). The token is fetched once and then remembered until a
401 asks for a fresh one: asking MSAL's cache again after a 401 would hand back the refused token (it is
not expired by its own clock), and every later request would pay a 401 and a refresh of its own. One
provider may be shared by threads (four folders read at once).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.auth.result import TokenResult
    from grooper_nb.profile import Profile

__all__ = ["TokenProvider", "token_provider"]

TokenProvider = Callable[[bool], str]


def token_provider(
    profile: Profile,
    scopes: Sequence[str],
    *,
    app_only: bool,
    account: TokenResult | Mapping[str, Any] | None = None,
) -> TokenProvider:
    """A remembering ``get_token(force_refresh)`` for ``scopes`` (see the module docstring)."""
    from grooper_nb.auth import flows

    scopes = list(scopes)
    lock = threading.Lock()
    remembered: list[str] = []  # the token in use: the last one fetched

    def fetch(force_refresh: bool) -> str:
        if app_only:
            result = flows.client_credentials(profile, scopes, use_cache=not force_refresh)
        else:
            result = flows.silent(profile, scopes, account=account, force_refresh=force_refresh)
        return result.access_token.reveal()

    def get_token(force_refresh: bool) -> str:
        with lock:
            if force_refresh or not remembered:
                remembered[:] = [fetch(force_refresh)]
            return remembered[0]

    return get_token
