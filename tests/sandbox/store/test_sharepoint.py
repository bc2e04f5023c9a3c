"""The SharePoint store and its seed, used directly: SQLite in a temporary state dir."""

from __future__ import annotations

import io
import zipfile

import pytest

from grooper_nb.sandbox.store import Store
from grooper_nb.sandbox.store.seed_sharepoint import onedrive_path
from grooper_nb.sandbox.store.sharepoint import LIBRARY, LIST, graph_site_id

HOST = "contoso.sharepoint.com"
MY_HOST = "contoso-my.sharepoint.com"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = Store.open(tmp_path_factory.mktemp("sharepoint") / "state")
    yield s
    s.close()


@pytest.fixture(scope="module")
def finance(store: Store) -> dict:
    return store.sharepoint.site_by_url(HOST, "/sites/finance")


@pytest.fixture(scope="module")
def documents(store: Store, finance: dict) -> dict:
    return store.sharepoint.list_by_title(finance["id"], "Documents")


def _fingerprint(store: Store) -> list[tuple]:
    rows = store.db.execute(
        "SELECT unique_id, list_id, id, server_relative_url, etag FROM sp_items ORDER BY seq"
    )
    return [tuple(r) for r in rows]


def test_the_seeded_sites_are_on_the_tenant_host_and_every_licensed_user_has_a_onedrive(store: Store) -> None:
    sp = store.sharepoint
    on_host = {s["path"]: s for s in sp.sites() if s["host"] == HOST}
    assert set(on_host) == {"", "/sites/finance", "/sites/intranet"}
    assert on_host[""]["title"] == "Communication site" and on_host[""]["kind"] == "root"
    assert on_host["/sites/finance"]["title"] == "Finance" and on_host["/sites/finance"]["kind"] == "team"
    assert on_host["/sites/intranet"]["kind"] == "communication"
    licensed = [u for u in store.directory.users() if u["_sandbox"]["has_mailbox"]]
    drives = {s["path"]: s for s in sp.sites() if s["host"] == MY_HOST}
    assert set(drives) == {onedrive_path(u["userPrincipalName"]) for u in licensed}
    megan = next(u for u in licensed if u["userPrincipalName"].startswith("megan.bowen@"))
    mine = drives["/personal/megan_bowen_contoso_onmicrosoft_com"]
    assert mine["owner_user_id"] == megan["id"] and mine["kind"] == "onedrive"
    assert sp.sites_of_owner(megan["id"]) == [mine]
    library = sp.list_by_title(mine["id"], "Documents")
    assert library["url_name"] == "Documents" and library["template"] == LIBRARY
    assert {i["author_user_id"] for i in sp.items(library["id"])} == {megan["id"]}


def test_sites_are_found_by_url_in_any_case_and_by_either_id(store: Store, finance: dict) -> None:
    sp = store.sharepoint
    assert sp.site_by_url("CONTOSO.sharepoint.com", "/Sites/Finance/") == finance
    assert sp.site_by_url(HOST, "/") == sp.site_by_url(HOST, "")
    assert sp.site_by_url(HOST, "/sites/nowhere") is None
    assert sp.site(finance["id"]) == finance
    assert sp.site(graph_site_id(finance)) == finance
    assert sp.site(f"{MY_HOST},{finance['id']},{finance['web_id']}") is None  # the host must match


