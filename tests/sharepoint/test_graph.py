"""The SharePoint client through Microsoft Graph, against the sandbox with real tokens: sites,
libraries, a library listed by delta (paths rebuilt) and by a folder walk, lists, downloads, OneDrive,
delegated and app-only (certificate and secret)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from grooper_nb.errors import GraphError
from grooper_nb.sharepoint import OneDrive, SharePoint
from grooper_nb.sharepoint.graph import PAGE_SIZE
from tests.sharepoint.conftest import FINANCE


@pytest.fixture(scope="module")
def sp(cert_app) -> SharePoint:
    return SharePoint(cert_app, "graph")


@pytest.fixture(scope="module")
def documents(sp) -> pd.DataFrame:
    return sp.items(sp.library(FINANCE, "Documents"), progress=False)


def test_the_finance_site_and_its_library(sp):
    site = sp.site(FINANCE)
    assert site.title == "Finance" and site.path == "/sites/finance" and site.site_id and site.web_id
    libs = sp.libraries(site)
    row = libs[libs["title"] == "Documents"].iloc[0]
    assert row["root_url"] == "/sites/finance/Shared Documents" and row["drive_id"].startswith("b!")
    rest = SharePoint(sp.profile, "rest").libraries(site)  # sharePointIds gives REST's list id
    assert row["list_id"] == rest.loc[rest["title"] == "Documents", "list_id"].iloc[0]
    assert libs["list_id"].notna().all()


def test_delta_lists_every_item_once_with_paths_in_few_requests(sp, documents):
    assert documents["unique_id"].is_unique and documents["id"].is_unique
    assert documents["unique_id"].notna().all() and documents["list_item_id"].notna().all()
    assert {"/Invoices", "/Contracts/Acme"} <= set(documents.loc[documents["is_folder"], "path"])
    files = documents[~documents["is_folder"]]
    assert files["path"].str.startswith("/").all() and files["size_bytes"].gt(0).all()
    assert (files["parent_path"] + "/" + files["name"]).str.replace("//", "/").tolist() == files[
        "path"
    ].tolist()
    before = sp.requests
    sp.api.delta_items(sp.library(FINANCE, "Documents"))
    pages = sp.requests - before - 1  # library() itself reads the drives once
    assert pages <= math.ceil(len(documents) / PAGE_SIZE) + 1


def test_a_folder_walk_finds_the_same_rows_with_more_requests(sp, documents):
    lib = sp.library(FINANCE, "Documents")
    before = sp.requests
    walked = sp.items(lib, progress=False, method="walk")
    folders = int(documents["is_folder"].sum())
    assert sp.requests - before >= folders + 1
    pd.testing.assert_frame_equal(walked, documents)


def test_the_top_level_only(sp, documents):
    top = sp.items(sp.library(FINANCE, "Documents"), recursive=False, progress=False)
    assert set(top["path"]) == set(documents.loc[documents["parent_path"] == "/", "path"])


def test_download_writes_each_file_under_its_library_path(sp, documents, tmp_path):
    pdfs = documents[documents["extension"].eq("pdf").fillna(False)].head(3)
    written = sp.download(pdfs, to=tmp_path, progress=False)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [p.lstrip("/") for p in pdfs["path"]]
    for path, size in zip(written, pdfs["size_bytes"], strict=True):
        assert path.read_bytes().startswith(b"%PDF") and path.stat().st_size == size


def test_lists_and_typed_list_items(sp):
    lists = sp.lists(FINANCE)
    assert {"Vendors", "Regions"} <= set(lists["title"])
    vendors = sp.list_items(FINANCE, "Vendors")
    assert len(vendors) > 0 and vendors["list_item_id"].is_monotonic_increasing
    assert str(vendors["ContractStart"].dtype) == "datetime64[s, UTC]"
    assert str(vendors["Region_id"].dtype) == "Int64" and vendors["Region_id"].notna().all()
    regions = sp.list_items(FINANCE, "Regions").set_index("list_item_id")["title"]
    assert (vendors["Region_value"] == vendors["Region_id"].map(regions)).all()


def test_a_secret_based_app_only_token_reads_through_graph(secret_app, documents):
    sp = SharePoint(secret_app, "graph")
    assert len(sp.items(sp.library(FINANCE), progress=False)) == len(documents)


def test_delegated_through_graph(delegated_app, delegated, documents):
    sp = SharePoint(delegated_app, "graph", account=delegated)
    got = sp.items(sp.library(FINANCE), progress=False)
    pd.testing.assert_frame_equal(got, documents)


def test_a_missing_site_is_the_explained_404(sp):
    with pytest.raises(GraphError) as caught:
        sp.site("https://contoso.sharepoint.com/sites/no-such-site")
    assert caught.value.status == 404 and caught.value.error == "itemNotFound" and caught.value.fix


def test_a_users_onedrive_app_only_and_as_herself(cert_app, delegated_app, delegated, member, tmp_path):
    as_app = OneDrive(cert_app, member["upn"]).items(progress=False)
    mine = OneDrive(delegated_app, "me", account=delegated)
    as_herself = mine.items(progress=False)
    assert len(as_app) > 0
    pd.testing.assert_frame_equal(as_app, as_herself)
    files = as_herself[~as_herself["is_folder"]].head(1)
    [written] = mine.download(files, to=tmp_path, progress=False)
    assert written.stat().st_size == files["size_bytes"].iloc[0]


def test_an_app_only_onedrive_needs_a_user(cert_app):
    with pytest.raises(ValueError, match="no /me/drive"):
        OneDrive(cert_app, "me")


def test_site_search_and_the_root_site(sp):
    found = sp.sites("finance")
    assert "/sites/finance" in set(found["path"]) and (found["source"] == "graph").all()
    root = sp.site("https://contoso.sharepoint.com")
    assert root.path == "" and root.site_id
    with pytest.raises(ValueError, match="REST lists no sites"):
        SharePoint(sp.profile, "rest").sites()


def test_the_download_url_gets_no_bearer_token(sp, documents, state_dir, tmp_path):
    from grooper_nb.sandbox import launcher

    since = launcher.requests(state_dir)["last"]
    row = documents[~documents["is_folder"]].iloc[0]
    sp.download(row, to=tmp_path, progress=False)
    entries = launcher.requests(state_dir, since=since)["entries"]
    [asked] = [e for e in entries if e["path"].startswith("/v1.0/drives/") and e["path"].endswith("/content")]
    assert asked["status"] == 302 and asked["app_id"] == sp.profile.client_id
    fetched = [e for e in entries if e["seq"] > asked["seq"]]
    assert len(fetched) == 1 and fetched[0]["status"] == 200 and fetched[0]["app_id"] is None, fetched


def test_a_refused_download_url_is_explained(sp, documents):
    """A pre-authenticated URL that expired or was altered answers 401 on the SharePoint host, without
    Graph's envelope; it is explained as OneDrive's ``unauthenticated`` with the answer's request id."""
    from grooper_nb.errors.graph import from_download_response

    row = documents[~documents["is_folder"]].iloc[0]
    lib = sp.library(FINANCE, "Documents")
    ref = sp.api.url(f"/drives/{lib.drive_id}/items/{row['id']}/content")
    location = sp.api.session.get(ref, auth=sp.api.auth, allow_redirects=False).headers["Location"]
    refused = sp.api.session.get(location[:-2] + "xx")
    err = from_download_response(refused)
    assert err.status == 401 and err.error == "unauthenticated" and err.explanation is not None
    assert err.request_id and err.request_id == refused.headers["request-id"]
    token = location.split("tempauth=", 1)[1]
    assert token[:-2] not in str(err) and token[:-2] not in repr(err)  # the URL's credential stays out
