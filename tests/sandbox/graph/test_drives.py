"""Drives and driveItems through Graph, as a client reads them: drives by every address, the driveItem
shape, items by id and by path, children paging, downloads through the 302 and its short-lived URL, the
delta query round trip, and OneDrive (``/me/drive``, ``/users/{id}/drive``).

Tokens are real (the server-to-server app's application ``Sites.Read.All``, the Grooper connector's
delegated ``Files.ReadWrite.All``); changes are made through the SharePoint store beside the running
service, and checked against it.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from grooper_nb.sandbox import launcher
from grooper_nb.sandbox.sharepoint.download import LIFETIME, mint
from grooper_nb.sandbox.store import Store
from tests.helpers import plain_user, seeded_user
from tests.sandbox.graph.graph_helpers import Graph
from tests.sandbox.graph.sites_helpers import FINANCE, all_pages, connector_token, error, relative

FILE_KEYS = {
    "id",
    "name",
    "size",
    "createdDateTime",
    "lastModifiedDateTime",
    "webUrl",
    "eTag",
    "cTag",
    "createdBy",
    "lastModifiedBy",
    "parentReference",
    "file",
    "@microsoft.graph.downloadUrl",
}


@pytest.fixture(scope="module")
def user(private_sandbox: dict) -> dict:
    return plain_user(private_sandbox)


@pytest.fixture(scope="module")
def user_graph_token(private_sandbox: dict, user: dict) -> str:
    return connector_token(private_sandbox["state_dir"], user)


@pytest.fixture(scope="module")
def docs(store: Store) -> dict:
    finance = store.sharepoint.site_by_url("contoso.sharepoint.com", "/sites/finance")
    return store.sharepoint.list_by_title(finance["id"], "Documents")


@pytest.fixture(scope="module")
def drive(docs: dict) -> str:
    return f"/v1.0/drives/{docs['drive_id']}"


def test_a_drive_by_every_address(graph: Graph, s2s_token: str, docs: dict, drive: str) -> None:
    resp = graph.get(drive, s2s_token)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["id"] == docs["drive_id"] and body["name"] == "Documents"
    assert body["driveType"] == "documentLibrary"
    assert body["webUrl"] == "https://contoso.sharepoint.com/sites/finance/Shared%20Documents"
    site = graph.get(FINANCE, s2s_token).json()
    for path in (f"{FINANCE}:/drive", f"/v1.0/sites/{site['id']}/drive", f"/beta/drives/{docs['drive_id']}"):
        assert graph.get(path, s2s_token).json()["id"] == docs["drive_id"], path
    assert error(graph.get("/v1.0/drives/b!nosuchdrive", s2s_token)) == (404, "itemNotFound")


def test_the_drive_item_shape(graph: Graph, s2s_token: str, docs: dict, drive: str, store: Store) -> None:
    root = graph.get(f"{drive}/root", s2s_token).json()
    assert root["root"] == {} and root["name"] == "root"
    assert root["folder"]["childCount"] == store.sharepoint.child_count(None, docs["id"])
    children = graph.get(f"{drive}/root/children", s2s_token).json()["value"]
    folders = [c for c in children if "folder" in c]
    assert folders and all("file" not in f and "cTag" not in f for f in folders)
    invoices = next(f for f in folders if f["name"] == "Invoices")
    sub = graph.get(f"{drive}/items/{invoices['id']}/children", s2s_token).json()["value"]
    assert invoices["folder"]["childCount"] == len(sub) > 0

    entries, _ = all_pages(graph, f"{drive}/root:/Invoices/2025/Q1:/children", s2s_token)
    item = next(e for e in entries if "file" in e)
    assert FILE_KEYS <= set(item) and "sharepointIds" not in item  # not a default property
    assert item["file"]["mimeType"] == "application/pdf" and item["size"] > 0
    ref = item["parentReference"]
    assert ref["driveId"] == docs["drive_id"] and ref["driveType"] == "documentLibrary"
    assert (
        ref["path"] == f"/drives/{docs['drive_id']}/root:/Invoices/2025/Q1" and ref["siteId"].count(",") == 2
    )
    assert item["createdBy"]["user"]["email"].endswith("@contoso.onmicrosoft.com")
    assert (
        item["webUrl"]
        == f"https://contoso.sharepoint.com/sites/finance/Shared%20Documents/Invoices/2025/Q1/{item['name']}"
    )

    stored = store.sharepoint.item_by_url(f"/sites/finance/Shared Documents/Invoices/2025/Q1/{item['name']}")
    ids = graph.get(f"{drive}/items/{item['id']}?$select=id,name,sharepointIds", s2s_token).json()
    assert set(ids) == {"@odata.context", "id", "name", "sharepointIds"}
    assert ids["sharepointIds"]["listItemId"] == str(stored["id"])
    assert ids["sharepointIds"]["listItemUniqueId"] == stored["unique_id"]
    assert ids["sharepointIds"]["listId"] == docs["id"]
    assert ids["sharepointIds"]["siteUrl"] == "https://contoso.sharepoint.com/sites/finance"
    everything = graph.get(f"{drive}/items/{item['id']}?$select=*,sharepointIds", s2s_token).json()
    assert FILE_KEYS <= set(everything) and "sharepointIds" in everything


def test_items_by_path(graph: Graph, s2s_token: str, drive: str) -> None:
    by_path = graph.get(f"{drive}/root:/Invoices/2025:", s2s_token)
    assert by_path.status_code == 200, by_path.text
    folder = by_path.json()
    assert folder["name"] == "2025" and "folder" in folder
    assert graph.get(f"{drive}/root:/invoices/2025", s2s_token).json()["id"] == folder["id"]
    assert graph.get(f"{drive}/items/{folder['id']}", s2s_token).json()["name"] == "2025"
    photos = graph.get(f"{drive}/root:/Site%20Photos:/children", s2s_token)  # percent-decoded
    assert photos.status_code == 200 and photos.json()["value"]
    assert all(p["parentReference"]["path"].endswith("/root:/Site%20Photos") for p in photos.json()["value"])
    assert error(graph.get(f"{drive}/root:/Invoices/1999:", s2s_token)) == (404, "itemNotFound")
    assert error(graph.get(f"{drive}/items/01NOSUCHITEM", s2s_token)) == (404, "itemNotFound")
    assert error(graph.get(f"{drive}/items/{'0' * 34}/children", s2s_token)) == (404, "itemNotFound")


def test_children_page_at_200_and_with_top(
    graph: Graph, s2s_token: str, docs: dict, drive: str, store: Store
) -> None:
    sp = store.sharepoint
    folder = sp.add_item(
        {
            "list_id": docs["id"],
            "name": "Bulk",
            "server_relative_url": "/sites/finance/Shared Documents/Bulk",
            "is_folder": True,
            "created": "2026-01-01T00:00:00Z",
        }
    )
    for n in range(250):
        name = f"scan-{n:03}.pdf"
        sp.add_item(
            {
                "list_id": docs["id"],
                "name": name,
                "parent_unique_id": folder["unique_id"],
                "server_relative_url": f"/sites/finance/Shared Documents/Bulk/{name}",
                "is_folder": False,
                "size": 4,
                "mime_type": "application/pdf",
                "created": "2026-01-01T00:00:00Z",
            },
            b"%PDF",
        )
    first = graph.get(f"{drive}/root:/Bulk:/children", s2s_token).json()
    assert len(first["value"]) == 200 and "@odata.nextLink" in first
    entries, pages = all_pages(graph, relative(first["@odata.nextLink"]), s2s_token)
    names = [e["name"] for e in first["value"] + entries]
    assert pages == 1 and names == [f"scan-{n:03}.pdf" for n in range(250)]
    entries, pages = all_pages(graph, f"{drive}/root:/Bulk:/children?$top=60&$select=name", s2s_token)
    assert pages == 5 and [e["name"] for e in entries] == names
    assert set(entries[0]) == {"id", "name"}
    entries, pages = all_pages(graph, f"{drive}/root:/Bulk:/children?$top=5000", s2s_token)
    assert pages == 1 and len(entries) == 250  # larger $top values are served as 999
    newest = graph.get(f"{drive}/root:/Bulk:/children?$orderby=name desc&$top=1", s2s_token).json()
    assert newest["value"][0]["name"] == "scan-249.pdf"
    assert error(graph.get(f"{drive}/root/children?$top=0", s2s_token)) == (400, "invalidRequest")


def test_content_redirects_to_a_download_url_that_needs_no_token(
    graph: Graph, s2s_token: str, docs: dict, drive: str, store: Store, private_sandbox: dict
) -> None:
    """The pre-authenticated URL is on the site's own host, ``/_layouts/15/download.aspx?UniqueId=...
    &tempauth=...``, as Microsoft's is (https://learn.microsoft.com/graph/api/driveitem-get-content)."""
    state_dir = private_sandbox["state_dir"]
    item = graph.get(f"{drive}/root:/Invoices/2025/Q1:/children", s2s_token).json()["value"][0]
    stored = store.sharepoint.item_by_url(f"/sites/finance/Shared Documents/Invoices/2025/Q1/{item['name']}")
    resp = graph.get(f"{drive}/items/{item['id']}/content", s2s_token, allow_redirects=False)
    assert resp.status_code == 302, resp.text
    location = resp.headers["Location"]
    parts = urlsplit(location)
    assert (parts.scheme, parts.hostname, parts.path) == (
        "https",
        "contoso.sharepoint.com",
        "/sites/finance/_layouts/15/download.aspx",
    )
    query = parse_qs(parts.query)
    assert query["UniqueId"] == [stored["unique_id"]] and query["tempauth"]
    fetch = graph.session
    download = fetch.get(location, timeout=30)  # no Authorization header at all
    assert download.status_code == 200, download.text
    assert download.content == store.sharepoint.content(stored["unique_id"]) and download.content.startswith(
        b"%PDF"
    )
    assert fetch.get(item["@microsoft.graph.downloadUrl"], timeout=30).content == download.content
    followed = graph.get(f"{drive}/root:/Invoices/2025/Q1/{item['name']}:/content", s2s_token)
    assert followed.status_code == 200 and followed.content == download.content

    token = query["tempauth"][0]
    logged = [e["path"] for e in launcher.requests(state_dir, host="sharepoint")["entries"]]
    assert any("tempauth=***" in p for p in logged) and not any(token in p for p in logged)
    assert token not in (Path(state_dir) / "service.log").read_text()
    base = f"https://contoso.sharepoint.com{parts.path}?UniqueId={stored['unique_id']}&tempauth="
    refused = fetch.get(f"{base}{token[:-2]}xx", timeout=30)
    assert refused.status_code == 401 and refused.headers["request-id"] == refused.headers["SPRequestGuid"]
    assert refused.json()["error_description"] and "x-ms-diagnostics" in refused.headers
    expired = mint(store, docs["drive_id"], stored["unique_id"], issued=time.time() - LIFETIME - 60)
    assert fetch.get(f"{base}{expired}", timeout=30).status_code == 401
    invoices = store.sharepoint.item_by_url("/sites/finance/Shared Documents/Invoices")
    other = mint(store, docs["drive_id"], invoices["unique_id"])
    assert fetch.get(f"{base}{other}", timeout=30).status_code == 401  # a URL is for its own file only
    bare = f"https://contoso.sharepoint.com{parts.path}?UniqueId={stored['unique_id']}"
    assert fetch.get(bare, timeout=30).status_code == 401
    assert error(graph.get(f"{drive}/items/{item['id']}/content", None)) == (
        401,
        "InvalidAuthenticationToken",
    )
    folder = graph.get(f"{drive}/root:/Invoices:", s2s_token).json()
    assert error(graph.get(f"{drive}/items/{folder['id']}/content", s2s_token)) == (404, "itemNotFound")


