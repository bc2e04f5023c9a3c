"""Who may call EWS and open which mailbox: the bearer token, the tenant's EWS policy, impersonation.

* The token is checked by :mod:`..resource` for Exchange Online (``aud`` ``https://outlook.office365.com``
  or ``00000002-0000-0ff1-ce00-000000000000``); a failure is HTTP 401 with Exchange's ``Bearer``
  challenge and an ``x-ms-diagnostics`` header
  (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth).
* A delegated token needs ``EWS.AccessAsUser.All`` and opens its user's own mailbox and the mailboxes
  the user has FullAccess to (``Add-MailboxPermission``).
* An app-only token needs the application permission ``full_access_as_app`` and must name the mailbox
  it acts as in an ``ExchangeImpersonation`` SOAP header (with ``X-AnchorMailbox`` set to that
  address, as the page above asks); without it Exchange answers the fault
  ``ErrorInvalidExchangeImpersonationHeaderData``. An application access policy
  (``New-ApplicationAccessPolicy``) limits which mailboxes it may open.
  https://learn.microsoft.com/exchange/client-developer/exchange-web-services/impersonation-and-ews-in-exchange
* The tenant's EWS policy (``EwsEnabled``, ``EwsAllowedAppIDs``: :mod:`.store_views`) is checked before
  anything else is read.
"""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from .. import faults
from ..resource import Caller
from .soap import TNS, EwsError, ResponseCodes, server_busy
from .store_views import get_ews_policy, mailbox_for

__all__ = [
    "EWS_BLOCKED_MARKER",
    "Blocked",
    "Context",
    "ScopeMissing",
    "check_permission",
    "check_policy",
    "impersonated",
]

DELEGATED = "ews.accessasuser.all"
APPLICATION = "full_access_as_app"

# The stable marker a client can look for in a refusal by the tenant's EWS policy (header and body).
EWS_BLOCKED_MARKER = "EwsBlockedByOrganizationPolicy"

MISSING_IMPERSONATION = "ExchangeImpersonation SOAP header must be present for this type of OAuth token."


class ScopeMissing(Exception):
    """The token lacks EWS's delegated scope or application permission (HTTP 401)."""


class Blocked(Exception):
    """The tenant's EWS policy refuses this app (HTTP 403); ``reason`` is the sentence sent."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_permission(caller: Caller) -> None:
    held = {v.lower() for v in (caller.roles if caller.app_only else caller.scp)}
    if (APPLICATION if caller.app_only else DELEGATED) not in held:
        raise ScopeMissing()


def check_policy(store: Any, caller: Caller) -> None:
    """``EwsEnabled`` false blocks every app; true with a non-empty ``EwsAllowedAppIDs`` only the others."""
    policy = get_ews_policy(store)
    if policy["enabled"] is False:
        raise Blocked("EWS is disabled for this organization (EwsEnabled is False).")
    allowed = policy["allowed_app_ids"]
    if policy["enabled"] is True and allowed and caller.app_id.lower() not in allowed:
        raise Blocked(f"The application {caller.app_id} is not in the organization's EwsAllowedAppIDs.")


def _impersonation_key(header: ET.Element | None) -> str | None:
    if header is None:
        return None
    sid = header.find(f"{{{TNS}}}ExchangeImpersonation/{{{TNS}}}ConnectingSID")
    if sid is None:
        return None
    for name in ("PrimarySmtpAddress", "SmtpAddress", "PrincipalName", "SID"):
        value = sid.findtext(f"{{{TNS}}}{name}")
        if value and value.strip():
            return value.strip()
    raise EwsError(
        ResponseCodes.ErrorInvalidExchangeImpersonationHeaderData,
        "The impersonation header does not name an account.",
        fault=True,
    )


@dataclass
class Context:
    """One request: the store, the caller, the mailbox it acts as (``principal``)."""

    store: Any
    caller: Caller
    principal: dict[str, Any]
    opened: set[str] = field(default_factory=set)
    request: Any = None  # the parsed SOAP request (soap.Request)
    slots: contextlib.ExitStack | None = None  # the per-mailbox slots this request holds (see hold())

    def hold(self, mailbox: dict[str, Any]) -> None:
        """Take one of the app's slots on ``mailbox`` for the rest of the request: Exchange Online serves
        at most four concurrent requests per app and mailbox, and answers a fifth ``ErrorServerBusy``
        (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange)."""
        if self.slots is None:
            return
        try:
            self.slots.enter_context(faults.mailbox_slot(self.caller.app_id, mailbox["id"]))
        except faults.MailboxBusy as busy:
            raise server_busy(busy.retry_after * 1000) from None

    def open(self, key: str | None) -> dict[str, Any]:
        """The mailbox ``key`` names (an SMTP address; None: the principal's), if the caller may open it.

        Unknown: ``ErrorNonExistentMailbox``; not allowed: ``ErrorAccessDenied``."""
        mailbox = self.principal if key is None else mailbox_for(self.store, key)
        if mailbox is None:
            raise EwsError(ResponseCodes.ErrorNonExistentMailbox)
        if mailbox["id"] not in self.opened:
            self._may_open(mailbox)
            self.hold(mailbox)
            self.opened.add(mailbox["id"])
        return mailbox

    def open_id(self, mailbox_id: str) -> dict[str, Any]:
        """The mailbox an id points into (see :mod:`.ids`)."""
        mailbox = self.store.mail.mailbox(mailbox_id)
        if mailbox is None:
            raise EwsError(ResponseCodes.ErrorItemNotFound)
        return self.open(mailbox["address"])

    def _may_open(self, mailbox: dict[str, Any]) -> None:
        mail = self.store.mail
        if self.caller.app_only:
            if not mail.app_may_open(self.caller.app_id, mailbox["id"]):
                raise EwsError(ResponseCodes.ErrorAccessDenied)
            return
        user_id = self.caller.user["id"]
        if mailbox["id"] != user_id and not mail.has_full_access(mailbox["id"], user_id):
            raise EwsError(ResponseCodes.ErrorAccessDenied)


def impersonated(store: Any, caller: Caller, header: ET.Element | None) -> Context:
    """The request's :class:`Context`: the impersonated mailbox for an app, the user's own otherwise."""
    key = _impersonation_key(header)
    if caller.app_only:
        if key is None:
            raise EwsError(
                ResponseCodes.ErrorInvalidExchangeImpersonationHeaderData, MISSING_IMPERSONATION, fault=True
            )
        mailbox = mailbox_for(store, key)
        if mailbox is None:
            raise EwsError(ResponseCodes.ErrorNonExistentMailbox, fault=True)
        if not store.mail.app_may_open(caller.app_id, mailbox["id"]):
            raise EwsError(ResponseCodes.ErrorImpersonateUserDenied, fault=True)
        return Context(store, caller, mailbox, {mailbox["id"]})
    own = store.mail.mailbox(caller.user["id"])
    if key is not None and (own is None or mailbox_for(store, key) != own):
        # A user needs the ApplicationImpersonation role to act as someone else; the sandbox grants it
        # to nobody.
        raise EwsError(ResponseCodes.ErrorImpersonateUserDenied, fault=True)
    if own is None:
        raise EwsError(ResponseCodes.ErrorNonExistentMailbox, fault=True)
    return Context(store, caller, own, {own["id"]})
