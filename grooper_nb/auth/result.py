"""What a successful flow returns: :class:`TokenResult` (tokens masked when displayed).

    >>> result = client_credentials(profile)                          # doctest: +SKIP
    >>> result                                                        # doctest: +SKIP
    TokenResult(flow='client_credentials', aud='https://graph.microsoft.com', scopes=..., expires_on=...,
                access_token=Secret(access token: 'eyJ0…' 1500 chars))
    >>> result.access_token.reveal()   # the raw token, only when you really need it   # doctest: +SKIP

``result.claims`` decodes the access token's payload *without* verifying it, for quick looks (``aud``,
``scp``, ``roles``); :func:`grooper_nb.tokens.inspect_token` verifies and explains.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from grooper_nb._redact import Secret
from grooper_nb.auth.scopes import RESERVED_SCOPES

__all__ = ["RESERVED_SCOPES", "TokenResult", "decode_jwt_payload"]


def decode_jwt_payload(token: str | Secret | None) -> dict[str, Any]:
    """The payload of a JWT, unverified ({} if the token is opaque or unreadable). The parsing is the
    token inspector's (:func:`grooper_nb.tokens.decode.decode`); verifying is its job too."""
    from grooper_nb.tokens.decode import TokenError, decode

    if token is None:
        return {}
    try:
        return decode(token).claims or {}
    except TokenError:
        return {}


@dataclass(frozen=True, repr=False, eq=False)
class TokenResult:
    """Tokens from one flow. ``access_token``/``refresh_token``/``id_token`` are :class:`Secret`."""

    access_token: Secret
    flow: str
    scopes: tuple[str, ...]
    expires_on: dt.datetime  # aware, UTC
    token_type: str = "Bearer"
    refresh_token: Secret | None = None
    id_token: Secret | None = None
    id_token_claims: Mapping[str, Any] = field(default_factory=dict)
    account: Mapping[str, Any] | None = None  # MSAL account (username, home_account_id, ...) for silent()
    source: str = "identity_provider"  # or "cache"
    client_id: str | None = None

    @classmethod
    def from_msal(
        cls,
        result: Mapping[str, Any],
        *,
        flow: str,
        requested: Sequence[str] = (),
        account: Mapping[str, Any] | None = None,
        client_id: str | None = None,
    ) -> TokenResult:
        """Wrap an MSAL success dict (``"access_token" in result``)."""
        scope = result.get("scope")
        if isinstance(scope, str):
            scopes = tuple(scope.split())
        elif scope:
            scopes = tuple(scope)
        else:
            scopes = tuple(s for s in requested if s not in RESERVED_SCOPES)
        expires_in = int(result.get("expires_in") or 0)
        expires_on = dt.datetime.fromtimestamp(int(time.time()) + expires_in, tz=dt.timezone.utc)
        rt, idt = result.get("refresh_token"), result.get("id_token")
        return cls(
            access_token=Secret(result["access_token"], label="access token"),
            flow=flow,
            scopes=scopes,
            expires_on=expires_on,
            token_type=result.get("token_type") or "Bearer",
            refresh_token=Secret(rt, label="refresh token") if rt else None,
            id_token=Secret(idt, label="id token") if idt else None,
            id_token_claims=dict(result.get("id_token_claims") or {}),
            account=_public_account(account),
            source=result.get("token_source") or "identity_provider",
            client_id=client_id,
        )

    # -- convenience -------------------------------------------------------------------------------
    @property
    def claims(self) -> dict[str, Any]:
        """The access token's payload, **unverified** ({} if opaque)."""
        return decode_jwt_payload(self.access_token)

    @property
    def audience(self) -> str | None:
        return self.claims.get("aud")

    @property
    def username(self) -> str | None:
        if self.account and self.account.get("username"):
            return self.account["username"]
        return self.id_token_claims.get("preferred_username")

    @property
    def expires_in(self) -> int:
        """Seconds until the access token expires (negative when expired)."""
        return int((self.expires_on - dt.datetime.now(dt.timezone.utc)).total_seconds())

    def authorization_header(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}`` for an HTTP request (contains the token)."""
        return {"Authorization": f"{self.token_type} {self.access_token.reveal()}"}

    def summary(self) -> dict[str, Any]:
        """Displayable facts (no token)."""
        c = self.claims
        return {
            "flow": self.flow,
            "source": self.source,
            "audience": c.get("aud"),
            "scp": c.get("scp"),
            "roles": " ".join(c.get("roles") or []) or None,
            "scopes": " ".join(self.scopes),
            "user": self.username,
            "expires_on": self.expires_on.isoformat(timespec="seconds"),
            "access_token": str(self.access_token),
            "refresh_token": str(self.refresh_token) if self.refresh_token else None,
        }

    def __repr__(self) -> str:
        return (
            f"TokenResult(flow={self.flow!r}, aud={self.audience!r}, scopes={' '.join(self.scopes)!r}, "
            f"user={self.username!r}, expires_on={self.expires_on:%Y-%m-%d %H:%M:%S}Z, "
            f"access_token={self.access_token!r}, refresh_token={self.refresh_token!r})"
        )

    __str__ = __repr__

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td><code>{html.escape(str(v))}</code></td></tr>"
            for k, v in self.summary().items()
            if v is not None
        )
        return (
            '<div class="grooper-nb-token" style="border-left:4px solid #2e7d32;padding:6px 10px">'
            f"<b>Token</b> ✓<table>{rows}</table></div>"
        )


def _public_account(account: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not account:
        return None
    keep = (
        "home_account_id",
        "environment",
        "username",
        "realm",
        "local_account_id",
        "authority_type",
        "account_source",
    )
    return {k: account.get(k) for k in keep if k in account}
