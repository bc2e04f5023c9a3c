"""What a library holds, at a glance: files per type and their sizes (a table and a chart), and what a
downloaded PDF is (its header and page count), for the runbook's quick look before an import."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["file_types", "pdf_facts", "plot_file_types"]

_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def file_types(items: pd.DataFrame) -> pd.DataFrame:
    """One row per file extension of ``items`` (a documents table): ``files``, ``total_kb``,
    ``median_kb`` and ``largest_kb``, most files first. Folders are left out; a file without an
    extension counts as "(none)"."""
    files = items[~items["is_folder"].fillna(False).astype(bool)]
    ext = files["extension"].fillna("(none)").astype("string")
    size = files["size_bytes"].astype("Float64")
    grouped = size.groupby(ext)
    table = pd.DataFrame(
        {
            "files": grouped.size(),
            "total_kb": (grouped.sum() / 1024).round(1),
            "median_kb": (grouped.median() / 1024).round(1),
            "largest_kb": (grouped.max() / 1024).round(1),
        }
    )
    table.index.name = "extension"
    return table.sort_values(["files", "total_kb"], ascending=False)


def plot_file_types(items: pd.DataFrame, title: str = "") -> Any:
    """A matplotlib figure: files per type (left) and each file's size by type (right, a box plot)."""
    import matplotlib.pyplot as plt

    table = file_types(items)
    files = items[~items["is_folder"].fillna(False).astype(bool)]
    fig, (count_ax, size_ax) = plt.subplots(1, 2, figsize=(11, 3.8))
    count_ax.bar(table.index.astype(str), table["files"].astype(int), color="#4472c4")
    count_ax.set(title="files per type", ylabel="files")
    sizes = [
        (
            files.loc[files["extension"].fillna("(none)") == ext, "size_bytes"].dropna().astype(float) / 1024
        ).tolist()
        for ext in table.index
    ]
    size_ax.boxplot(sizes, tick_labels=[str(e) for e in table.index])
    size_ax.set(title="file size by type", ylabel="KiB")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)  # returned, not shown twice: the cell's value displays it
    return fig


def pdf_facts(data: bytes) -> dict[str, Any]:
    """What a PDF's bytes say without a PDF library: its header (``%PDF-1.4``), the first bytes as
    text, the size, and the page count read from its ``/Type /Page`` objects (exact for the plain,
    uncompressed files the sandbox serves; a PDF with object streams may hide its pages from it)."""
    header = data[:8].decode("latin-1")
    return {
        "is_pdf": data.startswith(b"%PDF-"),
        "header": header,
        "first_bytes": data[:24].decode("latin-1").replace("\n", "\\n").replace("\r", "\\r"),
        "bytes": len(data),
        "pages": len(_PAGE.findall(data)),
    }
