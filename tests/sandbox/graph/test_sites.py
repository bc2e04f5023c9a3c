"""SharePoint sites and lists through Graph, as a client reads them: a site by every address Graph
accepts, site search, lists, columns and list items with ``fields``.

Tokens are real: the server-to-server app's application ``Sites.Read.All`` (client credentials) and the
Grooper connector's delegated ``Sites.ReadWrite.All`` (ROPC). The answers are compared with the SharePoint
store the sandbox serves them from.
"""

from __future__ import annotations

import re

import pytest

from grooper_nb.sandbox.store import Store
from tests.helpers import plain_user
from tests.sandbox.graph.graph_helpers import Graph
from tests.sandbox.graph.sites_helpers import FINANCE, all_pages, connector_token, error

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(scope="module")
def user_graph_token(private_sandbox: dict) -> str:
    return connector_token(private_sandbox["state_dir"], plain_user(private_sandbox))


@pytest.fixture(scope="module")
def finance(store: Store) -> dict:
    return store.sharepoint.site_by_url("contoso.sharepoint.com", "/sites/finance")


def _graph_id(site: dict) -> str:
    return f"{site['host']},{site['id']},{site['web_id']}"


def test_the_root_site_by_every_address(graph: Graph, s2s_token: str, store: Store) -> None:
    root = store.sharepoint.site_by_url("contoso.sharepoint.com", "")
    resp = graph.get("/v1.0/sites/root", s2s_token, headers={"client-request-id": "my-request-1"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["client-request-id"] == "my-request-1" and resp.headers["request-id"]
    site = resp.json()
    assert site["id"] == _graph_id(root)
    assert site["displayName"] == root["title"] and site["webUrl"] == "https://contoso.sharepoint.com"
    assert site["root"] == {} and site["siteCollection"] == {"hostname": "contoso.sharepoint.com"}
    assert ISO_UTC.match(site["createdDateTime"]) and ISO_UTC.match(site["lastModifiedDateTime"])
    for path in ("/v1.0/sites/contoso.sharepoint.com", f"/v1.0/sites/{site['id']}", "/beta/sites/root"):
        again = graph.get(path, s2s_token)
        assert again.status_code == 200 and again.json()["id"] == site["id"], path


def test_a_site_by_path_in_every_form(graph: Graph, s2s_token: str, finance: dict) -> None:
    expected = _graph_id(finance)
    for path in (
        FINANCE,
        f"{FINANCE}:",
        "/v1.0/sites/contoso.sharepoint.com:/SITES/Finance",
        "/beta/sites/CONTOSO.sharepoint.com:/sites/finance:",
        f"/v1.0/sites/{expected}",
    ):
        resp = graph.get(path, s2s_token)
        assert resp.status_code == 200, (path, resp.text)
        assert resp.json()["id"] == expected
        assert resp.json()["webUrl"] == "https://contoso.sharepoint.com/sites/finance"
        assert "root" not in resp.json()
    drives = graph.get(f"{FINANCE}:/drives", s2s_token)
    assert drives.status_code == 200 and {d["name"] for d in drives.json()["value"]} == {"Documents"}
    selected = graph.get(f"{FINANCE}?$select=id,displayName", s2s_token).json()
    assert set(selected) == {"@odata.context", "id", "displayName"}


def test_a_site_that_does_not_exist_is_404_item_not_found(
    graph: Graph, s2s_token: str, finance: dict
) -> None:
    for path in (
        "/v1.0/sites/contoso.sharepoint.com:/sites/nosuchsite",
        "/v1.0/sites/contoso.sharepoint.com:/sites/nosuchsite:/drives",
        f"/v1.0/sites/contoso.sharepoint.com,{finance['web_id']},{finance['id']}",  # ids swapped
        "/v1.0/sites/fabrikam.sharepoint.com",
    ):
        assert error(graph.get(path, s2s_token)) == (404, "itemNotFound"), path
    # Graph checks the token first: no token is 401 even for a site nobody has.
    missing = graph.get("/v1.0/sites/contoso.sharepoint.com:/sites/nosuchsite", None)
    assert error(missing) == (401, "InvalidAuthenticationToken")


def test_search_finds_sites_by_title_and_never_a_onedrive(graph: Graph, s2s_token: str, store: Store) -> None:
    found = graph.get("/v1.0/sites?search=finance", s2s_token)
    assert found.status_code == 200, found.text
    assert [s["displayName"] for s in found.json()["value"]] == ["Finance"]
    everything = graph.get("/v1.0/sites?search=*", s2s_token).json()["value"]
    urls = {s["webUrl"] for s in everything}
    assert {"https://contoso.sharepoint.com", "https://contoso.sharepoint.com/sites/intranet"} <= urls
    assert not any("-my.sharepoint.com" in u for u in urls)
    onedrives = [s for s in store.sharepoint.sites() if s["kind"] == "onedrive"]
    assert onedrives and len(everything) == len(store.sharepoint.sites()) - len(onedrives)
    assert graph.get("/v1.0/sites?search=nothing-like-this", s2s_token).json()["value"] == []


def test_lists_of_a_site(graph: Graph, user_graph_token: str, finance: dict, store: Store) -> None:
    resp = graph.get(f"{FINANCE}:/lists", user_graph_token)
    assert resp.status_code == 200, resp.text
    lists = {entry["displayName"]: entry for entry in resp.json()["value"]}
    assert set(lists) == {lst["title"] for lst in store.sharepoint.lists(finance["id"])}
    assert lists["Documents"]["list"]["template"] == "documentLibrary"
    assert lists["Documents"]["webUrl"] == "https://contoso.sharepoint.com/sites/finance/Shared%20Documents"
    vendors = lists["Vendors"]
    assert vendors["list"]["template"] == "genericList"
    assert vendors["parentReference"]["siteId"] == _graph_id(finance)
    by_id = graph.get(f"/v1.0/sites/{_graph_id(finance)}/lists/{vendors['id']}", user_graph_token)
    by_title = graph.get(f"/v1.0/sites/{_graph_id(finance)}/lists/vendors", user_graph_token)
    assert by_id.json()["id"] == by_title.json()["id"] == vendors["id"]
    missing = graph.get(f"/v1.0/sites/{_graph_id(finance)}/lists/No such list", user_graph_token)
    assert error(missing) == (404, "itemNotFound")


def _vendors(store: Store, finance: dict) -> dict:
    return store.sharepoint.list_by_title(finance["id"], "Vendors")


def test_columns_carry_their_type_facets(graph: Graph, s2s_token: str, finance: dict, store: Store) -> None:
    vendors = _vendors(store, finance)
    regions = store.sharepoint.list_by_title(finance["id"], "Regions")
    resp = graph.get(f"{FINANCE}:/lists/{vendors['id']}/columns", s2s_token)
    assert resp.status_code == 200, resp.text
    columns = {c["name"]: c for c in resp.json()["value"]}
    assert set(columns) == {c["name"] for c in store.sharepoint.columns(vendors["id"])}
    assert columns["Status"]["choice"]["choices"] == ["Active", "On hold", "Retired"]
    assert columns["Region"]["lookup"]["listId"] == regions["id"]
    assert "personOrGroup" in columns["AccountManager"] and "dateTime" in columns["ContractStart"]
    assert "number" in columns["VendorNumber"] and "boolean" in columns["Preferred"]
    assert columns["VendorNumber"]["displayName"] == "Vendor number"


def test_list_items_with_fields(graph: Graph, s2s_token: str, finance: dict, store: Store) -> None:
    vendors = _vendors(store, finance)
    stored = {str(i["id"]): i for i in store.sharepoint.items(vendors["id"])}
    items, _ = all_pages(graph, f"{FINANCE}:/lists/{vendors['id']}/items?expand=fields", s2s_token)
    assert {i["id"] for i in items} == set(stored)
    for item in items:
        fields, expected = item["fields"], stored[item["id"]]
        assert fields["Title"] == expected["fields"]["Title"]
        assert fields["RegionLookupId"] == str(expected["fields"]["Region"])  # a string, as Graph gives it
        assert "Region" not in fields and "AccountManager" not in fields
        manager = store.sharepoint.user_lookup_id(expected["fields"]["AccountManager"])
        assert fields["AccountManagerLookupId"] == str(manager)
        assert ISO_UTC.match(fields["ContractStart"]) and ISO_UTC.match(fields["Modified"])
        assert fields["AuthorLookupId"] == str(store.sharepoint.user_lookup_id(expected["author_user_id"]))
        assert item["contentType"]["name"] == "Item" and item["webUrl"].endswith(
            f"DispForm.aspx?ID={item['id']}"
        )
    plain = graph.get(f"{FINANCE}:/lists/{vendors['id']}/items", s2s_token).json()["value"]
    assert plain and "fields" not in plain[0]


def test_fields_select_gives_lookup_values(graph: Graph, s2s_token: str, finance: dict, store: Store) -> None:
    vendors = _vendors(store, finance)
    regions = store.sharepoint.list_by_title(finance["id"], "Regions")
    titles = {str(r["id"]): r["fields"].get("Title") for r in store.sharepoint.items(regions["id"])}
    path = f"{FINANCE}:/lists/{vendors['id']}/items?$expand=fields($select=Title,Region,RegionLookupId)"
    items = graph.get(path, s2s_token).json()["value"]
    for item in items:
        assert set(item["fields"]) == {"@odata.etag", "Title", "Region", "RegionLookupId"}
        assert item["fields"]["Region"] == titles[item["fields"]["RegionLookupId"]]
    one = graph.get(f"{FINANCE}:/lists/{vendors['id']}/items/{items[0]['id']}?expand=fields", s2s_token)
    assert one.status_code == 200 and one.json()["fields"]["Title"] == items[0]["fields"]["Title"]
    assert error(graph.get(f"{FINANCE}:/lists/{vendors['id']}/items/99999", s2s_token)) == (
        404,
        "itemNotFound",
    )
    bad = graph.get(f"{FINANCE}:/lists/{vendors['id']}/items?$expand=author", s2s_token)
    assert error(bad) == (400, "invalidRequest")


def test_list_items_page_with_top(graph: Graph, s2s_token: str, finance: dict, store: Store) -> None:
    docs = store.sharepoint.list_by_title(finance["id"], "Documents")
    items, pages = all_pages(graph, f"{FINANCE}:/lists/{docs['id']}/items?$top=7&expand=fields", s2s_token)
    count = store.sharepoint.item_count(docs["id"])
    assert len(items) == len({i["id"] for i in items}) == count > 14
    assert pages == -(-count // 7)
    files = [i for i in items if i["contentType"]["name"] == "Document"]
    assert files and all(f["fields"]["FileLeafRef"] for f in files)
    assert files[0]["webUrl"].startswith("https://contoso.sharepoint.com/sites/finance/Shared%20Documents/")


def test_sites_in_a_batch(graph: Graph, s2s_token: str, finance: dict) -> None:
    body = {
        "requests": [
            {"id": "1", "method": "GET", "url": "/sites/contoso.sharepoint.com:/sites/finance"},
            {
                "id": "2",
                "method": "GET",
                "url": "/sites/contoso.sharepoint.com:/sites/finance:/drive/root:/Invoices",
            },
            {"id": "3", "method": "GET", "url": "/sites/contoso.sharepoint.com:/sites/nosuch"},
        ]
    }
    resp = graph.post("/v1.0/$batch", s2s_token, body)
    assert resp.status_code == 200, resp.text
    answers = {r["id"]: r for r in resp.json()["responses"]}
    assert answers["1"]["status"] == 200 and answers["1"]["body"]["id"] == _graph_id(finance)
    assert answers["2"]["status"] == 200 and answers["2"]["body"]["name"] == "Invoices"
    assert answers["3"]["status"] == 404 and answers["3"]["body"]["error"]["code"] == "itemNotFound"


def test_people_have_the_numbers_sharepoint_rest_gives_them(store: Store) -> None:
    """Graph's ``AuthorLookupId`` and REST's ``AuthorId`` name one person with one number."""
    from grooper_nb.sandbox.sharepoint.web import site_user_id

    users = store.directory.users()
    numbers = [store.sharepoint.user_lookup_id(u["id"]) for u in users]
    assert numbers == [site_user_id(store, u["id"]) for u in users]
    assert len(set(numbers)) == len(users) and None not in numbers
    assert store.sharepoint.user_lookup_id("00000000-0000-0000-0000-000000000000") is None


def test_a_person_lookup_id_resolves_in_the_user_information_list(
    graph: Graph, s2s_token: str, finance: dict, store: Store
) -> None:
    """``{Name}LookupId`` is an item id of the site's hidden "User Information List"; that item's
    ``EMail`` is the person's address (https://learn.microsoft.com/graph/api/resources/fieldvalueset)."""
    users = store.directory.users()
    user = users[0]
    number = store.sharepoint.user_lookup_id(user["id"])
    for name in ("User Information List", "user information list"):
        ref = f"{FINANCE}:/lists/{name}"
        info = graph.get(ref, s2s_token)
        assert info.status_code == 200, info.text
        assert info.json()["list"]["hidden"] is True
        got = graph.get(f"{ref}/items/{number}?$expand=fields($select=EMail,Title)", s2s_token).json()
        assert got["fields"]["EMail"] == (user.get("mail") or user["userPrincipalName"])
        assert got["fields"]["Title"] == user["displayName"]
    by_id = graph.get(f"{FINANCE}:/lists/{info.json()['id']}/items?expand=fields", s2s_token).json()["value"]
    numbers = sorted(store.sharepoint.user_lookup_id(u["id"]) for u in users)
    assert sorted(int(i["id"]) for i in by_id) == numbers
    missing = graph.get(f"{FINANCE}:/lists/User Information List/items/1", s2s_token)
    assert error(missing) == (404, "itemNotFound")
    titles = [x["displayName"] for x in graph.get(f"{FINANCE}:/lists", s2s_token).json()["value"]]
    assert "User Information List" not in titles  # a list with the system facet is listed only on $select
    ref = f"{FINANCE}:/lists?$select=id,displayName,system"
    system = [x for x in graph.get(ref, s2s_token).json()["value"] if "system" in x]
    assert [x["displayName"] for x in system] == ["User Information List"]
