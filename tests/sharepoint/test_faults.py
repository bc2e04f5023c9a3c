"""A library listing under injected faults loses and duplicates nothing: a share of 429s, then a burst
of 503s, each honoured as Retry-After asks (recorded, never slept: see conftest.recording_session).

Faults are switched per service; this module's sandbox is its own and every fault is switched off
after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from grooper_nb.sandbox import launcher
from grooper_nb.sharepoint import SharePoint, schema
from tests.sharepoint.conftest import FINANCE


@pytest.fixture(autouse=True)
def no_faults_left(state_dir: str) -> Iterator[None]:
    launcher.clear_faults(state_dir)
    yield
    launcher.clear_faults(state_dir)


@pytest.fixture(scope="module")
def baseline(cert_app) -> dict[str, pd.DataFrame]:
    """The library as each API lists it without faults (filled on first use, one per API)."""

    class Listings(dict):
        def __missing__(self, via: str) -> pd.DataFrame:
            sp = SharePoint(cert_app, via)
            self[via] = sp.items(sp.library(FINANCE, "Documents"), progress=False)
            return self[via]

    return Listings()


def _listing(profile, via: str, page_size: int) -> pd.DataFrame:
    sp = SharePoint(profile, via)
    lib = sp.library(FINANCE, "Documents")
    api = sp.api
    records = (
        api.delta_items(lib, page_size=page_size)
        if via == "graph"
        else api.library_items(lib, page_size=page_size)
    )
    return schema.frame(records, "documents").sort_values("path", kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("via", ["graph", "rest"])
def test_a_share_of_429s_loses_and_repeats_nothing(cert_app, baseline, state_dir, via):
    expected = baseline[via]  # listed before any fault is switched on
    host = "graph" if via == "graph" else "sharepoint"
    cert_app.session.waits.clear()
    launcher.set_fault(state_dir, "throttle", rate=0.3, seed=7, retry_after=3, host=host)
    got = _listing(cert_app, via, page_size=7)  # many small pages: many chances to be throttled
    [fault] = launcher.faults(state_dir)
    assert fault["applied"] > 0 and cert_app.session.waits.count(3.0) == fault["applied"]
    assert got["unique_id"].is_unique
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("via", ["graph", "rest"])
def test_a_burst_of_503s_loses_and_repeats_nothing(cert_app, baseline, state_dir, via):
    expected = baseline[via]  # listed before any fault is switched on
    host = "graph" if via == "graph" else "sharepoint"
    cert_app.session.waits.clear()
    launcher.set_fault(state_dir, "unavailable", count=3, retry_after=1, host=host)
    got = _listing(cert_app, via, page_size=10)
    assert cert_app.session.waits.count(1.0) == 3
    pd.testing.assert_frame_equal(got, expected)
