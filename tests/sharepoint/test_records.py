"""The schema's typing and the mapping of each API's wire objects to one record: a Graph driveItem and
the REST list item of the same file give the same row (modulo the per-API columns). Pure, no server."""

from __future__ import annotations

import pandas as pd
import pytest

from grooper_nb.sharepoint import records, schema
from grooper_nb.sharepoint.schema import ListColumn
from grooper_nb.sharepoint.site import Library, Site, split_site_url

SITE = Site(
    "contoso.sharepoint.com",
    "/sites/finance",
    "11111111-aaaa-4aaa-8aaa-111111111111",
    "22222222-bbbb-4bbb-8bbb-222222222222",
    "Finance",
)
LIB = Library(
    SITE, "Documents", "/sites/finance/Shared Documents", "33333333-cccc-4ccc-8ccc-333333333333", "b!abc"
)
UNIQUE = "44444444-DDDD-4DDD-8DDD-444444444444"

GRAPH_ITEM = {
    "id": "01ABC",
    "name": "Invoice 7.PDF",
    "size": 2048,
    "eTag": '"{44444444-DDDD-4DDD-8DDD-444444444444},3"',
    "createdDateTime": "2025-01-02T03:04:05Z",
    "lastModifiedDateTime": "2025-02-03T04:05:06.789Z",
    "webUrl": "https://contoso.sharepoint.com/sites/finance/Shared%20Documents/Invoices/Invoice%207.PDF",
    "createdBy": {"user": {"email": "Megan@Contoso.com", "displayName": "Megan"}},
    "lastModifiedBy": {"user": {"email": "alex@contoso.com"}},
    "parentReference": {"id": "01PARENT", "driveId": "b!abc"},
    "file": {"mimeType": "application/pdf"},
    "sharepointIds": {"listItemUniqueId": UNIQUE, "listItemId": "7"},
    "publication": {"versionId": "3.0", "level": "published"},
}
REST_ROW = {
    "Id": 7,
    "UniqueId": UNIQUE.lower(),
    "FileRef": "/sites/finance/Shared Documents/Invoices/Invoice 7.PDF",
    "FileLeafRef": "Invoice 7.PDF",
    "FileDirRef": "/sites/finance/Shared Documents/Invoices",
    "FSObjType": 0,
    "Created": "2025-01-02T03:04:05Z",
    "Modified": "2025-02-03T04:05:06Z",
    "OData__UIVersionString": "3.0",
    "Author": {"EMail": "megan@contoso.com"},
    "Editor": {"EMail": "ALEX@contoso.com"},
    "File": {"Length": "2048", "ETag": '"{44444444-DDDD-4DDD-8DDD-444444444444},3"'},
}


def test_the_same_file_through_both_apis_is_the_same_row():
    graph = schema.frame([records.graph_document(LIB, GRAPH_ITEM, "/Invoices/Invoice 7.PDF")], "documents")
    rest = schema.frame([records.rest_document(LIB, REST_ROW)], "documents")
    drop = list(schema.PER_API)
    pd.testing.assert_frame_equal(graph.drop(columns=drop), rest.drop(columns=drop))
    row = rest.iloc[0]
    assert row["unique_id"] == UNIQUE.lower() and row["list_item_id"] == 7 and row["size_bytes"] == 2048
    assert row["mime_type"] == "application/pdf" and row["extension"] == "pdf"
    assert row["parent_path"] == "/Invoices" and row["created_by"] == "megan@contoso.com"
    assert str(row["modified"]) == "2025-02-03 04:05:06+00:00"
    assert rest["web_url"].iloc[0] == graph["web_url"].iloc[0]


def test_folders_have_no_size_type_etag_or_version_on_either_api():
    folder = {**GRAPH_ITEM, "name": "Invoices", "size": 99999, "folder": {"childCount": 3}}
    folder.pop("file")
    g = records.graph_document(LIB, folder, "/Invoices")
    r = records.rest_document(
        LIB,
        {
            **REST_ROW,
            "FSObjType": 1,
            "FileLeafRef": "Invoices",
            "FileRef": "/sites/finance/Shared Documents/Invoices",
            "File": None,
        },
    )
    for rec in (g, r):
        assert rec["is_folder"] is True
        assert (
            rec["size_bytes"] is rec["mime_type"] is rec["etag"] is rec["version"] is rec["extension"] is None
        )


def test_rest_size_from_file_size_field_when_file_is_not_expanded():
    row = {k: v for k, v in REST_ROW.items() if k != "File"} | {"File_x0020_Size": "12"}
    assert records.rest_document(LIB, row)["size_bytes"] == 12


