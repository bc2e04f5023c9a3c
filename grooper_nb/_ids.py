"""What a pasted identifier *is*: a GUID, a secret-looking value, an Entra refresh token.

One place for the shapes every part of the package recognises, so the profile, the hints and the token
inspector agree::

    >>> is_guid("{6731de76-14a6-49ae-97bc-6eba6914391e}")     # braces, as some tools copy it
    True
    >>> secret_reason("Xq8Q~abcdefghijklmnopqrstuvwxyz0123456789")
    "contains '~', as Entra client secret values do"
    >>> shown("Xq8Q~abcdefghijklmnopqrstuvwxyz0123456789")       # never the value itself
    "'Xq8Q…(41 chars)' (this looks like a secret value: contains '~', as Entra client secret values do)"

Nothing here prints a value that looks secret: :func:`shown` is what error messages use to quote a
setting that was given in the wrong place.
"""

from __future__ import annotations

import re

from grooper_nb._redact import mask

__all__ = [
    "GUID_RE",
    "is_guid",
    "looks_like_refresh_token",
    "secret_reason",
    "shown",
    "strip_braces",
]

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Base64 / base64url text long enough to be a key or an old-style client secret (32/44 chars).
_BASE64ISH = re.compile(r"^[A-Za-z0-9+/=_-]{24,}$")
# Entra refresh tokens are opaque: "0.A..." / "1.A..." then base64url segments joined by dots.
_REFRESH_TOKEN = re.compile(r"^[01]\.A[A-Za-z0-9_-]{20,}(\.[A-Za-z0-9_-]+)*$")


def strip_braces(value: str) -> str:
    """``"{GUID}"`` -> ``"GUID"`` (registry exports and PowerShell copy GUIDs with braces)."""
    v = value.strip()
    return v[1:-1].strip() if v.startswith("{") and v.endswith("}") else v


def is_guid(value: object) -> bool:
    """A GUID, with or without surrounding braces."""
    return isinstance(value, str) and bool(GUID_RE.match(strip_braces(value)))


def secret_reason(value: object) -> str | None:
    """Why ``value`` looks like a secret (client secret value, key, password), or None.

    Entra client secret values contain ``~`` (``Xq8Q~…``, 40 characters); older ones are 32-44
    characters of base64. A GUID, a domain, a URL or a file path does not count.
    """
    if not isinstance(value, str):
        return None
    v = value.strip()
    if not v or is_guid(v):
        return None
    if "~" in v and " " not in v and not v.startswith(("~/", "~\\")):
        return "contains '~', as Entra client secret values do"
    if _BASE64ISH.match(v) and any(c.isupper() for c in v) and any(c.islower() for c in v):
        if any(c.isdigit() for c in v):
            return "long and base64-like, as client secrets and keys are"
    return None


def looks_like_refresh_token(value: str) -> bool:
    """The shape of an Entra ID refresh token (``1.AXy8…`` / ``0.AXo…``: opaque, dot-separated)."""
    return bool(_REFRESH_TOKEN.match(value.strip()))


def shown(value: object) -> str:
    """How an error message may quote a setting: the value itself when it cannot be a secret, otherwise
    only its first characters and length, and why it looks secret."""
    if not isinstance(value, str):
        return repr(value)
    reason = secret_reason(value)
    if reason is None:
        return repr(value)
    return f"'{mask(value)}' (this looks like a secret value: {reason})"
