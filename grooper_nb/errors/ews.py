"""Exchange Web Services (EWS) errors explained: the catalogue and :func:`from_response`.

EWS fails in three shapes:

* HTTP 200 with a response message whose ``ResponseClass="Error"`` carries a ``ResponseCode`` and a
  ``MessageText`` (https://learn.microsoft.com/exchange/client-developer/web-service-reference/responsecode);
* HTTP 500 with a SOAP ``Fault`` whose ``detail`` names the ``ResponseCode`` (impersonation denied,
  schema errors, throttling with ``BackOffMilliseconds``);
* an HTTP-level refusal with no SOAP at all: 401 with ``x-ms-diagnostics`` (the token), 403 (EWS
  blocked for the tenant, mailbox or app).

:func:`from_response` reads all three from a ``requests.Response`` into an :class:`EwsError`::

    >>> from grooper_nb.errors import explain
    >>> explain("ews", "ErrorImpersonateUserDenied").name
    'ErrorImpersonateUserDenied'
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from grooper_nb.errors.base import ExplainedError, Explanation, body_text, http_facts, lookup, parse_xml

__all__ = [
    "CATALOGUE",
    "EwsError",
    "diagnostics_reason",
    "explain",
    "from_message",
    "from_response",
    "parse_soap",
]

_CODES = "https://learn.microsoft.com/exchange/client-developer/web-service-reference/responsecode"
_EWS = "https://learn.microsoft.com/exchange/client-developer/exchange-web-services/"
_IMPERSONATION = _EWS + "impersonation-and-ews-in-exchange"
_THROTTLING = _EWS + "ews-throttling-in-exchange"
_OAUTH = _EWS + "how-to-authenticate-an-ews-application-by-using-oauth"
_CONTROL = _EWS + "how-to-control-access-to-ews-in-exchange"


def _x(code: str, status: int, docs: str, *, meaning: str, cause: str, fix: str) -> Explanation:
    return Explanation(code, code, "", meaning, cause, fix, docs, status)


# fmt: off
_ENTRIES: tuple[Explanation, ...] = (
    _x("ErrorAccessDenied", 200, _CODES,
       meaning="The calling account does not have the rights to perform the action requested.",
       cause="The user Grooper signs in as has no delegate (Full Access) permission on the mailbox in its "
             "MailboxList, or the folder is not shared with it.",
       fix="Grant the connection's user Full Access to the mailbox (Add-MailboxPermission), or sign in as "
           "the mailbox owner; for many mailboxes use the app-only connection with impersonation."),
    _x("ErrorImpersonateUserDenied", 500, _IMPERSONATION,
       meaning="The account does not have permission to impersonate the requested user.",
       cause="Impersonation was requested by an account without the ApplicationImpersonation role, or by an "
             "app whose token lacks full_access_as_app (or whose access policy excludes that mailbox).",
       fix="For the server-to-server connection: grant full_access_as_app with admin consent and use an "
           "app-only token; for a service account: assign it the ApplicationImpersonation role."),
    _x("ErrorNonExistentMailbox", 200, _CODES,
       meaning="The SMTP address in the request or in the impersonation header has no mailbox associated "
               "with it.",
       cause="A typo in Grooper's mailbox address, a user without an Exchange Online mailbox, or a shared "
             "mailbox addressed by a UPN that is not its SMTP address.",
       fix="Use the mailbox's primary SMTP address (Get-Mailbox | fl PrimarySmtpAddress) in the connection "
           "and in X-AnchorMailbox."),
    _x("ErrorInvalidIdMalformed", 200, _CODES,
       meaning="The item or folder ID is malformed ('Id is malformed.').",
       cause="An ID from another API (a Graph REST ID, or an ID cut off when stored) was passed to EWS.",
       fix="Pass EWS IDs to EWS (convert Graph IDs with translateExchangeIds), and store IDs whole."),
    _x("ErrorServerBusy", 500, _THROTTLING,
       meaning="The server is busy: EWS throttled the caller; BackOffMilliseconds in the fault says how long "
               "to wait.",
       cause="A Grooper import issued more concurrent or more frequent EWS calls than the mailbox's or the "
             "service account's throttling budget allows (EWSMaxConcurrency, find-count limits).",
       fix="Wait BackOffMilliseconds before the next call, lower concurrency, and page FindItem in smaller "
           "pages."),
    _x("ErrorInvalidExchangeImpersonationHeaderData", 500, _IMPERSONATION,
       meaning="The ExchangeImpersonation SOAP header is invalid (it names no valid mailbox identifier).",
       cause="The impersonation header was built with an empty or malformed address, or with an identifier "
             "type the server does not accept.",
       fix="Send ExchangeImpersonation/ConnectingSID/PrimarySmtpAddress with the mailbox's SMTP address, "
           "and the same address in the X-AnchorMailbox HTTP header."),
    _x("ErrorItemNotFound", 200, _CODES,
       meaning="The specified object was not found in the store: the item was deleted or moved, or the id "
               "names an item of another mailbox.",
       cause="A message Grooper listed earlier was deleted or moved before it was read (its EWS id changes "
             "with its folder), or an id was kept from another mailbox.",
       fix="List the folder again and use the ids of that listing; read moved messages from their new "
           "folder."),
    _x("ErrorFolderNotFound", 200, _CODES,
       meaning="The folder does not exist in the mailbox (or the mailbox has no folder of that "
               "distinguished name).",
       cause="The folder was deleted or renamed since Grooper stored its id, or Grooper asked for a "
             "well-known folder (junkemail, outbox, ...) this mailbox does not have.",
       fix="List the mailbox's folders again (FindFolder) and pick the folder by its current id."),
    _x("ErrorInvalidRestriction", 200, _CODES,
       meaning="The Restriction (search filter) of a FindItem is not valid or not supported.",
       cause="The date range or filter Grooper built names a property or comparison the server does not "
             "evaluate.",
       fix="Filter on item:DateTimeReceived with IsGreaterThanOrEqualTo / IsLessThan and UTC times."),
    _x("Unauthorized", 401, _OAUTH,
       meaning="EWS refused the token at the HTTP level (no SOAP response); x-ms-diagnostics says why, for "
               "example '2000008;reason=\"The token has expired.\";error_category=\"invalid_token\"'.",
       cause="The token expired (the refresh token Grooper stored was not used), it is for another resource "
             "(a Graph token: EWS needs https://outlook.office365.com), or it lacks EWS.AccessAsUser.All / "
             "full_access_as_app.",
       fix="Inspect the token: inspect_token(token, profile).verdict('exchange_ews_delegated') (or "
           "'exchange_ews_app') names the audience, scope or expiry to fix; then request a new token."),
    _x("Forbidden", 403, _CONTROL,
       meaning="EWS refused the request before it reached the mailbox (HTTP 403, no SOAP response).",
       cause="EWS is blocked for the tenant, the mailbox or the Grooper app: EwsEnabled is False, the app's "
             "client ID is not in EwsAllowedAppIDs, a User-Agent allow/block list matches, or the mailbox's "
             "licence no longer includes EWS.",
       fix="Check Get-OrganizationConfig and Get-CASMailbox (EwsEnabled, EwsAllowedAppIDs, "
           "EwsApplicationAccessPolicy); plan the move to Graph mail (connections graph_mail_delegated / "
           "graph_mail_app), as EWS in Exchange Online is being retired."),
)
# fmt: on

CATALOGUE: Mapping[str, Explanation] = MappingProxyType({str(e.code): e for e in _ENTRIES})
_ALIASES = {"ErrorInvalidExchangeImpersonationHeader": "ErrorInvalidExchangeImpersonationHeaderData"}


def explain(code: str) -> Explanation | None:
    """The catalogue entry for ``code`` (case-insensitive), or None."""
    return lookup(CATALOGUE, _ALIASES.get(str(code), str(code)))


@dataclass(eq=False)
class EwsError(ExplainedError):
    """A failed EWS call, explained. ``error`` is the ``ResponseCode`` (or ``Unauthorized`` /
    ``Forbidden`` for an HTTP-level refusal); ``back_off_ms`` is the server's ``BackOffMilliseconds``."""

    source: ClassVar[str] = "ews"
    label: ClassVar[str] = "EWS"

    back_off_ms: int | None = None

    @property
    def explanation(self) -> Explanation | None:
        return explain(self.error)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root: ET.Element, name: str) -> list[ET.Element]:
    return [el for el in root.iter() if _local(el.tag) == name]


