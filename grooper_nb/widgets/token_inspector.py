"""``TokenInspector``: the token report as tabs, with a Grooper target picker.

::

    from grooper_nb import connect, TokenInspector
    ui = TokenInspector(result, profile, target="exchange_ews_delegated")
    ui                      # Summary (verdict first) | Claims | Header | Validation | Raw
    ui.target               # "exchange_ews_delegated": the picker starts on target=
    ui.verdict              # the Verdict for the picked target (tests and later cells use it)
    ui.target_picker.value = "sharepoint_rest_app"   # re-runs the verdict, as picking it does

The picker starts on ``target=`` (without it, on a target the token passes); the Summary tab shows that
target's verdict first and then, under "All Grooper targets", the verdict for every target, whichever is
picked.

**How the raw token stays out of saved notebooks.** Nothing this widget puts into a cell output contains
the token: the output holds only a widget reference and a masked ``text/plain`` repr (ipywidgets' own
repr would list every child's value, so it is replaced). The Raw tab shows a mask; only a click on
*Reveal* copies the token into a transient ``Textarea`` — widget *state*, not a display output — and
*Hide* empties it again. nbformat stores widget state only when the frontend saves it (JupyterLab's
"Save Widget State Automatically", off by default) or a headless runner records it (nbclient's
``store_widget_state``); neither ever sees a revealed value unless someone clicked Reveal in that session,
so click Hide before saving if that option is on. The token never enters an ``Output`` or ``HTML``.

The report is :class:`grooper_nb.tokens.TokenReport`; the claims are explained after
https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference.
"""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as w

from grooper_nb._redact import mask
from grooper_nb.tokens import TARGETS, TokenError, TokenReport, Verdict, inspect_token
from grooper_nb.widgets._style import link_style

__all__ = ["TokenInspector"]

TAB_TITLES = ("Summary", "Claims", "Header", "Validation", "Raw")
CLAIMS_DOC = "https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference"
VALIDATION_DOC = "https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens"


def _doc_link(url: str, text: str) -> str:
    return (
        f'<p class="grooper-nb-doc-link">{escape(text)} <a href="{escape(url)}" target="_blank" '
        f'rel="noopener">{escape(url.split("//", 1)[1])}</a></p>'
    )


class TokenInspector(w.VBox):
    """Tabs over :func:`grooper_nb.tokens.inspect_token`'s report; see the module docstring."""

    def __init__(
        self,
        token_or_result: Any,
        profile: Any = None,
        *,
        target: str | None = None,
        **inspect_kwargs: Any,
    ) -> None:
        self.error: TokenError | None = None
        self.report: TokenReport | None = None
        if target is not None and target not in TARGETS:
            raise ValueError(f"Unknown Grooper target {target!r}: one of {', '.join(TARGETS)}.")
        try:
            # No target for the report itself: its "all targets" table then lists every target; the
            # picker holds the one target this widget judges first.
            self.report = inspect_token(token_or_result, profile, **inspect_kwargs)
        except TokenError as e:
            self.error = e
        options = [(t.title, t.name) for t in TARGETS.values()]
        first = target
        if first is None and self.report is not None:
            # Show a passing verdict if any, else one that would pass were the signature checked.
            verdicts = self.report.verdicts()
            first = next((v.target.name for v in verdicts if v.ok), None) or next(
                (v.target.name for v in verdicts if v.would_work_if_genuine), None
            )
        self.target_picker = w.Dropdown(
            options=options,
            value=first or options[0][1],
            description="Grooper target",
            style={"description_width": "initial"},
            layout=w.Layout(width="460px"),
        )
        self.verdict_html = w.HTML()
        self.summary_html = w.HTML()
        self.claims_html = w.HTML()
        self.header_html = w.HTML()
        self.validation_html = w.HTML()
        self.raw_mask = w.HTML()
        self.reveal_button = w.Button(description="Reveal", icon="eye", tooltip="Show the raw token here")
        self.hide_button = w.Button(description="Hide", icon="eye-slash", disabled=True)
        self.raw_text = w.Textarea(
            value="",
            disabled=True,
            layout=w.Layout(width="100%", height="8em", display="none"),
        )
        raw_box = w.VBox(
            [
                self.raw_mask,
                w.HBox([self.reveal_button, self.hide_button]),
                self.raw_text,
                w.HTML(
                    "<small>The token appears only here, after Reveal, as widget state; Hide clears it. "
                    "It is never written into a cell output.</small>"
                ),
            ]
        )
        self.tabs = w.Tab(
            children=[
                w.VBox([self.verdict_html, self.summary_html]),
                self.claims_html,
                self.header_html,
                self.validation_html,
                raw_box,
            ],
            titles=TAB_TITLES,
        )
        self.reveal_button.on_click(lambda _b: self.reveal())
        self.hide_button.on_click(lambda _b: self.hide())
        self.target_picker.observe(self._on_target, names="value")
        super().__init__([link_style("grooper-nb-token-inspector"), self.target_picker, self.tabs])
        self.add_class("grooper-nb-token-inspector")
        self.target_picker.add_class("grooper-nb-target")
        self._render()

    # ---------------------------------------------------------------- state
    @property
    def target(self) -> str:
        return self.target_picker.value

    @property
    def verdict(self) -> Verdict | None:
        """The verdict for the picked target (``None`` when the input was not a readable token)."""
        return self.report.verdict(self.target) if self.report else None

    @property
    def revealed(self) -> bool:
        return bool(self.raw_text.value)

    def reveal(self) -> None:
        """Put the raw token into the Raw tab's text box (widget state only)."""
        if self.report is None:
            return
        self.raw_text.value = self.report.reveal()
        self.raw_text.layout.display = None
        self.reveal_button.disabled = True
        self.hide_button.disabled = False

    def hide(self) -> None:
        """Clear the revealed token from the widget state."""
        self.raw_text.value = ""
        self.raw_text.layout.display = "none"
        self.reveal_button.disabled = False
        self.hide_button.disabled = True

    # ---------------------------------------------------------------- rendering
    def _on_target(self, _change: dict) -> None:
        self._render_verdict()

    def _render_verdict(self) -> None:
        if self.report is None:
            self.verdict_html.value = self.error._repr_html_() if self.error else ""
            return
        self.verdict_html.value = self.verdict._repr_html_()

    def _render(self) -> None:
        self._render_verdict()
        if self.report is None:
            msg = "<i>No report: the input is not a readable token (see Summary).</i>"
            for h in (self.summary_html, self.claims_html, self.header_html, self.validation_html):
                h.value = "" if h is self.summary_html else msg
            self.raw_mask.value = msg
            self.reveal_button.disabled = True
            return
        r = self.report
        self.summary_html.value = (
            "<h4>Summary</h4>" + r._summary_html() + "<h4>All Grooper targets</h4>" + r._verdicts_html()
        )
        self.claims_html.value = (
            _doc_link(CLAIMS_DOC, "What each claim means, in Microsoft's words:") + r._claims_html()
        )
        self.header_html.value = r._header_html()
        self.validation_html.value = (
            _doc_link(VALIDATION_DOC, "How an API validates a token:") + r._validation_html()
        )
        self.raw_mask.value = (
            f"<code>{escape(mask(r.reveal()))}</code> — {escape(r.kind.upper())} token, masked."
        )

    def __repr__(self) -> str:
        if self.report is None:
            return f"TokenInspector(error={self.error.reason if self.error else None!r})"
        v = self.verdict
        word = v.status if v is not None else "fail"  # pass | fail | unverified (would work only if genuine)
        return f"TokenInspector({self.report!r}, target={self.target}: {word})"
