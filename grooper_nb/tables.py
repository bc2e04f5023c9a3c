"""What every DataFrame schema of the package shares: UTC timestamps, typed columns, and records turned
into a table with exactly a schema's columns.

The Exchange schema (:mod:`grooper_nb.exchange.schema`) and the SharePoint schema
(:mod:`grooper_nb.sharepoint.schema`) each declare their columns; this module turns records (plain dicts
keyed by column name, as the clients build them) into DataFrames of those columns, so "the same row from
two APIs" compares with ``DataFrame.equals``. Column types are pandas dtypes plus two of the package's
own: ``"datetime"`` (timezone-aware UTC, whole seconds) and ``"tuple"`` (a sorted tuple of strings, for
recipient lists and categories; an empty tuple when there are none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Protocol

import pandas as pd

__all__ = ["DATETIME", "build", "describe", "series", "utc"]

DATETIME = "datetime64[s, UTC]"


class _Column(Protocol):
    name: str
    dtype: str
    graph: str
    meaning: str


def utc(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (``2026-01-02T03:04:05Z``, ``...+01:00``, ``...05.123Z``) or a datetime as a
    timezone-aware UTC datetime truncated to whole seconds; None for an empty value (None, "", NaN).

    A timestamp without a zone is refused: Graph, EWS and SharePoint REST always send one, so its
    absence means a local-time field was read by mistake, and guessing the zone would shift every row
    by hours."""
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"Timestamp {value!r} has no time zone; refusing to guess one.")
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def series(values: list[Any], kind: str) -> pd.Series:
    """``values`` as a column of type ``kind`` (a pandas dtype, ``"datetime"`` or ``"tuple"``)."""
    if kind == "datetime":
        return pd.Series(pd.to_datetime([utc(v) for v in values], utc=True), dtype=DATETIME)
    if kind == "tuple":
        return pd.Series([tuple(v) if v is not None else () for v in values], dtype=object)
    if kind in ("Int64", "Float64"):
        return pd.Series(pd.array([None if v is None or v == "" else v for v in values], dtype=kind))
    return pd.Series(values, dtype=kind)


def build(records: Iterable[Mapping[str, Any]], columns: Sequence[_Column], table: str) -> pd.DataFrame:
    """Records as a DataFrame of exactly ``columns``, in order, with their dtypes. A key a record lacks
    is missing (``<NA>``); a key no column has is an error naming the ``table``, so a typo cannot
    silently drop a column."""
    rows = list(records)
    known = {c.name for c in columns}
    for row in rows:
        unknown = set(row) - known
        if unknown:
            raise KeyError(f"Not columns of the {table} table: {', '.join(sorted(unknown))}")
    data = {c.name: series([row.get(c.name) for row in rows], c.dtype) for c in columns}
    return pd.DataFrame(data, columns=[c.name for c in columns])


def describe(columns: Sequence[_Column], other: str) -> pd.DataFrame:
    """``columns`` as a DataFrame (column, type, graph, ``other``, meaning): the documentation a notebook
    shows. ``other`` names the second API's attribute of a column (``"ews"``, ``"rest"``)."""
    return pd.DataFrame(
        [(c.name, c.dtype, c.graph, getattr(c, other), c.meaning) for c in columns],
        columns=["column", "type", "graph", other, "meaning"],
    )
