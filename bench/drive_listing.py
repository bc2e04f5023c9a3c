"""Benchmark: one deep library listed into a DataFrame three ways in one run, side by side.

Run:  python bench/drive_listing.py [--scale large|N]

A ``--scale large`` sandbox (its own temporary state dir, started and stopped through the CLI) has the
library "Archive" on /sites/finance: 20,000 PDF files seven folders deep. It is listed

* through Graph's delta enumeration (``SharePoint(..., via="graph").items``), which Microsoft recommends
  over walking folders (https://learn.microsoft.com/onedrive/developer/rest-api/concepts/scan-guidance);
* through one SharePoint REST paged list query (``via="rest"``);
* by the naive recursive ``/children`` walk (``items(..., method="walk")``), one request per folder.

For each: the requests the sandbox logged for the API's host (token requests go to the login host and
are not counted), wall time and the run's own peak RSS growth (bench/_measure.py); then the targets and
whether each is met, and whether the three listings hold the same rows. Nothing is asserted: this prints.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import Run, measure, print_table

FINANCE = "https://contoso.sharepoint.com/sites/finance"
LIBRARY = "Archive"
GRAPH_HOST = "graph"  # the request log's host names (docs/sandbox.md, "Request log")
REST_HOST = "sharepoint"
WALK_SPEEDUP = 5.0  # delta must be at least this many times faster than the folder walk
EXTRA_REQUESTS = 5  # site and library lookups on top of the pages


def _cli(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "grooper_nb.sandbox", *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout) if out.stdout.strip().startswith("{") else {}


def _listing(profile, via: str, method: str = "auto"):
    """A fresh client (no cached site or library) listing the archive: what a notebook cell does."""
    from grooper_nb.sharepoint import SharePoint

    def run():
        sp = SharePoint(profile, via)
        return sp.items(sp.library(FINANCE, LIBRARY), progress=False, method=method)

    return run


def _comparable(df):
    """The listing without the per-API columns, in key order: what must be equal across methods."""
    from grooper_nb.sharepoint import schema

    return df.drop(columns=list(schema.PER_API)).sort_values("unique_id").reset_index(drop=True)


def _same_rows(a, b) -> str:
    """The word "equal", or what differs (row count, keys, columns or values) in one line."""
    left, right = _comparable(a), _comparable(b)
    if len(left) != len(right):
        return f"row counts differ: {len(left)} vs {len(right)}"
    if not left["unique_id"].equals(right["unique_id"]):
        return "different items (unique_id)"
    cols = [c for c in left.columns if not left[c].equals(right[c])]
    return "equal" if not cols else f"same items; values differ in {', '.join(cols)}"


def _targets(runs: dict[str, Run], n: int) -> list[tuple[str, str, str, str]]:
    from grooper_nb.sharepoint.graph import PAGE_SIZE as GRAPH_PAGE
    from grooper_nb.sharepoint.rest import PAGE_SIZE as REST_PAGE

    delta, rest, walk = runs["graph delta"], runs["rest paged query"], runs["graph children walk"]
    graph_budget = math.ceil(n / GRAPH_PAGE) + EXTRA_REQUESTS
    rest_budget = math.ceil(n / REST_PAGE) + EXTRA_REQUESTS
    speedup = walk.seconds / delta.seconds if delta.seconds else math.inf
    return [
        (
            f"graph delta requests (page {GRAPH_PAGE})",
            str(delta.requests),
            f"<= ceil({n}/{GRAPH_PAGE})+{EXTRA_REQUESTS} = {graph_budget}",
            _met(delta.requests <= graph_budget),
        ),
        (
            "graph delta vs walk, wall time",
            f"{speedup:.1f}x faster",
            f">= {WALK_SPEEDUP:.0f}x",
            _met(speedup >= WALK_SPEEDUP),
        ),
        (
            f"rest requests (page {REST_PAGE})",
            str(rest.requests),
            f"<= ceil({n}/{REST_PAGE})+{EXTRA_REQUESTS} = {rest_budget}",
            _met(rest.requests <= rest_budget),
        ),
        ("walk requests (for reference)", str(walk.requests), ">= folders + 1", "—"),
    ]


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def _print_runs(runs: dict[str, Run]) -> None:
    rows = [
        (
            name,
            str(r.requests),
            f"{r.seconds:.2f}",
            f"{r.peak_rss_growth / 2**20:.0f}" + ("" if r.peak_exact else " (upper bound)"),
            str(len(r.result)),
        )
        for name, r in runs.items()
    ]
    header = ("method", "requests", "wall s", "peak RSS MiB", "rows")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


def run(state: str) -> None:
    """List the archive of the sandbox at ``state`` three ways and print the tables."""
    from grooper_nb.profile import connect

    app = connect(app="Grooper Server-to-Server", credential="certificate", sandbox_dir=state)
    # Tokens first, so no run pays for a sign-in in its wall time.
    for via in ("graph", "rest"):
        from grooper_nb.sharepoint import SharePoint

        SharePoint(app, via).site(FINANCE)
    runs = {
        "graph delta": measure("graph delta", _listing(app, "graph"), state_dir=state, host=GRAPH_HOST),
        "rest paged query": measure("rest", _listing(app, "rest"), state_dir=state, host=REST_HOST),
        "graph children walk": measure(
            "walk", _listing(app, "graph", "walk"), state_dir=state, host=GRAPH_HOST
        ),
    }
    n = len(runs["graph delta"].result)
    print(f"library {LIBRARY!r} on {FINANCE}: {n} items (files and folders)\n")
    _print_runs(runs)
    print()
    print_table(_targets(runs, n))
    print()
    delta = runs["graph delta"].result
    for name in ("rest paged query", "graph children walk"):
        print(f"rows: graph delta vs {name}: {_same_rows(delta, runs[name].result)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", help="the sandbox's --scale: large or a number of files")
    scale = parser.parse_args(argv).scale
    with tempfile.TemporaryDirectory(prefix="grooper-nb-bench-") as tmp:
        state = str(Path(tmp) / "sandbox")
        _cli("start", "--state-dir", state, "--scale", scale)
        try:
            run(state)
        finally:
            _cli("stop", "--state-dir", state)


if __name__ == "__main__":
    main()
