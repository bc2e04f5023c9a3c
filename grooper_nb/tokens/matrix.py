"""Every token against every Grooper connection type, as one table.

The question a runbook ends on is "which of these tokens can which Grooper connection use?". One token's
answer is :meth:`TokenReport.verdicts`; this lays several side by side::

    from grooper_nb import verdict_matrix
    verdict_matrix({"EWS user": ews_report, "Graph user": graph_report})

Rows are the connection types (their titles, in catalogue order), columns the tokens; a cell is ``PASS``,
``fail:`` and the verdict's reason codes (which the report's own verdict explains in words), or
``UNVERIFIED:`` when nothing speaks against the token but its signature could not be checked, so it
would work only if it is genuine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from grooper_nb.tokens.report import TokenReport

__all__ = ["PASS", "UNVERIFIED", "verdict_cell", "verdict_matrix"]

PASS = "PASS"
UNVERIFIED = "UNVERIFIED: would work if genuine"


def verdict_cell(verdict) -> str:
    """``PASS``; ``UNVERIFIED: ...`` when only the unchecked signature stands between the token and a
    pass (never shown as a pass: a forged token looks exactly like this); else ``fail: code, code``."""
    if verdict.ok:
        return PASS
    if verdict.would_work_if_genuine:
        return UNVERIFIED
    return "fail: " + ", ".join(verdict.codes)


def verdict_matrix(reports: Mapping[str, TokenReport | None]) -> pd.DataFrame:
    """Connection types (rows) by tokens (columns): ``PASS``, ``UNVERIFIED: ...`` or ``fail: <codes>``.

    ``reports`` maps a column label to a token report; ``None`` values (a section that skipped) are left
    out, so a notebook can list every token it may have had.
    """
    import pandas as pd

    columns = {
        label: {v.target.title: verdict_cell(v) for v in report.verdicts()}
        for label, report in reports.items()
        if report is not None
    }
    frame = pd.DataFrame(columns, dtype=object)
    frame.index.name = "Grooper connection"
    return frame
