"""Whether two listings of one library (Graph and SharePoint REST) hold the same rows in the same schema.

Both APIs fill the one documents schema (docs/sharepoint.md), so a difference is a finding: a column
one API does not return, a value read differently, an item only one API sees. Rows are matched on the
document key (``unique_id``; both listings are of one site), never on Graph's ``id``; the per-API
columns (``schema.PER_API``: ``source``, ``id``, ``web_url``) are not compared.
"""

from __future__ import annotations

import pandas as pd

from grooper_nb.sharepoint import schema

__all__ = ["listing_diff", "schema_diff", "unfilled_columns"]

DIFF_COLUMNS = ["unique_id", "path", "column", "left", "right"]
ONLY_ONE_SIDE = "(whole row)"


def schema_diff(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Columns whose name or dtype differ between the two listings; empty when the schemas agree."""
    names = list(dict.fromkeys([*left.columns, *right.columns]))
    rows = [
        {"column": c, "left": str(left[c].dtype) if c in left else "(absent)",
         "right": str(right[c].dtype) if c in right else "(absent)"}
        for c in names
        if c not in left or c not in right or left[c].dtype != right[c].dtype
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["column", "left", "right"], dtype="string")


def unfilled_columns(frame: pd.DataFrame) -> list[str]:
    """Columns without a single value in ``frame``: what that API (or a stand-in for it) did not
    return at all, which :func:`listing_diff` reports once rather than once per row."""
    return [c for c in frame.columns if len(frame) and frame[c].isna().all()]


def _compared(frame: pd.DataFrame, skip: list[str]) -> pd.DataFrame:
    keep = [c for c in frame.columns if c not in schema.PER_API and c not in skip]
    return frame[keep].set_index("unique_id", drop=False)


def listing_diff(
    left: pd.DataFrame, right: pd.DataFrame, skip: list[str] | tuple[str, ...] = ()
) -> pd.DataFrame:
    """Every cell that differs between two listings of one library, one row each (``unique_id``,
    ``path``, ``column``, ``left``, ``right``), and every item only one side has (``column`` =
    "(whole row)"). Empty when the listings agree. ``skip``: columns not compared (e.g. those
    :func:`unfilled_columns` names)."""
    a, b = _compared(left, list(skip)), _compared(right, list(skip))
    rows = [_only(a, k, "left") for k in a.index.difference(b.index)]
    rows += [_only(b, k, "right") for k in b.index.difference(a.index)]
    common = a.index.intersection(b.index)
    a, b = a.loc[common], b.loc[common, a.columns]
    for column in a.columns:
        differs = ~((a[column] == b[column]).fillna(False) | (a[column].isna() & b[column].isna()))
        for key in common[differs.to_numpy()]:
            rows.append(_cell(a, b, key, column))
    return pd.DataFrame(rows, columns=DIFF_COLUMNS, dtype="string")


def _only(frame: pd.DataFrame, key: str, side: str) -> dict:
    present = (
        {"left": "present", "right": "absent"} if side == "left" else {"left": "absent", "right": "present"}
    )
    return {"unique_id": key, "path": frame.loc[key, "path"], "column": ONLY_ONE_SIDE, **present}


def _cell(a: pd.DataFrame, b: pd.DataFrame, key: str, column: str) -> dict:
    return {
        "unique_id": key,
        "path": a.loc[key, "path"],
        "column": column,
        "left": str(a.loc[key, column]),
        "right": str(b.loc[key, column]),
    }
