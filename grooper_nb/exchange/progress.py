"""The progress bar of a listing or an export: messages read, out of the folders' counts.

``tqdm.auto`` draws a widget in Jupyter and text in a terminal. Without a date filter the total is the
sum of the folders' ``total_count``; with one, each folder's count is what the server says on its first
page (Graph's ``@odata.count``), added as the pages arrive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.exchange.backend import MessagePage
    from grooper_nb.exchange.fetch import FolderJob

__all__ = ["progress_bar"]


class _Bar:
    """A ``tqdm.auto`` bar of messages read; its total is the folders' counts (or, with a date filter,
    what the server counts once each folder's first page arrives)."""

    def __init__(self, jobs: list[FolderJob], filtered: bool, enabled: bool, label: str):
        self.filtered = filtered
        self.totals: dict[int, int] = {}
        total = None if filtered else sum(int(j.folder.get("total_count") or 0) for j in jobs)
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit="msg", desc=label)

    def add(self, job: FolderJob, page: MessagePage) -> None:
        if self.bar is None:
            return
        if self.filtered and page.total is not None and id(job) not in self.totals:
            self.totals[id(job)] = page.total
            self.bar.total = sum(self.totals.values())
        self.bar.update(len(page.records))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def progress_bar(jobs, since, until, enabled: bool, mailbox: str) -> _Bar:
    """A bar for ``jobs`` (a no-op object when ``enabled`` is False)."""
    return _Bar(jobs, since is not None or until is not None, enabled, mailbox)
