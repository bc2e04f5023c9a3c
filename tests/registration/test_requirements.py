"""requirements(): the permissions Grooper's app needs, from the real connection catalogue, as text."""

from __future__ import annotations

import pytest

from grooper_nb.connections import CONNECTIONS, Connection
from grooper_nb.registration import DEFAULT_CONNECTIONS, plan, requirements
from grooper_nb.registration.requirements import COLUMNS, permissions_of


def _rows(table):
    return {(r.permission, r.type): r for r in table.itertuples(index=False)}


def test_the_default_set_is_groopers_usual_delegated_connections():
    table = requirements()
    assert list(table.columns) == COLUMNS
    assert set(_rows(table)) == {
        ("EWS.AccessAsUser.All", "delegated"),
        ("offline_access", "delegated"),
        ("AllSites.Read", "delegated"),
        ("Files.ReadWrite.All", "delegated"),
        ("Sites.ReadWrite.All", "delegated"),
        ("User.Read", "delegated"),
    }
    assert set(DEFAULT_CONNECTIONS) == {
        "exchange_ews_delegated",
        "sharepoint_rest_delegated",
        "sharepoint_graph",
        "onedrive",
    }


def test_every_cell_is_text_and_nothing_is_missing():
    table = requirements([*CONNECTIONS, ("sharepoint_graph", "app"), ("onedrive", "app")])
    assert not table.isna().any().any()
    assert all(isinstance(v, str) and v for v in table.to_numpy().ravel())


@pytest.mark.parametrize("key", sorted(CONNECTIONS))
def test_each_connection_lists_what_it_requests_with_why_from_the_catalogue(key):
    c = CONNECTIONS[key]
    table = requirements([key])
    expected = {(p.value, p.kind) for p in permissions_of(c, app_only=c.mode == "app")}
    assert set(_rows(table)) == expected
    for row in table.itertuples(index=False):
        assert row.connections == key
        assert (c.title if row.permission == "offline_access" else c.grooper) in row.why


def test_a_permission_two_connections_need_is_one_row_naming_both():
    rows = _rows(requirements(["sharepoint_graph", "onedrive"]))
    shared = rows[("Files.ReadWrite.All", "delegated")]
    assert shared.connections == "sharepoint_graph, onedrive"
    assert CONNECTIONS["sharepoint_graph"].grooper in shared.why
    assert CONNECTIONS["onedrive"].grooper in shared.why
    assert rows[("offline_access", "delegated")].why == (
        "Lets Grooper keep a refresh token, so the connection keeps working without the user signing in "
        "again (for SharePoint via Graph, OneDrive (Graph))."
    )


def test_an_either_connection_is_delegated_unless_told_app():
    assert set(_rows(requirements([("onedrive", "app")]))) == {("Files.Read.All", "application")}
    assert ("User.Read", "delegated") in _rows(requirements(["onedrive"]))


def test_a_connection_is_named_by_key_or_connection():
    by_key = requirements(["graph_mail_app"])
    by_object = requirements([CONNECTIONS["graph_mail_app"]])
    assert by_key.equals(by_object)
    assert set(_rows(by_key)) == {("Mail.Read", "application")}


def test_a_permission_note_of_the_catalogue_joins_the_why_of_that_permission_only():
    selected = Connection(
        "sites_selected_app",
        "SharePoint, selected sites",
        api="Graph",
        resource="graph",
        mode="app",
        grooper="Server-to-server SharePoint for chosen sites.",
        docs="https://learn.microsoft.com/graph/api/resources/sharepoint",
        app_preset="Server-to-server Graph",
        app_request=("{graph}/.default",),
        roles=("Sites.Selected",),
        permission_notes=(("Sites.Selected", "Grant each site to the app."), ("Mail.Read", "unrelated")),
    )
    row = _rows(requirements([selected]))[("Sites.Selected", "application")]
    assert row.why == f"{selected.title}: {selected.grooper} Grant each site to the app."
    assert plan([selected]).connection_keys == (("sites_selected_app", True),)


def test_ids_and_their_status_are_in_the_table():
    row = _rows(requirements(["imap_app"]))[("IMAP.AccessAsApp", "application")]
    assert row.resource == "Office 365 Exchange Online"
    assert row.resource_app_id == "00000002-0000-0ff1-ce00-000000000000"
    assert row.permission_id == "5e5addcd-3e8d-4e90-baf5-964efab2b20a"
    assert row.id_status == "UNCONFIRMED"


def test_an_unknown_connection_names_the_catalogue_keys():
    with pytest.raises(ValueError, match="Unknown connection 'exchange'") as info:
        requirements(["exchange"])
    assert "exchange_ews_delegated" in str(info.value)


def test_a_mode_a_connection_does_not_have_says_which_to_use():
    with pytest.raises(ValueError, match="exchange_ews_app"):
        requirements([("exchange_ews_delegated", "app")])
    with pytest.raises(ValueError, match="is app-only"):
        requirements([("graph_mail_app", "delegated")])
    with pytest.raises(ValueError, match="'delegated' or 'app'"):
        requirements([("onedrive", "sometimes")])


def test_no_connection_at_all_is_an_error():
    with pytest.raises(ValueError, match="at least one connection"):
        requirements([])
