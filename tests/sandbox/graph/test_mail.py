"""Graph mail as a client reads it: folders, messages, query options, paging, attachments, delta.

The module's sandbox is seeded with ``--scale 2000`` (2,000 more messages in the shared mailbox), so
1000-message pages really page. Tokens are real: the middle-tier app's delegated ``Mail.Read`` (ROPC)
and the server-to-server app's application ``Mail.Read`` (client credentials), through the proxy.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grooper_nb.profile import connect
from grooper_nb.sandbox.store import Store
from tests.helpers import own_sandbox, plain_user
from tests.sandbox.graph.graph_helpers import Graph, ropc_token

SHARED = "invoices@contoso.onmicrosoft.com"
EXTRA = 2000


@pytest.fixture(scope="module")
def private_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """This module's own sandbox, with the shared mailbox grown by ``--scale 2000``."""
    with own_sandbox(tmp_path_factory, "mail", "--scale", str(EXTRA)) as info:
        yield info


@pytest.fixture(scope="module")
def user(private_sandbox: dict) -> dict:
    return plain_user(private_sandbox)


@pytest.fixture(scope="module")
def mail_token(private_sandbox: dict, user: dict) -> str:
    """A delegated token of an ordinary user with Mail.Read (the middle-tier app, consented)."""
    profile = connect(app="Grooper Middle-Tier API", sandbox_dir=private_sandbox["state_dir"])
    return ropc_token(profile, user)


def test_folder_tree_has_the_well_known_folders_and_subfolders(graph: Graph, mail_token: str) -> None:
    resp = graph.get("/v1.0/me/mailFolders", mail_token)
    assert resp.status_code == 200, resp.text
    names = {f["displayName"]: f for f in resp.json()["value"]}
    assert set(names) == {"Inbox", "Sent Items", "Archive", "Deleted Items", "Drafts", "Invoices"}
    inbox = names["Inbox"]
    assert inbox["childFolderCount"] == 2 and inbox["totalItemCount"] > 0
    assert {"unreadItemCount", "parentFolderId", "isHidden"} <= set(inbox)

    children = graph.get(f"/v1.0/me/mailFolders/{inbox['id']}/childFolders", mail_token).json()["value"]
    assert sorted(c["displayName"] for c in children) == ["Invoices", "Vendors"]
    vendors = next(c for c in children if c["displayName"] == "Vendors")
    acme = graph.get(f"/beta/me/mailFolders/{vendors['id']}/childFolders", mail_token).json()["value"]
    assert [a["displayName"] for a in acme] == ["Acme"] and acme[0]["parentFolderId"] == vendors["id"]

    for name in ("Inbox", "inbox", "SENTITEMS", "archive", "deleteditems", "Drafts"):
        got = graph.get(f"/v1.0/me/mailFolders/{name}", mail_token)
        assert got.status_code == 200, (name, got.text)
    assert graph.get("/v1.0/me/mailFolders/Inbox", mail_token).json()["id"] == inbox["id"]
    missing = graph.get("/v1.0/me/mailFolders/nosuchfolder", mail_token)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ErrorItemNotFound"


def test_a_message_has_graphs_shape(graph: Graph, mail_token: str, user: dict) -> None:
    page = graph.get(f"/v1.0/users/{user['upn']}/messages", mail_token).json()
    assert len(page["value"]) == 10 and "@odata.nextLink" in page  # Graph's default page
    message = page["value"][0]
    for name in (
        "id",
        "subject",
        "receivedDateTime",
        "from",
        "toRecipients",
        "ccRecipients",
        "isRead",
        "importance",
        "categories",
        "conversationId",
        "internetMessageId",
        "hasAttachments",
        "body",
    ):
        assert name in message, name
    assert message["internetMessageId"].startswith("<") and message["internetMessageId"].endswith(
        "@contoso.onmicrosoft.com>"
    )
    one = graph.get(f"/v1.0/me/messages/{message['id']}", mail_token)
    assert one.status_code == 200 and one.json()["id"] == message["id"]
    gone = graph.get("/v1.0/me/messages/AAMkAGnosuchmessage", mail_token)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "ErrorItemNotFound"


def test_1000_message_pages_yield_every_message_once(graph: Graph, s2s_token: str, store: Store) -> None:
    url = f"/v1.0/users/{SHARED}/messages?$top=1000&$select=subject"
    seen, pages = [], 0
    while url:
        resp = graph.get(url, s2s_token)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert len(body["value"]) <= 1000
        seen += [m["id"] for m in body["value"]]
        pages += 1
        url = body.get("@odata.nextLink", "").removeprefix("https://graph.microsoft.com")
    box = store.mail.mailbox(SHARED)
    assert len(seen) == len(set(seen)) == store.mail.count(box["id"]) > 2000
    assert pages == 3
    too_many = graph.get(f"/v1.0/users/{SHARED}/messages?$top=1001", s2s_token)
    assert too_many.status_code == 400


