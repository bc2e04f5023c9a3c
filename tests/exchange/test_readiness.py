"""``ews_readiness`` against a sandbox of this module's own, with real tokens over real HTTPS.

The module switches the tenant's EWS policy (and restores it), so it runs on its own private sandbox:
no other test sees EWS blocked.
"""

from __future__ import annotations

import warnings
from datetime import date

import pytest

from grooper_nb import ews_readiness as top_level
from grooper_nb.auth import flows
from grooper_nb.exchange import Exchange, ews_readiness
from grooper_nb.exchange.ews.tokens import ews_scopes
from grooper_nb.exchange.readiness import EWS_SWITCHED_OFF, parity_tables
from grooper_nb.profile import Profile, connect
from grooper_nb.sandbox import launcher
from tests.helpers import seeded_user
from tests.sandbox.conftest import private_sandbox  # noqa: F401 - fixture

SHARED = "invoices@contoso.onmicrosoft.com"
TODAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def state_dir(private_sandbox: dict) -> str:  # noqa: F811
    return private_sandbox["state_dir"]


@pytest.fixture(scope="module")
def s2s(state_dir: str) -> Profile:
    return connect(app="Grooper Server-to-Server", sandbox_dir=state_dir)


@pytest.fixture
def ews_policy(state_dir: str):
    """Set the tenant's EWS policy for one test; back to Exchange Online's default afterwards."""
    yield lambda *args: launcher.set_ews_policy(state_dir, *args)
    launcher.set_ews_policy(state_dir, None)


def test_the_helper_is_exported_lazily_at_both_levels():
    assert top_level is ews_readiness


def test_app_only_on_the_seeded_shared_mailbox_is_ready_with_clean_parity(s2s: Profile):
    r = ews_readiness(s2s, SHARED, today=TODAY)
    assert r.ews.state == "reachable" and r.app_only
    assert r.parity_ok is True and r.missing.empty, r.missing
    assert (r.parity["difference"] == 0).all() and r.parity["ews"].sum() >= 60
    assert r.graph_ready and r.status == "ready", r.verdict
    held = r.permissions.set_index("permission")["in current token"]
    assert held["Mail.Read"] == "yes"
    assert r.days_left == (EWS_SWITCHED_OFF - TODAY).days == 122
    html = r._repr_html_()
    assert "READY" in html and "122 days left" in html and "how-to-control-access-to-ews" in html
    assert "NaN" not in html and "None" not in html and "&lt;NA&gt;" not in html


def test_ews_blocked_for_the_tenant_is_the_verdict_and_parity_is_skipped(s2s: Profile, ews_policy):
    ews_policy(False)
    r = ews_readiness(s2s, SHARED, today=TODAY)
    assert r.ews.state == "blocked_for_tenant" and r.status == "blocked"
    assert r.parity is None and r.parity_ok is None
    assert "blocked_for_tenant" in r.parity_skipped
    assert "blocked for the organization" in r.verdict
    assert any("EWSEnabled" in a for a in r.actions)


def test_an_app_left_out_of_the_allow_list_is_named(s2s: Profile, ews_policy):
    ews_policy(True, ["00000000-0000-0000-0000-000000000001"])
    r = ews_readiness(s2s, SHARED, today=TODAY)
    assert r.ews.state == "app_not_allowed" and r.status == "blocked"
    assert r.parity is None
    assert any(s2s.client_id in a and "EWSAllowedAppIDs" in a for a in r.actions)


def test_an_allow_listed_app_still_reaches_ews(s2s: Profile, ews_policy):
    ews_policy(True, [s2s.client_id])
    r = ews_readiness(s2s, SHARED, parity=False, today=TODAY)
    assert r.ews.state == "reachable" and r.parity_skipped == "not asked (parity=False)"


def test_a_delegate_without_mail_read_shared_is_told_which_graph_permission_to_add(
    private_sandbox: dict,  # noqa: F811
):
    connector = connect(app="Grooper Azure AD Connector 2021", sandbox_dir=private_sandbox["state_dir"])
    adele = seeded_user(private_sandbox, "adele.vance")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flows.RopcWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        account = flows.ropc(
            connector, adele["upn"], adele["password"], ews_scopes(connector, False), warn=False
        )
    r = ews_readiness(connector, SHARED, account=account, today=TODAY)
    assert r.ews.state == "reachable" and not r.app_only
    assert not r.graph_ready and r.status == "not ready"
    needed = r.permissions[r.permissions["needed"] == "yes"]
    assert set(needed["permission"]) == {"Mail.Read.Shared", "Mail.ReadWrite.Shared"}
    assert (needed["in current token"] == "no").all()
    assert "graph" in r.errors
    assert r.parity_skipped == "the Graph listing failed: ErrorAccessDenied (HTTP 403)"
    assert any("Mail.Read.Shared" in a and "delegated" in a for a in r.actions)


def test_messages_one_side_lacks_are_listed_by_the_key(s2s: Profile):
    """EWS lists the whole Inbox, Graph only what arrived since a date inside it: the older messages are
    'only in EWS', each named by the key, and the Inbox's count differs by as many."""
    ews = Exchange(s2s, SHARED, "ews")
    graph = Exchange(s2s, SHARED)
    everything = ews.messages("inbox", progress=False)
    cut = everything["received"].sort_values().iloc[len(everything) // 2]
    recent = graph.messages("inbox", since=cut.to_pydatetime(), progress=False)
    per_folder, missing = parity_tables(ews.folders(), everything, graph.folders(), recent)
    older = everything[everything["received"] < cut]
    assert len(older) > 0 and len(missing) == len(older)
    assert set(missing["only_in"]) == {"ews"}
    assert set(missing["internet_message_id"]) == set(older["internet_message_id"])
    inbox = per_folder.set_index("folder_path").loc["Inbox"]
    assert inbox["difference"] == len(older)
