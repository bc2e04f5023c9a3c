"""``Exchange.sync``: the first call lists the folder, the next only what changed since (Graph's
messages delta query). Changes are made in the sandbox's store, as another client's would be."""

from __future__ import annotations

import json

import pytest

from grooper_nb.exchange.client import Exchange
from tests.exchange.conftest import mailbox_ids


def test_sync_then_a_change_then_sync_returns_only_the_change(app_profile, user: dict, store) -> None:
    mail = Exchange(app_profile, user["upn"])
    box = store.mail.mailbox(user["upn"])
    inbox = store.mail.folder(box["id"], "inbox")

    first, removed, state = mail.sync("inbox")
    assert removed == [] and json.loads(json.dumps(state)) == state  # a state is plain JSON to keep
    assert sorted(first["internet_message_id"]) == sorted(mailbox_ids(store, user["upn"], inbox["id"]))
    listed = mail.messages("inbox", progress=False).set_index("id").sort_index()
    assert first.set_index("id").sort_index().equals(listed)  # every column, as a listing has them

    nothing, removed, state = mail.sync("inbox", state)
    assert len(nothing) == 0 and removed == []

    changed_id = first["id"].iloc[0]
    was_read = bool(first["is_read"].iloc[0])
    store.mail.update_message(box["id"], changed_id, {"isRead": not was_read})
    gone_id = first["id"].iloc[1]
    store.mail.delete_message(box["id"], gone_id)
    changes, removed, state = mail.sync("inbox", state)
    assert list(changes["id"]) == [changed_id] and bool(changes["is_read"].iloc[0]) is (not was_read)
    assert removed == [gone_id]
    assert (changes["folder_path"] == "Inbox").all() and (changes["mailbox"] == user["upn"].lower()).all()

    again, removed, _ = mail.sync("inbox", state)
    assert len(again) == 0 and removed == []


def test_a_state_of_another_folder_is_refused(app_profile, user: dict) -> None:
    mail = Exchange(app_profile, user["upn"])
    _, _, state = mail.sync("drafts")
    with pytest.raises(ValueError, match="another folder"):
        mail.sync("inbox", state)
