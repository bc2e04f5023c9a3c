"""The helpers notebook 05 calls, against the sandbox with real tokens: two listings compared cell by
cell, a Sites.Selected grant made by an app with Sites.FullControl.All, and a library's file types and
one PDF at a glance."""

from __future__ import annotations

import pandas as pd
import pytest

from grooper_nb.sharepoint import SharePoint, access_check
from grooper_nb.sharepoint.compare import ONLY_ONE_SIDE, listing_diff, schema_diff, unfilled_columns
from grooper_nb.sharepoint.grants import grant_site, register_app_only, site_permissions
from grooper_nb.sharepoint.summary import file_types, pdf_facts, plot_file_types
from tests.sharepoint.conftest import FINANCE

INTRANET = "https://contoso.sharepoint.com/sites/intranet"


@pytest.fixture(scope="module")
def listings(cert_app) -> dict[str, pd.DataFrame]:
    out = {}
    for via in ("graph", "rest"):
        sp = SharePoint(cert_app, via)
        out[via] = sp.items(sp.library(FINANCE, "Documents"), progress=False)
    return out


def test_graph_and_rest_listings_agree_on_every_column_both_fill(listings):
    graph, rest = listings["graph"], listings["rest"]
    assert schema_diff(graph, rest).empty
    skip = sorted(set(unfilled_columns(graph)) ^ set(unfilled_columns(rest)))
    assert "id" in skip  # Graph's own id: REST has none
    assert listing_diff(graph, rest, skip=skip).empty


def test_a_changed_cell_and_a_missing_item_are_reported(listings):
    graph = listings["graph"]
    rest = listings["rest"].copy()
    file_row = rest.index[~rest["is_folder"]][0]
    rest.loc[file_row, "size_bytes"] = 1
    rest = rest.drop(index=rest.index[-1])
    diff = listing_diff(graph, rest, skip=["id", "version"])
    changed = diff[diff["column"] == "size_bytes"]
    assert len(changed) == 1 and changed["right"].iloc[0] == "1"
    assert changed["path"].iloc[0] == rest.loc[file_row, "path"]
    only = diff[diff["column"] == ONLY_ONE_SIDE]
    assert only["path"].tolist() == [listings["rest"]["path"].iloc[-1]] and only["right"].iloc[0] == "absent"


def test_a_schema_difference_is_named(listings):
    rest = listings["rest"].astype({"size_bytes": "float64"}).drop(columns=["etag"])
    found = schema_diff(listings["graph"], rest).set_index("column")
    assert found.loc["size_bytes", "right"] == "float64" and found.loc["etag", "right"] == "(absent)"


def test_file_types_count_every_file_once(listings):
    docs = listings["graph"]
    table = file_types(docs)
    assert table["files"].sum() == (~docs["is_folder"]).sum()
    assert table.index[0] == docs.loc[~docs["is_folder"], "extension"].value_counts().index[0]
    assert not table.isna().any().any()
    fig = plot_file_types(docs, "Finance")
    assert len(fig.axes) == 2 and [t.get_text() for t in fig.axes[0].get_xticklabels()] == list(table.index)


def test_a_downloaded_pdf_is_read_for_its_header_and_pages(cert_app, tmp_path):
    sp = SharePoint(cert_app, "graph")
    docs = sp.items(sp.library(FINANCE, "Documents"), progress=False)
    pdf = docs[docs["extension"] == "pdf"].iloc[0]
    data = sp.download(pdf, to=tmp_path, progress=False)[0].read_bytes()
    facts = pdf_facts(data)
    assert facts["is_pdf"] and facts["header"].startswith("%PDF-1.") and facts["pages"] == 1
    assert facts["bytes"] == pdf["size_bytes"]
    assert pdf_facts(b"PK\x03\x04 not a pdf")["is_pdf"] is False


def test_a_site_granted_to_a_sites_selected_app_opens_to_it(selected_app, full_control_app, cert_app):
    site = SharePoint(cert_app, "graph").site(INTRANET)
    assert not access_check(selected_app, INTRANET)["ok"].any()
    grant_site(full_control_app, site, selected_app.client_id, display_name="intranet reader")
    granted = site_permissions(full_control_app, site)
    assert granted.loc[granted["app_id"] == selected_app.client_id, "roles"].tolist() == ["read"]
    assert access_check(selected_app, INTRANET)["ok"].all()
    assert not access_check(selected_app, FINANCE)["ok"].any()  # only the granted site


def test_register_app_only_gives_a_profile_holding_only_that_permission(admin, tmp_path):
    bootstrap, signed_in = admin
    app = register_app_only(bootstrap, signed_in, "Grooper Register Test", "Sites.Selected", keep=tmp_path)
    rows = access_check(app, FINANCE).set_index("api")
    assert rows.loc["rest", "credential"] == "certificate"
    assert (rows["permissions"] == "Sites.Selected").all() and (rows["status"] == 403).all()
    again = register_app_only(bootstrap, signed_in, "Grooper Register Test", "Sites.Selected", keep=tmp_path)
    assert again.client_id == app.client_id  # found, and signing in with the kept certificate
    assert access_check(again, FINANCE)["status"].tolist() == [403, 403]
    with pytest.raises(ValueError, match="its certificate is not in"):
        register_app_only(
            bootstrap, signed_in, "Grooper Register Test", "Sites.Selected", keep=tmp_path / "x"
        )
