"""The client side of Entra ID: sign-in flows, the token cache, and every AADSTS error explained.

* :mod:`grooper_nb.auth.flows` — one function per OAuth flow (auth code + PKCE, device code, client
  credentials, ROPC, on-behalf-of, silent/refresh, admin-consent URL), each returning a
  :class:`~grooper_nb.auth.result.TokenResult` or raising :class:`~grooper_nb.auth.aadsts.AuthError`.
* :mod:`grooper_nb.auth.cache` — MSAL's token cache in a private (0600) file.
* :mod:`grooper_nb.auth.aadsts` — the AADSTS catalogue and ``AuthError``; :mod:`~grooper_nb.auth.hints`
  adds what only this side can see (redirect URI near misses, ``/.default``, a secret's ID as secret).
* :mod:`grooper_nb.auth.scopes` — the scopes each Grooper connection type asks for.

Nothing is imported here eagerly: ``import grooper_nb.auth`` starts nothing and touches no network.
"""