def _text(root: ET.Element, name: str) -> str:
    found = _find(root, name)
    return (found[0].text or "").strip() if found else ""


def _back_off(root: ET.Element) -> int | None:
    for el in _find(root, "Value"):
        if el.get("Name") == "BackOffMilliseconds" and (el.text or "").strip().isdigit():
            return int(el.text.strip())
    return None


def _failed_message(root: ET.Element) -> dict[str, Any]:
    """The first response message with ResponseClass="Error" (HTTP 200 form)."""
    for msg in root.iter():
        if msg.get("ResponseClass") == "Error":
            return {"error": _text(msg, "ResponseCode"), "description": _text(msg, "MessageText")}
    return {}


def _fault(root: ET.Element) -> dict[str, Any]:
    """A SOAP Fault: the ResponseCode in its detail (else its faultcode) and its faultstring."""
    faults = _find(root, "Fault")
    if not faults:
        return {}
    fault = faults[0]
    code = _text(fault, "ResponseCode") or _text(fault, "faultcode").rsplit(":", 1)[-1]
    return {"error": code, "description": _text(fault, "faultstring") or _text(fault, "Message")}


def parse_soap(text: str) -> dict[str, Any]:
    """The error fields of an EWS SOAP response (``{}`` when it reports no error or is not XML)."""
    root = parse_xml(text)
    if root is None:
        return {}
    found = _fault(root) or _failed_message(root)
    if found:
        found["back_off_ms"] = _back_off(root)
    return found


