"""``outlook.office365.com``: Exchange Web Services at ``POST /EWS/Exchange.asmx`` (SOAP 1.1).

One module per operation, as exchangelib has one per service: :mod:`.find_folder`, :mod:`.get_folder`,
:mod:`.find_item`, :mod:`.get_item`, :mod:`.get_attachment`, :mod:`.resolve_names`; :mod:`.soap` parses
the envelope and renders answers (``ServerVersionInfo`` in every header, ResponseCodes, faults);
:mod:`.access` checks the token, the tenant's EWS policy and impersonation; :mod:`.folders`,
:mod:`.items` and :mod:`.mime` render the mail store's objects; :mod:`.ids` makes their opaque ids;
:mod:`.store_views` keeps the EWS policy. docs/sandbox.md ("Exchange Web Services") has the contract.

Every answer carries ``request-id`` and ``X-BackEndHttpStatus``. Without a token: 401 with Exchange
Online's ``WWW-Authenticate: Bearer`` challenge
(https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth);
with a bad one the same challenge with ``error="invalid_token"`` and an ``x-ms-diagnostics`` header.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from typing import Any

from ..login import RESOURCE_CHALLENGE_URI
from ..resource import TokenRejected, authenticate
from . import soap
from .access import (
    EWS_BLOCKED_MARKER,
    Blocked,
    Context,
    ScopeMissing,
    check_permission,
    check_policy,
    impersonated,
)
from .find_folder import find_folder
from .find_item import find_item
from .get_attachment import get_attachment
from .get_folder import get_folder
from .get_item import get_item
from .resolve_names import resolve_names
from .store_views import get_ews_policy, set_ews_policy

__all__ = [
    "EWS_BLOCKED_MARKER",
    "EXCHANGE_APP_ID",
    "HOST",
    "PATH",
    "create_app",
    "get_ews_policy",
    "set_ews_policy",
]

HOST = "outlook.office365.com"
PATH = "/ews/exchange.asmx"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"

_CHALLENGE = (
    f'Bearer client_id="{EXCHANGE_APP_ID}", '
    'trusted_issuers="00000001-0000-0000-c000-000000000000@*", '
    'token_types="app_asserted_user_v1 service_asserted_app_v1", '
    f'authorization_uri="{RESOURCE_CHALLENGE_URI}"'
)

OPERATIONS: dict[str, Callable[[Context], bytes]] = {
    "FindFolder": find_folder,
    "GetFolder": get_folder,
    "FindItem": find_item,
    "GetItem": get_item,
    "GetAttachment": get_attachment,
    "ResolveNames": resolve_names,
}

# x-ms-diagnostics of a refused token: "code;reason=...;error_category=...". The codes and reasons are
# those Exchange Online is seen answering; Microsoft documents neither (UNCONFIRMED).
_EXPIRED = '2000008;reason="The token has expired.";error_category="invalid_token"'
_SCOPE = (
    '2000008;reason="The token contains not enough scope to make this call.";error_category="invalid_grant"'
)


class _Answer(Exception):
    """An HTTP answer decided before any operation runs."""

    def __init__(self, status: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or []


def _unauthorized(diagnostics: str | None) -> _Answer:
    challenge = _CHALLENGE if diagnostics is None else f'{_CHALLENGE}, error="invalid_token"'
    headers = [("WWW-Authenticate", challenge)]
    if diagnostics is not None:
        headers.append(("x-ms-diagnostics", diagnostics))
    return _Answer("401 Unauthorized", b"", headers)


def _diagnostics(error: TokenRejected) -> str:
    if error.reason == "expired":
        return _EXPIRED
    reason = error.message.replace('"', "'")
    return f'2000001;reason="{reason}";error_category="invalid_token"'


def _blocked(reason: str) -> _Answer:
    """The tenant's EWS policy refuses the app. Exchange Online's wire form of this refusal (2026) is
    not documented beyond "HTTP 403" (UNCONFIRMED): the sandbox answers 403 with an x-ms-diagnostics
    header and a SOAP fault, both carrying :data:`EWS_BLOCKED_MARKER`, so a client can tell it apart."""
    error = soap.EwsError("ErrorAccessDenied", f"{EWS_BLOCKED_MARKER}: {reason}")
    diagnostics = f'2000010;reason="{EWS_BLOCKED_MARKER}: {reason}";error_category="ews_disabled"'
    return _Answer("403 Forbidden", soap.fault(error), [("x-ms-diagnostics", diagnostics)])


def _authorize(store: Any, environ: dict[str, Any]):
    authorization = environ.get("HTTP_AUTHORIZATION")
    if not authorization:
        raise _unauthorized(None)
    try:
        caller = authenticate(store, authorization, resource_app_id=EXCHANGE_APP_ID)
        check_permission(caller)
    except TokenRejected as error:
        raise _unauthorized(_diagnostics(error)) from None
    except ScopeMissing:
        raise _unauthorized(_SCOPE) from None
    try:
        check_policy(store, caller)
    except Blocked as error:
        raise _blocked(error.reason) from None
    return caller


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _serve(store: Any, environ: dict[str, Any]) -> tuple[str, bytes]:
    caller = _authorize(store, environ)
    request = soap.parse(_read_body(environ))
    handler = OPERATIONS.get(request.name)
    if handler is None:
        raise soap.EwsError("ErrorInvalidRequest", f"The sandbox does not serve {request.name}.", fault=True)
    ctx = impersonated(store, caller, request.header)
    ctx.request = request
    with contextlib.ExitStack() as slots:
        ctx.slots = slots
        ctx.hold(ctx.principal)
        return "200 OK", handler(ctx)


def create_app(store: Any, **_: Any):
    """The EWS host as a WSGI app serving ``store``'s mailboxes."""

    def app(environ, start_response):
        headers: list[tuple[str, str]] = []
        if environ.get("PATH_INFO", "").lower() != PATH:
            status, body = "404 Not Found", b""
        elif environ.get("REQUEST_METHOD") != "POST":
            status, body, headers = "405 Method Not Allowed", b"", [("Allow", "POST")]
        else:
            try:
                status, body = _serve(store, environ)
            except _Answer as answer:
                status, body, headers = answer.status, answer.body, answer.headers
            except soap.EwsError as error:
                status, body = "500 Internal Server Error", soap.fault(error)
        headers += [
            ("Content-Type", "text/xml; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("request-id", str(uuid.uuid4())),
            ("X-BackEndHttpStatus", status.split()[0]),
        ]
        start_response(status, headers)
        return [body]

    return app