def test_delta_round_trip(graph: Graph, s2s_token: str, store: Store) -> None:
    sp = store.sharepoint
    intranet = sp.site_by_url("contoso.sharepoint.com", "/sites/intranet")
    lib = sp.list_by_title(intranet["id"], "Documents")
    delta = f"/v1.0/drives/{lib['drive_id']}/root/delta"
    path, values, pages = f"{delta}?$top=3", [], 0
    while True:
        body = graph.get(path, s2s_token).json()
        values += body["value"]
        pages += 1
        if "@odata.nextLink" not in body:
            break
        path = relative(body["@odata.nextLink"])
    stored = sp.items(lib["id"])
    assert pages > 1 and len(values) == len(stored) + 1  # the root comes first
    assert values[0]["root"] == {}
    assert {v["name"] for v in values[1:]} == {i["name"] for i in stored}
    for value in values[1:]:
        assert set(value["parentReference"]) >= {"driveId", "id"} and "path" not in value["parentReference"]
        assert "cTag" not in value
    link = relative(body["@odata.deltaLink"])

    assert graph.get(link, s2s_token).json()["value"] == []  # nothing changed yet
    token = parse_qs(urlsplit(link).query)["token"][0]
    same = graph.get(f"/v1.0/drives/{lib['drive_id']}/root/delta(token='{token}')", s2s_token)
    assert same.status_code == 200 and same.json()["value"] == []  # the function-call form
    changed = next(i for i in stored if not i["is_folder"])
    sp.update_item(changed["unique_id"], {"name": "renamed.pdf"}, b"%PDF-1.4 changed")
    body = graph.get(link, s2s_token).json()
    assert [v["name"] for v in body["value"]] == ["renamed.pdf"]
    assert body["value"][0]["size"] == len(b"%PDF-1.4 changed")

    sp.delete_item(changed["unique_id"])
    body = graph.get(relative(body["@odata.deltaLink"]), s2s_token).json()
    assert len(body["value"]) == 1 and "deleted" in body["value"][0]
    assert body["value"][0]["id"] == values[[v.get("name") for v in values].index(changed["name"])]["id"]
    assert (
        graph.get(f"/v1.0/drives/{lib['drive_id']}/items/{body['value'][0]['id']}", s2s_token).status_code
        == 404
    )

    latest = graph.get(f"{delta}?token=latest", s2s_token).json()
    assert latest["value"] == [] and "@odata.deltaLink" in latest
    assert error(graph.get(f"{delta}?token=garbage", s2s_token)) == (400, "invalidRequest")


