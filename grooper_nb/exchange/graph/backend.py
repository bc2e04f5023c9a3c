"""The Graph mail backend: one mailbox through Microsoft Graph, as the :class:`~..backend.Backend`
protocol asks.

Requests per listing, kept few (Outlook allows an app 10,000 requests per 10 minutes and 4 at once per
mailbox, https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits):

* folders: one for ``msgfolderroot``, one per well-known name, one per folder that has children;
* messages: one per 1000 messages (``$top=1000``, the documented maximum,
  https://learn.microsoft.com/graph/api/user-list-messages), ``$select`` of exactly the schema's columns,
  and in the same request the message size (the extended property ``Integer 0x0E08``,
  https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get) and the attachment ids
  (``$expand=attachments($select=id,isInline)``), so no request per message;
* attachments: one per message; a download: one per attachment (``/$value``,
  https://learn.microsoft.com/graph/api/attachment-get).

UNCONFIRMED: that Graph accepts both ``$expand`` options together on a 1000-message page; the sandbox
does, and each alone is documented.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from grooper_nb.exchange.backend import MessagePage
from grooper_nb.exchange.schema import utc

from .api import MailApi
from .delta import delta_round
from .folders import folder_tree
from .records import MESSAGE_SELECT, SIZE_PROPERTY, attachment_record, message_record

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.profile import Profile

__all__ = ["PAGE", "GraphBackend"]

PAGE = 1000
EXPAND = f"singleValueExtendedProperties($filter=id eq '{SIZE_PROPERTY}'),attachments($select=id,isInline)"
_ATTACHMENT_FIELDS = "id,name,contentType,size,isInline,lastModifiedDateTime"


def _moment(value: datetime) -> str:
    """A filter literal: UTC, whole seconds, ``Z`` (https://learn.microsoft.com/graph/filter-query-parameter)."""
    return utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def received_filter(since: datetime | None, until: datetime | None) -> str | None:
    """``receivedDateTime ge since and receivedDateTime lt until`` (either side optional)."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise ValueError(
                f"{name} must be a timezone-aware datetime, e.g. datetime(2026, 1, 1, tzinfo=timezone.utc)."
            )
    clauses = []
    if since is not None:
        clauses.append(f"receivedDateTime ge {_moment(since)}")
    if until is not None:
        clauses.append(f"receivedDateTime lt {_moment(until)}")
    return " and ".join(clauses) or None


class GraphBackend:
    """One mailbox through Graph mail: ``mailbox`` an SMTP address (``/users/{mailbox}``), or None for
    the signed-in user's own (``/me``, delegated only). ``account`` picks the signed-in user in the token
    cache; a profile with a client credential calls app-only. ``get_token(force_refresh) -> str``
    replaces both (see :mod:`.api`). ``page_size``: messages per request, 1000 (the most Graph allows)
    unless a smaller page is wanted (a slow link, a test of paging)."""

    source = "graph"

    def __init__(
        self,
        profile: Profile,
        mailbox: str | None,
        *,
        account: Any = None,
        get_token: Callable[[bool], str] | None = None,
        page_size: int = PAGE,
    ) -> None:
        if not 1 <= page_size <= PAGE:
            raise ValueError(f"page_size must be from 1 to {PAGE} (Graph's largest $top for messages).")
        self.api = MailApi(profile, mailbox, account=account, get_token=get_token)
        self.page_size = page_size
        self._mailbox = mailbox.strip().lower() if mailbox else None

    @property
    def mailbox(self) -> str:
        """The mailbox's SMTP address (for ``/me``, asked of Graph once)."""
        if self._mailbox is None:
            me = self.api.get("", {"$select": "mail,userPrincipalName"})
            self._mailbox = (me.get("mail") or me.get("userPrincipalName") or "").lower()
        return self._mailbox

    def folders(self) -> list[dict[str, Any]]:
        return folder_tree(self.api)

    def message_pages(
        self,
        folder: Mapping[str, Any],
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        resume: str | None = None,
    ) -> Iterator[MessagePage]:
        """Pages of 1000; ``resume`` is the ``@odata.nextLink`` to continue from, followed verbatim."""
        total = folder.get("total_count") if since is None and until is None else None
        url, params = resume, None
        if url is None:
            url = f"/mailFolders/{folder['id']}/messages"
            params = {"$select": MESSAGE_SELECT, "$top": self.page_size, "$expand": EXPAND, "$count": "true"}
            where = received_filter(since, until)
            if where:
                params["$filter"] = where
        while url is not None:
            page = self.api.get(url, params)
            url, params = page.get("@odata.nextLink"), None
            total = page.get("@odata.count", total)
            yield MessagePage([message_record(m) for m in page.get("value", [])], url, _count(total))

    def attachments(self, message: Mapping[str, Any]) -> list[dict[str, Any]]:
        params = {"$select": _ATTACHMENT_FIELDS}
        listed = self.api.pages(f"/messages/{message['id']}/attachments", params)
        return [attachment_record(message, a) for page in listed for a in page.get("value", [])]

    def download(self, message: Mapping[str, Any], attachment: Mapping[str, Any]) -> bytes:
        path = f"/messages/{message['id']}/attachments/{attachment['attachment_id']}/$value"
        return self.api.response(path).content

    def delta(
        self, folder: Mapping[str, Any], delta_link: str | None = None
    ) -> tuple[list[dict[str, Any]], list[str], str | None]:
        """(records added or changed, ids removed, the link for the next round); see :mod:`.delta`."""
        return delta_round(self.api, folder, delta_link, expand=EXPAND)

    def __repr__(self) -> str:
        return f"GraphBackend({self.api.base!r})"


def _count(value: Any) -> int | None:
    return None if value is None else int(value)
