"""Helpers that notebooks call, so a runbook cell stays a few lines and its logic is tested here.

A notebook is followed as a procedure, often while a customer's import is failing. Three things recur in
every runbook and live here instead of in cells:

* **which app**: :func:`app_profile` gives the profile of one of the apps a notebook works with, the same
  call for the sandbox (a seeded app by name) and a real tenant (the app's ``.env`` file);
* **what happened**: :func:`outcome_table` turns the outcome of every step (a token, an explained error,
  or a short text) into one DataFrame;
* **how it reads**: :func:`wrapped` shows a DataFrame with its text wrapped inside the notebook's width
  (no column cut with "…", no table running off the page), and :func:`app_credentials` says which
  credentials a seeded app holds;
* **whether to go on**: :func:`check` ends a section. When it fails, the reader gets one sentence that says
  what is wrong and what to do, not a bare ``AssertionError`` with a line of code::

      from grooper_nb import check
      check(report.verdict("exchange_ews_delegated").ok,
            "The token will not work for Grooper's Exchange connection: read its verdict above and request "
            "the scope it names.")
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from grooper_nb.profile import Profile

__all__ = [
    "NONE",
    "CheckFailed",
    "app_credentials",
    "app_profile",
    "check",
    "outcome_table",
    "token_table",
    "wrapped",
]

NONE = "—"
"""What a table shows where a value does not apply (pandas would show ``NaN``)."""


# --------------------------------------------------------------------------------------------------
# checks


class CheckFailed(AssertionError):
    """A notebook's check did not hold. Its message says what that means and what to do.

    An ``AssertionError`` so that pytest, nbval and a reader's habits treat it as a failed check; in
    Jupyter it shows as that message alone, without a stack of the package's frames.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of formatting a traceback: the reader needs the sentence, not frames.
        return [f"\x1b[1;31mCheck failed:\x1b[0m {self.message}"]

    def _repr_html_(self) -> str:
        return f'<div style="color:#b00020"><b>Check failed:</b> {html.escape(self.message)}</div>'


def check(condition: object, message: str, detail: object = None) -> None:
    """End a notebook section: do nothing if ``condition`` holds, else raise :class:`CheckFailed`.

    ``message`` says what a failure means and what to do about it. ``detail`` (optional) is shown after
    it, e.g. the rows of a table that differ; it must be something safe to display (reports, verdicts and
    tables are: they never hold a token).
    """
    if condition:
        return
    text = message if detail is None else f"{message}\n{detail}"
    raise CheckFailed(text)


# --------------------------------------------------------------------------------------------------
# which app


def app_profile(sandbox: bool | Profile, app: str | Path | None, **options: Any) -> Profile | None:
    """The profile of one app a notebook works with.

    ``sandbox`` is a notebook's ``sandbox`` parameter, or a profile whose kind (sandbox or real tenant)
    decides. In the sandbox, ``app`` is a seeded app's name (``None``: the Grooper connector app). Against a
    real tenant, ``app`` is the path of a ``.env`` file holding that app's ``GROOPER_NB_*`` settings;
    without such a file the answer is ``None`` (the notebook then skips what needs the app), never a
    sandbox app mixed into a real tenant's results. ``options`` go to :func:`grooper_nb.connect`
    (``credential="certificate"``, ``token_cache=...``).
    """
    from grooper_nb.profile import connect

    is_sandbox = sandbox if isinstance(sandbox, bool) else sandbox.is_sandbox
    if is_sandbox:
        return connect(app, sandbox=True, **options)
    if app is not None and Path(app).is_file():
        return connect(sandbox=False, env_file=app, **options)
    return None


# --------------------------------------------------------------------------------------------------
# what happened

OUTCOME_COLUMNS = ("expected", "outcome", "audience", "permissions", "user", "source", "meaning")


def _outcome_row(outcome: Any) -> dict[str, Any]:
    from grooper_nb.auth.result import TokenResult
    from grooper_nb.errors.aadsts import AuthError

    if isinstance(outcome, TokenResult):
        s = outcome.summary()
        return {
            "outcome": "token",
            "audience": s["audience"],
            "permissions": s["scp"] or s["roles"],  # scp for a user, roles for an app
            "user": s["user"],
            "source": s["source"],
        }
    if isinstance(outcome, AuthError):
        return {"outcome": f"AADSTS{outcome.code}", "meaning": outcome.meaning}
    return {"outcome": str(outcome)}


