"""EWS operations over raw SOAP with real delegated tokens: the wire shapes, paging, ids and errors."""

from __future__ import annotations

import base64
import email
import email.policy
import xml.etree.ElementTree as ET

from grooper_nb.sandbox.store import Store
from grooper_nb.sandbox.store.mail import MessageQuery
from tests.sandbox.ews.ews_helpers import (
    EWS_URL,
    Ews,
    M,
    T,
    codes,
    fault_code,
    field_uris,
    find_item,
    folder_ids,
    messages,
)

BASE64_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def _inbox(store: Store, user: dict) -> tuple[dict, list[dict]]:
    box = store.mail.mailbox(user["object_id"])
    inbox = store.mail.folder(box["id"], "inbox")
    page, _ = store.mail.messages(box["id"], inbox["id"], MessageQuery(top=1000))
    return inbox, page


def test_every_answer_carries_server_version_and_the_ids_headers(ews: Ews, megan_token: str) -> None:
    resp = ews.post(
        megan_token,
        "<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>"
        f"<m:FolderIds>{folder_ids('inbox')}</m:FolderIds></m:GetFolder>",
    )
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert resp.headers["request-id"] and resp.headers["X-BackEndHttpStatus"] == "200"
    info = ET.fromstring(resp.content).find(f".//{{{T}}}ServerVersionInfo")
    assert (info.get("MajorVersion"), info.get("MinorVersion"), info.get("Version")) == (
        "15",
        "20",
        "V2018_01_08",
    )


def test_get_folder_counts_match_the_store(ews: Ews, megan_token: str, store: Store, megan: dict) -> None:
    inbox, page = _inbox(store, megan)
    body = (
        "<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>"
        f"<m:FolderIds>{folder_ids('inbox')}{folder_ids('calendar')}</m:FolderIds></m:GetFolder>"
    )
    resp = ews.post(megan_token, body)
    assert codes(resp) == ["NoError", "ErrorFolderNotFound"]
    folder = messages(resp)[0].find(f".//{{{T}}}Folder")
    assert folder.findtext(f"{{{T}}}DisplayName") == "Inbox"
    assert int(folder.findtext(f"{{{T}}}TotalCount")) == inbox["totalItemCount"] == len(page)
    assert int(folder.findtext(f"{{{T}}}UnreadCount")) == sum(not m["isRead"] for m in page)
    assert int(folder.findtext(f"{{{T}}}ChildFolderCount")) == inbox["childFolderCount"]
    assert folder.find(f"{{{T}}}ParentFolderId").get("Id")
    assert folder.find(f"{{{T}}}FolderId").get("ChangeKey")


def test_find_folder_shallow_and_deep(ews: Ews, megan_token: str) -> None:
    def names(traversal: str, parent: str) -> list[str]:
        body = (
            f'<m:FindFolder Traversal="{traversal}"><m:FolderShape><t:BaseShape>Default</t:BaseShape>'
            f"</m:FolderShape><m:ParentFolderIds>{folder_ids(parent)}</m:ParentFolderIds></m:FindFolder>"
        )
        resp = ews.post(megan_token, body)
        assert codes(resp) == ["NoError"]
        return [f.findtext(f"{{{T}}}DisplayName") for f in messages(resp)[0].iter(f"{{{T}}}Folder")]

    top = names("Shallow", "msgfolderroot")
    assert {"Inbox", "Sent Items", "Deleted Items", "Drafts", "Archive", "Invoices"} <= set(top)
    assert "Acme" not in top
    assert {"Invoices", "Vendors", "Acme"} <= set(names("Deep", "inbox"))
    assert names("Shallow", "root") == ["Top of Information Store"]


