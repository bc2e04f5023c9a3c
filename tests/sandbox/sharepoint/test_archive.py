"""A scaled tenant (``--scale 6000``): the Finance site's "Archive" library, seven folders deep, paged
through SharePoint REST at its largest page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grooper_nb.auth import flows
from grooper_nb.profile import connect
from tests.helpers import own_sandbox
from tests.sandbox.sharepoint.sp_helpers import FINANCE, ROOT, Rest, next_link, rows

FILES = 6000


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with own_sandbox(tmp_path_factory, "scaled", "--scale", str(FILES)) as info:
        yield info


def test_the_archive_pages_at_most_5000_items_at_a_time(scaled: dict) -> None:
    profile = connect(
        app="Grooper Server-to-Server", sandbox_dir=scaled["state_dir"], credential="certificate"
    )
    token = flows.client_credentials(profile, [f"{ROOT}/.default"], use_cache=False).access_token.reveal()
    rest = Rest(profile.session)
    url = f"{FINANCE}/_api/web/lists/getbytitle('Archive')/items?$select=Id,FileDirRef,FSObjType&$top=10000"
    pages = []
    while url:
        body = rest.ok(url, token)
        pages.append(rows(body))
        url = next_link(body)
    assert len(pages[0]) == 5000
    items = [r for page in pages for r in page]
    files = [r for r in items if r["FSObjType"] == 0]
    assert len(files) == FILES and len({r["Id"] for r in items}) == len(items)
    deepest = max(r["FileDirRef"].count("/") for r in files) - "/sites/finance/Archive".count("/")
    assert deepest >= 6
