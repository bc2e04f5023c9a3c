"""SharePoint REST routes over real HTTPS with real tokens: web, lists, items (paging, $select,
$filter, $expand), folders and files by server-relative URL, contextinfo, in every JSON form."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

import pytest

from tests.sandbox.sharepoint.sp_helpers import (
    FINANCE,
    FORMS,
    MINIMAL,
    MY,
    NOMETADATA,
    ROOT,
    VERBOSE,
    error_of,
    next_link,
    props,
    rows,
)

DOCS = f"{FINANCE}/_api/web/lists/getbytitle('Documents')"


@pytest.fixture(scope="module")
def documents(store) -> dict:
    site = store.sharepoint.site_by_url("contoso.sharepoint.com", "/sites/finance")
    return store.sharepoint.list_by_title(site["id"], "Documents")


@pytest.mark.parametrize("accept", FORMS)
def test_web_answers_in_the_form_accept_asks_for(rest, app_token, store, accept) -> None:
    body = rest.ok(f"{FINANCE}/_api/web", app_token, accept)
    web = props(body)
    site = store.sharepoint.site_by_url("contoso.sharepoint.com", "/sites/finance")
    assert (web["Title"], web["ServerRelativeUrl"], web["Id"]) == (
        "Finance",
        "/sites/finance",
        site["web_id"],
    )
    assert web["Url"] == FINANCE
    if accept == VERBOSE:
        assert web["__metadata"]["type"] == "SP.Web" and web["__metadata"]["uri"] == f"{FINANCE}/_api/Web"
    elif accept == MINIMAL:
        assert body["odata.metadata"] == f"{FINANCE}/_api/$metadata#SP.Web" and body["odata.type"] == "SP.Web"
    else:
        assert not [k for k in body if k.startswith(("odata.", "__"))]


def test_the_path_before_api_selects_the_site(rest, app_token) -> None:
    assert props(rest.ok(f"{ROOT}/_api/web", app_token))["Title"] == "Communication site"
    assert props(rest.ok(f"{ROOT}/sites/intranet/_api/web", app_token))["Title"] == "Intranet"
    assert props(rest.ok(f"{ROOT}/SITES/Finance/_api/Web", app_token))["Title"] == "Finance"
    site = props(rest.ok(f"{FINANCE}/_api/site", app_token))
    assert site["ServerRelativeUrl"] == "/sites/finance"


def test_a_site_that_does_not_exist_is_404(rest, app_token) -> None:
    resp = rest.get(f"{ROOT}/sites/nowhere/_api/web", app_token)
    assert resp.status_code == 404
    assert error_of(resp)["code"] == "-2147024894, System.IO.FileNotFoundException"


@pytest.mark.parametrize("accept", FORMS)
def test_lists_of_a_site(rest, app_token, accept, documents) -> None:
    body = rest.ok(f"{FINANCE}/_api/web/lists", app_token, accept)
    found = {r["Title"]: r for r in rows(body)}
    assert set(found) == {"Documents", "Regions", "Vendors"}
    docs = found["Documents"]
    assert (docs["BaseTemplate"], docs["BaseType"], docs["Id"]) == (101, 1, documents["id"])
    assert docs["EntityTypeName"] == "Shared_x0020_Documents"
    assert found["Vendors"]["ListItemEntityTypeFullName"] == "SP.Data.VendorsListItem"
    if accept == MINIMAL:
        assert body["odata.metadata"].endswith("$metadata#SP.ApiData.Lists")


@pytest.mark.parametrize("accept", FORMS)
def test_lists_honour_select_and_expand_root_folder(rest, app_token, accept, documents) -> None:
    """``$select`` and ``$expand=RootFolder`` on ``/web/lists`` (https://learn.microsoft.com/sharepoint/dev/
    sp-add-ins/use-odata-query-operations-in-sharepoint-rest-requests): a library's folder in one query."""
    query = "$select=Id,Title,BaseTemplate,RootFolder/ServerRelativeUrl&$expand=RootFolder"
    url = f"{FINANCE}/_api/web/lists?{query}"
    listed = {r["Title"]: r for r in rows(rest.ok(url, app_token, accept))}
    docs = listed["Documents"]
    meta = ("__metadata", "odata.type", "odata.id", "odata.editLink", "odata.etag")
    assert {k for k in docs if k not in meta} == {"Id", "Title", "BaseTemplate", "RootFolder"}
    folder = {k: v for k, v in docs["RootFolder"].items() if k not in meta}
    assert folder == {"ServerRelativeUrl": "/sites/finance/Shared Documents"}
    assert docs["Id"] == documents["id"] and listed["Vendors"]["RootFolder"]["ServerRelativeUrl"].endswith(
        "/Lists/Vendors"
    )
    plain = rows(rest.ok(f"{FINANCE}/_api/web/lists?$select=Title", app_token, accept))
    assert all({k for k in r if k not in meta} == {"Title"} for r in plain)
    resp = rest.get(f"{FINANCE}/_api/web/lists?$select=Title,RootFolder/ServerRelativeUrl", app_token)
    assert resp.status_code == 400  # a navigation property selected without its $expand
    assert rest.get(f"{FINANCE}/_api/web/lists?$select=Nope", app_token).status_code == 400