def test_find_item_pages_with_offsets_and_says_when_it_is_done(
    ews: Ews, megan_token: str, store: Store, megan: dict
) -> None:
    _, page = _inbox(store, megan)
    seen, offset = [], 0
    while True:
        view = f'<m:IndexedPageItemView MaxEntriesReturned="5" Offset="{offset}" BasePoint="Beginning"/>'
        resp = ews.post(
            megan_token,
            find_item(folder_ids("inbox"), extra=field_uris("message:InternetMessageId"), view=view),
        )
        root = messages(resp)[0].find(f"{{{M}}}RootFolder")
        assert int(root.get("TotalItemsInView")) == len(page)
        seen += [i.findtext(f"{{{T}}}InternetMessageId") for i in root.iter(f"{{{T}}}Message")]
        offset = int(root.get("IndexedPagingOffset"))
        if root.get("IncludesLastItemInRange") == "true":
            break
    assert seen == [m["internetMessageId"] for m in page]  # newest first, as the store orders them
    view = '<m:IndexedPageItemView MaxEntriesReturned="3" Offset="0" BasePoint="End"/>'
    resp = ews.post(
        megan_token, find_item(folder_ids("inbox"), extra=field_uris("message:InternetMessageId"), view=view)
    )
    ends = [i.findtext(f"{{{T}}}InternetMessageId") for i in messages(resp)[0].iter(f"{{{T}}}Message")]
    assert ends == [m["internetMessageId"] for m in page[-3:]]


def test_find_item_returns_no_recipients_body_or_sender_address(ews: Ews, megan_token: str) -> None:
    extra = field_uris(
        "item:Subject",
        "message:ToRecipients",
        "item:Body",
        "item:Categories",
        "message:From",
        "item:Size",
        "item:Importance",
        "message:IsRead",
        "item:HasAttachments",
        "item:DateTimeReceived",
    )
    resp = ews.post(megan_token, find_item(folder_ids("inbox"), extra=extra))
    first = next(messages(resp)[0].iter(f"{{{T}}}Message"))
    for absent in ("ToRecipients", "Body", "Categories"):
        assert first.find(f"{{{T}}}{absent}") is None
    assert first.find(f"{{{T}}}From/{{{T}}}Mailbox/{{{T}}}EmailAddress") is None
    assert first.findtext(f"{{{T}}}From/{{{T}}}Mailbox/{{{T}}}Name")
    for present in ("Subject", "Size", "Importance", "IsRead", "HasAttachments", "DateTimeReceived"):
        assert first.find(f"{{{T}}}{present}") is not None, present


def _item_ids(ews: Ews, token: str, folder: str = "inbox") -> list[str]:
    resp = ews.post(token, find_item(folder_ids(folder)))
    return [i.get("Id") for i in messages(resp)[0].iter(f"{{{T}}}ItemId")]


def test_get_item_with_mime_and_every_property(ews: Ews, megan_token: str, store: Store, megan: dict) -> None:
    _, page = _inbox(store, megan)
    item_ids = _item_ids(ews, megan_token)
    body = (
        "<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape>"
        "<t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape><m:ItemIds>"
        + "".join(f'<t:ItemId Id="{i}"/>' for i in item_ids[:5])
        + "</m:ItemIds></m:GetItem>"
    )
    resp = ews.post(megan_token, body)
    assert codes(resp) == ["NoError"] * 5
    for got, want in zip(messages(resp), page[:5], strict=True):
        item = got.find(f".//{{{T}}}Message")
        assert item.findtext(f"{{{T}}}InternetMessageId") == want["internetMessageId"]
        to = [a.text for a in item.iter(f"{{{T}}}EmailAddress") if a is not None]
        assert want["toRecipients"][0]["emailAddress"]["address"] in to
        assert (
            item.findtext(f"{{{T}}}From/{{{T}}}Mailbox/{{{T}}}EmailAddress")
            == want["from"]["emailAddress"]["address"]
        )
        assert [c.text for c in item.iter(f"{{{T}}}String")] == want["categories"]
        assert item.find(f"{{{T}}}Body").get("BodyType") == "HTML"
        mime = item.findtext(f"{{{T}}}MimeContent")
        assert set(mime) <= BASE64_CHARS
        parsed = email.message_from_bytes(base64.b64decode(mime), policy=email.policy.default)
        assert parsed["Message-ID"] == want["internetMessageId"]
        assert parsed["Subject"] == want["subject"]
        assert len(list(parsed.iter_attachments())) == len(store.mail.attachments(want["id"]))


