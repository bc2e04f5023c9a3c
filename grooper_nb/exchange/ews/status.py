"""Is EWS usable for this app and mailbox? :func:`ews_status` asks once and says which of the usual
answers it got, with the explained error.

It sends the smallest real request (``GetFolder`` of the mailbox's Inbox, ids only) as the backend would,
and sorts the outcome into one :class:`EwsStatus` ``state``:

* ``reachable``: EWS answered with the folder;
* ``blocked_for_tenant``: EWS is turned off for the organization (``Set-OrganizationConfig -EwsEnabled
  $false``, or Microsoft's retirement of EWS in Exchange Online);
* ``app_not_allowed``: EWS is on but this app's client id is not in ``EwsAllowedAppIDs``
  (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange);
* ``impersonation_denied``: the app may not act as this mailbox (no ``full_access_as_app``, or an
  application access policy leaves the mailbox out), or a user asked to impersonate;
* ``no_mailbox``: the address has no Exchange Online mailbox;
* ``access_denied``: a delegated user without Full Access to the mailbox;
* ``token_refused``: 401 (wrong audience, missing scope, expired): ``x-ms-diagnostics`` says which;
* ``throttled``: ``ErrorServerBusy`` past the retries (EWS is usable, but not right now);
* ``error``: anything else (the error says what).

Detection of a block is deliberately tolerant. Microsoft has announced that EWS in Exchange Online is
retired in 2026 but has not documented the exact wire form of a blocked request (UNCONFIRMED): today an
organization-level block is an HTTP 403, possibly with a SOAP fault saying ``ErrorAccessDenied`` and an
``x-ms-diagnostics`` header. So any 403, and any answer whose text or diagnostics mention EWS being
disabled or blocked, counts as blocked; a mention of the allowed-app list makes it ``app_not_allowed``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grooper_nb.errors.ews import EwsError

from .backend import EwsBackend
from .get_folder import get_folders

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.auth.result import TokenResult
    from grooper_nb.profile import Profile

__all__ = ["STATES", "EwsStatus", "classify", "ews_status"]

STATES = (
    "reachable",
    "blocked_for_tenant",
    "app_not_allowed",
    "impersonation_denied",
    "no_mailbox",
    "access_denied",
    "token_refused",
    "throttled",
    "error",
)

# Words of a refusal by the organization's EWS policy, in the header or the body (case-insensitive).
_BLOCK_WORDS = (
    "ewsblocked",
    "ews_disabled",
    "ews is disabled",
    "ewsenabled",
    "ews has been disabled",
    "ews is blocked",
)
_ALLOW_LIST_WORDS = (
    "ewsallowedappids",
    "allowed app",
    "ewsapplicationaccesspolicy",
    "not allowed to use ews",
)
_BY_CODE = {
    "ErrorImpersonateUserDenied": "impersonation_denied",
    "ErrorInvalidExchangeImpersonationHeaderData": "impersonation_denied",
    "ErrorNonExistentMailbox": "no_mailbox",
    "ErrorAccessDenied": "access_denied",
    "Unauthorized": "token_refused",
    "ErrorServerBusy": "throttled",
}
_SAYS = {
    "reachable": "EWS answers for this app and mailbox.",
    "blocked_for_tenant": "EWS is turned off for the organization: move this connection to Graph mail.",
    "app_not_allowed": "EWS is on, but this app is not in the organization's EwsAllowedAppIDs.",
    "impersonation_denied": "The app may not impersonate this mailbox.",
    "no_mailbox": "The address has no Exchange Online mailbox.",
    "access_denied": "The signed-in user has no Full Access to this mailbox.",
    "token_refused": "EWS refused the token (audience, scope or expiry): see x-ms-diagnostics.",
    "throttled": "EWS is throttling this app on this mailbox: wait BackOffMilliseconds and ask again.",
    "error": "EWS failed for another reason: see the error.",
}


@dataclass(frozen=True)
class EwsStatus:
    """The outcome: ``state`` (one of :data:`STATES`), a sentence, and the explained error if any."""

    state: str
    mailbox: str
    app_only: bool
    message: str
    error: EwsError | None = None

    @property
    def ok(self) -> bool:
        return self.state == "reachable"

    def __str__(self) -> str:
        return f"{self.mailbox}: {self.state} - {self.message}"


def _words(error: EwsError) -> str:
    return f"{error.error} {error.description} {error.diagnostics or ''}".lower()


def classify(error: EwsError) -> str:
    """The :data:`STATES` entry an EWS error stands for."""
    words = _words(error)
    if any(w in words for w in _ALLOW_LIST_WORDS) and (error.status == 403 or "ews" in words):
        return "app_not_allowed"
    if error.status == 403 or any(w in words for w in _BLOCK_WORDS):
        return "blocked_for_tenant"
    return _BY_CODE.get(error.error, "error")


def ews_status(
    profile: Profile,
    mailbox: str,
    *,
    account: TokenResult | Mapping[str, Any] | None = None,
    get_token: Callable[[bool], str] | None = None,
    app_only: bool | None = None,
) -> EwsStatus:
    """Whether EWS is usable for the profile's app and ``mailbox`` (delegated with ``account``, else
    app-only when the profile has a credential), as one :class:`EwsStatus`."""
    backend = EwsBackend(profile, mailbox, account=account, get_token=get_token, app_only=app_only)
    try:
        get_folders(backend.client, [backend.distinguished("inbox")])
    except EwsError as error:
        state = classify(error)
        return EwsStatus(state, backend.mailbox, backend.app_only, _SAYS[state], error)
    return EwsStatus("reachable", backend.mailbox, backend.app_only, _SAYS["reachable"])