_REASON = re.compile(r'reason="([^"]*)"')


def diagnostics_reason(diagnostics: str | None) -> str:
    """The ``reason`` of an ``x-ms-diagnostics`` header (``2000008;reason="...";error_category=...``)."""
    m = _REASON.search(diagnostics or "")
    return m.group(1) if m else ""


_HTTP_LEVEL = {401: "Unauthorized", 403: "Forbidden"}


def from_response(resp: Any) -> EwsError:
    """An :class:`EwsError` from a failed EWS ``requests.Response`` (message error, fault, or HTTP).

    A 401 or 403 is explained as the HTTP-level refusal it is (``Unauthorized`` / ``Forbidden``) even when
    a SOAP body comes with it: a 403 that blocks EWS for the tenant may carry a fault saying
    ``ErrorAccessDenied``, and explaining that as missing delegate rights would send the reader to fix
    the wrong thing. The body's words are kept as the description."""
    facts = http_facts(resp)
    found = parse_soap(body_text(resp))
    status = facts["status"]
    if not found or status in _HTTP_LEVEL:
        found = {
            "error": _HTTP_LEVEL.get(status) or getattr(resp, "reason", None) or f"HTTP {status}",
            "description": found.get("description") or diagnostics_reason(facts["diagnostics"]),
        }
    return EwsError(**facts, **found)


def from_message(resp: Any, message: ET.Element) -> EwsError:
    """An :class:`EwsError` from one ``ResponseClass="Error"`` response message of an HTTP 200 answer
    (GetItem answers one message per id, and each may fail on its own), with the answer's request id."""
    code = _text(message, "ResponseCode")
    return EwsError(
        **http_facts(resp),
        error=code or "ErrorInternalServerError",
        description=_text(message, "MessageText"),
        back_off_ms=_back_off(message),
    )