def test_a_list_by_title_in_any_case_and_by_guid(rest, app_token, documents) -> None:
    by_title = props(rest.ok(f"{FINANCE}/_api/web/lists/GetByTitle('documents')", app_token))
    by_guid = props(rest.ok(f"{FINANCE}/_api/web/lists(guid'{documents['id']}')", app_token))
    assert by_title == by_guid and by_title["ItemCount"] > 60


def test_a_missing_list_is_404_in_sharepoints_words(rest, app_token) -> None:
    resp = rest.get(f"{FINANCE}/_api/web/lists/getbytitle('Nope')", app_token, VERBOSE)
    assert resp.status_code == 404
    assert error_of(resp) == {
        "code": "-1, System.ArgumentException",
        "message": {"lang": "en-US", "value": f"List 'Nope' does not exist at site with URL '{FINANCE}'."},
    }
    assert "error" in resp.json()  # the verbose form's envelope
    resp = rest.get(f"{FINANCE}/_api/web/lists(guid'00000000-0000-0000-0000-000000000001')", app_token)
    assert resp.status_code == 404 and "odata.error" in resp.json()
    assert error_of(resp)["code"] == "-2130575322, Microsoft.SharePoint.SPException"


@pytest.mark.parametrize("accept", FORMS)
def test_items_page_through_a_list_larger_than_a_page(rest, app_token, documents, store, accept) -> None:
    select = "Id,UniqueId,FileRef,FileLeafRef,FileDirRef,FSObjType,Created,Modified,AuthorId,EditorId"
    select += ",_UIVersionString"
    url = f"{FINANCE}/_api/web/lists(guid'{documents['id']}')/items?$select={select}&$top=25"
    seen, pages = [], 0
    while url:
        body = rest.ok(url, app_token, accept)
        seen += rows(body)
        url = next_link(body)
        pages += 1
        if url:
            assert "%24skiptoken=Paged%3dTRUE%26p_ID%3d" in url and "%24top=25" in url
    expected = store.sharepoint.items(documents["id"])
    assert pages == -(-len(expected) // 25)
    assert [r["Id"] for r in seen] == [i["id"] for i in expected]
    first = seen[0]
    assert set(first) - {"__metadata", "odata.type", "odata.id", "odata.etag", "odata.editLink"} == {
        "Id",
        "UniqueId",
        "FileRef",
        "FileLeafRef",
        "FileDirRef",
        "FSObjType",
        "Created",
        "Modified",
        "AuthorId",
        "EditorId",
        "OData__UIVersionString",
    }
    invoice = next(r for r in seen if r["FileLeafRef"].startswith("INV-"))
    assert invoice["FSObjType"] == 0 and invoice["FileDirRef"].startswith(
        "/sites/finance/Shared Documents/Invoices/"
    )
    assert invoice["FileRef"] == f"{invoice['FileDirRef']}/{invoice['FileLeafRef']}"
    assert any(r["FSObjType"] == 1 for r in seen)


@pytest.fixture(scope="module")
def bulk(store) -> str:
    """A library of 250 files added through the store to this module's tenant: more than a page."""
    sp = store.sharepoint
    site = sp.site_by_url("contoso.sharepoint.com", "/sites/intranet")
    library = sp.add_list(
        site["id"], title="Bulk", url_name="Bulk", template=101, created="2025-01-01T00:00:00Z"
    )
    sp.bulk_add_items(
        {
            "list_id": library["id"],
            "id": n,
            "name": f"f{n}.pdf",
            "server_relative_url": f"/sites/intranet/Bulk/f{n}.pdf",
            "is_folder": False,
            "size": 4,
            "mime_type": "application/pdf",
            "created": "2025-01-01T00:00:00Z",
            "content": b"%PDF",
        }
        for n in range(1, 251)
    )
    return f"{ROOT}/sites/intranet/_api/web/lists/getbytitle('Bulk')/items"


def test_items_default_to_pages_of_100(rest, app_token, bulk) -> None:
    first = rest.ok(bulk, app_token)
    assert [r["Id"] for r in rows(first)] == list(range(1, 101))
    second = rest.ok(next_link(first), app_token)
    assert [r["Id"] for r in rows(second)] == list(range(101, 201))
    third = rest.ok(next_link(second), app_token)
    assert [r["Id"] for r in rows(third)] == list(range(201, 251)) and next_link(third) is None
    everything = rest.ok(f"{bulk}?$top=100000&$select=Id", app_token)
    assert len(rows(everything)) == 250 and next_link(everything) is None


def test_a_skiptoken_written_by_hand_works(rest, app_token) -> None:
    body = rest.ok(f"{DOCS}/items?$select=Id&$top=5&$skiptoken=Paged=TRUE&p_ID=10", app_token)
    assert [r["Id"] for r in rows(body)] == [11, 12, 13, 14, 15]
    body = rest.ok(f"{DOCS}/items?$select=Id&$top=5&$skiptoken={quote('Paged=TRUE&p_ID=20')}", app_token)
    assert [r["Id"] for r in rows(body)] == [21, 22, 23, 24, 25]


def test_items_filter_on_id_and_kind(rest, app_token) -> None:
    folders = rows(rest.ok(f"{DOCS}/items?$select=Id,FSObjType&$filter=FSObjType eq 1&$top=500", app_token))
    assert folders and {r["FSObjType"] for r in folders} == {1}
    later = rows(rest.ok(f"{DOCS}/items?$select=Id&$filter=ID gt 60 and FSObjType eq 0", app_token))
    assert later and min(r["Id"] for r in later) > 60
    resp = rest.get(f"{DOCS}/items?$filter=Title eq 'x'", app_token)
    assert resp.status_code == 400
    assert error_of(resp)["code"] == "-1, Microsoft.SharePoint.Client.InvalidClientQueryException"


def test_default_item_fields_and_an_unknown_select(rest, app_token) -> None:
    item = rows(rest.ok(f"{DOCS}/items?$top=1", app_token))[0]
    assert {
        "FileSystemObjectType",
        "Id",
        "ID",
        "AuthorId",
        "EditorId",
        "OData__UIVersionString",
        "GUID",
    } <= set(item)
    assert "FileLeafRef" not in item
    resp = rest.get(f"{DOCS}/items?$select=NoSuchColumn", app_token)
    assert resp.status_code == 400 and "NoSuchColumn" in error_of(resp)["message"]["value"]


def test_authors_resolve_through_site_users_and_expand(rest, app_token, store, documents) -> None:
    item = store.sharepoint.items(documents["id"], is_folder=False)[0]
    body = rest.ok(
        f"{DOCS}/items({item['id']})?$select=AuthorId,Author/EMail,Author/Title&$expand=Author", app_token
    )
    author = store.directory.user_by_id(item["author_user_id"])
    assert body["Author"] == {
        "EMail": author["mail"] or author["userPrincipalName"],
        "Title": author["displayName"],
    }
    user = props(rest.ok(f"{FINANCE}/_api/web/getuserbyid({body['AuthorId']})", app_token))
    assert user["UserPrincipalName"] == author["userPrincipalName"]
    everyone = rows(rest.ok(f"{FINANCE}/_api/web/siteusers", app_token))
    assert body["AuthorId"] in {u["Id"] for u in everyone}


def test_expand_file_gives_the_size_and_version(rest, app_token, store, documents) -> None:
    item = store.sharepoint.items(documents["id"], is_folder=False)[0]
    body = rest.ok(f"{DOCS}/items({item['id']})?$expand=File", app_token, VERBOSE)
    file = body["d"]["File"]
    assert file["__metadata"]["type"] == "SP.File"
    assert (file["Length"], file["UIVersionLabel"], file["UniqueId"]) == (
        str(item["size"]),
        item["version"],
        item["unique_id"],
    )
    part = props(rest.ok(f"{DOCS}/items({item['id']})/File", app_token))
    assert part["ServerRelativeUrl"] == item["server_relative_url"]
    missing = rest.get(f"{DOCS}/items(99999)", app_token)
    assert missing.status_code == 404


def test_a_custom_list_has_typed_columns_with_person_and_lookup_ids(rest, app_token, store) -> None:
    vendors = f"{FINANCE}/_api/web/lists/getbytitle('Vendors')"
    fields = {f["InternalName"]: f for f in rows(rest.ok(f"{vendors}/fields", app_token))}
    assert fields["Region"]["TypeAsString"] == "Lookup" and fields["AccountManager"]["TypeAsString"] == "User"
    items = rows(rest.ok(f"{vendors}/items", app_token))
    first = items[0]
    assert isinstance(first["VendorNumber"], int) and first["Status"] in ("Active", "On hold", "Retired")
    assert isinstance(first["RegionId"], int) and isinstance(first["AccountManagerId"], int)
    assert isinstance(first["Preferred"], bool) and first["ContractStart"].endswith("Z")
    body = rest.ok(f"{vendors}/items(1)?$select=Title,Region/Title&$expand=Region", app_token)
    regions = {
        r["Id"]: r["Title"]
        for r in rows(rest.ok(f"{FINANCE}/_api/web/lists/getbytitle('Regions')/items", app_token))
    }
    assert body["Region"]["Title"] == regions[first["RegionId"]]
    resp = rest.get(f"{vendors}/items?$select=Region/Title", app_token)
    assert resp.status_code == 400


@pytest.mark.parametrize("accept", FORMS)
def test_folders_and_files_by_server_relative_url(rest, app_token, accept) -> None:
    root = f"{FINANCE}/_api/web/GetFolderByServerRelativeUrl('/sites/finance/Shared Documents')"
    folders = {f["Name"] for f in rows(rest.ok(f"{root}/Folders", app_token, accept))}
    assert {"Invoices", "Contracts", "Reports", "Site Photos"} <= folders
    files = {f["Name"]: f for f in rows(rest.ok(f"{root}/Files", app_token, accept))}
    assert "Finance handbook.docx" in files and isinstance(files["Finance handbook.docx"]["Length"], str)
    q1 = (
        f"{FINANCE}/_api/web/GetFolderByServerRelativeUrl('/sites/finance/Shared Documents/Invoices/2025/Q1')"
    )
    folder = props(rest.ok(q1, app_token, accept))
    assert folder["Name"] == "Q1" and folder["ItemCount"] > 0
    invoices = rows(rest.ok(f"{q1}/Files", app_token, accept))
    assert len(invoices) == folder["ItemCount"] and all(f["Name"].startswith("INV-") for f in invoices)


def test_file_bytes_are_the_real_file(rest, app_token, store) -> None:
    url = "/sites/finance/Shared Documents/Finance handbook.docx"
    item = store.sharepoint.item_by_url(url)
    file = props(rest.ok(f"{FINANCE}/_api/web/GetFileByServerRelativeUrl('{url}')", app_token))
    assert file["Length"] == str(item["size"]) and file["ETag"] == item["etag"]
    resp = rest.get(f"{FINANCE}/_api/web/GetFileByServerRelativeUrl('{url}')/$value", app_token)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/octet-stream"
    assert zipfile.ZipFile(io.BytesIO(resp.content)).read("word/document.xml").find(b"Finance handbook") > 0
    path = f"{FINANCE}/_api/web/GetFileByServerRelativePath(decodedurl='{url}')/$value"
    assert rest.get(path, app_token).content == resp.content
    invoice = next(
        i
        for i in store.sharepoint.items(store.sharepoint.list(item["list_id"])["id"])
        if i["name"].endswith(".pdf")
    )
    pdf = rest.get(
        f"{FINANCE}/_api/web/GetFileByServerRelativeUrl('{invoice['server_relative_url']}')/$value", app_token
    )
    assert pdf.content.startswith(b"%PDF-1.4") and len(pdf.content) == invoice["size"]


def test_missing_files_and_folders_answer_as_sharepoint_does(rest, app_token) -> None:
    url = "/sites/finance/Shared Documents/nope.pdf"
    resp = rest.get(f"{FINANCE}/_api/web/GetFileByServerRelativeUrl('{url}')", app_token)
    assert resp.status_code == 404
    assert error_of(resp) == {
        "code": "-2130575338, Microsoft.SharePoint.SPException",
        "message": {"lang": "en-US", "value": f"The file {url} does not exist."},
    }
    folder = f"{FINANCE}/_api/web/GetFolderByServerRelativeUrl('/sites/finance/Shared Documents/Nope')"
    resp = rest.get(folder, app_token)
    assert (
        resp.status_code == 404 and error_of(resp)["code"] == "-2147024894, System.IO.FileNotFoundException"
    )
    assert rows(rest.ok(f"{folder}/Files", app_token)) == []


def test_a_onedrive_lives_on_the_my_host(rest, my_app_token) -> None:
    drive = f"{MY}/personal/megan_bowen_contoso_onmicrosoft_com"
    assert props(rest.ok(f"{drive}/_api/web", my_app_token))["Title"] == "Megan Bowen"
    library = props(rest.ok(f"{drive}/_api/web/lists/getbytitle('Documents')", my_app_token))
    assert library["EntityTypeName"] == "Documents"
    files = rows(
        rest.ok(
            f"{drive}/_api/web/GetFolderByServerRelativeUrl('/personal/megan_bowen_contoso_onmicrosoft_com/Documents')/Files",
            my_app_token,
        )
    )
    assert files


@pytest.mark.parametrize("accept", [VERBOSE, NOMETADATA])
def test_contextinfo_gives_a_form_digest(rest, app_token, accept) -> None:
    resp = rest.call("POST", f"{FINANCE}/_api/contextinfo", app_token, accept)
    assert resp.status_code == 200
    info = resp.json()["d"]["GetContextWebInformation"] if accept == VERBOSE else resp.json()
    assert info["FormDigestValue"].startswith("0x") and info["FormDigestTimeoutSeconds"] == 1800
    assert info["WebFullUrl"] == FINANCE
    assert rest.get(f"{FINANCE}/_api/contextinfo", app_token).status_code == 405


def test_every_answer_carries_sharepoints_request_ids(rest, app_token) -> None:
    resp = rest.get(f"{FINANCE}/_api/web", app_token)
    assert resp.headers["SPRequestGuid"] == resp.headers["request-id"]
    bad = rest.get(f"{FINANCE}/_api/web/nothing", app_token)
    assert bad.status_code == 400 and bad.headers["SPRequestGuid"]


def test_a_librarys_root_folder_and_a_folder_item(rest, app_token, store, documents) -> None:
    root = props(rest.ok(f"{DOCS}/RootFolder", app_token))
    assert (
        root["ServerRelativeUrl"] == "/sites/finance/Shared Documents" and root["Name"] == "Shared Documents"
    )
    assert root["ItemCount"] == len(store.sharepoint.children(documents["id"], None))
    folder = store.sharepoint.items(documents["id"], is_folder=True)[0]
    part = props(rest.ok(f"{DOCS}/items({folder['id']})/Folder", app_token))
    assert (part["Name"], part["UniqueId"]) == (folder["name"], folder["unique_id"])
    assert rest.get(f"{DOCS}/items({folder['id']})/File", app_token).status_code == 404


def test_site_users_by_id_both_ways(rest, app_token) -> None:
    first = rows(rest.ok(f"{FINANCE}/_api/web/siteusers", app_token))[0]
    same = props(rest.ok(f"{FINANCE}/_api/web/siteusers/getbyid({first['Id']})", app_token))
    assert same == props(rest.ok(f"{FINANCE}/_api/web/getuserbyid({first['Id']})", app_token)) == first
    assert rest.get(f"{FINANCE}/_api/web/getuserbyid(1)", app_token).status_code == 404
    me = props(rest.ok(f"{FINANCE}/_api/web/currentuser", app_token))
    assert me["Title"] == "SharePoint App"


def test_a_custom_list_item_is_not_a_file(rest, app_token) -> None:
    url = "/sites/finance/Lists/Vendors/1_.000"
    assert rest.get(f"{FINANCE}/_api/web/GetFileByServerRelativeUrl('{url}')", app_token).status_code == 404


def test_head_is_get_without_a_body(rest, app_token) -> None:
    resp = rest.call("HEAD", f"{FINANCE}/_api/web", app_token)
    assert resp.status_code == 200 and resp.content == b""
