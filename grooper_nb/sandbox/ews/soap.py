"""The SOAP 1.1 envelope of Exchange Web Services: parsing a request, rendering a response or a fault.

Every EWS answer carries ``t:ServerVersionInfo`` in its SOAP header; the sandbox says what Exchange Online
says (``MajorVersion`` 15, ``MinorVersion`` 20, ``Version="V2018_01_08"``), the build exchangelib maps
to "Office365". Operation errors travel inside each ``ResponseMessage`` (``ResponseClass="Error"``,
``MessageText``, ``ResponseCode``, ``DescriptiveLinkKey``) with HTTP 200; errors of the request as a
whole (impersonation, schema) are a ``soap:Fault`` with HTTP 500 whose ``detail`` carries the
``ResponseCode``. https://learn.microsoft.com/exchange/client-developer/web-service-reference/responsecode
and https://learn.microsoft.com/exchange/client-developer/web-service-reference/serverversioninfo

Requests are parsed with the standard library's expat parser, which expands no external entity and
refuses entity-expansion bombs (CPython 3.7.1+, expat 2.4.1+); bodies are bounded by the service.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import ClassVar
from xml.sax.saxutils import escape, quoteattr

__all__ = [
    "MNS",
    "SOAPNS",
    "TNS",
    "EwsError",
    "Request",
    "ResponseCodes",
    "attr",
    "el",
    "envelope",
    "fault",
    "message",
    "parse",
    "response",
    "server_busy",
]

SOAPNS = "http://schemas.xmlsoap.org/soap/envelope/"
MNS = "http://schemas.microsoft.com/exchange/services/2006/messages"
TNS = "http://schemas.microsoft.com/exchange/services/2006/types"
ENS = "http://schemas.microsoft.com/exchange/services/2006/errors"

SERVER_VERSION = {
    "MajorVersion": "15",
    "MinorVersion": "20",
    "MajorBuildNumber": "8769",
    "MinorBuildNumber": "22",
    "Version": "V2018_01_08",
}


class ResponseCodes:
    """The ResponseCode values the sandbox answers, with Exchange's message texts."""

    NoError = "NoError"
    ErrorAccessDenied = "ErrorAccessDenied"
    ErrorImpersonateUserDenied = "ErrorImpersonateUserDenied"
    ErrorNonExistentMailbox = "ErrorNonExistentMailbox"
    ErrorInvalidExchangeImpersonationHeaderData = "ErrorInvalidExchangeImpersonationHeaderData"
    ErrorInvalidIdMalformed = "ErrorInvalidIdMalformed"
    ErrorItemNotFound = "ErrorItemNotFound"
    ErrorFolderNotFound = "ErrorFolderNotFound"
    ErrorInvalidOperation = "ErrorInvalidOperation"
    ErrorInvalidRequest = "ErrorInvalidRequest"
    ErrorSchemaValidation = "ErrorSchemaValidation"
    ErrorServerBusy = "ErrorServerBusy"
    ErrorInternalServerError = "ErrorInternalServerError"
    ErrorNameResolutionNoResults = "ErrorNameResolutionNoResults"
    ErrorNameResolutionMultipleResults = "ErrorNameResolutionMultipleResults"

    TEXT: ClassVar[dict[str, str]] = {
        ErrorAccessDenied: "Access is denied. Check credentials and try again.",
        ErrorImpersonateUserDenied: "The account does not have permission to impersonate the requested user.",
        ErrorNonExistentMailbox: "The SMTP address has no mailbox associated with it.",
        ErrorInvalidIdMalformed: "Id is malformed.",
        ErrorItemNotFound: "The specified object was not found in the store.",
        ErrorFolderNotFound: "The specified folder could not be found in the store.",
        ErrorNameResolutionNoResults: "No results were found.",
        ErrorServerBusy: "The server cannot service this request right now. Try again later.",
        ErrorInternalServerError: "An internal server error occurred. The operation failed.",
    }


class EwsError(Exception):
    """An EWS error: a ResponseMessage error (``fault=False``), or a SOAP fault with HTTP 500."""

    def __init__(self, code: str, text: str | None = None, *, fault: bool = False, message_xml: str = ""):
        self.code = code
        self.text = text or ResponseCodes.TEXT.get(code, code)
        self.fault = fault
        self.message_xml = message_xml
        super().__init__(f"{code}: {self.text}")


def server_busy(back_off_ms: int) -> EwsError:
    """``ErrorServerBusy`` with the ``BackOffMilliseconds`` a client must wait
    (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange)."""
    xml = f'<m:MessageXml><t:Value Name="BackOffMilliseconds">{int(back_off_ms)}</t:Value></m:MessageXml>'
    return EwsError(ResponseCodes.ErrorServerBusy, message_xml=xml)


@dataclass
class Request:
    """A parsed request: the operation element (``m:FindItem`` ...), its local name, the header."""

    operation: ET.Element
    name: str
    header: ET.Element | None


