"""SOAP 1.1 for Exchange Web Services: the envelope, one POST through the profile's session, the answer.

Every EWS operation is a POST of a SOAP envelope to ``{exchange}/EWS/Exchange.asmx``
(https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-xml-elements-in-exchange).
:class:`SoapClient` builds the envelope once for every operation module of this package:

* ``t:RequestServerVersion Version="Exchange2016"``: the newest schema version Exchange Online accepts by
  name; every element this package sends exists in it
  (https://learn.microsoft.com/exchange/client-developer/web-service-reference/requestserverversion);
* for an app-only token, ``t:ExchangeImpersonation/t:ConnectingSID/t:PrimarySmtpAddress`` and the
  ``X-AnchorMailbox`` HTTP header with the mailbox's address: Exchange Online refuses an app-only call
  without impersonation, and routes by the anchor
  (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/impersonation-and-ews-in-exchange);
  a delegated call names the mailbox in each folder id instead and sends the anchor too;
* the bearer token through :class:`~grooper_nb.http.BearerAuth` (refreshed once on a 401).

The answer is read in the three shapes EWS fails in (:mod:`grooper_nb.errors.ews`): an HTTP refusal
(401 with ``x-ms-diagnostics``, 403) or a SOAP fault (500) raises
:func:`~grooper_nb.errors.ews.from_response`; a ``ResponseClass="Error"`` message of a 200 is raised
by :meth:`SoapAnswer.check`. Either way the
:class:`~grooper_nb.errors.EwsError` keeps the ``ResponseCode``, ``x-ms-diagnostics`` and ``request-id``.
``t:ServerVersionInfo`` of the last answer is kept on the client (``client.server_version``).

Every EWS call is a POST, which :mod:`grooper_nb.http` does not send twice on its own. The operations of
:data:`READ_OPERATIONS` only read, so they go out ``replay_safe``: a connection dropped before the answer
came is retried like a GET's.

Throttling: an ``ErrorServerBusy`` fault (HTTP 500 or 503) is waited out by the session's retry policy,
as long as its ``BackOffMilliseconds`` asks (:mod:`grooper_nb.http`). A throttled 200 answer (a message
``ErrorInternalServerError`` with an inner ``ErrorServerBusy``, as Exchange documents it, or a bare
``ErrorServerBusy``) is this module's to handle: the request is sent again after the back-off, with the same
policy's ``sleep``, ``max_wait`` and ``max_attempts``
(https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import requests

from grooper_nb.errors.base import http_facts, parse_xml
from grooper_nb.errors.ews import EwsError, from_message, from_response
from grooper_nb.http import DEFAULT_RETRY, BearerAuth, ProfileSession, RetryAfterTooLong, RetryPolicy

__all__ = [
    "MNS",
    "READ_OPERATIONS",
    "REQUEST_SERVER_VERSION",
    "SOAPNS",
    "TNS",
    "SoapAnswer",
    "SoapClient",
    "attr",
    "child",
    "children",
    "distinguished_xml",
    "envelope",
    "field_uris",
    "folder_id_xml",
    "is_read",
    "operation_name",
    "text_of",
    "xml_text",
]

SOAPNS = "http://schemas.xmlsoap.org/soap/envelope/"
MNS = "http://schemas.microsoft.com/exchange/services/2006/messages"
TNS = "http://schemas.microsoft.com/exchange/services/2006/types"
REQUEST_SERVER_VERSION = "Exchange2016"
EWS_PATH = "/EWS/Exchange.asmx"
_log = logging.getLogger(__name__)
# Operations that only read the mailbox: sent twice they change nothing, so a request whose connection
# dropped before the answer came is sent again (grooper_nb.http, ``replay_safe``). Anything that writes
# (CreateItem, UpdateItem, MoveItem, ...) is never in this set: done twice, it would act twice.
READ_OPERATIONS = frozenset(
    {"FindFolder", "GetFolder", "FindItem", "GetItem", "GetAttachment", "ResolveNames"}
)
_OPERATION = re.compile(r"\s*<(?:\w+:)?(\w+)")

attr = quoteattr  # an attribute value, quoted and escaped: f"<t:ItemId Id={attr(item_id)}/>"


def xml_text(value: object) -> str:
    """Text content, escaped."""
    return escape(str(value))


def t(name: str) -> str:
    return f"{{{TNS}}}{name}"


def m(name: str) -> str:
    return f"{{{MNS}}}{name}"


def child(elem: ET.Element | None, *path: str) -> ET.Element | None:
    """The element at ``path`` of ``t:`` names under ``elem`` (``child(msg, "From", "Mailbox")``)."""
    for name in path:
        if elem is None:
            return None
        elem = elem.find(t(name))
    return elem


def children(elem: ET.Element | None, *path: str) -> list[ET.Element]:
    """Every child of the element at ``path`` (``children(msg, "ToRecipients")``)."""
    found = child(elem, *path)
    return list(found) if found is not None else []


def text_of(elem: ET.Element | None, *path: str) -> str | None:
    """The text at ``path`` under ``elem``, stripped; None when absent."""
    found = child(elem, *path)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def envelope(body: str, impersonate: str | None = None) -> bytes:
    """The SOAP envelope around one operation element (``body``: XML with ``m:``/``t:`` prefixes)."""
    header = f'<t:RequestServerVersion Version="{REQUEST_SERVER_VERSION}"/>'
    if impersonate:
        header += (
            "<t:ExchangeImpersonation><t:ConnectingSID>"
            f"<t:PrimarySmtpAddress>{xml_text(impersonate)}</t:PrimarySmtpAddress>"
            "</t:ConnectingSID></t:ExchangeImpersonation>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAPNS}" xmlns:m="{MNS}" xmlns:t="{TNS}">'
        f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


@dataclass
class SoapAnswer:
    """One 200 answer: its response messages, in request order, and the HTTP response they came in."""

    response: requests.Response
    messages: list[ET.Element]

    def check(self, message: ET.Element) -> ET.Element:
        """``message`` when it succeeded (``Success`` or ``Warning``); else its explained error."""
        if message.get("ResponseClass") == "Error":
            raise from_message(self.response, message)
        return message

    def code(self, message: ET.Element) -> str:
        return (message.findtext(m("ResponseCode")) or "").strip()


def operation_name(body: str) -> str:
    """The operation a body holds: its first element's local name (``FindItem`` of ``<m:FindItem ...>``)."""
    found = _OPERATION.match(body)
    return found.group(1) if found else ""


