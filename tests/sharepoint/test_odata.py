"""SharePoint REST's three JSON forms (verbose, minimal metadata, no metadata) read to the same rows.
Pure functions, no server."""

from __future__ import annotations

import pytest

from grooper_nb.sharepoint import odata

ROW = {"Id": 7, "FileRef": "/sites/finance/Shared Documents/x.pdf", "Author": {"EMail": "Megan@contoso.com"}}
NEXT = "https://contoso.sharepoint.com/sites/finance/_api/web/lists(guid'1')/items?%24skiptoken=Paged%3dTRUE%26p_ID%3d7"

VERBOSE = {
    "d": {
        "results": [
            {
                "__metadata": {
                    "id": "x",
                    "uri": "u",
                    "etag": '"3"',
                    "type": "SP.Data.Shared_x0020_DocumentsItem",
                },
                "Id": 7,
                "FileRef": "/sites/finance/Shared Documents/x.pdf",
                "Author": {
                    "__metadata": {"id": "a", "type": "SP.Data.UserInfoItem"},
                    "EMail": "Megan@contoso.com",
                },
                "Folder": {"__deferred": {"uri": "https://..."}},
            }
        ],
        "__next": NEXT,
    }
}
MINIMAL = {
    "odata.metadata": "https://contoso.sharepoint.com/_api/$metadata#SP.ListData.Shared_x0020_DocumentsItems",
    "value": [
        {
            "odata.type": "SP.Data.Shared_x0020_DocumentsItem",
            "odata.id": "x",
            "odata.etag": '"3"',
            "odata.editLink": "Web/Lists(guid'1')/Items(7)",
            "Author@odata.navigationLinkUrl": "Web/Lists(guid'1')/Items(7)/Author",
            "Author": {"odata.type": "SP.Data.UserInfoItem", "odata.id": "a", "EMail": "Megan@contoso.com"},
            "Id": 7,
            "FileRef": "/sites/finance/Shared Documents/x.pdf",
        }
    ],
    "odata.nextLink": NEXT,
}
NOMETADATA = {"value": [dict(ROW)], "odata.nextLink": NEXT}
V4 = {"@odata.context": "c", "value": [{"@odata.etag": '"3"', **ROW}], "@odata.nextLink": NEXT}


@pytest.mark.parametrize(
    "doc", [VERBOSE, MINIMAL, NOMETADATA, V4], ids=["verbose", "minimal", "nometadata", "v4"]
)
def test_every_form_gives_the_same_rows_and_next_link(doc):
    assert odata.collection(doc) == [ROW]
    assert odata.next_link(doc, "https://contoso.sharepoint.com/sites/finance/_api/web") == NEXT


def test_last_page_has_no_next_link():
    assert odata.next_link({"value": []}, "https://h/_api") is None
    assert odata.next_link({"d": {"results": []}}, "https://h/_api") is None


def test_a_relative_next_link_is_resolved_against_the_page():
    doc = {"value": [], "odata.nextLink": "items?%24skiptoken=Paged%3dTRUE%26p_ID%3d7"}
    assert odata.next_link(doc, "https://h/sites/f/_api/web/lists(guid'1')/items?$top=2") == (
        "https://h/sites/f/_api/web/lists(guid'1')/items?%24skiptoken=Paged%3dTRUE%26p_ID%3d7"
    )


@pytest.mark.parametrize(
    "doc",
    [
        {"d": {"__metadata": {"type": "SP.Web"}, "Id": "G", "Title": "Finance"}},
        {"odata.metadata": "m", "odata.type": "SP.Web", "odata.id": "i", "Id": "G", "Title": "Finance"},
        {"Id": "G", "Title": "Finance"},
    ],
    ids=["verbose", "minimal", "nometadata"],
)
def test_an_entity_in_every_form(doc):
    assert odata.entity(doc) == {"Id": "G", "Title": "Finance"}


def test_verbose_multi_value_fields_unwrap():
    doc = {"d": {"Id": 1, "Tags": {"__metadata": {"type": "Collection(Edm.String)"}, "results": ["a", "b"]}}}
    assert odata.entity(doc) == {"Id": 1, "Tags": ["a", "b"]}


def test_not_a_collection_says_so():
    with pytest.raises(ValueError, match="Not an OData collection"):
        odata.collection({"Id": 1})
