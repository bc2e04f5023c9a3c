"""Parse whatever the user hands us into a :class:`DecodedToken`, without verifying anything.

Entra ID hands out three shapes of access token (https://learn.microsoft.com/entra/identity-platform/access-tokens):

* **JWS** (``header.payload.signature``, three base64url segments): what Microsoft Graph, Exchange
  Online, SharePoint Online and custom APIs receive. This is what the inspector explains and verifies.
* **JWE** (five segments; the header names ``enc``): an *encrypted* token, readable only by the API it
  was encrypted for. We show the header and explain; the claims are not ours to read.
* **Opaque** (no dots at all, e.g. tokens for personal Microsoft accounts that start ``EwB``): a
  reference string only the issuing service can interpret. We explain; nothing to decode.

Anything else is refused with :class:`TokenError`, whose :attr:`~TokenError.reason` names what is wrong
(``empty``, ``not_text``, ``malformed``, ``truncated``, ``not_a_token``) and whose message never contains
the token. ``not_a_token`` names the usual wrong pastes: a GUID (a client, tenant, object or secret ID), an
Entra refresh token (``1.AXy8…``), a client secret value::

    >>> from grooper_nb.tokens.decode import decode, TokenError
    >>> try:
    ...     decode("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBo")
    ... except TokenError as e:
    ...     print(e.reason)
    truncated

Accepted inputs: ``str``, ``bytes`` (ASCII), :class:`grooper_nb._redact.Secret`, an object with an
``.access_token`` attribute (the AUTH stream's ``TokenResult``) and an MSAL result ``dict``. A leading
``Bearer `` (as copied from an ``Authorization`` header) and surrounding whitespace are ignored.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

from grooper_nb._ids import is_guid, looks_like_refresh_token, secret_reason
from grooper_nb._redact import Secret

__all__ = ["DecodedToken", "TokenError", "b64url_decode", "b64url_encode", "coerce_token_text", "decode"]

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
# Opaque tokens: base64-ish text with no dots, long enough not to be a typo. MSA tokens use "+/=!*".
_OPAQUE = re.compile(r"^[A-Za-z0-9+/=_!*~%-]{20,}$")
_BEARER = re.compile(r"^\s*bearer\s+", re.IGNORECASE)


class TokenError(ValueError):
    """The input is not a token the inspector can read.

    ``reason`` is one of:

    * ``empty`` — nothing was given (or an MSAL result without ``access_token``);
    * ``not_text`` — bytes that are not ASCII, or an object of an unsupported type;
    * ``malformed`` — not a JWS/JWE/opaque token: wrong number of segments, bad base64url, a header or
      payload that is not a JSON object;
    * ``truncated`` — looks like the start of a JWT that was cut off (copy/paste or a log line limit);
    * ``not_a_token`` — something else that gets pasted where a token belongs: a GUID, a refresh token,
      a client secret. The message says which, and what to pass instead.

    The message explains the problem and the fix; it never contains the token itself.
    """

    def __init__(self, reason: str, message: str, fix: str = "") -> None:
        self.reason = reason
        self.message = message
        self.fix = fix
        super().__init__(f"{message} {fix}".strip())

    def _repr_html_(self) -> str:
        from html import escape

        fix = f"<div><b>Fix:</b> {escape(self.fix)}</div>" if self.fix else ""
        return (
            "<div style='border-left:4px solid #c62828;padding:4px 8px'>"
            f"<b>TokenError ({escape(self.reason)})</b>: {escape(self.message)}{fix}</div>"
        )


@dataclass(frozen=True)
class DecodedToken:
    """The pieces of a token, undecided on trust. ``raw`` is a :class:`Secret`; the segments, the signing
    input and the signature are the token itself again, so its ``repr`` leaves them out."""

    raw: Secret
    kind: str  # "jws" | "jwe" | "opaque"
    header: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, Any] | None = None
    signing_input: bytes = field(default=b"", repr=False)
    signature: bytes = field(default=b"", repr=False)
    segments: tuple[str, ...] = field(default=(), repr=False)
    source: str = "str"  # what the caller passed: str | bytes | Secret | TokenResult | msal-dict

    @property
    def alg(self) -> str | None:
        alg = self.header.get("alg")
        return alg if isinstance(alg, str) else None


def b64url_decode(segment: str) -> bytes:
    """Decode unpadded base64url (RFC 7515 sec. 2); raise ``binascii.Error``/``ValueError`` on bad input."""
    if not _B64URL.match(segment):
        raise ValueError("not base64url")
    if len(segment) % 4 == 1:
        raise ValueError("impossible base64url length")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def coerce_token_text(token_or_result: Any) -> tuple[str, str]:
    """Return ``(token_text, source)`` for any accepted input; raise :class:`TokenError` otherwise."""
    value = token_or_result
    source = type(value).__name__
    if isinstance(value, dict):
        source = "msal-dict"
        if "access_token" not in value:
            if "error" in value:
                code = value.get("error_codes") or value.get("error")
                raise TokenError(
                    "empty",
                    f"This MSAL result is an error ({code}), not a token.",
                    "Look at its error_description (grooper_nb.errors.aadsts explains AADSTS codes).",
                )
            raise TokenError(
                "empty", "This dict has no 'access_token'.", "Pass the MSAL result or the token."
            )
        value = value["access_token"]
    elif not isinstance(value, (str, bytes, bytearray, Secret)) and hasattr(value, "access_token"):
        source = "TokenResult"
        value = value.access_token
    if isinstance(value, Secret):
        if source not in ("msal-dict", "TokenResult"):
            source = "Secret"
        value = value.reveal()
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("ascii")
        except UnicodeDecodeError:
            raise TokenError(
                "not_text",
                "These bytes are not ASCII text, so they cannot be a token (tokens are base64url text).",
                "Pass the token string itself.",
            ) from None
    if value is None:
        raise TokenError("empty", "No token was given (None).", "Pass a token string or a flow's result.")
    if not isinstance(value, str):
        raise TokenError(
            "not_text",
            f"A {type(value).__name__} is not a token.",
            "Pass a JWT string, a Secret, a TokenResult or an MSAL result dict.",
        )
    return _BEARER.sub("", value).strip(), source


def _json_object(segment: str, what: str) -> dict[str, Any]:
    try:
        raw = b64url_decode(segment)
    except (ValueError, binascii.Error):
        raise TokenError(
            "malformed",
            f"The {what} segment is not valid base64url.",
            "Copy the whole token again, without line breaks or quotes.",
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TokenError(
            "malformed", f"The {what} is not UTF-8 JSON.", "This is not an Entra token."
        ) from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        cut = e.pos >= len(text.rstrip()) - 1 or e.msg.startswith("Unterminated string")
        if cut and text.lstrip().startswith("{"):
            raise TokenError(
                "truncated",
                f"The {what} JSON stops in the middle: the token was cut off.",
                "Copy the complete token (it is usually 1,000–2,500 characters long).",
            ) from None
        raise TokenError("malformed", f"The {what} is not JSON.", "This is not an Entra token.") from None
    except RecursionError:
        raise TokenError("malformed", f"The {what} JSON is nested too deeply.", "") from None
    except ValueError:
        # Python refuses to read integers of more than sys.get_int_max_str_digits() digits (4300 by
        # default); no Entra claim comes near that, so the token is not one.
        raise TokenError(
            "malformed", f"The {what} holds a number too long to read.", "This is not an Entra token."
        ) from None
    if not isinstance(obj, dict):
        raise TokenError("malformed", f"The {what} is JSON but not an object.", "This is not an Entra token.")
    return obj


_PASS_ACCESS_TOKEN = (
    "Pass the access token: a flow's result (TokenResult), its .access_token, or result['access_token'] "
    "of an MSAL result."
)


def _not_a_token(text: str, given: Any) -> TokenError | None:
    """A TokenError naming what ``text`` is, when it is a well-known thing that is not an access token."""
    if is_guid(text):
        return TokenError(
            "not_a_token",
            "This is a GUID: an ID (an app's client ID, a tenant ID, an object ID or a client secret's ID), "
            "not a token.",
            _PASS_ACCESS_TOKEN,
        )
    label = given.label if isinstance(given, Secret) else ""
    if label == "refresh token" or looks_like_refresh_token(text):
        return TokenError(
            "not_a_token",
            "This looks like an Entra ID refresh token (opaque, '1.A…'/'0.A…'): only Entra ID reads it, to "
            "issue new tokens; no API accepts it, and it has no claims to inspect.",
            _PASS_ACCESS_TOKEN + " Not .refresh_token.",
        )
    reason = secret_reason(text)
    if reason and len(text) <= 64 and not text.startswith("eyJ"):
        return TokenError(
            "not_a_token",
            f"This looks like a client secret value ({reason}), not a token. Keep it out of notebooks: "
            "it belongs in GROOPER_NB_CLIENT_SECRET.",
            _PASS_ACCESS_TOKEN,
        )
    return None


def decode(token_or_result: Any) -> DecodedToken:
    """Split and base64url-decode a token; see the module docstring for the shapes and errors."""
    text, source = coerce_token_text(token_or_result)
    if not text:
        raise TokenError("empty", "The token is empty.", "Pass the access_token value.")
    wrong = _not_a_token(text, token_or_result)
    if wrong is not None:
        raise wrong
    secret = Secret(text, label="access token")
    parts = text.split(".")
    if len(parts) == 1:
        if text.startswith("eyJ") and _B64URL.match(text):
            raise TokenError(
                "truncated",
                "This is only the first segment of a JWT (no '.' separators): the token was cut off.",
                "Copy the complete token: header.payload.signature.",
            )
        if _OPAQUE.match(text):
            return DecodedToken(raw=secret, kind="opaque", segments=(text,), source=source)
        raise TokenError(
            "malformed",
            "This is neither a JWT (header.payload.signature) nor an opaque token.",
            "Pass the access_token value from the token response.",
        )
    if len(parts) == 5:
        header = _json_object(parts[0], "JWE header")
        if "enc" not in header:
            raise TokenError("malformed", "Five segments but the header has no 'enc': not a JWE.", "")
        return DecodedToken(raw=secret, kind="jwe", header=header, segments=tuple(parts), source=source)
    if len(parts) == 2:
        # "header.payload" with the signature lost, or a token cut inside the payload.
        header = _json_object(parts[0], "header")
        raise TokenError(
            "truncated",
            "The token has two segments; the signature (third segment) is missing: it was cut off."
            if header
            else "The token has only two segments.",
            "Copy the complete token: header.payload.signature.",
        )
    if len(parts) != 3:
        raise TokenError(
            "malformed",
            f"A JWT has 3 segments (JWE: 5); this has {len(parts)}.",
            "Copy the access_token value exactly.",
        )
    header = _json_object(parts[0], "header")
    claims = _json_object(parts[1], "payload")
    try:
        signature = b64url_decode(parts[2])
    except (ValueError, binascii.Error):
        raise TokenError(
            "malformed",
            "The signature segment is not valid base64url.",
            "Copy the whole token again, without line breaks or quotes.",
        ) from None
    return DecodedToken(
        raw=secret,
        kind="jws",
        header=header,
        claims=claims,
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"),
        signature=signature,
        segments=tuple(parts),
        source=source,
    )
