"""Token inspector: decode, verify, explain, and judge "will this token work for that Grooper connection?"

::

    from grooper_nb import connect, inspect_token
    profile = connect()
    report = inspect_token(result, profile)          # str JWT, Secret, TokenResult or MSAL dict
    report                                           # HTML: verdicts first, then claims explained
    report.verdict("exchange_ews_delegated")         # PASS/FAIL + every reason + the fix
    report.validation.reasons                        # e.g. ["expired"], [] when valid

Modules (one concept each): :mod:`.decode` (parse; :class:`TokenError`), :mod:`.claims` (claim catalogue,
audience names), :mod:`.verify` (JWKS, issuer/tenant/audience/lifetime; named rejections),
:mod:`.verdict` (targets: the Grooper connections of :mod:`grooper_nb.connections`), :mod:`.report`
(:class:`TokenReport`), :mod:`.compare`.

**Verification and the network.** With a ``profile``, keys are fetched through ``profile.session`` from
the profile's cloud, and the token's tenant is checked against ``profile.tenant_id``. Without a profile
the token is still fully decoded and explained; its signature is checked against the cloud its issuer
implies using a plain ``requests.Session()`` (so ``HTTPS_PROXY``/``REQUESTS_CA_BUNDLE`` apply), and when
that cannot be reached the report says ``not_verified`` with the reason, rather than failing.
``verify=False`` skips the network entirely.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any

import requests

from grooper_nb.clouds import get_cloud
from grooper_nb.tokens.claims import Audience, explain, resolve_audience
from grooper_nb.tokens.compare import TokenComparison
from grooper_nb.tokens.decode import TokenError, decode
from grooper_nb.tokens.report import TokenReport
from grooper_nb.tokens.verdict import (
    EXCHANGE_EWS_APP,
    EXCHANGE_EWS_DELEGATED,
    GRAPH_MAIL_APP,
    GRAPH_MAIL_DELEGATED,
    ONEDRIVE,
    SHAREPOINT_GRAPH,
    SHAREPOINT_REST_APP,
    SHAREPOINT_REST_DELEGATED,
    TARGETS,
    Target,
    Verdict,
    get_target,
)
from grooper_nb.tokens.verify import (
    DEFAULT_LEEWAY,
    JwksCache,
    Validation,
    cache_for,
    cloud_for_token,
    validate,
)

__all__ = [
    "EXCHANGE_EWS_APP",
    "EXCHANGE_EWS_DELEGATED",
    "GRAPH_MAIL_APP",
    "GRAPH_MAIL_DELEGATED",
    "ONEDRIVE",
    "SHAREPOINT_GRAPH",
    "SHAREPOINT_REST_APP",
    "SHAREPOINT_REST_DELEGATED",
    "TARGETS",
    "Audience",
    "JwksCache",
    "Target",
    "TokenComparison",
    "TokenError",
    "TokenReport",
    "Validation",
    "Verdict",
    "compare_tokens",
    "explain",
    "inspect_token",
    "resolve_audience",
]

_PLAIN: dict[str, requests.Session] = {}
_PLAIN_LOCK = threading.Lock()


def _plain_session() -> requests.Session:
    """One plain session for profile-less verification, made on first use (never at import)."""
    with _PLAIN_LOCK:
        if "s" not in _PLAIN:
            _PLAIN["s"] = requests.Session()
        return _PLAIN["s"]


def _to_unix(now: datetime | float | int | None) -> float:
    if now is None:
        return datetime.now(timezone.utc).timestamp()
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("now= must be timezone-aware (e.g. datetime.now(timezone.utc))")
        return now.timestamp()
    return float(now)


def inspect_token(
    token_or_result: Any,
    profile: Any = None,
    *,
    target: str | None = None,
    verify: bool = True,
    expected_audience: str | list[str] | None = None,
    now: datetime | float | None = None,
    leeway: int = DEFAULT_LEEWAY,
    sharepoint_host: str | None = None,
) -> TokenReport:
    """Decode, verify and explain a token; returns a :class:`TokenReport`.

    ``token_or_result``: a JWT string (``Bearer`` prefix allowed), a :class:`~grooper_nb._redact.Secret`,
    a flow's ``TokenResult`` (anything with ``.access_token``) or an MSAL result dict.
    ``profile``: from :func:`grooper_nb.connect`; supplies the HTTP session, cloud, tenant and the
    tenant's SharePoint host. ``target``: the default for ``report.verdict()`` and the HTML view.
    ``expected_audience``: also reject (``wrong_audience``) a token not for this resource.
    ``now``: judge the lifetime at this moment (aware datetime or Unix time), e.g. "will it still work in
    an hour?". ``leeway``: allowed clock skew in seconds (default 300, as Microsoft.IdentityModel).

    Raises :class:`TokenError` (``.reason``: empty | not_text | malformed | truncated | not_a_token) when
    the input is not a readable token; every other finding is in the report.
    """
    if isinstance(token_or_result, TokenReport):
        return token_or_result
    decoded = decode(token_or_result)
    when = _to_unix(now)
    claims = decoded.claims or {}
    if profile is not None:
        session = getattr(profile, "session", None)
        cloud = get_cloud(getattr(profile, "cloud", None))
        expected_tenant = getattr(profile, "tenant_id", None)
    else:
        session = None
        cloud = cloud_for_token(claims)
        expected_tenant = None
    if verify and session is None and decoded.kind == "jws":
        session = _plain_session()
    validation = validate(
        decoded,
        session=session if verify else None,
        cloud=cloud,
        expected_tenant=expected_tenant,
        expected_audience=expected_audience,
        now=when,
        leeway=leeway,
        verify_signature=verify,
        cache=cache_for(session) if (verify and session is not None) else None,
    )
    if target is not None:
        target = get_target(target).name  # an unknown name fails here, not later in the HTML view
    return TokenReport(
        decoded,
        validation,
        cloud=cloud,
        now=datetime.fromtimestamp(when, tz=timezone.utc),
        sharepoint_host=sharepoint_host or getattr(profile, "sharepoint_host", None),
        target=target,
        verified_with_profile=profile is not None,
    )


def compare_tokens(
    a: Any,
    b: Any,
    profile: Any = None,
    *,
    labels: tuple[str, str] = ("A", "B"),
    **kwargs: Any,
) -> TokenComparison:
    """Two tokens (or reports) side by side; see :mod:`grooper_nb.tokens.compare`."""
    ra = inspect_token(a, profile, **kwargs)
    rb = inspect_token(b, profile, **kwargs)
    return TokenComparison(ra, rb, labels)
