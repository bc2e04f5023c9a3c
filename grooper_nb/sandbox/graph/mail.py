"""Outlook mail through Graph: mail folders, messages, attachments and the messages delta query.

Every route is served under ``/users/{id | userPrincipalName}`` and under ``/me`` (delegated tokens
only), in ``/v1.0`` and ``/beta`` alike; who may open which mailbox is :mod:`.mail_access`, the query
options are :mod:`.mail_query`, the data is :mod:`..store.mail`.

* ``GET /mailFolders``, ``/mailFolders/{id | well-known name}``, ``/mailFolders/{id}/childFolders``:
  https://learn.microsoft.com/graph/api/user-list-mailfolders?view=graph-rest-1.0,
  https://learn.microsoft.com/graph/api/mailfolder-get?view=graph-rest-1.0,
  https://learn.microsoft.com/graph/api/mailfolder-list-childfolders?view=graph-rest-1.0; the resource:
  https://learn.microsoft.com/graph/api/resources/mailfolder?view=graph-rest-1.0. A well-known name
  (``inbox``, ``sentitems``, ``archive``, ``deleteditems``, ``drafts``, and ``msgfolderroot``, the top of
  the tree) matches in any case, as Graph's does.
* ``GET /messages``, ``/mailFolders/{id}/messages``:
  https://learn.microsoft.com/graph/api/user-list-messages?view=graph-rest-1.0;
  ``GET /messages/{id}``: https://learn.microsoft.com/graph/api/message-get?view=graph-rest-1.0; the
  resource: https://learn.microsoft.com/graph/api/resources/message?view=graph-rest-1.0. ``$expand`` of
  the size property and the attachments: :mod:`.mail_expand`.
* ``GET /messages/{id}/attachments``, ``/attachments/{id}``, ``/attachments/{id}/$value``:
  https://learn.microsoft.com/graph/api/message-list-attachments?view=graph-rest-1.0,
  https://learn.microsoft.com/graph/api/attachment-get?view=graph-rest-1.0.
* ``GET /mailFolders/{id}/messages/delta``: pages with ``@odata.nextLink``, then ``@odata.deltaLink``,
  whose later call returns only what changed since (deleted messages as ``@removed``):
  https://learn.microsoft.com/graph/api/message-delta?view=graph-rest-1.0,
  https://learn.microsoft.com/graph/delta-query-messages.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, request

from . import GRAPH
from .mail_access import Opened, access_denied, item_not_found, open_mailbox
from .mail_expand import expand_message, expansions
from .mail_query import message_page, message_query, next_link, page_size, select_message, skip_from_token
from .odata import GRAPH as GRAPH_URL
from .odata import bad_request, context

__all__: list[str] = []

DELTA_PAGE = 10


def _mail() -> Any:
    return current_app.config["STORE"].mail


def _route(rule: str) -> Callable:
    """Register a view under ``/users/<key>`` + ``rule`` and ``/me`` + ``rule`` (``key`` None)."""

    def register(view: Callable) -> Callable:
        GRAPH.add_url_rule(f"/users/<key>{rule}", view_func=view, methods=["GET"])
        GRAPH.add_url_rule(
            f"/me{rule}",
            endpoint=f"{view.__name__}_me",
            view_func=view,
            defaults={"key": None},
            methods=["GET"],
        )
        return view

    return register


def _owner(opened: Opened) -> str:
    return f"users('{opened.mailbox['id']}')"


def _folder(opened: Opened, folder: str) -> dict[str, Any]:
    if folder.lower() == "msgfolderroot" or folder == _mail()._root_id(opened.mailbox["id"]):
        return _msgfolderroot(opened)
    found = _mail().folder(opened.mailbox["id"], folder)
    if found is None:
        raise item_not_found()
    return found


def _msgfolderroot(opened: Opened) -> dict[str, Any]:
    """The folder "Top of Information Store", the parent of the top-level folders: Graph lists it under
    no folder but answers it by its well-known name ``msgfolderroot``
    (https://learn.microsoft.com/graph/api/resources/mailfolder, "Well-known folder names")."""
    box = opened.mailbox["id"]
    return {
        "id": _mail()._root_id(box),
        "displayName": "Top of Information Store",
        "parentFolderId": "AAMkAGS" + _mail()._root_id(box)[len("AAMkAGR") :],
        "childFolderCount": len(_mail().folders(box)),
        "unreadItemCount": 0,
        "totalItemCount": 0,
        "sizeInBytes": 0,
        "isHidden": False,
        "_root": True,
    }


def _folder_shape(folder: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in folder.items() if not k.startswith("_")}
    raw = request.args.get("$select")
    if raw:
        data = {"id": data["id"], **{n.strip(): data.get(n.strip()) for n in raw.split(",") if n.strip()}}
    return data


def _folder_list(fragment: str, folders: list[dict[str, Any]]) -> dict[str, Any]:
    top, skip = page_size(), skip_from_token()
    body: dict[str, Any] = {"@odata.context": context(fragment)}
    if (request.args.get("$count") or "").lower() == "true":
        body["@odata.count"] = len(folders)
    body["value"] = [_folder_shape(f) for f in folders[skip : skip + top]]
    if skip + top < len(folders):
        body["@odata.nextLink"] = next_link(skip + top)
    return body


# -- folders -----------------------------------------------------------------------------------------


@_route("/mailFolders")
def list_mail_folders(key: str | None):
    """https://learn.microsoft.com/graph/api/user-list-mailfolders?view=graph-rest-1.0"""
    opened = open_mailbox(key)
    return _folder_list(f"{_owner(opened)}/mailFolders", _mail().folders(opened.mailbox["id"]))


@_route("/mailFolders/<folder>")
def get_mail_folder(key: str | None, folder: str):
    """https://learn.microsoft.com/graph/api/mailfolder-get?view=graph-rest-1.0"""
    opened = open_mailbox(key)
    found = _folder(opened, folder)
    return {"@odata.context": context(f"{_owner(opened)}/mailFolders/$entity"), **_folder_shape(found)}


@_route("/mailFolders/<folder>/childFolders")
def list_child_folders(key: str | None, folder: str):
    """https://learn.microsoft.com/graph/api/mailfolder-list-childfolders?view=graph-rest-1.0"""
    opened = open_mailbox(key)
    parent = _folder(opened, folder)
    children = _mail().folders(opened.mailbox["id"], None if parent.get("_root") else parent["id"])
    return _folder_list(f"{_owner(opened)}/mailFolders('{parent['id']}')/childFolders", children)


# -- messages ----------------------------------------------------------------------------------------


def _shaped(opened: Opened, message: dict[str, Any], expand: dict[str, str]) -> dict[str, Any]:
    """The message as the caller sees it: ``$select`` applied, ``$expand`` added."""
    if opened.basic and "attachments" in expand:
        raise access_denied()
    return expand_message(_mail(), message, select_message(message, basic=opened.basic), expand)


def _messages(opened: Opened, folder_id: str | None, fragment: str) -> dict[str, Any]:
    query, expand = message_query(), expansions()
    items, total = _mail().messages(opened.mailbox["id"], folder_id, query)
    return message_page(fragment, [_shaped(opened, m, expand) for m in items], total, query)


@_route("/messages")
def list_messages(key: str | None):
    """https://learn.microsoft.com/graph/api/user-list-messages?view=graph-rest-1.0"""
    opened = open_mailbox(key)
    return _messages(opened, None, f"{_owner(opened)}/messages")


@_route("/mailFolders/<folder>/messages")
def list_folder_messages(key: str | None, folder: str):
    """https://learn.microsoft.com/graph/api/mailfolder-list-messages?view=graph-rest-1.0"""
    opened = open_mailbox(key)
    found = _folder(opened, folder)
    return _messages(opened, found["id"], f"{_owner(opened)}/mailFolders('{found['id']}')/messages")


def _message(opened: Opened, message_id: str) -> dict[str, Any]:
    found = _mail().message(opened.mailbox["id"], message_id)
    if found is None:
        raise item_not_found()
    return found


@_route("/messages/<message_id>")
def get_message(key: str | None, message_id: str):
    """https://learn.microsoft.com/graph/api/message-get?view=graph-rest-1.0"""
    opened = open_mailbox(key)
    message = _shaped(opened, _message(opened, message_id), expansions())
    return {"@odata.context": context(f"{_owner(opened)}/messages/$entity"), **message}


@_route("/mailFolders/<folder>/messages/<message_id>")
def get_folder_message(key: str | None, folder: str, message_id: str):
    """https://learn.microsoft.com/graph/api/message-get?view=graph-rest-1.0 (through its folder)"""
    opened = open_mailbox(key)
    found = _folder(opened, folder)
    message = _message(opened, message_id)
    if message["parentFolderId"] != found["id"]:
        raise item_not_found()
    shaped = _shaped(opened, message, expansions())
    return {"@odata.context": context(f"{_owner(opened)}/messages/$entity"), **shaped}


# -- attachments -------------------------------------------------------------------------------------


def _full(key: str | None) -> Opened:
    """The mailbox, opened with more than ``Mail.ReadBasic`` (attachments need it)."""
    opened = open_mailbox(key)
    if opened.basic:
        raise access_denied()
    return opened


def _attachment_shape(att: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in att.items() if not k.startswith("_")}
    raw = request.args.get("$select")
    if raw:
        data = {
            "@odata.type": data["@odata.type"],
            "id": data["id"],
            **{n.strip(): data.get(n.strip()) for n in raw.split(",")},
        }
    return data


@_route("/messages/<message_id>/attachments")
def list_attachments(key: str | None, message_id: str):
    """https://learn.microsoft.com/graph/api/message-list-attachments?view=graph-rest-1.0"""
    opened = _full(key)
    message = _message(opened, message_id)
    fragment = f"{_owner(opened)}/messages('{message['id']}')/attachments"
    return {
        "@odata.context": context(fragment),
        "value": [_attachment_shape(a) for a in _mail().attachments(message["id"])],
    }


def _attachment(opened: Opened, message_id: str, attachment_id: str) -> dict[str, Any]:
    message = _message(opened, message_id)
    found = _mail().attachment(message["id"], attachment_id)
    if found is None:
        raise item_not_found()
    return found


@_route("/messages/<message_id>/attachments/<attachment_id>")
def get_attachment(key: str | None, message_id: str, attachment_id: str):
    """https://learn.microsoft.com/graph/api/attachment-get?view=graph-rest-1.0"""
    opened = _full(key)
    att = _attachment(opened, message_id, attachment_id)
    fragment = f"{_owner(opened)}/messages('{message_id}')/attachments/$entity"
    return {"@odata.context": context(fragment), **_attachment_shape(att)}


@_route("/messages/<message_id>/attachments/<attachment_id>/$value")
def get_attachment_value(key: str | None, message_id: str, attachment_id: str):
    """https://learn.microsoft.com/graph/api/attachment-get?view=graph-rest-1.0 ("Get the raw contents
    of a file attachment")"""
    opened = _full(key)
    att = _attachment(opened, message_id, attachment_id)
    return Response(att["_content"], 200, mimetype=att["contentType"])


# -- delta -------------------------------------------------------------------------------------------


def _encode(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=="))
        if not isinstance(state, dict) or not all(isinstance(state.get(k, 0), int) for k in "suo"):
            raise ValueError(token)
        return state
    except (ValueError, UnicodeDecodeError):
        raise bad_request("The delta or skip token is not valid.", "BadRequest") from None


def _delta_state() -> dict[str, Any]:
    """Where this delta call starts: a ``$skiptoken`` (mid-round), a ``$deltatoken`` (a new round of
    changes since), or nothing (the first, full round)."""
    if request.args.get("$skiptoken"):
        return _decode(request.args["$skiptoken"])
    if request.args.get("$deltatoken"):
        state = _decode(request.args["$deltatoken"])
        return {
            "s": state.get("u", 0),
            "u": _mail().last_change(),
            "o": 0,
            "sel": state.get("sel"),
            "exp": state.get("exp"),
        }
    return {
        "s": 0,
        "u": _mail().last_change(),
        "o": 0,
        "sel": request.args.get("$select"),
        "exp": request.args.get("$expand"),
    }


def _delta_size() -> int:
    prefer = request.headers.get("Prefer", "")
    for part in prefer.split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() == "odata.maxpagesize" and value.isdigit():
            return max(1, min(int(value), 1000))
    return DELTA_PAGE


def _delta_message(
    opened: Opened, row: dict[str, Any], state: dict[str, Any], expand: dict[str, str]
) -> dict[str, Any]:
    """A changed message as the first call's ``$select`` and ``$expand`` asked (kept in the token, as
    Graph encodes the query options into its links)."""
    if opened.basic and "attachments" in expand:
        raise access_denied()
    shaped = select_message(row, basic=opened.basic, select=state.get("sel"))
    return expand_message(_mail(), row, shaped, expand)


@_route("/mailFolders/<folder>/messages/delta")
def messages_delta(key: str | None, folder: str):
    """https://learn.microsoft.com/graph/api/message-delta?view=graph-rest-1.0"""
    opened = open_mailbox(key)
    found = _folder(opened, folder)
    state, size = _delta_state(), _delta_size()
    expand = expansions(state.get("exp"))
    rows = _mail().changes(found["id"], int(state["s"]), int(state["u"]), skip=int(state["o"]), top=size + 1)
    value = [
        {"@odata.type": "#microsoft.graph.message", **row}
        if "@removed" in row
        else {"@odata.type": "#microsoft.graph.message", **_delta_message(opened, row, state, expand)}
        for row in rows[:size]
    ]
    body: dict[str, Any] = {"@odata.context": context("Collection(message)"), "value": value}
    base = f"{GRAPH_URL}{request.path}?"
    if len(rows) > size:
        token = _encode({**state, "o": int(state["o"]) + size})
        body["@odata.nextLink"] = base + urlencode({"$skiptoken": token}, safe="$")
    else:
        token = _encode({"u": state["u"], "sel": state.get("sel"), "exp": state.get("exp")})
        body["@odata.deltaLink"] = base + urlencode({"$deltatoken": token}, safe="$")
    return body
