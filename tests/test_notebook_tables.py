"""The tables the notebooks display say what is true, and say "none" or "—" where nothing applies.

Read from each notebook's one execution in this run (``tests/notebook_runs.py``): the ``text/html`` a
reader sees. pandas 3 stores a missing value as ``nan``, so a cell that tests ``x is not None`` on a
DataFrame row counts a missing value as present; these tests catch that in what is shown, not in code.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from grooper_nb.runbook import app_credentials
from tests.notebook_runs import NOTEBOOK_DIR, NOTEBOOKS

# A table cell that shows a missing value the way pandas prints it.
MISSING_CELL = re.compile(r"<td[^>]*>\s*(NaN|nan|None|NaT|&lt;NA&gt;)\s*</td>")


class _Tables(HTMLParser):
    """Every ``<table>`` of an HTML output as rows of cell texts (header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
            self.tables[-1].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(text: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(text)
    return parser.tables


def displayed_html(executed) -> list[str]:
    return [
        "".join(o["data"]["text/html"])
        if isinstance(o["data"]["text/html"], list)
        else o["data"]["text/html"]
        for o in executed.outputs
        if o.get("output_type") in ("display_data", "execute_result") and "text/html" in o.get("data", {})
    ]


def column(table: list[list[str]], name: str) -> dict[str, str]:
    """``name`` column of a displayed table, by the ``name`` column of its rows (the app's name)."""
    header = next(row for row in table if name in row)
    keyed = header.index("name")
    wanted = header.index(name)
    # the index column has a header cell of its own (blank) in pandas' HTML: rows align with the header
    return {row[keyed]: row[wanted] for row in table[table.index(header) + 1 :] if len(row) == len(header)}


def test_notebook_00_names_each_seeded_apps_real_credentials(executed_notebook, sandbox):
    run = executed_notebook(NOTEBOOK_DIR / "00_start_here.ipynb")
    tables = [t for text in displayed_html(run) for t in html_tables(text)]
    apps_table = next(t for t in tables if any("credentials" in row for row in t))
    shown = column(apps_table, "credentials")
    expected = {app["name"]: app_credentials(app) for app in sandbox["apps"] if app["name"] in shown}
    assert expected, "the apps table lists none of the seeded apps"
    for name, credentials in expected.items():
        assert shown[name] == credentials, f"{name}: shown {shown[name]!r}, holds {credentials!r}"
    public = [a["name"] for a in sandbox["apps"] if a["public_client"] and a["name"] in shown]
    assert public and all(shown[name] == "none" for name in public)


def test_app_credentials_counts_a_missing_value_of_a_dataframe_row_as_absent(sandbox):
    import pandas as pd

    rows = pd.DataFrame(sandbox["apps"]).set_index("name", drop=False)
    for app in sandbox["apps"]:
        assert app_credentials(rows.loc[app["name"]]) == app_credentials(app)
        holds = [k for k in ("client_secret", "certificate_pem") if app[k]]
        assert app_credentials(app) == (
            ", ".join({"client_secret": "client secret", "certificate_pem": "certificate"}[k] for k in holds)
            or "none"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_displayed_table_shows_a_missing_value_as_nan(executed_notebook, path):
    run = executed_notebook(path)
    found = [
        (html.unescape(m.group(0))[:120])
        for text in displayed_html(run)
        if "<table" in text
        for m in MISSING_CELL.finditer(text)
    ]
    assert not found, f"{path.name} shows missing values as pandas prints them: {found}"