def parse(body: bytes) -> Request:
    """The envelope's operation; a body that is not a SOAP envelope is ``ErrorSchemaValidation``."""
    try:
        root = ET.fromstring(body)  # noqa: S314 - expat without external entities, see module docstring
    except ET.ParseError:
        raise EwsError(
            ResponseCodes.ErrorSchemaValidation, "The request failed schema validation.", fault=True
        ) from None
    soap_body = root.find(f"{{{SOAPNS}}}Body")
    if root.tag != f"{{{SOAPNS}}}Envelope" or soap_body is None or len(soap_body) == 0:
        raise EwsError(
            ResponseCodes.ErrorSchemaValidation, "The request failed schema validation.", fault=True
        )
    operation = soap_body[0]
    return Request(operation, operation.tag.rpartition("}")[2], root.find(f"{{{SOAPNS}}}Header"))


def t(name: str) -> str:
    return f"{{{TNS}}}{name}"


def m(name: str) -> str:
    return f"{{{MNS}}}{name}"


def el(tag: str, content: str = "", **attrs: str) -> str:
    """``<tag attrs>content</tag>``: ``content`` is XML already; use :func:`text` for text."""
    attributes = "".join(f" {k}={quoteattr(str(v))}" for k, v in attrs.items())
    return f"<{tag}{attributes}>{content}</{tag}>" if content else f"<{tag}{attributes}/>"


def text(tag: str, value: object) -> str:
    """``<tag>escaped value</tag>``; booleans as ``true``/``false``."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{escape(str(value))}</{tag}>"


attr = quoteattr


def envelope(body: str) -> bytes:
    """A whole response envelope around ``body``, with ServerVersionInfo in its header."""
    version = el("h:ServerVersionInfo", **SERVER_VERSION)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAPNS}"><s:Header>'
        f"{version.replace('<h:ServerVersionInfo', f'<h:ServerVersionInfo xmlns:h={attr(TNS)}', 1)}"
        f'</s:Header><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:xsd="http://www.w3.org/2001/XMLSchema">{body}</s:Body></s:Envelope>'
    ).encode()


def response(operation: str, messages: list[str]) -> bytes:
    """``<m:{operation}Response>`` with its ``ResponseMessages``."""
    inner = el("m:ResponseMessages", "".join(messages))
    return envelope(f'<m:{operation}Response xmlns:m="{MNS}" xmlns:t="{TNS}">{inner}</m:{operation}Response>')


def message(
    operation: str, content: str = "", error: EwsError | None = None, warning: EwsError | None = None
) -> str:
    """One ``{operation}ResponseMessage``: Success with ``content``; Warning with a code and ``content``;
    Error with the code and text (and ``MessageXml`` when the error has one)."""
    tag = f"m:{operation}ResponseMessage"
    if error is None and warning is None:
        return el(tag, text("m:ResponseCode", "NoError") + content, ResponseClass="Success")
    problem = _as_message(error) if error is not None else warning
    parts = (
        text("m:MessageText", problem.text)
        + text("m:ResponseCode", problem.code)
        + text("m:DescriptiveLinkKey", 0)
        + problem.message_xml
    )
    if error is not None:
        return el(tag, parts, ResponseClass="Error")
    return el(tag, parts + content, ResponseClass="Warning")


def _as_message(error: EwsError) -> EwsError:
    """``error`` as a response message of an HTTP 200 says it. Throttling there is
    ``ErrorInternalServerError`` with an inner ``ErrorServerBusy``: Table 4 of
    https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange.
    Where Exchange puts the inner code is not documented (UNCONFIRMED); the sandbox names it in
    ``MessageXml`` beside ``BackOffMilliseconds``. As a fault (HTTP 500) it stays ``ErrorServerBusy``."""
    if error.code != ResponseCodes.ErrorServerBusy:
        return error
    inner = '<t:Value Name="InnerErrorResponseCode">ErrorServerBusy</t:Value>'
    xml = error.message_xml.replace("<m:MessageXml>", "<m:MessageXml>" + inner, 1) or (
        f"<m:MessageXml>{inner}</m:MessageXml>"
    )
    return EwsError(ResponseCodes.ErrorInternalServerError, message_xml=xml)


def _fault_message_xml(message_xml: str) -> str:
    """A response message's ``m:MessageXml`` as a fault's ``detail`` carries it (``t:MessageXml``), so a
    throttled request's ``BackOffMilliseconds`` reaches the client in either form."""
    if not message_xml:
        return ""
    inner = message_xml.replace("<m:MessageXml>", "").replace("</m:MessageXml>", "")
    return f'<t:MessageXml xmlns:t="{TNS}">{inner}</t:MessageXml>'


def fault(error: EwsError) -> bytes:
    """A SOAP fault as Exchange sends one (HTTP 500): faultcode, faultstring, detail/ResponseCode (and
    ``MessageXml`` when the error has one: ``BackOffMilliseconds`` of ``ErrorServerBusy``)."""
    detail = (
        f'<e:ResponseCode xmlns:e="{ENS}">{escape(error.code)}</e:ResponseCode>'
        f'<e:Message xmlns:e="{ENS}">{escape(error.text)}</e:Message>' + _fault_message_xml(error.message_xml)
    )
    body = (
        f"<s:Fault><faultcode xmlns:a={attr(TNS)}>a:{escape(error.code)}</faultcode>"
        f'<faultstring xml:lang="en-US">{escape(error.text)}</faultstring><detail>{detail}</detail></s:Fault>'
    )
    return envelope(body)
