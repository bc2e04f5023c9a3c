"""TokenInspector, driven headlessly: tabs, target picker, Reveal/Hide, and no token in any output."""

from __future__ import annotations

import json

import pytest
from ipywidgets import Widget

from grooper_nb._redact import JWT_RE, Secret
from grooper_nb.widgets import TokenInspector

from ..tokens.conftest import EXO, Forger, SandboxTokens, fresh_profile, raw


@pytest.fixture(scope="module")
def ews_token(sandbox):
    t = SandboxTokens(sandbox)
    return raw(t.ropc("Grooper Azure AD Connector 2021", [f"{EXO}/EWS.AccessAsUser.All"]))


@pytest.fixture(scope="module")
def profile(sandbox):
    return fresh_profile(sandbox)


def _all_state(widget: Widget) -> str:
    """Every synced trait of the widget tree, as the frontend (and a saved notebook) would get it."""
    out, stack, seen = [], [widget], set()
    while stack:
        wdg = stack.pop()
        if id(wdg) in seen:
            continue
        seen.add(id(wdg))
        out.append(json.dumps(wdg.get_state(), default=str))
        for name in wdg.keys:
            value = getattr(wdg, name)
            items = value if isinstance(value, (list, tuple)) else [value]
            stack += [v for v in items if isinstance(v, Widget)]
    return "\n".join(out)


def test_the_tabs_are_summary_claims_header_validation_raw(ews_token, profile):
    ui = TokenInspector(ews_token, profile)
    assert ui.tabs.titles == ("Summary", "Claims", "Header", "Validation", "Raw")
    assert "EWS.AccessAsUser.All" in ui.claims_html.value
    assert "Delegated scopes granted" in ui.claims_html.value  # explanations, not just values
    assert "x5t" in ui.header_html.value
    assert "verified" in ui.validation_html.value


def test_the_summary_opens_with_the_verdict(ews_token, profile):
    ui = TokenInspector(ews_token, profile, target="exchange_ews_delegated")
    summary_box = ui.tabs.children[0]
    assert summary_box.children[0] is ui.verdict_html
    assert ui.verdict_html.value.find("PASS") != -1
    assert ui.verdict.ok


def test_without_a_target_it_shows_a_passing_one(ews_token, profile):
    ui = TokenInspector(ews_token, profile)
    assert ui.target == "exchange_ews_delegated"


def test_picking_a_target_reruns_the_verdict(ews_token, profile):
    ui = TokenInspector(ews_token, profile, target="exchange_ews_delegated")
    ui.target_picker.value = "sharepoint_rest_app"
    assert not ui.verdict.ok
    assert "FAIL" in ui.verdict_html.value
    assert "wrong_audience" in ui.verdict_html.value
    ui.target_picker.value = "exchange_ews_delegated"
    assert "PASS" in ui.verdict_html.value


def test_the_raw_token_is_masked_until_revealed_and_cleared_on_hide(ews_token, profile):
    ui = TokenInspector(Secret(ews_token), profile)
    assert ews_token not in _all_state(ui)
    assert not JWT_RE.search(_all_state(ui))
    ui.reveal_button.click()
    assert ui.revealed and ui.raw_text.value == ews_token
    ui.hide_button.click()
    assert not ui.revealed
    assert ews_token not in _all_state(ui)


def test_the_displayed_output_never_contains_the_token(ews_token, profile):
    ui = TokenInspector(ews_token, profile)
    ui.reveal()
    bundle = ui._repr_mimebundle_()
    text = json.dumps(bundle, default=str)
    assert ews_token not in text
    assert not JWT_RE.search(text)
    assert "TokenInspector(" in bundle["text/plain"]
    ui.hide()


def test_an_unreadable_input_shows_the_token_error(profile):
    ui = TokenInspector("eyJhbGciOiJSUzI1NiJ9", profile)
    assert ui.report is None and ui.error.reason == "truncated"
    assert "TokenError (truncated)" in ui.verdict_html.value
    ui.reveal_button.click()  # nothing to reveal; must not raise
    assert not ui.revealed


def test_with_a_target_the_picker_starts_on_it_and_all_targets_still_lists_every_target(ews_token, profile):
    from grooper_nb.tokens import TARGETS

    ui = TokenInspector(ews_token, profile, target="sharepoint_rest_delegated")
    assert ui.target_picker.value == "sharepoint_rest_delegated" == ui.target
    all_targets = ui.summary_html.value.split("All Grooper targets", 1)[1]
    assert all(t.title in all_targets for t in TARGETS.values())
    ui.target_picker.value = "exchange_ews_delegated"
    assert all(t.title in ui.summary_html.value.split("All Grooper targets", 1)[1] for t in TARGETS.values())


def test_an_unknown_target_is_refused_with_the_known_ones(ews_token, profile):
    with pytest.raises(ValueError, match="exchange_ews_delegated"):
        TokenInspector(ews_token, profile, target="exchange")


def test_the_inspector_links_to_microsofts_pages_styled_as_links(ews_token, profile):
    ui = TokenInspector(ews_token, profile)
    assert 'href="https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference"' in (
        ui.claims_html.value
    )
    assert ".grooper-nb-token-inspector a" in ui.children[0].value
    assert "grooper-nb-token-inspector" in ui._dom_classes


def test_an_unchecked_token_is_shown_as_unverified_never_as_a_pass(sandbox):
    """A token whose signature was not checked may look perfect: the inspector picks the target it would
    pass if genuine, and says unverified, not pass."""
    forger = Forger()
    claims = forger.claims(sandbox["tenant"]["id"], aud=EXO, scp="EWS.AccessAsUser.All")
    ui = TokenInspector(forger.rs256(claims), verify=False)
    assert ui.target_picker.value == "exchange_ews_delegated"
    assert not ui.verdict.ok and ui.verdict.would_work_if_genuine
    assert repr(ui).endswith("target=exchange_ews_delegated: unverified)")
