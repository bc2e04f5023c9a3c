"""Two tokens side by side: what differs, in the terms that matter for a Grooper connection.

Typical use: the token Grooper got versus one that works, or a delegated versus an app-only token::

    cmp = compare_tokens(ews_token, graph_token, profile, labels=("EWS", "Graph"))
    cmp                       # HTML table, differing rows first
    cmp.differences           # [Row(field='audience', a='Exchange Online', b='Microsoft Graph'), ...]
    cmp.only_in_a["scopes"]   # scopes the first token has and the second lacks

Rows cover the derived facts (version, audience, token type, client authentication, scopes, roles,
validation, each target's verdict) and then every header field and claim. Claims that are different in
every token by nature (``iat``, ``uti``, ...) are marked ``volatile`` so they do not drown the real
differences.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Any

from grooper_nb.tokens.report import TokenReport

__all__ = ["Row", "TokenComparison", "compare_reports"]

VOLATILE = {"iat", "nbf", "exp", "uti", "aio", "rh", "sid", "xms_st", "nonce", "kid", "x5t"}


@dataclass(frozen=True)
class Row:
    """One compared field. ``section``: summary | verdict | header | claim."""

    section: str
    field: str
    a: Any
    b: Any
    volatile: bool = False

    @property
    def same(self) -> bool:
        return self.a == self.b


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return ", ".join(map(str, v)) if v else "—"
    return json.dumps(v, default=str)


class TokenComparison:
    """The result of :func:`grooper_nb.tokens.compare_tokens`."""

    def __init__(self, a: TokenReport, b: TokenReport, labels: tuple[str, str] = ("A", "B")) -> None:
        self.a, self.b, self.labels = a, b, labels
        rows: list[Row] = []
        sa, sb = a.summary(), b.summary()
        for key in sa:
            rows.append(Row("summary", key, sa[key], sb.get(key)))
        for va, vb in zip(a.verdicts(), b.verdicts(), strict=True):
            rows.append(
                Row(
                    "verdict",
                    va.target.title,
                    va.label,
                    vb.label,
                )
            )
        for key in sorted(set(a.header) | set(b.header)):
            rows.append(Row("header", key, a.header.get(key), b.header.get(key), key in VOLATILE))
        for key in sorted(set(a.claims) | set(b.claims)):
            rows.append(Row("claim", key, a.claims.get(key), b.claims.get(key), key in VOLATILE))
        self.rows = rows
        self.only_in_a = {
            "scopes": sorted(set(a.scopes) - set(b.scopes)),
            "roles": sorted(set(a.roles) - set(b.roles)),
            "claims": sorted(set(a.claims) - set(b.claims)),
        }
        self.only_in_b = {
            "scopes": sorted(set(b.scopes) - set(a.scopes)),
            "roles": sorted(set(b.roles) - set(a.roles)),
            "claims": sorted(set(b.claims) - set(a.claims)),
        }

    @property
    def differences(self) -> list[Row]:
        """Rows whose values differ, leaving out the volatile ones (timestamps, ids)."""
        return [r for r in self.rows if not r.same and not r.volatile]

    def differs(self, field: str) -> bool:
        return any(r.field == field for r in self.differences)

    def row(self, field: str, section: str | None = None) -> Row:
        return next(r for r in self.rows if r.field == field and (section is None or r.section == section))

    def to_frame(self):
        """pandas DataFrame: section, field, <label A>, <label B>, same, volatile."""
        import pandas as pd

        la, lb = self.labels
        return pd.DataFrame(
            [
                {
                    "section": r.section,
                    "field": r.field,
                    la: _fmt(r.a),
                    lb: _fmt(r.b),
                    "same": r.same,
                    "volatile": r.volatile,
                }
                for r in self.rows
            ]
        )

    def __repr__(self) -> str:
        diffs = ", ".join(r.field for r in self.differences[:8])
        more = "…" if len(self.differences) > 8 else ""
        la, lb = self.labels
        return f"TokenComparison({la} vs {lb}: {len(self.differences)} differences: {diffs}{more})"

    def _repr_html_(self) -> str:
        la, lb = self.labels

        def tr(r: Row) -> str:
            style = "" if r.same else " style='background:#fff3e0'"
            return (
                f"<tr{style}><td>{escape(r.section)}</td><td><code>{escape(r.field)}</code></td>"
                f"<td>{escape(_fmt(r.a))}</td><td>{escape(_fmt(r.b))}</td></tr>"
            )

        diff = "".join(tr(r) for r in self.differences)
        same = "".join(tr(r) for r in self.rows if r.same or r.volatile)
        head = f"<tr><th>section</th><th>field</th><th>{escape(la)}</th><th>{escape(lb)}</th></tr>"
        return (
            f"<div><b>{len(self.differences)} differences</b><table>{head}{diff}</table>"
            f"<details><summary>same or volatile</summary><table>{head}{same}</table></details></div>"
        )


def compare_reports(a: TokenReport, b: TokenReport, labels: tuple[str, str] = ("A", "B")) -> TokenComparison:
    return TokenComparison(a, b, labels)
