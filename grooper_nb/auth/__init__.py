"""The client side of Entra ID: sign-in flows and the token cache.

* :mod:`grooper_nb.auth.flows` — one function per OAuth flow (auth code + PKCE, device code, client
  credentials, ROPC, on-behalf-of, silent/refresh, admin-consent URL), each returning a
  :class:`~grooper_nb.auth.result.TokenResult` or raising :class:`~grooper_nb.errors.aadsts.AuthError`
  (also importable from here: ``from grooper_nb.auth import AuthError``).
* :mod:`grooper_nb.auth.cache` — MSAL's token cache in a private (0600) file.
* :mod:`grooper_nb.errors.aadsts` holds the AADSTS catalogue and ``AuthError``;
  :mod:`~grooper_nb.auth.hints` adds what only this side can see (redirect URI near misses,
  ``/.default``, a secret's ID as secret).
* :mod:`grooper_nb.auth.scopes` — the scopes each Grooper connection type asks for, as presets derived
  from :mod:`grooper_nb.connections`.

Nothing is imported here eagerly: ``import grooper_nb.auth`` starts nothing and touches no network.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AuthError"]


def __getattr__(name: str) -> Any:
    if name == "AuthError":
        from grooper_nb.errors.aadsts import AuthError

        return AuthError
    raise AttributeError(f"module 'grooper_nb.auth' has no attribute {name!r}")