def test_get_attachment_returns_the_stored_bytes(
    ews: Ews, megan_token: str, store: Store, megan: dict
) -> None:
    _, page = _inbox(store, megan)
    index = next(i for i, m in enumerate(page) if m["hasAttachments"])
    item_id = _item_ids(ews, megan_token)[index]
    resp = ews.post(
        megan_token,
        "<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape>"
        f'<m:ItemIds><t:ItemId Id="{item_id}"/></m:ItemIds></m:GetItem>',
    )
    att_id = next(messages(resp)[0].iter(f"{{{T}}}AttachmentId")).get("Id")
    resp = ews.post(
        megan_token,
        f'<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="{att_id}"/>'
        "</m:AttachmentIds></m:GetAttachment>",
    )
    assert codes(resp) == ["NoError"]
    content = base64.b64decode(messages(resp)[0].findtext(f".//{{{T}}}FileAttachment/{{{T}}}Content"))
    assert content == store.mail.attachments(page[index]["id"])[0]["_content"]


def test_malformed_and_unknown_ids(ews: Ews, megan_token: str) -> None:
    body = (
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds>"
        '<t:ItemId Id="not an id!"/><t:ItemId Id="AAMkADk="/></m:ItemIds></m:GetItem>'
    )
    assert codes(ews.post(megan_token, body)) == ["ErrorInvalidIdMalformed", "ErrorInvalidIdMalformed"]
    error = messages(ews.post(megan_token, body))[0]
    assert (
        error.get("ResponseClass") == "Error" and error.findtext(f"{{{M}}}MessageText") == "Id is malformed."
    )
    resp = ews.post(megan_token, find_item('<t:FolderId Id="%%%"/>'))
    assert codes(resp) == ["ErrorInvalidIdMalformed"]


def test_get_item_refuses_more_than_the_batch(ews: Ews, megan_token: str) -> None:
    ids = "".join('<t:ItemId Id="AAMkADk="/>' for _ in range(101))
    resp = ews.post(
        megan_token,
        f"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>"
        f"<m:ItemIds>{ids}</m:ItemIds></m:GetItem>",
    )
    assert resp.status_code == 500


def test_resolve_names(ews: Ews, megan_token: str, megan: dict) -> None:
    def resolve(entry: str):
        return ews.post(
            megan_token,
            f'<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>{entry}'
            "</m:UnresolvedEntry></m:ResolveNames>",
        )

    one = resolve(f"SMTP:{megan['upn']}")
    assert codes(one) == ["NoError"]
    assert messages(one)[0].findtext(f".//{{{T}}}EmailAddress").lower() == megan["upn"].lower()
    assert codes(resolve("Megan")) == ["NoError"]
    assert codes(resolve("zzzz-nobody")) == ["ErrorNameResolutionNoResults"]
    assert codes(resolve("invoices")) in (["NoError"], ["ErrorNameResolutionMultipleResults"])


def test_what_is_not_a_served_soap_request(ews: Ews, megan_token: str) -> None:
    auth = {"Authorization": f"Bearer {megan_token}", "Content-Type": "text/xml; charset=utf-8"}
    garbage = ews.session.post(EWS_URL, data=b"<not-soap", headers=auth, timeout=30)
    assert (garbage.status_code, fault_code(garbage)) == (500, "ErrorSchemaValidation")
    unknown = ews.post(megan_token, "<m:SyncFolderItems/>")
    assert (unknown.status_code, fault_code(unknown)) == (500, "ErrorInvalidRequest")
    assert ews.session.get(EWS_URL, headers=auth, timeout=30).status_code == 405


