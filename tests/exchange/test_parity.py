"""Graph and EWS agree, through the front end: ``Exchange(..., via="graph")`` and ``via="ews"`` of one
mailbox give the same rows in the same schema once the columns each API encodes its own way
(:data:`grooper_nb.exchange.schema.PER_API`) are dropped, sizes, attachment counts and every time included.

Both read the same sandbox mailbox with real tokens: the shared mailbox app-only (Graph ``Mail.Read``
application, EWS ``full_access_as_app`` impersonation) and a seeded user's own mailbox delegated (Graph
``Mail.Read`` through the middle-tier app, EWS ``EWS.AccessAsUser.All`` through Grooper's connector), and
the shared mailbox delegated through EWS (Adele's Full Access) against Graph's app-only view of it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from grooper_nb.exchange import schema
from grooper_nb.exchange.client import Exchange
from grooper_nb.exchange.ews.tokens import ews_scopes
from grooper_nb.profile import Profile, connect
from tests.exchange.conftest import SHARED, ropc
from tests.helpers import seeded_user

CONNECTOR = "Grooper Azure AD Connector 2021"
# Columns every row of the sandbox's mailboxes has: compared, and never missing.
FILLED = {
    "folders": ("path", "total_count", "unread_count", "child_folder_count"),
    "messages": ("received", "sent", "created", "last_modified", "size_bytes", "attachment_count"),
    "attachments": ("name", "size_bytes", "is_inline", "last_modified"),
}


@pytest.fixture(scope="module")
def connector(state_dir: str) -> Profile:
    return connect(app=CONNECTOR, sandbox_dir=state_dir)


def _ews_account(connector: Profile, user: dict):
    return ropc(connector, user, ews_scopes(connector, False))


@pytest.fixture
def app_pair(app_profile: Profile) -> tuple[Exchange, Exchange]:
    return Exchange(app_profile, SHARED, via="graph"), Exchange(app_profile, SHARED, via="ews")


@pytest.fixture
def user_pair(delegated, connector: Profile, user: dict) -> tuple[Exchange, Exchange]:
    profile, result = delegated
    graph = Exchange(profile, None, via="graph", account=result)
    ews = Exchange(connector, user["upn"], via="ews", account=_ews_account(connector, user))
    return graph, ews


@pytest.fixture
def shared_delegated_pair(app_profile, connector: Profile, mail_sandbox) -> tuple[Exchange, Exchange]:
    adele = seeded_user(mail_sandbox, "adele.vance")
    ews = Exchange(connector, SHARED, via="ews", account=_ews_account(connector, adele))
    return Exchange(app_profile, SHARED, via="graph"), ews


def _same(graph: pd.DataFrame, ews: pd.DataFrame, table: str) -> None:
    """The comparable columns of both frames, row for row (sorted by the table's key)."""
    left, right = schema.comparable(graph, table), schema.comparable(ews, table)
    assert list(left.columns) == list(right.columns)
    assert dict(left.dtypes) == dict(right.dtypes)
    assert len(left) == len(right) and len(left) > 0
    for column in left.columns:  # one column at a time, so a failure names it
        a, b = left[column], right[column]
        same = (a == b).fillna(False).astype(bool) | (a.isna() & b.isna())
        assert same.all(), f"{table}.{column} differs:\n{a[~same].head()}\n{b[~same].head()}"
    pd.testing.assert_frame_equal(left, right)
    for column in FILLED[table]:  # equal because both are empty proves nothing
        assert left[column].notna().all(), f"{table}.{column} has missing values"


@pytest.mark.parametrize("pair", ["app_pair", "user_pair", "shared_delegated_pair"])
def test_folders_and_messages_are_the_same_through_either_api(pair, request) -> None:
    graph, ews = request.getfixturevalue(pair)
    _same(graph.folders(), ews.folders(), "folders")
    _same(graph.messages(progress=False), ews.messages(progress=False), "messages")


@pytest.mark.parametrize("pair", ["app_pair", "user_pair"])
def test_attachments_are_the_same_through_either_api(pair, request) -> None:
    graph, ews = request.getfixturevalue(pair)
    frames = []
    for mail in (graph, ews):
        df = mail.messages(progress=False)
        with_attachments = df[df["attachment_count"] > 0].sort_values("internet_message_id").head(25)
        frames.append(mail.attachments(with_attachments))
    _same(*frames, "attachments")