def outcome_table(outcomes: Iterable[tuple[str, Any, str]]) -> pd.DataFrame:
    """One row per step of a runbook: what was expected, what happened, and for tokens the audience, the
    permissions (``scp`` for a user, ``roles`` for an app), the user and where the token came from.

    ``outcomes``: ``(step, outcome, expected)`` triples; an outcome is a
    :class:`~grooper_nb.auth.result.TokenResult` (shown as ``"token"``), an
    :class:`~grooper_nb.errors.aadsts.AuthError` (``"AADSTS<code>"`` and its meaning) or a short text.
    Cells that do not apply show ``"—"``. Indexed by step.
    """
    import pandas as pd

    rows = []
    for step, outcome, expected in outcomes:
        row = {"step": step, "expected": expected, **_outcome_row(outcome)}
        rows.append({"step": step, **{c: _shown(row.get(c)) for c in OUTCOME_COLUMNS}})
    frame = pd.DataFrame(rows, columns=["step", *OUTCOME_COLUMNS], dtype=object)
    return frame.set_index("step")


def token_table(results: Mapping[str, Any]) -> pd.DataFrame:
    """Token results side by side, one row per label: :meth:`TokenResult.summary` (masked tokens, never
    the raw value), with ``"—"`` where a token has no such value (``roles`` of a user's token, the
    refresh token of one served from the cache)."""
    import pandas as pd

    rows = [{k: _shown(v) for k, v in result.summary().items()} for result in results.values()]
    return pd.DataFrame(rows, index=list(results), dtype=object)


def _shown(value: Any) -> Any:
    return NONE if _missing(value) else value


def _missing(value: Any) -> bool:
    """``None``, ``""``, or a missing value as pandas stores it (``nan``, ``NaT``, ``pd.NA``).

    With pandas 3 a column built from dicts holds ``nan`` where a key was ``None``, so ``x is not None``
    is true for a missing value: test for a missing value with this, never with ``is None``.
    """
    if value is None or isinstance(value, str):
        return not value
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


# --------------------------------------------------------------------------------------------------
# how it reads

CREDENTIAL_KEYS = {"client_secret": "client secret", "certificate_pem": "certificate"}


def app_credentials(app: Mapping[str, Any]) -> str:
    """The credentials a seeded app holds, in words (``"client secret, certificate"``), or ``"none"``
    for a public client. ``app`` is one entry of the sandbox's ``apps`` (or a DataFrame row of them:
    missing values are ``nan`` there, and count as absent)."""
    held = [words for key, words in CREDENTIAL_KEYS.items() if not _missing(app.get(key))]
    return ", ".join(held) or "none"


WRAP_STYLES = [
    {"selector": "", "props": [("max-width", "100%"), ("table-layout", "auto")]},
    {
        "selector": "td, th",
        "props": [
            ("white-space", "normal"),
            ("overflow-wrap", "break-word"),
            ("text-align", "left"),
            ("vertical-align", "top"),
        ],
    },
]
# Where a long value (URL, UPN, GUID, scope, snake_case word) may break: after these characters. A word
# broken anywhere ("identi|ty_provider") reads badly, and a word that may not break widens its column.
_BREAK_AFTER = re.compile(r"([/._@:,=?-])")


def _breakable(value: Any) -> str:
    """A value as escaped HTML with a line-break opportunity (``<wbr>``) after each separator."""
    if _missing(value):
        return NONE
    return _BREAK_AFTER.sub(r"\1<wbr>", html.escape(str(value)))


def wrapped(frame: pd.DataFrame):
    """``frame`` for display with its text wrapped: every value whole (no "…"), long values (scopes,
    URLs, GUIDs, explanations) broken across lines, and the table no wider than the notebook.

    Returns a pandas ``Styler``: the last expression of a cell, it renders as that table. Missing values
    show as ``"—"`` and every value is HTML-escaped. The frame itself is unchanged; keep using it for
    checks.
    """
    return frame.style.set_table_styles(WRAP_STYLES).format(_breakable).format_index(_breakable, axis=0)