def is_read(body: str) -> bool:
    """Whether ``body`` is one of :data:`READ_OPERATIONS`: safe to send again after a dropped connection."""
    return operation_name(body) in READ_OPERATIONS


def _messages(root: ET.Element) -> list[ET.Element]:
    holder = root.find(f".//{m('ResponseMessages')}")
    return list(holder) if holder is not None else []


def _server_version(root: ET.Element) -> dict[str, str] | None:
    info = root.find(f"{{{SOAPNS}}}Header/{t('ServerVersionInfo')}")
    return dict(info.attrib) if info is not None else None


def _is_busy(answer: SoapAnswer, message: ET.Element) -> bool:
    """A response message that says "throttled, come back later". Exchange documents the HTTP 200 form
    as ``ErrorInternalServerError`` with an inner ``ErrorServerBusy`` (Table 4 of
    https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange);
    where the inner code sits is not documented (UNCONFIRMED: ``MessageXml`` or the text), so any mention
    of it inside the message counts. A bare ``ErrorServerBusy`` message counts too."""
    code = answer.code(message)
    if code == "ErrorServerBusy":
        return True
    return code == "ErrorInternalServerError" and "ErrorServerBusy" in ET.tostring(
        message, encoding="unicode"
    )


def _busy_back_off(answer: SoapAnswer) -> float | None:
    """Seconds to wait when a message of a 200 answer is throttled (:func:`_is_busy`): its
    ``BackOffMilliseconds``, 0.0 when it names none (the caller then backs off on its own); None when no
    message is throttled."""
    for message in answer.messages:
        if _is_busy(answer, message):
            return (from_message(answer.response, message).back_off_ms or 0) / 1000
    return None