def test_the_finance_library_holds_nested_folders_and_real_files(store: Store, documents: dict) -> None:
    sp = store.sharepoint
    assert documents["url_name"] == "Shared Documents" and documents["drive_id"].startswith("b!")
    assert sp.list_by_drive(documents["drive_id"]) == documents
    assert sp.list_by_url("/sites/finance/shared documents") == documents
    assert sp.root_url(documents) == "/sites/finance/Shared Documents"
    items = sp.items(documents["id"])
    files = [i for i in items if not i["is_folder"]]
    assert 50 <= len(files) <= 70
    assert [i["id"] for i in items] == list(range(1, len(items) + 1))
    kinds = {i["mime_type"] for i in files}
    assert {"application/pdf", "image/png"} <= kinds and any("wordprocessingml" in k for k in kinds)
    assert {i["version"] for i in files} >= {"1.0", "2.0"}
    assert len({i["author_user_id"] for i in files}) > 2
    q1 = sp.item_by_url("/sites/finance/Shared Documents/Invoices/2025/Q1")
    assert q1["is_folder"] and q1["size"] is None
    invoices = sp.children(documents["id"], q1["unique_id"])
    assert invoices and all(i["name"].startswith("INV-") for i in invoices)
    assert sp.item_by_url("/sites/finance/Shared Documents/Contracts/Acme")["is_folder"]
    for item in files:
        data = sp.content(item["unique_id"])
        assert len(data) == item["size"]
        if item["mime_type"] == "application/pdf":
            assert data.startswith(b"%PDF-1.4") and data.endswith(b"%%EOF\n")
        elif item["mime_type"] == "image/png":
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
        else:
            assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    root = sp.children(documents["id"], None)
    assert root[0]["is_folder"] and {"Invoices", "Contracts"} <= {i["name"] for i in root}
    with pytest.raises(KeyError):
        sp.content(q1["unique_id"])


def test_a_page_of_items_follows_the_last_id(store: Store, documents: dict) -> None:
    sp = store.sharepoint
    first = sp.items(documents["id"], limit=10)
    second = sp.items(documents["id"], after_id=first[-1]["id"], limit=10)
    assert [i["id"] for i in first + second] == list(range(1, 21))
    assert sp.item(documents["id"], 11) == second[0]
    assert sp.item_by_unique_id(second[0]["unique_id"].upper()) == second[0]


def test_the_vendors_list_has_typed_columns_and_a_lookup_to_regions(store: Store, finance: dict) -> None:
    sp = store.sharepoint
    vendors = sp.list_by_title(finance["id"], "vendors")
    regions = sp.list_by_title(finance["id"], "Regions")
    assert vendors["template"] == LIST and vendors["drive_id"] is None
    columns = {c["name"]: c for c in sp.columns(vendors["id"])}
    assert {c["type"] for c in columns.values()} == {
        "text",
        "number",
        "dateTime",
        "choice",
        "person",
        "lookup",
        "boolean",
    }
    assert columns["Region"]["lookup_list_id"] == regions["id"]
    assert columns["Status"]["choices"] == ["Active", "On hold", "Retired"]
    users = {u["id"] for u in store.directory.users()}
    region_ids = {i["id"] for i in sp.items(regions["id"])}
    for item in sp.items(vendors["id"]):
        assert item["fields"]["AccountManager"] in users
        assert item["fields"]["Region"] in region_ids
        assert item["server_relative_url"] == f"/sites/finance/Lists/Vendors/{item['id']}_.000"


def test_changes_count_on_and_keep_tombstones(tmp_path) -> None:
    store = Store.open(tmp_path / "state")
    try:
        sp = store.sharepoint
        site = sp.site_by_url(HOST, "/sites/intranet")
        library = sp.list_by_title(site["id"], "Documents")
        token = sp.last_seq()
        added = sp.add_item(
            {
                "list_id": library["id"],
                "name": "new.pdf",
                "server_relative_url": "/sites/intranet/Shared Documents/new.pdf",
                "is_folder": False,
                "size": 3,
                "mime_type": "application/pdf",
                "created": "2025-01-01T00:00:00Z",
            },
            content=b"abc",
        )
        assert (
            added["id"] == max(i["id"] for i in sp.items(library["id"]))
            and sp.content(added["unique_id"]) == b"abc"
        )
        changed = sp.update_item(added["unique_id"], {"name": "new.pdf"}, content=b"abcd")
        assert changed["version"] == "2.0" and changed["size"] == 4 and changed["etag"].endswith(',2"')
        notes = sp.item_by_url("/sites/intranet/Shared Documents/Notes")
        sp.delete_item(notes["unique_id"])
        changes = sp.changes(library["id"], token, 100)
        assert [c["seq"] for c in changes] == sorted(c["seq"] for c in changes)
        assert changes[0]["unique_id"] == added["unique_id"]
        gone = [c for c in changes if c["deleted"]]
        assert notes["unique_id"] in {c["unique_id"] for c in gone} and len(gone) >= 2
        assert sp.item_by_url("/sites/intranet/Shared Documents/Notes") is None
        assert sp.last_seq() == changes[-1]["seq"]
    finally:
        store.close()