def test_onedrive_of_me_and_of_a_user(
    graph: Graph, s2s_token: str, user_graph_token: str, user: dict, store: Store, private_sandbox: dict
) -> None:
    mine = graph.get("/v1.0/me/drive", user_graph_token)
    assert mine.status_code == 200, mine.text
    drive = mine.json()
    assert drive["driveType"] == "business" and drive["owner"]["user"]["id"] == user["object_id"]
    assert drive["webUrl"].startswith("https://contoso-my.sharepoint.com/personal/")
    for path in (f"/v1.0/users/{user['upn']}/drive", f"/v1.0/users/{user['object_id']}/drive"):
        assert graph.get(path, s2s_token).json()["id"] == drive["id"], path
    files = graph.get("/v1.0/me/drive/root/children", user_graph_token).json()["value"]
    assert (
        files
        and graph.get(f"/v1.0/users/{user['upn']}/drive/root/children", s2s_token).json()["value"] == files
    )
    assert error(graph.get("/v1.0/me/drive", s2s_token))[0] == 400  # /me needs a user
    other = seeded_user(private_sandbox, "megan.bowen")
    assert error(graph.get(f"/v1.0/users/{other['upn']}/drive", user_graph_token)) == (403, "accessDenied")
    nomail = seeded_user(private_sandbox, has_mailbox=False, enabled=True)
    assert error(graph.get(f"/v1.0/users/{nomail['upn']}/drive", s2s_token)) == (404, "itemNotFound")
    unknown = graph.get("/v1.0/users/nobody@contoso.onmicrosoft.com/drive", s2s_token)
    assert error(unknown) == (404, "itemNotFound")


