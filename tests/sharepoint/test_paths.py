"""Paths inside a library: rebuilt from a delta's flat id -> (name, parent) list, or cut from REST's
server-relative URLs. Pure functions, no server."""

from __future__ import annotations

import random

import pytest

from grooper_nb.sharepoint.paths import PathIndex, library_path, parent_of


def _item(item_id, name, parent=None, **facets):
    item = {"id": item_id, "name": name, **facets}
    if parent is not None:
        item["parentReference"] = {"id": parent}
    return item


ROOT = _item("R", "root", root={})
TREE = [
    ROOT,
    _item("A", "Invoices", "R", folder={}),
    _item("B", "2025", "A", folder={}),
    _item("x", "x.pdf", "B", file={}),
    _item("y", "y.pdf", "R", file={}),
]


def test_paths_from_ids_whatever_the_order_of_arrival():
    expected = {"A": "/Invoices", "B": "/Invoices/2025", "x": "/Invoices/2025/x.pdf", "y": "/y.pdf", "R": "/"}
    for seed in range(5):
        items = TREE[:]
        random.Random(seed).shuffle(items)  # delta may send a child before its folder
        index = PathIndex().add_all(items)
        assert {i: index.path(i) for i in expected} == expected


def test_a_later_occurrence_wins_and_a_folder_rename_moves_its_descendants():
    index = PathIndex().add_all([*TREE, _item("A", "Bills", "R", folder={})])
    assert index.path("x") == "/Bills/2025/x.pdf"


def test_a_move_is_the_last_parent_seen():
    index = PathIndex().add_all([*TREE, _item("x", "x.pdf", "R", file={})])
    assert index.path("x") == "/x.pdf"


def test_a_deleted_item_is_forgotten_and_its_orphans_say_so():
    index = PathIndex().add_all([*TREE, {"id": "B", "deleted": {}, "parentReference": {"id": "A"}}])
    with pytest.raises(KeyError, match="B"):
        index.path("x")


def test_a_missing_parent_is_named():
    index = PathIndex().add_all([ROOT, _item("x", "x.pdf", "Z", file={})])
    with pytest.raises(KeyError, match="'Z' was not in the listing"):
        index.path("x")


def test_a_cycle_is_an_error_not_a_hang():
    index = PathIndex().add_all([ROOT, _item("a", "a", "b"), _item("b", "b", "a")])
    with pytest.raises(ValueError, match="cycle"):
        index.path("a")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/sites/finance/Shared Documents/A/x.pdf", "/A/x.pdf"),
        ("/sites/finance/Shared%20Documents/A/x.pdf", "/A/x.pdf"),
        ("/sites/finance/shared documents/x.pdf", "/x.pdf"),
        ("/sites/finance/Shared Documents", "/"),
    ],
)
def test_library_path_cuts_the_root_folder(url, expected):
    assert library_path(url, "/sites/finance/Shared Documents") == expected


def test_a_url_outside_the_library_is_refused():
    with pytest.raises(ValueError, match="not inside the library"):
        library_path("/sites/finance/Shared Documents2/x.pdf", "/sites/finance/Shared Documents")


def test_parent_of():
    assert parent_of("/A/B/x.pdf") == "/A/B"
    assert parent_of("/x.pdf") == "/"
