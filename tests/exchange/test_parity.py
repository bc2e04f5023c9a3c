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


@pytest.fixture(scope="module")
def server_app(state_dir: str) -> Profile:
    """The server-to-server app (Graph Mail.Read application, EWS full_access_as_app)."""
    return connect(app="Grooper Server-to-Server", sandbox_dir=state_dir)


def _ews_account(connector: Profile, user: dict):
    return ropc(connector, user, ews_scopes(connector, False))


@pytest.fixture(scope="module")
def mailboxes(server_app, connector, delegated, user, mail_sandbox) -> dict[str, Exchange]:
    """Each way of reading a mailbox that the pairs below compare."""
    profile, result = delegated
    adele = seeded_user(mail_sandbox, "adele.vance")
    return {
        "graph app shared": Exchange(server_app, SHARED, via="graph"),
        "ews app shared": Exchange(server_app, SHARED, via="ews"),
        "ews delegated shared": Exchange(
            connector, SHARED, via="ews", account=_ews_account(connector, adele)
        ),
        "graph delegated own": Exchange(profile, None, via="graph", account=result),
        "ews delegated own": Exchange(
            connector, user["upn"], via="ews", account=_ews_account(connector, user)
        ),
    }


PAIRS = {
    "app-only, shared mailbox": ("graph app shared", "ews app shared"),
    "delegated, own mailbox": ("graph delegated own", "ews delegated own"),
    "delegated EWS, shared mailbox": ("graph app shared", "ews delegated shared"),
}


@pytest.fixture(scope="module")
def listing(mailboxes):
    """``listing(name)``: (folders, messages) of that way of reading, read once for the module."""
    read: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}

    def get(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        if name not in read:
            mail = mailboxes[name]
            read[name] = (mail.folders(), mail.messages(progress=False))
        return read[name]

    return get


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


@pytest.mark.parametrize("pair", list(PAIRS))
def test_folders_and_messages_are_the_same_through_either_api(pair, listing) -> None:
    (graph_folders, graph_messages), (ews_folders, ews_messages) = (listing(n) for n in PAIRS[pair])
    assert graph_messages.attrs["complete"] and ews_messages.attrs["complete"]
    _same(graph_folders, ews_folders, "folders")
    _same(graph_messages, ews_messages, "messages")


@pytest.mark.parametrize("pair", list(PAIRS)[:2])
def test_attachments_are_the_same_through_either_api(pair, listing, mailboxes) -> None:
    frames = []
    for name in PAIRS[pair]:
        df = listing(name)[1]
        with_attachments = df[df["attachment_count"] > 0].sort_values("internet_message_id").head(25)
        frames.append(mailboxes[name].attachments(with_attachments))
    _same(*frames, "attachments")
