"""The drive delta query: ``GET .../root/delta`` pages through every item of a drive, then hands out an
``@odata.deltaLink`` whose later call returns only what changed since:
https://learn.microsoft.com/graph/api/driveitem-delta.

What Graph does, the sandbox does: the first round lists the root and every folder and file; later rounds
list the items created, changed or deleted since (deleted ones with the ``deleted`` facet and their
``parentReference``, nothing else); items carry ``parentReference`` with ``driveId`` and ``id`` but no
``path``, and no ``cTag``, as OneDrive for Business's delta gives them. ``token=latest`` gives no items and
a deltaLink from now. The links carry one opaque ``token`` (``?token=...``; the ``delta(token='...')``
form is accepted too). Pages hold 200 items unless ``$top`` says otherwise (:mod:`.site_paging`).

The store numbers every change (``seq``): a round serves the changes up to the number it began at, so an
item changed while a client pages is served once, in the next round.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote, urlencode

from flask import request

from .drive_shapes import drive_item, root_item, select_item
from .drives import drive_route
from .odata import GRAPH, context
from .site_lookup import Library
from .site_paging import page_size
from .sites_access import invalid_request, sharepoint

__all__: list[str] = []


def _encode(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(state, dict) or not all(isinstance(state.get(k), int) for k in ("a", "u")):
            raise ValueError(token)
        return state
    except (ValueError, UnicodeDecodeError):
        raise invalid_request(
            "Invalid delta token: follow @odata.nextLink or @odata.deltaLink as given."
        ) from None


def _state(token: str | None) -> dict[str, Any]:
    """Where this call starts: ``a`` (changes after this number), ``u`` (up to this one), ``root`` (the
    first page of a first round, which also lists the root folder)."""
    now = int(sharepoint().last_seq())
    if token is None:
        return {"a": 0, "u": now, "root": 1, "first": 1}
    if token == "latest":
        return {"a": now, "u": now, "root": 0, "first": 0}
    state = _decode(token)
    if state.get("done"):  # a deltaLink: a new round, from where the last one ended
        return {"a": state["u"], "u": now, "root": 0, "first": 0}
    return state


def _link(state: dict[str, Any]) -> str:
    args = {k: v for k, v in request.args.items() if k not in ("token", "$skiptoken")}
    args["token"] = _encode(state)
    base = request.path.split("/delta", 1)[0] + "/delta"
    return f"{GRAPH}{quote(base, safe='/:,!()')}?{urlencode(args, safe='$,()')}"


def _delta(lib: Library, token: str | None):
    state, size = _state(token), page_size()
    rows = sharepoint().changes(lib.list["id"], int(state["a"]), size + 1) if state["a"] < state["u"] else []
    rows = [r for r in rows if int(r["seq"]) <= int(state["u"])]
    more = len(rows) > size
    rows = rows[:size]
    value = [select_item(root_item(lib.site, lib.list))] if state.get("root") else []
    for row in rows:
        if state.get("first") and row.get("deleted"):
            continue
        value.append(select_item(drive_item(lib.site, lib.list, row, delta=True)))
    body: dict[str, Any] = {"@odata.context": context("Collection(driveItem)"), "value": value}
    if more:
        body["@odata.nextLink"] = _link({**state, "a": int(rows[-1]["seq"]), "root": 0})
    else:
        body["@odata.deltaLink"] = _link({"a": state["u"], "u": state["u"], "done": 1})
    return body


@drive_route("/root/delta")
def root_delta(lib: Library):
    """https://learn.microsoft.com/graph/api/driveitem-delta"""
    return _delta(lib, request.args.get("token"))


@drive_route("/root/delta(token=<token>)")
def root_delta_token(lib: Library, token: str):
    """The ``delta(token='...')`` form of the same call."""
    return _delta(lib, token.strip("'\""))
