"""Who may open which mailbox through Graph: the token's mail permission, the mailbox, the tenant's rules.

* a delegated token opens its user's own mailbox with ``Mail.ReadBasic``, ``Mail.Read`` or
  ``Mail.ReadWrite`` (``Mail.ReadBasic`` for everything but bodies and attachments), and a mailbox the
  user has FullAccess to with ``Mail.Read.Shared`` or ``Mail.ReadWrite.Shared``
  (https://learn.microsoft.com/graph/outlook-share-messages-folders);
* an app-only token with the application permission ``Mail.Read`` or ``Mail.ReadWrite``
  (``Mail.ReadBasic.All`` for the basic properties) opens every mailbox, unless an application access
  policy limits the app to a set of mailboxes (https://learn.microsoft.com/graph/auth-limit-mailbox-access);
* anything else is 403 ``ErrorAccessDenied``; a user without a mailbox is 404
  ``MailboxNotEnabledForRESTAPI``; an address nobody has is 404 ``ErrorInvalidUser``.

Permissions per operation: https://learn.microsoft.com/graph/api/user-list-messages?view=graph-rest-1.0
("Permissions").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from ..resource import Caller
from .access import caller
from .odata import GraphError

__all__ = ["Opened", "access_denied", "item_not_found", "open_mailbox"]

OWN_FULL = ("mail.read", "mail.readwrite", "mail.read.shared", "mail.readwrite.shared")
OWN_BASIC = ("mail.readbasic",)
SHARED = ("mail.read.shared", "mail.readwrite.shared")
APP_FULL = ("mail.read", "mail.readwrite")
APP_BASIC = ("mail.readbasic", "mail.readbasic.all")

DENIED = "Access is denied. Check credentials and try again."
POLICY_DENIED = (
    "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings."
)


@dataclass(frozen=True)
class Opened:
    """A mailbox the caller may read; ``basic`` when only the basic properties (no body, no
    attachments) are allowed."""

    mailbox: dict[str, Any]
    basic: bool
    caller: Caller


def access_denied(message: str = DENIED) -> GraphError:
    return GraphError(403, "ErrorAccessDenied", message)


def item_not_found() -> GraphError:
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def _store() -> Any:
    return current_app.config["STORE"]


def open_mailbox(key: str | None) -> Opened:
    """The mailbox ``key`` names (a user's id or UPN, a shared mailbox's address; None for ``/me``),
    opened for the request's caller, or the error Graph answers."""
    who = caller()
    if key is None:
        if who.app_only:
            raise GraphError(
                400, "BadRequest", "/me request is only valid with delegated authentication flow."
            )
        key = who.user["id"]
    held = {v.lower() for v in (who.roles if who.app_only else who.scp)}
    if not held & {*OWN_FULL, *OWN_BASIC, *APP_BASIC}:
        raise access_denied()
    mailbox = _resolve(key)
    basic = _app_access(who, held, mailbox) if who.app_only else _user_access(who, held, mailbox)
    # Per-mailbox concurrency limit (Outlook allows four concurrent requests per app and mailbox) goes
    # here, once: faults.mailbox_slot(who.app_id, mailbox["id"]).
    return Opened(mailbox, basic, who)


def _resolve(key: str) -> dict[str, Any]:
    store = _store()
    user = store.directory.user_by_id(key) or store.directory.user_by_upn(key)
    if user is not None:
        mailbox = store.mail.mailbox(user["id"])
        if mailbox is None or not (user.get("_sandbox") or {}).get("has_mailbox"):
            raise GraphError(
                404,
                "MailboxNotEnabledForRESTAPI",
                "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
            )
        return mailbox
    mailbox = store.mail.mailbox(key)
    if mailbox is None:
        raise GraphError(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
    return mailbox


def _app_access(who: Caller, held: set[str], mailbox: dict[str, Any]) -> bool:
    if not held & {*APP_FULL, *APP_BASIC}:
        raise access_denied()
    if not _store().mail.app_may_open(who.app_id, mailbox["id"]):
        raise access_denied(POLICY_DENIED)
    return not held & set(APP_FULL)


def _user_access(who: Caller, held: set[str], mailbox: dict[str, Any]) -> bool:
    if mailbox["id"] == who.user["id"]:
        if held & set(OWN_FULL):
            return False
        if held & set(OWN_BASIC):
            return True
        raise access_denied()
    if held & set(SHARED) and _store().mail.has_full_access(mailbox["id"], who.user["id"]):
        return False
    raise access_denied()
