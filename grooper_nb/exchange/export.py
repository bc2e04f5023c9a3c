"""Resumable export of a mailbox's messages to Parquet or CSV, page by page.

A mailbox of 100,000 messages takes a hundred requests or more, and one of them will meet a throttle,
an outage or a stopped kernel. So the export writes each page as it arrives and keeps a small JSON
checkpoint beside the output: per folder, the backend's ``resume`` token of the next page (a Graph
``@odata.nextLink``, an EWS offset) and how many pages and rows are written, and which folders are done.
Run the same call again and it continues from there, with no row lost or written twice:

* the checkpoint is written after the page it describes is on disk (flushed and ``fsync``-ed), and
  replaced atomically (a temporary file, then ``os.replace``), so it never describes a page that is not
  there;
* Parquet: one part file per page, named by folder and page number (``part-003-000012.parquet``), written
  under a hidden temporary name and renamed. A page written but not yet checkpointed is written again
  under the same name on resume, and any part numbered past the checkpoint is deleted first;
* CSV: one file, appended; the checkpoint keeps its length, and a resume cuts it back to that length.

Parquet keeps the schema's types (``to``/``cc``/``bcc``/``categories`` as ``list<string>``, times as
``timestamp[s, UTC]``); CSV joins lists with ``"; "`` and writes times as ISO 8601 with ``Z``.
:func:`read_export` reads either back into the messages DataFrame of :mod:`.schema`::

    summary = export_messages(mail, "invoices.parquet")       # interrupted? run it again
    df = read_export("invoices.parquet")
"""

from __future__ import annotations

import csv
import json
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from grooper_nb.exchange import schema
from grooper_nb.exchange.fetch import FolderJob, fetch_folders
from grooper_nb.exchange.progress import progress_bar

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.exchange.backend import MessagePage
    from grooper_nb.exchange.client import Exchange

__all__ = ["ExportSummary", "checkpoint_path", "export_messages", "read_export"]

FORMATS = ("parquet", "csv")
VERSION = 1
LIST_SEPARATOR = "; "
_COLUMNS = [c.name for c in schema.MESSAGES]
_KINDS = {c.name: c.dtype for c in schema.MESSAGES}


@dataclass(frozen=True)
class ExportSummary:
    """What an export call did: where, how many rows in all, whether every folder is done."""

    path: Path
    format: str
    rows: int
    complete: bool
    folders_done: int
    folders: int


def checkpoint_path(path: str | os.PathLike[str], format: str = "parquet") -> Path:
    """Where the checkpoint of an export to ``path`` lives: inside a Parquet directory, beside a CSV."""
    p = Path(path)
    return p / "_checkpoint.json" if format == "parquet" else p.with_name(p.name + ".checkpoint.json")


def _write_atomic(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)


# -- the checkpoint ---------------------------------------------------------------------------------------
def _new_state(exchange: Exchange, folders: list[dict], fmt: str, since, until) -> dict[str, Any]:
    return {
        "version": VERSION,
        "format": fmt,
        "mailbox": exchange.mailbox,
        "source": exchange.backend.source,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "csv_bytes": 0,
        "folders": [
            {
                "id": f["id"],
                "path": f["path"],
                "total_count": f.get("total_count"),
                "resume": None,
                "pages": 0,
                "rows": 0,
                "done": False,
            }
            for f in folders
        ],
    }


def _same_export(state: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    keys = ("version", "format", "mailbox", "source", "since", "until")
    same_folders = [f["id"] for f in state.get("folders", [])] == [f["id"] for f in wanted["folders"]]
    return same_folders and all(state.get(k) == wanted.get(k) for k in keys)


def _load_state(cp: Path, wanted: dict[str, Any], restart: bool) -> dict[str, Any]:
    if restart or not cp.exists():
        return wanted
    state = json.loads(cp.read_text(encoding="utf-8"))
    if not _same_export(state, wanted):
        raise ValueError(
            f"{cp} belongs to another export (mailbox, API, format, dates or folders differ). Export to a "
            "new path, or pass restart=True to start this one over."
        )
    return state


# -- writers ----------------------------------------------------------------------------------------------
def _arrow_schema():
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "datetime": pa.timestamp("s", tz="UTC"),
        "Int64": pa.int64(),
        "boolean": pa.bool_(),
        "tuple": pa.list_(pa.string()),
    }
    return pa.schema([(c.name, types[c.dtype]) for c in schema.MESSAGES])


def _arrow_value(value: Any, kind: str) -> Any:
    if kind == "tuple":
        return list(value or ())
    if kind == "datetime":
        return schema.utc(value)
    return value


