"""What the :class:`~grooper_nb.exchange.Exchange` front end asks of an API: the :class:`Backend`
protocol that the Graph mail backend and the EWS backend both implement.

A backend speaks one API for one mailbox and yields plain records keyed by the column names of
:mod:`grooper_nb.exchange.schema` (a record may leave out ``mailbox``, ``source`` and ``folder_path``:
the front end fills them). Records, not DataFrames, so that the front end can page, run folders in
parallel, show progress, stop on an interrupt with what it has, and write an export page by page.

Every failure a backend meets is raised as an explained error from :mod:`grooper_nb.errors`
(:class:`~grooper_nb.errors.GraphError`, :class:`~grooper_nb.errors.EwsError`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

__all__ = ["Backend", "MessagePage"]

Record = dict[str, Any]


@dataclass(frozen=True)
class MessagePage:
    """One page of a folder's messages.

    ``resume`` is an opaque string (a Graph ``@odata.nextLink``, an EWS paging offset, ...) from which
    :meth:`Backend.message_pages` continues with the *next* page, or None when this page was the last
    one. A resumable export stores it after it has written the page's rows, and so resumes without
    losing or repeating a row.
    """

    records: list[Record]
    resume: str | None
    total: int | None = None  # the folder's message count when the API says it (for progress)


class Backend(Protocol):
    source: str  # "graph" or "ews"
    mailbox: str  # SMTP address, lower-case

    def folders(self) -> list[Record]:
        """Every mail folder under the top of the mailbox (``msgfolderroot``), the whole tree, as
        folder records (``path`` filled in, ``/``-joined display names)."""
        ...

    def message_pages(
        self,
        folder: Mapping[str, Any],
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        resume: str | None = None,
    ) -> Iterator[MessagePage]:
        """The messages of one folder (a record from :meth:`folders`), received at or after ``since``
        and before ``until`` (UTC-aware), page by page, each page as large as the API allows, every
        column of the messages table filled; from ``resume`` when given."""
        ...

    def attachments(self, message: Mapping[str, Any]) -> list[Record]:
        """The attachments of one message (a record of the messages table) as attachment records."""
        ...

    def download(self, message: Mapping[str, Any], attachment: Mapping[str, Any]) -> bytes:
        """The bytes of one file attachment."""
        ...