def test_a_drive_names_its_list_when_sharepoint_ids_are_selected(
    graph: Graph, s2s_token: str, docs: dict, drive: str, store: Store
) -> None:
    """``sharePointIds`` of a drive (https://learn.microsoft.com/graph/api/resources/drive) is not a
    default property; selected, it gives the library's list id, as REST's ``lists(guid'...')`` wants it."""
    assert "sharePointIds" not in graph.get(drive, s2s_token).json()
    body = graph.get(f"{drive}?$select=id,name,sharePointIds", s2s_token).json()
    finance = store.sharepoint.site(docs["site_id"])
    assert body["sharePointIds"] == {
        "listId": docs["id"],
        "siteId": finance["id"],
        "siteUrl": "https://contoso.sharepoint.com/sites/finance",
        "webId": finance["web_id"],
    }
    site = graph.get(FINANCE, s2s_token).json()
    listed = graph.get(f"/v1.0/sites/{site['id']}/drives?$select=id,sharePointIds", s2s_token).json()["value"]
    assert {d["sharePointIds"]["listId"] for d in listed} >= {docs["id"]}


def test_a_file_carries_its_published_version_when_selected(
    graph: Graph, s2s_token: str, drive: str, store: Store
) -> None:
    """The driveItem ``publication`` facet (https://learn.microsoft.com/graph/api/resources/publicationfacet)
    is not a default property; selected, ``versionId`` is the version REST calls ``UIVersionLabel``."""
    entries, _ = all_pages(graph, f"{drive}/root:/Invoices/2025/Q1:/children", s2s_token)
    item = next(e for e in entries if "file" in e)
    assert "publication" not in item
    stored = store.sharepoint.item_by_url(f"/sites/finance/Shared Documents/Invoices/2025/Q1/{item['name']}")
    got = graph.get(f"{drive}/items/{item['id']}?$select=id,publication", s2s_token).json()
    assert got["publication"] == {"level": "published", "versionId": stored["version"]}
    folder = graph.get(f"{drive}/root:/Invoices?$select=id,publication", s2s_token).json()
    assert "publication" not in folder  # folders have no versions