class _ParquetParts:
    """One Parquet file per page in the directory ``root``."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.arrow = _arrow_schema()

    def name(self, folder_index: int, page: int) -> Path:
        return self.root / f"part-{folder_index:03d}-{page:06d}.parquet"

    def prepare(self, state: dict[str, Any]) -> None:
        """Delete parts past each folder's checkpoint (written, never checkpointed) and parts of another
        export (``restart``)."""
        folders = state["folders"]
        for part in self.root.glob("part-*.parquet"):
            _, index, page = part.stem.split("-")
            if int(index) >= len(folders) or int(page) >= folders[int(index)]["pages"]:
                part.unlink()

    def write(self, state: dict, index: int, records: list[dict[str, Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {c: [_arrow_value(r.get(c), _KINDS[c]) for r in records] for c in _COLUMNS}
        table = pa.table(columns, schema=self.arrow)
        target = self.name(index, state["folders"][index]["pages"])
        tmp = target.with_name(f".{target.name}.tmp")
        pq.write_table(table, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)


def _csv_value(value: Any, kind: str) -> str:
    if value is None or (not isinstance(value, tuple | list) and pd.isna(value)):
        return ""
    if kind == "tuple":
        return LIST_SEPARATOR.join(value)
    if kind == "datetime":
        return schema.utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "boolean":
        return "true" if value else "false"
    return str(value)


class _CsvFile:
    """One CSV file, appended page by page; cut back to the checkpoint's length on resume."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def prepare(self, state: dict[str, Any]) -> None:
        if state["csv_bytes"] == 0:
            with open(self.path, "w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerow(_COLUMNS)
                fh.flush()
                os.fsync(fh.fileno())
            state["csv_bytes"] = self.path.stat().st_size
        else:
            with open(self.path, "rb+") as fh:
                fh.truncate(state["csv_bytes"])

    def write(self, state: dict, index: int, records: list[dict[str, Any]]) -> None:
        with open(self.path, "a", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            for r in records:
                writer.writerow([_csv_value(r.get(c), _KINDS[c]) for c in _COLUMNS])
            fh.flush()
            os.fsync(fh.fileno())
        state["csv_bytes"] = self.path.stat().st_size


# -- the export -------------------------------------------------------------------------------------------
def export_messages(
    exchange: Exchange,
    path: str | os.PathLike[str],
    format: str = "parquet",
    *,
    folder: Any = None,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: bool = True,
    restart: bool = False,
    on_page: Callable[[str, int, int], Any] | None = None,
) -> ExportSummary:
    """Export the messages of ``folder`` (None: every mail folder) to ``path`` (a directory of Parquet
    parts, or a CSV file), resuming an earlier, unfinished export to the same path.

    ``on_page(folder_path, pages_of_that_folder, rows_in_all)`` runs after each page is written and
    checkpointed. A ``KeyboardInterrupt`` stops the export with what is written kept (a warning says
    how far it got; run the same call again to finish); any other error is raised with the checkpoint
    in place, so the next call resumes too.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be 'parquet' or 'csv', not {format!r}.")
    target = Path(path)
    cp = checkpoint_path(target, format)
    if format == "parquet":
        target.mkdir(parents=True, exist_ok=True)
    wanted = _new_state(exchange, exchange.select_folders(folder), format, since, until)
    state = _load_state(cp, wanted, restart)
    writer = _ParquetParts(target) if format == "parquet" else _CsvFile(target)
    writer.prepare(state)
    _write_atomic(cp, json.dumps(state, indent=1).encode())
    return _run(exchange, state, writer, cp, since, until, progress, on_page, target)


def _run(exchange, state, writer, cp, since, until, progress, on_page, target) -> ExportSummary:
    records = state["folders"]
    jobs = [FolderJob(dict(f), resume=f["resume"], done=f["done"]) for f in records]
    index = {id(job): i for i, job in enumerate(jobs)}
    fill = {"mailbox": state["mailbox"], "source": state["source"]}
    bar = progress_bar([j for j in jobs if not j.done], since, until, progress, str(target))

    def page_written(job: FolderJob, page: MessagePage) -> None:
        i = index[id(job)]
        rows = [{**r, **fill, "folder_path": job.folder["path"]} for r in page.records]
        writer.write(state, i, rows)
        entry = records[i]
        entry.update(resume=page.resume, done=page.resume is None)
        entry["pages"] += 1
        entry["rows"] += len(rows)
        _write_atomic(cp, json.dumps(state, indent=1).encode())
        bar.add(job, page)
        if on_page is not None:
            on_page(entry["path"], entry["pages"], sum(f["rows"] for f in records))

    try:
        fetch_folders(exchange.backend, jobs, page_written, since=since, until=until)
    except KeyboardInterrupt:
        _warn_interrupted(state, target)
    finally:
        bar.close()
    return _summary(state, target)


def _summary(state: dict[str, Any], target: Path) -> ExportSummary:
    folders = state["folders"]
    done = sum(f["done"] for f in folders)
    return ExportSummary(
        target, state["format"], sum(f["rows"] for f in folders), done == len(folders), done, len(folders)
    )


def _warn_interrupted(state: dict[str, Any], target: Path) -> None:
    left = [f"{f['path']} ({f['rows']} written)" for f in state["folders"] if not f["done"]]
    warnings.warn(
        f"Export to {target} interrupted; written so far is kept. Not finished: {'; '.join(left)}. "
        "Run the same export_messages call again to continue where it stopped.",
        UserWarning,
        stacklevel=4,
    )


# -- reading back -----------------------------------------------------------------------------------------
def read_export(path: str | os.PathLike[str], format: str | None = None) -> pd.DataFrame:
    """An export (a Parquet directory or a CSV file) as the messages DataFrame of :mod:`.schema`."""
    p = Path(path)
    fmt = format or ("parquet" if p.is_dir() else "csv")
    if fmt == "parquet":
        return _read_parquet(p)
    return _read_csv(p)


def _read_parquet(p: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    parts = sorted(p.glob("part-*.parquet"))
    if not parts:
        return schema.empty("messages")
    rows = [r for part in parts for r in pq.read_table(part, schema=_arrow_schema()).to_pylist()]
    return schema.frame(rows, "messages")


def _from_csv(text: str, kind: str) -> Any:
    if text == "":
        return () if kind == "tuple" else None
    if kind == "tuple":
        return tuple(text.split(LIST_SEPARATOR))
    if kind == "Int64":
        return int(text)
    if kind == "boolean":
        return text == "true"
    return text


def _read_csv(p: Path) -> pd.DataFrame:
    with open(p, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [{c: _from_csv(r[c], _KINDS[c]) for c in _COLUMNS} for r in reader]
    return schema.frame(rows, "messages")