def _restricted(ews: Ews, token: str, restriction: str) -> ET.Element:
    view = '<m:IndexedPageItemView MaxEntriesReturned="1000" Offset="0" BasePoint="Beginning"/>'
    body = find_item(
        folder_ids("inbox"), extra=field_uris("message:InternetMessageId"), view=view + restriction
    )
    return messages(ews.post(token, body))[0]


def test_find_item_evaluates_a_received_time_restriction(
    ews: Ews, megan_token: str, store: Store, megan: dict
) -> None:
    _, page = _inbox(store, megan)
    times = sorted(m["receivedDateTime"] for m in page)
    since, until = times[3], times[-3]

    def compare(op: str, value: str) -> str:
        return (
            f'<t:{op}><t:FieldURI FieldURI="item:DateTimeReceived"/>'
            f'<t:FieldURIOrConstant><t:Constant Value="{value}"/></t:FieldURIOrConstant></t:{op}>'
        )

    both = f"<t:And>{compare('IsGreaterThanOrEqualTo', since)}{compare('IsLessThan', until)}</t:And>"
    answer = _restricted(ews, megan_token, f"<m:Restriction>{both}</m:Restriction>")
    root = answer.find(f"{{{M}}}RootFolder")
    expected = [m["internetMessageId"] for m in page if since <= m["receivedDateTime"] < until]
    assert int(root.get("TotalItemsInView")) == len(expected)
    assert [i.findtext(f"{{{T}}}InternetMessageId") for i in root.iter(f"{{{T}}}Message")] == expected
    subject = (
        '<t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase">'
        '<t:FieldURI FieldURI="item:Subject"/><t:Constant Value="Invoice"/></t:Contains>'
    )
    refused = _restricted(ews, megan_token, f"<m:Restriction>{subject}</m:Restriction>")
    assert refused.findtext(f"{{{M}}}ResponseCode") == "ErrorInvalidRestriction"


def test_get_item_returns_bcc_recipients_and_attachment_metadata(
    ews: Ews, megan_token: str, store: Store, megan: dict
) -> None:
    box = store.mail.mailbox(megan["object_id"])
    bcc = {"emailAddress": {"name": "Audit", "address": "audit@contoso.onmicrosoft.com"}}
    store.mail.add_message(
        box["id"],
        store.mail.folder(box["id"], "drafts")["id"],
        {
            "subject": "Bcc draft",
            "receivedDateTime": "2026-01-01T00:00:00Z",
            "lastModifiedDateTime": "2026-01-01T00:00:00Z",
            "bccRecipients": [bcc],
        },
    )
    ids = "".join(f'<t:ItemId Id="{i}"/>' for i in _item_ids(ews, megan_token)[:20])
    ids += "".join(f'<t:ItemId Id="{i}"/>' for i in _item_ids(ews, megan_token, "drafts"))
    body = (
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        + field_uris("message:BccRecipients", "item:Attachments", "item:IsDraft", "item:LastModifiedTime")
        + f"</t:AdditionalProperties></m:ItemShape><m:ItemIds>{ids}</m:ItemIds></m:GetItem>"
    )
    resp = ews.post(megan_token, body)
    assert set(codes(resp)) == {"NoError"}
    items = [m.find(f".//{{{T}}}Message") for m in messages(resp)]
    assert all(i.findtext(f"{{{T}}}IsDraft") in ("true", "false") for i in items)
    assert all(i.findtext(f"{{{T}}}LastModifiedTime") for i in items)
    files = [a for i in items for a in i.iter(f"{{{T}}}FileAttachment")]
    assert files and all(a.findtext(f"{{{T}}}Name") and a.findtext(f"{{{T}}}Size") for a in files)
    hidden = [a.text for i in items for a in i.iterfind(f"{{{T}}}BccRecipients//{{{T}}}EmailAddress")]
    assert hidden == ["audit@contoso.onmicrosoft.com"]
