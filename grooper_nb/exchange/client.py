"""The front end: :class:`Exchange`, one mailbox as DataFrames of :mod:`.schema`, through either API.

::

    from grooper_nb import Exchange, connect
    mail = Exchange(connect(app="Grooper Server-to-Server"), "invoices@contoso.onmicrosoft.com")
    mail.folders()                                  # the tree: path, counts
    df = mail.messages(since=datetime(2026, 1, 1, tzinfo=timezone.utc))   # every mail folder
    mail.attachments(df[df.has_attachments])        # one request per message
    mail.download(att[att.name.str.endswith(".pdf")], to="invoices/")

``via="graph"`` (the default) reads Microsoft Graph mail (:mod:`.graph`); ``via="ews"`` reads Exchange
Web Services (:mod:`.ews`), for tenants or mailboxes Graph cannot reach. Both fill the same columns.

:meth:`Exchange.messages` reads up to four folders at once (:mod:`.fetch`), shows a ``tqdm`` bar of
messages read out of the folders' counts, and on a ``KeyboardInterrupt`` (the stop button of a
notebook) returns what it has: ``df.attrs["complete"]`` is False and a warning names the folders that
are missing or partly read. A finished listing has ``df.attrs["complete"] = True``.
"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from grooper_nb.exchange import schema
from grooper_nb.exchange.fetch import FolderJob, fetch_folders
from grooper_nb.exchange.progress import progress_bar

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.exchange.backend import Backend, MessagePage
    from grooper_nb.profile import Profile

__all__ = ["Exchange", "IncompleteListing", "make_backend"]

VIAS = ("graph", "ews")


class IncompleteListing(UserWarning):
    """A listing stopped early (an interrupt): the DataFrame holds only part of the mailbox."""


def make_backend(profile: Profile, mailbox: str | None, via: str, **options: Any) -> Backend:
    """The backend for ``via``: :class:`.graph.GraphBackend` or :class:`.ews.EwsBackend`."""
    if via == "graph":
        from grooper_nb.exchange.graph import GraphBackend

        return GraphBackend(profile, mailbox, **options)
    if via == "ews":
        try:
            module = importlib.import_module("grooper_nb.exchange.ews")
        except ImportError as exc:
            raise ImportError(
                f"via='ews' needs grooper_nb.exchange.ews, which this installation lacks ({exc}). "
                "Use via='graph', or update grooper-nb."
            ) from exc
        return module.EwsBackend(profile, mailbox, **options)
    raise ValueError(f"via must be one of {', '.join(map(repr, VIAS))}, not {via!r}.")


class Exchange:
    """One mailbox, read through Graph mail or EWS into the DataFrames of :mod:`.schema`.

    ``mailbox``: an SMTP address (a user's or a shared mailbox); None for the signed-in user's own
    (delegated Graph only). ``account``: which signed-in user's cached token to use (delegated).
    ``backend``: any object implementing :class:`~.backend.Backend` instead of ``via``.
    """

    def __init__(
        self,
        profile: Profile,
        mailbox: str | None,
        via: str = "graph",
        *,
        account: Any = None,
        backend: Backend | None = None,
        **options: Any,
    ) -> None:
        if account is not None:
            options["account"] = account
        self.profile = profile
        self.via = via
        self.backend = backend if backend is not None else make_backend(profile, mailbox, via, **options)
        self._folders: list[dict[str, Any]] | None = None

    @property
    def mailbox(self) -> str:
        return self.backend.mailbox

    # -- folders --------------------------------------------------------------------------------------
    def folder_records(self, refresh: bool = False) -> list[dict[str, Any]]:
        """The folder records (``mailbox`` and ``source`` filled), read once and remembered."""
        if self._folders is None or refresh:
            common = {"mailbox": self.mailbox, "source": self.backend.source}
            self._folders = [{**f, **common} for f in self.backend.folders()]
        return self._folders

    def folders(self, refresh: bool = False) -> pd.DataFrame:
        """The mailbox's folder tree: one row per folder, ``path`` from the top, total and unread counts."""
        return schema.frame(self.folder_records(refresh), "folders")

    def select_folders(self, folder: Any = None) -> list[dict[str, Any]]:
        """The folder records ``folder`` names: None (every folder), a path (``Inbox/Vendors``), a
        well-known name (``inbox``), an id, a folders-table row, or a list of these."""
        records = self.folder_records()
        if folder is None:
            return list(records)
        wanted = folder if isinstance(folder, list | tuple | set | pd.DataFrame) else [folder]
        if isinstance(wanted, pd.DataFrame):
            wanted = wanted["id"].tolist()
        return [self._one_folder(records, w) for w in wanted]

    def _one_folder(self, records: list[dict[str, Any]], key: Any) -> dict[str, Any]:
        if isinstance(key, Mapping | pd.Series):
            key = key["id"]
        text = str(key)
        for r in records:
            if text in (r["id"], r["path"]) or text.lower() == (r.get("well_known_name") or "").lower():
                return r
        paths = ", ".join(r["path"] for r in records[:12])
        raise KeyError(
            f"No folder {text!r} in {self.mailbox}. Name a path ({paths}, ...), a well-known name "
            "(inbox, sentitems, ...) or an id from folders()."
        )

    # -- messages -------------------------------------------------------------------------------------
    def messages(
        self,
        folder: Any = None,
        since: datetime | None = None,
        until: datetime | None = None,
        progress: bool = True,
    ) -> pd.DataFrame:
        """The messages of ``folder`` (see :meth:`select_folders`; None: every mail folder) received
        at or after ``since`` and before ``until`` (timezone-aware). Up to four folders are read at once.
        Interrupted, it returns what it has read with ``attrs["complete"] = False`` and a warning."""
        jobs = [FolderJob(f) for f in self.select_folders(folder)]
        frames: list[pd.DataFrame] = []  # one per page: a page's dicts are freed once it is a frame
        read: dict[str, int] = {}
        bar = progress_bar(jobs, since, until, progress, self.mailbox)
        fill = {"mailbox": self.mailbox, "source": self.backend.source}

        def on_page(job: FolderJob, page: MessagePage) -> None:
            path = job.folder["path"]
            frames.append(
                schema.frame(({**r, **fill, "folder_path": path} for r in page.records), "messages")
            )
            read[path] = read.get(path, 0) + len(page.records)
            bar.add(job, page)

        complete = True
        try:
            fetch_folders(self.backend, jobs, on_page, since=since, until=until)
        except KeyboardInterrupt:
            complete = False
            _warn_incomplete(jobs, read)
        finally:
            bar.close()
        df = _concat(frames)
        df.attrs["complete"] = complete
        if not complete:
            df.attrs["missing_folders"] = [j.folder["path"] for j in jobs if not j.done]
        return df

    # -- delta ----------------------------------------------------------------------------------------
    def sync(
        self, folder: Any, state: Mapping[str, Any] | None = None
    ) -> tuple[pd.DataFrame, list[str], dict]:
        """What changed in ``folder`` since ``state`` (the dict a previous call returned; None: the first
        call, which returns every message): (changed messages, removed ids, the new state). Keep the state
        (it is JSON) and pass it next time. Graph only (its delta query, :mod:`.graph.delta`)."""
        delta = getattr(self.backend, "delta", None)
        if delta is None:
            raise NotImplementedError(
                f"sync needs a backend with a delta query; {self.backend.source} has none. Use via='graph'."
            )
        record = self.select_folders(folder)[0]
        link = None
        if state is not None:
            if state.get("folder_id") != record["id"]:
                raise ValueError(
                    "This state belongs to another folder; pass the state that folder's sync returned."
                )
            link = state.get("delta_link")
        changed, removed, new_link = delta(record, link)
        fill = {"mailbox": self.mailbox, "source": self.backend.source, "folder_path": record["path"]}
        df = schema.frame([{**r, **fill} for r in changed], "messages")
        return df, removed, {"folder_id": record["id"], "delta_link": new_link}

    # -- attachments ----------------------------------------------------------------------------------
    def attachments(self, messages: Any) -> pd.DataFrame:
        """The attachments of ``messages`` (a messages DataFrame, one row of it, or a list of rows):
        one request per message, so filter first (``df[df.has_attachments]``)."""
        rows = []
        for message in _rows(messages):
            fill = {"mailbox": self.mailbox, "source": self.backend.source}
            rows += [{**a, **fill} for a in self.backend.attachments(message)]
        return schema.frame(rows, "attachments")

    def download(self, attachments: Any, to: str | Path = ".") -> list[Path]:
        """Save file attachments (an attachments DataFrame, a row, or a list of rows) into the folder
        ``to``; the paths written. Names are made safe for the file system and never overwrite each
        other (``name (2).pdf``)."""
        folder = Path(to)
        folder.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for att in _rows(attachments):
            if att.get("kind") not in (None, "file"):
                continue  # an item or reference attachment has no bytes of its own
            message = {"id": att["message_id"], "internet_message_id": att.get("internet_message_id")}
            data = self.backend.download(message, att)
            target = _free_name(folder, str(att.get("name") or att["attachment_id"]))
            target.write_bytes(data)
            written.append(target)
        return written

    def __repr__(self) -> str:
        return f"Exchange({self.backend!r})"


# -- helpers ---------------------------------------------------------------------------------------------
def _rows(data: Any) -> Iterable[dict[str, Any]]:
    if isinstance(data, pd.DataFrame):
        return [_plain(r) for r in data.to_dict("records")]
    if isinstance(data, pd.Series):
        return [_plain(data.to_dict())]
    if isinstance(data, Mapping):
        return [_plain(data)]
    return [_plain(r) for r in data]


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row with pandas' missing values as None."""
    return {k: (None if not isinstance(v, tuple | list) and pd.isna(v) else v) for k, v in dict(row).items()}


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _free_name(folder: Path, name: str) -> Path:
    safe = _UNSAFE.sub("_", name).strip(" .") or "attachment"
    target = folder / safe
    stem, suffix, n = target.stem, target.suffix, 2
    while target.exists():
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The pages' frames as one messages table (the empty table when there is none). Building a frame per
    page and joining them once keeps the peak memory near twice the final table, where a list of every
    row as a dict would hold several times it until the end."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return schema.empty("messages")
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _warn_incomplete(jobs: list[FolderJob], read: dict[str, int]) -> None:
    missing = [
        f"{j.folder['path']} ({read.get(j.folder['path'], 0)} of {j.folder.get('total_count', '?')} read)"
        for j in jobs
        if not j.done
    ]
    warnings.warn(
        f"Interrupted: {sum(read.values())} messages read; these folders are missing or incomplete: "
        f"{'; '.join(missing)}. df.attrs['complete'] is False; run messages() again (or use "
        "export_messages, which resumes) for the rest.",
        IncompleteListing,
        stacklevel=3,
    )
