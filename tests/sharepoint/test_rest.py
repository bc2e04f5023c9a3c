"""The SharePoint client through SharePoint REST against the sandbox, and the same library and lists
through Graph and REST compared row for row (same rows, same schema, modulo the per-API columns)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from grooper_nb.errors import SharePointError
from grooper_nb.sharepoint import SharePoint, odata, schema
from grooper_nb.sharepoint.rest import PAGE_SIZE
from tests.sharepoint.conftest import FINANCE

PER_API = list(schema.PER_API)


@pytest.fixture(scope="module")
def rest(cert_app) -> SharePoint:
    return SharePoint(cert_app, "rest")


@pytest.fixture(scope="module")
def rest_docs(rest) -> pd.DataFrame:
    return rest.items(rest.library(FINANCE, "Documents"), progress=False)


@pytest.fixture(scope="module")
def graph_docs(cert_app) -> pd.DataFrame:
    sp = SharePoint(cert_app, "graph")
    return sp.items(sp.library(FINANCE, "Documents"), progress=False)


def _comparable(df: pd.DataFrame, drop: list[str]) -> pd.DataFrame:
    return df.drop(columns=drop).sort_values("unique_id", kind="stable").reset_index(drop=True)


def test_graph_and_rest_list_the_same_library_alike(rest_docs, graph_docs):
    assert len(rest_docs) == len(graph_docs) > 0
    assert (rest_docs["source"] == "rest").all() and rest_docs["id"].isna().all()
    assert rest_docs.loc[~rest_docs["is_folder"], "version"].notna().all()
    assert set(rest_docs["version"].dropna()) > {"1.0"}  # some files are at 2.0 or 3.0: a real comparison
    drop = PER_API
    pd.testing.assert_frame_equal(_comparable(rest_docs, drop), _comparable(graph_docs, drop))


def test_rest_lists_a_library_in_one_paged_query(rest, rest_docs):
    lib = rest.library(FINANCE, "Documents")
    before = rest.requests
    small = rest.api.library_items(lib, page_size=10)
    assert rest.requests - before == math.ceil(len(rest_docs) / 10)
    assert len(small) == len(rest_docs)
    before = rest.requests
    rest.api.library_items(lib)
    assert rest.requests - before == math.ceil(len(rest_docs) / PAGE_SIZE)


def test_rest_libraries_come_with_their_folders_in_one_query(rest):
    """``$expand=RootFolder`` answers each library's URL with the lists: no request per library."""
    site = rest.site(FINANCE)
    before = rest.requests
    libs = rest.api.libraries(site)
    assert rest.requests - before == 1
    assert {lib.root_url for lib in libs} >= {"/sites/finance/Shared Documents"}


@pytest.mark.parametrize("accept", [odata.VERBOSE, odata.MINIMAL, odata.ACCEPT])
def test_every_accept_form_gives_the_same_rows(cert_app, rest_docs, accept):
    sp = SharePoint(cert_app, "rest")
    sp.api.accept = accept
    got = sp.items(sp.library(FINANCE, "Documents"), progress=False)
    pd.testing.assert_frame_equal(got, rest_docs)


def test_rest_downloads_the_same_bytes_as_graph(cert_app, rest, rest_docs, graph_docs, tmp_path):
    files = rest_docs[~rest_docs["is_folder"]].head(4)
    by_rest = rest.download(files, to=tmp_path / "rest", progress=False)
    sp = SharePoint(cert_app, "graph")
    sp.items(sp.library(FINANCE, "Documents"), progress=False)
    same = graph_docs[graph_docs["unique_id"].isin(files["unique_id"])]
    by_graph = sp.download(same, to=tmp_path / "graph", progress=False)
    assert sorted(p.read_bytes() for p in by_rest) == sorted(p.read_bytes() for p in by_graph)
    assert [p.stat().st_size for p in by_rest] == files["size_bytes"].tolist()


@pytest.mark.parametrize("title", ["Vendors", "Regions"])
def test_list_items_are_typed_alike_through_both(cert_app, rest, title):
    via_rest = rest.list_items(FINANCE, title)
    via_graph = SharePoint(cert_app, "graph").list_items(FINANCE, title)
    assert list(via_rest.columns) == list(via_graph.columns)
    if title == "Vendors":  # Graph's lookup id resolves through the site's user information list
        assert via_rest["AccountManager_email"].str.contains("@").all()
    pd.testing.assert_frame_equal(via_rest.drop(columns="source"), via_graph.drop(columns="source"))


def test_delegated_through_rest(delegated_app, delegated, rest_docs):
    sp = SharePoint(delegated_app, "rest", account=delegated)
    pd.testing.assert_frame_equal(sp.items(sp.library(FINANCE), progress=False), rest_docs)


def test_a_missing_list_is_explained(rest):
    with pytest.raises(SharePointError) as caught:
        rest.list_items(FINANCE, "Vendorz")
    assert caught.value.error == "ListNotFound" and caught.value.status == 404 and caught.value.fix


def test_a_missing_file_is_explained(rest, rest_docs):
    rest.items(rest.library(FINANCE, "Documents"), progress=False)
    row = rest_docs[~rest_docs["is_folder"]].iloc[0].to_dict() | {"path": "/no/such/file.pdf"}
    with pytest.raises(SharePointError) as caught:
        rest.download(row, to="/nonexistent-never-written", progress=False)
    assert caught.value.status == 404 and caught.value.error == "FileNotFound"


@pytest.mark.parametrize("via", ["graph", "rest"])
def test_a_library_by_its_url_or_its_title(cert_app, rest_docs, via):
    sp = SharePoint(cert_app, via)
    by_url = sp.items(f"{FINANCE}/Shared Documents", progress=False)
    assert sorted(by_url["unique_id"]) == sorted(rest_docs["unique_id"])
    assert sp.library(FINANCE, "Shared Documents") == sp.library(FINANCE, "documents")
    with pytest.raises(ValueError, match="No library titled 'Nope'"):
        sp.library(FINANCE, "Nope")
