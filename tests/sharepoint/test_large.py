"""A deep library of thousands of files (the sandbox's "Archive" at a numeric scale): Graph's delta and
SharePoint REST's paged query each list it in about ceil(N / page size) requests, whatever its depth,
and agree row for row."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pandas as pd
import pytest

from grooper_nb.profile import connect
from grooper_nb.sharepoint import SharePoint, schema
from grooper_nb.sharepoint.graph import PAGE_SIZE as GRAPH_PAGE
from grooper_nb.sharepoint.rest import PAGE_SIZE as REST_PAGE
from tests.helpers import own_sandbox
from tests.sharepoint.conftest import FINANCE, recording_session

FILES = 12_000


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Iterator[dict]:
    with own_sandbox(tmp_path_factory, "large", "--scale", str(FILES)) as info:
        yield info


@pytest.fixture(scope="module")
def app(large):
    return connect(
        app="Grooper Server-to-Server",
        credential="certificate",
        sandbox_dir=large["state_dir"],
        session=recording_session(large),
    )


@pytest.fixture(scope="module")
def listings(app) -> dict[str, tuple[pd.DataFrame, int]]:
    out = {}
    for via in ("graph", "rest"):
        sp = SharePoint(app, via)
        lib = sp.library(FINANCE, "Archive")
        before = sp.requests
        df = sp.items(lib, progress=False)
        out[via] = (df, sp.requests - before)
    return out


@pytest.mark.parametrize(("via", "page"), [("graph", GRAPH_PAGE), ("rest", REST_PAGE)])
def test_a_deep_library_in_about_ceil_n_over_page_requests(listings, via, page):
    df, sent = listings[via]
    files = df[~df["is_folder"]]
    assert len(files) == FILES and df["unique_id"].is_unique
    assert files["path"].str.count("/").max() >= 7  # deep: no folder walk would be this cheap
    assert sent <= math.ceil(len(df) / page) + 1


def test_both_apis_list_the_archive_alike(listings):
    drop = list(schema.PER_API)
    graph, rest = (
        listings[v][0].drop(columns=drop).sort_values("unique_id").reset_index(drop=True)
        for v in ("graph", "rest")
    )
    pd.testing.assert_frame_equal(graph, rest)
