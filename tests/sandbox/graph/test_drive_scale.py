"""A library larger than a page, read through Graph the way a crawler reads it: the delta query pages at
200 items, every item comes once, and the tree rebuilds from ``parentReference.id`` alone (delta gives no
``path``), matching the store's server-relative URLs.

The module's sandbox is seeded with ``--scale 450``: 450 more files seven folders deep in the Finance
site's "Archive" library.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grooper_nb.sandbox.store import Store
from tests.helpers import own_sandbox
from tests.sandbox.graph.graph_helpers import Graph
from tests.sandbox.graph.sites_helpers import relative

FILES = 450


@pytest.fixture(scope="module")
def private_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """This module's own sandbox, with the Archive library of ``--scale 450``."""
    with own_sandbox(tmp_path_factory, "drive-scale", "--scale", str(FILES)) as info:
        yield info


def _paths(values: list[dict]) -> dict[str, str]:
    """Each item's path in its library, from ``name`` and ``parentReference.id`` only."""
    names = {v["id"]: (v["name"], v.get("parentReference", {}).get("id")) for v in values}
    root = next(v["id"] for v in values if "root" in v)

    def path(item_id: str) -> str:
        name, parent = names[item_id]
        return f"/{name}" if parent == root else f"{path(parent)}/{name}"

    return {i: path(i) for i in names if i != root}


def test_delta_pages_a_large_library_and_the_tree_rebuilds(
    graph: Graph, s2s_token: str, store: Store
) -> None:
    sp = store.sharepoint
    finance = sp.site_by_url("contoso.sharepoint.com", "/sites/finance")
    archive = sp.list_by_title(finance["id"], "Archive")
    path, values, sizes = f"/v1.0/drives/{archive['drive_id']}/root/delta", [], []
    while path:
        body = graph.get(path, s2s_token).json()
        values += body["value"]
        sizes.append(len(body["value"]))
        path = relative(body["@odata.nextLink"]) if "@odata.nextLink" in body else ""
    stored = sp.items(archive["id"])
    assert sum(1 for i in stored if not i["is_folder"]) == FILES
    assert len(values) == len({v["id"] for v in values}) == len(stored) + 1
    assert len(sizes) > 2 and max(sizes) == 201  # 200 changes a page, the root first on the first
    rebuilt = sorted(_paths(values).values())
    root = sp.root_url(archive)
    assert rebuilt == sorted(i["server_relative_url"][len(root) :] for i in stored)
    assert max(p.count("/") for p in rebuilt) >= 7
