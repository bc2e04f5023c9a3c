"""Several folders' message pages at once, handed to one consumer in the caller's thread.

Exchange Online serves an app at most four concurrent requests per mailbox, and a fifth is a 429
(https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits; EWS's equivalent is its
per-user concurrency budget,
https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange), so
at most :data:`MAX_FOLDERS` folders are read at once, one worker thread each. Each worker puts whole pages
on a small queue; the caller's thread takes them off and hands each to ``on_page`` in order per folder.
So everything that writes (a DataFrame being built, an export file, its checkpoint) happens in one
thread, and a ``KeyboardInterrupt`` (which Python raises in the main thread) stops the run between two
pages: :func:`fetch_folders` cancels the workers and re-raises, and the caller keeps what ``on_page``
already received.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from grooper_nb.exchange.backend import Backend, MessagePage

__all__ = ["MAX_FOLDERS", "FolderJob", "fetch_folders"]

MAX_FOLDERS = 4
_POLL = 0.2  # seconds between checks of the stop flag while a queue is full or empty


@dataclass
class FolderJob:
    """One folder to read: its record, and the ``resume`` token to start from (None: the beginning)."""

    folder: Mapping[str, Any]
    resume: str | None = None
    done: bool = False


class _Run:
    def __init__(self, backend: Backend, since: datetime | None, until: datetime | None, workers: int):
        self.backend, self.since, self.until = backend, since, until
        self.pages: queue.Queue = queue.Queue(maxsize=2 * workers)
        self.stop = threading.Event()

    def put(self, item: tuple) -> bool:
        while not self.stop.is_set():
            try:
                self.pages.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def work(self, job: FolderJob) -> None:
        """Read one folder page by page (in a worker thread); stop as soon as the run stops."""
        try:
            pages = self.backend.message_pages(
                job.folder, since=self.since, until=self.until, resume=job.resume
            )
            for page in pages:
                if not self.put(("page", job, page)):
                    return
            self.put(("done", job, None))
        except BaseException as exc:  # noqa: BLE001 -- handed to the caller's thread, raised there
            self.put(("error", job, exc))


def fetch_folders(
    backend: Backend,
    jobs: list[FolderJob],
    on_page: Callable[[FolderJob, MessagePage], Any],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    workers: int = MAX_FOLDERS,
) -> None:
    """Read every job's folder, up to ``workers`` at once; ``on_page(job, page)`` runs in this thread for
    each page, in order within a folder. A job is marked ``done`` after its last page was handed over.

    The first error a worker meets (an explained ``GraphError``/``EwsError`` after the session's retries)
    stops the run and is raised here; so is a ``KeyboardInterrupt`` or anything ``on_page`` raises.
    """
    todo = [j for j in jobs if not j.done]
    if not todo:
        return
    run = _Run(backend, since, until, max(1, min(workers, MAX_FOLDERS)))
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, MAX_FOLDERS)), thread_name_prefix="exchange")
    try:
        for job in todo:
            pool.submit(run.work, job)
        _consume(run, todo, on_page)
    except BaseException:
        run.stop.set()
        pool.shutdown(wait=False, cancel_futures=True)  # a worker ends at its next page
        raise
    pool.shutdown(wait=True)


def _consume(run: _Run, todo: list[FolderJob], on_page: Callable[[FolderJob, MessagePage], Any]) -> None:
    remaining = len(todo)
    while remaining:
        try:
            kind, job, payload = run.pages.get(timeout=_POLL)
        except queue.Empty:
            continue
        if kind == "error":
            raise payload
        if kind == "done":
            job.done = True
            remaining -= 1
            continue
        on_page(job, payload)
        job.resume = payload.resume