def test_filter_select_orderby_count(graph: Graph, s2s_token: str, user: dict) -> None:
    base = f"/v1.0/users/{user['upn']}/mailFolders/inbox/messages"
    everything = graph.get(f"{base}?$top=1000", s2s_token).json()["value"]
    with_files = graph.get(
        f"{base}?$filter=hasAttachments eq true&$count=true&$top=1000",
        s2s_token,
        headers={"ConsistencyLevel": "eventual"},
    ).json()
    assert with_files["@odata.count"] == sum(m["hasAttachments"] for m in everything) > 0
    assert all(m["hasAttachments"] for m in with_files["value"])

    unread = graph.get(f"{base}?$filter=isRead eq false&$top=1000", s2s_token).json()["value"]
    assert {m["id"] for m in unread} == {m["id"] for m in everything if not m["isRead"]}

    sender = everything[0]["from"]["emailAddress"]["address"]
    by_sender = graph.get(f"{base}?$filter=from/emailAddress/address eq '{sender}'", s2s_token).json()
    assert by_sender["value"] and all(
        m["from"]["emailAddress"]["address"] == sender for m in by_sender["value"]
    )

    times = sorted(m["receivedDateTime"] for m in everything)
    middle = times[len(times) // 2]
    later = graph.get(
        f"{base}?$filter=receivedDateTime ge {middle}&$orderby=receivedDateTime asc&$top=1000"
        "&$select=subject,receivedDateTime",
        s2s_token,
    ).json()["value"]
    assert [m["receivedDateTime"] for m in later] == [t for t in times if t >= middle]
    assert set(later[0]) == {"@odata.etag", "id", "subject", "receivedDateTime"}
    earlier = graph.get(f"{base}?$filter=receivedDateTime lt {middle}&$top=1000", s2s_token).json()["value"]
    assert len(earlier) + len(later) == len(everything)

    inefficient = graph.get(f"{base}?$filter=isRead eq false&$orderby=receivedDateTime desc", s2s_token)
    assert inefficient.status_code == 400 and inefficient.json()["error"]["code"] == "InefficientFilter"


def test_attachment_value_is_the_pdf(graph: Graph, s2s_token: str) -> None:
    base = f"/v1.0/users/{SHARED}"
    messages = graph.get(
        f"{base}/mailFolders/Inbox/messages?$filter=hasAttachments eq true", s2s_token
    ).json()
    pdf = None
    for message in messages["value"]:
        listed = graph.get(f"{base}/messages/{message['id']}/attachments", s2s_token).json()["value"]
        pdf = next((a for a in listed if a["contentType"] == "application/pdf"), None)
        if pdf:
            break
    assert pdf is not None and pdf["@odata.type"] == "#microsoft.graph.fileAttachment"
    one = graph.get(f"{base}/messages/{message['id']}/attachments/{pdf['id']}", s2s_token).json()
    assert one["name"].endswith(".pdf") and one["size"] == pdf["size"]
    raw = graph.get(f"{base}/messages/{message['id']}/attachments/{pdf['id']}/$value", s2s_token)
    assert raw.status_code == 200 and raw.headers["Content-Type"].startswith("application/pdf")
    assert raw.content.startswith(b"%PDF-") and raw.content.rstrip().endswith(b"%%EOF")
    assert len(raw.content) == pdf["size"]


def _drain(graph: Graph, url: str, token: str) -> tuple[list[dict], str]:
    items = []
    while True:
        body = graph.get(url.removeprefix("https://graph.microsoft.com"), token).json()
        items += body["value"]
        if "@odata.deltaLink" in body:
            return items, body["@odata.deltaLink"]
        url = body["@odata.nextLink"]


def test_delta_then_a_change_then_delta_returns_exactly_the_change(
    graph: Graph, mail_token: str, user: dict, store: Store
) -> None:
    box = store.mail.mailbox(user["upn"])
    inbox = store.mail.folder(box["id"], "inbox")
    first, delta = _drain(graph, "/v1.0/me/mailFolders/inbox/messages/delta", mail_token)
    assert len(first) == len({m["id"] for m in first}) == inbox["totalItemCount"]

    again, delta = _drain(graph, delta, mail_token)
    assert again == []

    changed = first[0]
    store.mail.update_message(box["id"], changed["id"], {"isRead": not changed["isRead"]})
    added = store.mail.add_message(
        box["id"], inbox["id"], {"subject": "Invoice INV-00001", "receivedDateTime": "2026-01-02T03:04:05Z"}
    )
    store.mail.delete_message(box["id"], first[1]["id"])
    changes, delta = _drain(graph, delta, mail_token)
    by_id = {m["id"]: m for m in changes}
    assert set(by_id) == {changed["id"], added["id"], first[1]["id"]}
    assert by_id[changed["id"]]["isRead"] is (not changed["isRead"])
    assert by_id[added["id"]]["subject"] == "Invoice INV-00001"
    assert by_id[first[1]["id"]]["@removed"] == {"reason": "deleted"}
    assert _drain(graph, delta, mail_token)[0] == []


def test_batch_runs_each_request_and_a_failed_dependency_is_424(graph: Graph, mail_token: str) -> None:
    requests = [
        {"id": "1", "method": "GET", "url": "/me/mailFolders/inbox"},
        {"id": "2", "method": "GET", "url": "/me/messages?$top=2&$select=subject", "dependsOn": ["1"]},
        {"id": "3", "method": "GET", "url": "/me/messages/AAMkAGnosuchmessage"},
        {"id": "4", "method": "GET", "url": "/me/mailFolders", "dependsOn": ["3"]},
    ]
    resp = graph.post("/v1.0/$batch", mail_token, {"requests": requests})
    assert resp.status_code == 200, resp.text
    by_id = {r["id"]: r for r in resp.json()["responses"]}
    assert by_id["1"]["status"] == 200 and by_id["1"]["body"]["displayName"] == "Inbox"
    assert by_id["2"]["status"] == 200 and len(by_id["2"]["body"]["value"]) == 2
    assert by_id["3"]["status"] == 404 and by_id["3"]["body"]["error"]["code"] == "ErrorItemNotFound"
    assert by_id["4"]["status"] == 424

    too_many = [{"id": str(i), "method": "GET", "url": "/me/mailFolders"} for i in range(21)]
    assert graph.post("/v1.0/$batch", mail_token, {"requests": too_many}).status_code == 400
    twice = [{"id": "a", "method": "GET", "url": "/me"}, {"id": "A", "method": "GET", "url": "/me"}]
    assert graph.post("/beta/$batch", mail_token, {"requests": twice}).status_code == 400
    assert graph.post("/v1.0/$batch", None, {"requests": requests}).status_code == 401


def test_a_forged_delta_token_is_400(graph: Graph, mail_token: str) -> None:
    for token in ("not-base64!", "eyJzIjoieCJ9", "W10"):
        resp = graph.get(f"/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken={token}", mail_token)
        assert resp.status_code == 400, (token, resp.text)


def test_msgfolderroot_is_the_parent_of_the_top_level_folders(graph: Graph, mail_token: str) -> None:
    root = graph.get("/v1.0/me/mailFolders/msgfolderroot", mail_token)
    assert root.status_code == 200, root.text
    top = graph.get("/v1.0/me/mailFolders", mail_token).json()["value"]
    assert {f["parentFolderId"] for f in top} == {root.json()["id"]}
    assert root.json()["childFolderCount"] == len(top)
    children = graph.get(f"/v1.0/me/mailFolders/{root.json()['id']}/childFolders", mail_token).json()["value"]
    assert sorted(c["id"] for c in children) == sorted(f["id"] for f in top)
    by_name = graph.get("/v1.0/me/mailFolders/MsgFolderRoot/childFolders?$top=2", mail_token).json()
    assert len(by_name["value"]) == 2 and "@odata.nextLink" in by_name


def test_expand_size_and_attachments_inline_with_each_message(
    graph: Graph, s2s_token: str, store: Store
) -> None:
    from grooper_nb.sandbox.mail_size import message_size

    expand = "singleValueExtendedProperties($filter=id eq 'Integer 0x0E08'),attachments($select=id,isInline)"
    url = f"/v1.0/users/{SHARED}/mailFolders/inbox/messages?$top=50&$select=subject&$expand={expand}"
    page = graph.get(url, s2s_token)
    assert page.status_code == 200, page.text
    box = store.mail.mailbox(SHARED)
    for message in page.json()["value"]:
        stored = store.mail.message(box["id"], message["id"])
        [size] = message["singleValueExtendedProperties"]
        assert size["id"].lower() == "integer 0xe08" and int(size["value"]) == message_size(
            store.mail, stored
        )
        attached = store.mail.attachments(message["id"])
        assert sorted(a["id"] for a in message["attachments"]) == sorted(a["id"] for a in attached)
        assert all(set(a) == {"@odata.type", "id", "isInline"} for a in message["attachments"])
    nxt = page.json()["@odata.nextLink"]
    assert "expand" in nxt  # the next page expands too
    body_property = "singleValueExtendedProperties($filter=id eq 'String 0x1000')"
    other = graph.get(f"/v1.0/users/{SHARED}/messages?$top=1&$expand={body_property}", s2s_token)
    assert other.json()["value"][0]["singleValueExtendedProperties"] == []
    bad = graph.get(f"/v1.0/users/{SHARED}/messages?$top=1&$expand=mentions", s2s_token)
    assert bad.status_code == 400