def test_site_grants_are_what_sites_selected_checks(tmp_path) -> None:
    store = Store.open(tmp_path / "state")
    try:
        sp = store.sharepoint
        site = sp.site_by_url(HOST, "/sites/finance")
        app = "11111111-2222-3333-4444-555555555555"
        assert sp.app_site_roles(app, site["id"]) == set()
        grant = sp.grant_site(graph_site_id(site), app.upper(), ["read"], "Grooper")
        assert grant["roles"] == ["read"] and grant["app_id"] == app
        assert sp.app_site_roles(app, site["id"]) == {"read"}
        assert sp.app_site_roles(app, sp.site_by_url(HOST, "/sites/intranet")["id"]) == set()
        sp.grant_site(site["id"], app, ["write"], "Grooper")
        assert sp.site_grants(site["id"]) == [{**grant, "roles": ["write"]}]
        assert sp.revoke_site_grant(site["id"], grant["id"]) is True
        assert sp.revoke_site_grant(site["id"], grant["id"]) is False
        assert sp.app_site_roles(app, site["id"]) == set()
    finally:
        store.close()


def test_the_seed_is_deterministic_and_leaves_every_other_id_alone(tmp_path, store: Store) -> None:
    again = Store.open(tmp_path / "again")
    try:
        assert _fingerprint(again) == _fingerprint(store)
        assert again.sharepoint.sites() == store.sharepoint.sites()
        assert [u["id"] for u in again.directory.users()] == [u["id"] for u in store.directory.users()]
    finally:
        again.close()


def test_a_tenant_made_before_sharepoint_gets_its_sites_on_open(tmp_path) -> None:
    made = Store.open(tmp_path / "old")
    first = _fingerprint(made)
    made.db.execute("DELETE FROM sp_sites")
    made.db.execute("DELETE FROM sp_lists")
    made.db.execute("DELETE FROM sp_items")
    made.db.execute("DELETE FROM sp_columns")
    made.db.execute("DELETE FROM sp_content")
    made.db.execute("DELETE FROM meta WHERE key='sharepoint'")
    made.close()
    reopened = Store.open(tmp_path / "old")
    try:
        assert [row[3] for row in _fingerprint(reopened)] == [row[3] for row in first]
    finally:
        reopened.close()


def test_the_large_archive_is_deep_and_pages(tmp_path) -> None:
    store = Store.open(tmp_path / "large", scale="3000")
    try:
        sp = store.sharepoint
        site = sp.site_by_url(HOST, "/sites/finance")
        archive = sp.list_by_title(site["id"], "Archive")
        files = [i for i in sp.items(archive["id"]) if not i["is_folder"]]
        assert len(files) == 3000
        depth = max(i["server_relative_url"].count("/") for i in files) - "/sites/finance/Archive".count("/")
        assert depth >= 7
        last = 0
        seen = 0
        while page := sp.items(archive["id"], after_id=last, limit=5000):
            seen += len(page)
            last = page[-1]["id"]
        assert seen == sp.item_count(archive["id"])
    finally:
        store.close()


def test_one_numbering_of_site_users_for_rest_and_graph(tmp_path) -> None:
    """REST's ``siteusers``/``AuthorId`` and Graph's ``{Name}LookupId`` number people one way, whatever
    the case of a user principal name (``Éz`` and ``éa`` sort apart only if one side lowers ``É``)."""
    from grooper_nb.sandbox.sharepoint.web import site_user_id

    store = Store.open(tmp_path / "state")
    try:
        for n, upn in enumerate(("Ézra@contoso.onmicrosoft.com", "éamon@contoso.onmicrosoft.com")):
            user_id = f"00000000-0000-4000-8000-00000000000{n}"
            store.directory.add_user({"id": user_id, "userPrincipalName": upn, "displayName": upn}, None)
        users = store.directory.users()
        numbers = [store.sharepoint.user_lookup_id(u["id"]) for u in users]
        assert numbers == [site_user_id(store, u["id"]) for u in users]
        assert [n for n, _ in store.sharepoint.site_users()] == sorted(numbers)
    finally:
        store.close()
