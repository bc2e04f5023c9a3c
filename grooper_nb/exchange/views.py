"""What a notebook shows of a mailbox: the folder tree as people read it, mail volume per folder and
month (a table and a matplotlib chart), and the first facts of a downloaded PDF.

Kept here rather than in notebook cells so that the notebook stays short and these are tested like the
rest of the package. Every table here has no missing value left in it: a reader sees "—" or 0, never
``NaN`` or ``<NA>``.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["folder_tree", "monthly_volume", "pdf_facts", "plot_volume"]

_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def folder_tree(folders: pd.DataFrame) -> pd.DataFrame:
    """The folders table (:meth:`Exchange.folders`) as an indented tree: ``folder`` (the display name
    indented by depth), the well-known name ("—" for none), total and unread counts, and the path."""
    ordered = folders.sort_values("path", key=lambda s: s.str.lower().str.split("/").map(tuple))
    depth = ordered["path"].str.count("/")
    return pd.DataFrame(
        {
            "folder": [("\u2003" * d) + str(n) for d, n in zip(depth, ordered["display_name"], strict=True)],
            "well_known_name": ordered["well_known_name"].fillna("—"),
            "total": ordered["total_count"].fillna(0),
            "unread": ordered["unread_count"].fillna(0),
            "path": ordered["path"],
        }
    ).reset_index(drop=True)


def monthly_volume(messages: pd.DataFrame) -> pd.DataFrame:
    """Messages per month received (rows, ``YYYY-MM``) and folder (columns), zeros where none."""
    if messages.empty:
        return pd.DataFrame()
    month = messages["received"].dt.strftime("%Y-%m")
    table = pd.crosstab(month, messages["folder_path"])
    table.index.name, table.columns.name = "month", "folder"
    return table


def plot_volume(messages: pd.DataFrame, title: str = "Mail per month and folder") -> Any:
    """A stacked bar chart of :func:`monthly_volume` beside a bar of totals per folder; the figure."""
    import matplotlib.pyplot as plt

    table = monthly_volume(messages)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [3, 1]})
    table.plot(kind="bar", stacked=True, ax=left, width=0.8)
    left.set(title=title, xlabel="month received", ylabel="messages")
    left.legend(fontsize="small", title="folder")
    table.sum().sort_values().plot(kind="barh", ax=right, color="#4c72b0")
    right.set(title="per folder", xlabel="messages", ylabel="")
    fig.tight_layout()
    plt.close(fig)  # shown once, by the cell that returns it
    return fig


def pdf_facts(data: bytes) -> dict[str, Any]:
    """Size, the first bytes (the ``%PDF-1.x`` header of a real PDF) and the page count, read from the
    page objects (``/Type /Page``) without a PDF library: enough to see that the download is a whole PDF."""
    return {
        "bytes": len(data),
        "starts_with": data[:8].decode("latin-1"),
        "is_pdf": data.startswith(b"%PDF-"),
        "ends_with_eof": b"%%EOF" in data[-1024:],
        "pages": len(_PAGE.findall(data)),
    }