def test_schema_dtypes_and_unknown_columns():
    df = schema.empty("documents")
    assert list(df.columns) == [c.name for c in schema.DOCUMENTS]
    assert str(df["created"].dtype) == "datetime64[s, UTC]"
    assert str(df["list_item_id"].dtype) == "Int64" and str(df["is_folder"].dtype) == "boolean"
    with pytest.raises(KeyError, match="sizee"):
        schema.frame([{"sizee": 1}], "documents")


def test_a_timestamp_without_zone_is_refused():
    with pytest.raises(ValueError, match="no time zone"):
        schema.utc("2025-01-02T03:04:05")
    assert str(schema.utc("2025-01-02T05:04:05+02:00")) == "2025-01-02 03:04:05+00:00"


def test_mime_type_is_derived_from_the_extension_only():
    assert schema.mime_type_of("a.pdf") == "application/pdf"
    assert schema.mime_type_of("a.PNG") == "image/png"
    assert schema.mime_type_of("README") is None
    assert schema.mime_type_of("Invoices", is_folder=True) is None


COLUMNS = [
    ListColumn("Title", "text"),
    ListColumn("Amount", "number"),
    ListColumn("Since", "dateTime"),
    ListColumn("Tier", "choice"),
    ListColumn("Active", "boolean"),
    ListColumn("Owner", "person"),
    ListColumn("Region", "lookup", lookup_list_id="5"),
]


def test_list_items_are_typed_the_same_through_both_apis():
    graph_item = {
        "id": "3",
        "createdDateTime": "2025-01-01T00:00:00Z",
        "lastModifiedDateTime": "2025-01-02T00:00:00Z",
        "createdBy": {"user": {"email": "a@contoso.com"}},
        "lastModifiedBy": {"user": {"email": "a@contoso.com"}},
        "fields": {
            "Title": "Acme",
            "Amount": 12.5,
            "Since": "2024-05-01T00:00:00Z",
            "Tier": "Gold",
            "Active": True,
            "Owner": {"LookupId": 9, "LookupValue": "Megan", "Email": "Megan@contoso.com"},
            "RegionLookupId": "2",
            "Region": "North",
        },
    }
    rest_row = {
        "Id": 3,
        "Title": "Acme",
        "Created": "2025-01-01T00:00:00Z",
        "Modified": "2025-01-02T00:00:00Z",
        "Author": {"EMail": "a@contoso.com"},
        "Editor": {"EMail": "a@contoso.com"},
        "Amount": "12.5",
        "Since": "2024-05-01T00:00:00Z",
        "Tier": "Gold",
        "Active": True,
        "Owner": {"EMail": "megan@contoso.com"},
        "Region": {"Id": 2, "Title": "North"},
    }
    list_row = {"list_id": "66666666-eeee-4eee-8eee-666666666666"}
    g = schema.list_items_frame([records.graph_list_item(SITE, list_row, COLUMNS, graph_item)], COLUMNS)
    r = schema.list_items_frame([records.rest_list_item(SITE, list_row, COLUMNS, rest_row)], COLUMNS)
    pd.testing.assert_frame_equal(g.drop(columns="source"), r.drop(columns="source"))
    row = r.iloc[0]
    assert (
        row["Region_id"] == 2 and row["Region_value"] == "North" and row["Owner_email"] == "megan@contoso.com"
    )
    assert str(r["Amount"].dtype) == "Float64" and str(r["Since"].dtype) == "datetime64[s, UTC]"


def test_column_kinds_from_both_apis():
    assert records.graph_column({"name": "Owner", "personOrGroup": {}}) == ListColumn(
        "Owner", "person", "Owner"
    )
    assert (
        records.rest_column({"InternalName": "Owner", "TypeAsString": "User", "Title": "Owner"}).kind
        == "person"
    )
    assert records.graph_column({"name": "Modified", "dateTime": {}, "readOnly": True}) is None
    assert records.rest_column({"InternalName": "X", "TypeAsString": "Text", "Hidden": True}) is None


def test_site_urls_split_at_the_managed_path():
    assert split_site_url("https://contoso.sharepoint.com/sites/finance/Shared Documents") == (
        "contoso.sharepoint.com",
        "/sites/finance",
    )
    assert split_site_url("https://Contoso.sharepoint.com/") == ("contoso.sharepoint.com", "")
    with pytest.raises(ValueError, match="not a SharePoint URL"):
        split_site_url("https:///nohost")


def test_graph_site_id_parts():
    site = records.graph_site(
        {
            "id": "contoso.sharepoint.com,AAAA,BBBB",
            "webUrl": "https://contoso.sharepoint.com/sites/finance",
            "displayName": "Finance",
        }
    )
    assert (site.site_id, site.web_id, site.path, site.graph_id) == (
        "aaaa",
        "bbbb",
        "/sites/finance",
        "contoso.sharepoint.com,aaaa,bbbb",
    )