class SoapClient:
    """EWS operations as one mailbox, over the profile's session.

    ``get_token(force_refresh) -> str`` gives the bearer token; ``impersonate`` is the SMTP address an
    app-only token acts as (None for a delegated token); ``anchor`` the ``X-AnchorMailbox`` address.
    ``client.call(body)`` posts one operation and returns its :class:`SoapAnswer`.
    """

    def __init__(
        self,
        session: requests.Session,
        exchange_url: str,
        get_token: Callable[[bool], str],
        *,
        impersonate: str | None = None,
        anchor: str | None = None,
    ) -> None:
        self.session = session
        self.url = exchange_url.rstrip("/") + EWS_PATH
        self.auth = BearerAuth(get_token)
        self.impersonate = impersonate
        self.anchor = anchor or impersonate
        self.server_version: dict[str, str] | None = None

    @property
    def _policy(self) -> RetryPolicy:
        return getattr(self.session, "retry", None) or DEFAULT_RETRY

    def _post(self, body: str) -> SoapAnswer:
        headers = {"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml"}
        if self.anchor:
            headers["X-AnchorMailbox"] = self.anchor
        extra = {"replay_safe": True} if is_read(body) and isinstance(self.session, ProfileSession) else {}
        resp = self.session.post(
            self.url, data=envelope(body, self.impersonate), headers=headers, auth=self.auth, **extra
        )
        if resp.status_code != 200:
            raise from_response(resp)
        root = parse_xml(resp.text)
        if root is None:
            raise EwsError(
                **http_facts(resp), error="ErrorInvalidResponse", description="The answer is not XML."
            )
        self.server_version = _server_version(root) or self.server_version
        return SoapAnswer(resp, _messages(root))

    def call(self, body: str) -> SoapAnswer:
        """Post one operation; an ``ErrorServerBusy`` message is waited out and the request sent again."""
        policy = self._policy
        for attempt in range(1, policy.max_attempts + 1):
            answer = self._post(body)
            wait = _busy_back_off(answer)
            if wait is None or attempt == policy.max_attempts:
                return answer
            if wait > policy.max_wait:
                raise RetryAfterTooLong(
                    "POST", self.url, wait, policy.max_wait, "BackOffMilliseconds", answer.response
                )
            _log.info("ErrorServerBusy from EWS: retry %d in %.1f s", attempt, wait)
            policy.sleep(wait or policy.jitter(attempt - 1))
        raise AssertionError("unreachable: the last attempt returns")

    def __repr__(self) -> str:
        return f"SoapClient({self.url!r}, impersonate={self.impersonate!r})"


def folder_id_xml(folder_id: str) -> str:
    """``t:FolderId`` for an id EWS gave."""
    return f"<t:FolderId Id={attr(folder_id)}/>"


def distinguished_xml(name: str, mailbox: str | None = None) -> str:
    """``t:DistinguishedFolderId`` (``inbox``, ``msgfolderroot``, ...), in ``mailbox`` when given (a
    delegated caller opening a mailbox that is not its own names it here)."""
    inner = f"<t:Mailbox><t:EmailAddress>{xml_text(mailbox)}</t:EmailAddress></t:Mailbox>" if mailbox else ""
    return f"<t:DistinguishedFolderId Id={attr(name)}>{inner}</t:DistinguishedFolderId>"


def field_uris(uris: Any) -> str:
    """``t:FieldURI`` elements for ``AdditionalProperties``."""
    return "".join(f"<t:FieldURI FieldURI={attr(u)}/>" for u in uris)
