"""SharePoint REST's three JSON forms, chosen by the ``Accept`` header, and its response headers.

https://learn.microsoft.com/sharepoint/dev/sp-add-ins/get-to-know-the-sharepoint-rest-service describes
the service; the forms are OData v3's (JSON light and verbose):

* ``application/json;odata=verbose``: ``{"d": {...}}`` for an entity, ``{"d": {"results": [...],
  "__next": url}}`` for a collection; each entity carries ``__metadata`` (``id``, ``uri``, ``type``,
  ``etag`` where it has one);
* ``application/json;odata=minimalmetadata`` (and plain ``application/json``): ``odata.metadata`` on the
  answer, ``odata.type``/``odata.id``/``odata.editLink`` on each entity, ``{"value": [...],
  "odata.nextLink": url}`` for a collection;
* ``application/json;odata=nometadata``: the properties alone, ``{"value": [...], "odata.nextLink": url}``.

A request without a JSON ``Accept`` (SharePoint then answers Atom XML, which the sandbox does not speak)
gets the minimal-metadata form.

OData v3 writes ``Edm.Int64`` values as JSON strings (``"Length": "605"``); the routes do so where
SharePoint's property is an Int64.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import Response

__all__ = [
    "MINIMAL",
    "NOMETADATA",
    "VERBOSE",
    "Entity",
    "collection",
    "content_type",
    "entity",
    "error_body",
    "json_response",
    "negotiate",
]

VERBOSE = "verbose"
MINIMAL = "minimalmetadata"
NOMETADATA = "nometadata"


def negotiate(accept: str | None) -> str:
    """The form ``accept`` asks for (:data:`VERBOSE`, :data:`MINIMAL` or :data:`NOMETADATA`)."""
    text = (accept or "").lower().replace(" ", "")
    if "odata=verbose" in text:
        return VERBOSE
    if "odata=nometadata" in text:
        return NOMETADATA
    return MINIMAL


def content_type(form: str) -> str:
    if form == VERBOSE:
        return "application/json;odata=verbose;charset=utf-8"
    return f"application/json;odata={form};streaming=true;charset=utf-8"


@dataclass
class Entity:
    """One SharePoint object: its ``type`` (``SP.Web``), absolute ``uri``, ``edit`` link (relative to
    ``_api/``), properties, and ``etag`` if it has one. ``nested`` holds expanded objects (their
    metadata is written the same way)."""

    type: str
    uri: str
    props: dict[str, Any]
    edit: str = ""
    etag: str | None = None
    nested: dict[str, Entity | None] = field(default_factory=dict)


def _verbose(item: Entity) -> dict[str, Any]:
    meta = {"id": item.uri, "uri": item.uri, "type": item.type}
    if item.etag:
        meta["etag"] = item.etag
    out = {"__metadata": meta, **item.props}
    out.update({name: _verbose(sub) if sub else None for name, sub in item.nested.items()})
    return out


def _minimal(item: Entity) -> dict[str, Any]:
    out: dict[str, Any] = {"odata.type": item.type, "odata.id": item.uri}
    if item.etag:
        out["odata.etag"] = item.etag
    out["odata.editLink"] = item.edit
    out.update(item.props)
    out.update({name: _minimal(sub) if sub else None for name, sub in item.nested.items()})
    return out


def _plain(item: Entity) -> dict[str, Any]:
    out = dict(item.props)
    out.update({name: _plain(sub) if sub else None for name, sub in item.nested.items()})
    return out


_RENDER = {VERBOSE: _verbose, MINIMAL: _minimal, NOMETADATA: _plain}


def entity(form: str, item: Entity, *, api: str, metadata: str) -> dict[str, Any]:
    """The body for one entity; ``metadata`` is the ``$metadata#...`` fragment (``SP.Web``,
    ``SP.ApiData.Lists/@Element``) minimal metadata names."""
    body = _RENDER[form](item)
    if form == VERBOSE:
        return {"d": body}
    if form == MINIMAL:
        return {"odata.metadata": f"{api}/$metadata#{metadata}", **body}
    return body


def collection(
    form: str, items: list[Entity], *, api: str, metadata: str, next_link: str | None = None
) -> dict[str, Any]:
    """The body for a collection (a page of it, with the link to the next page if there is one)."""
    rows = [_RENDER[form](item) for item in items]
    if form == VERBOSE:
        d: dict[str, Any] = {"results": rows}
        if next_link:
            d["__next"] = next_link
        return {"d": d}
    body: dict[str, Any] = {"odata.metadata": f"{api}/$metadata#{metadata}"} if form == MINIMAL else {}
    body["value"] = rows
    if next_link:
        body["odata.nextLink"] = next_link
    return body


def error_body(form: str, code: str, message: str) -> dict[str, Any]:
    """SharePoint's OData error: ``error`` in the verbose form, ``odata.error`` otherwise."""
    err = {"code": code, "message": {"lang": "en-US", "value": message}}
    return {"error": err} if form == VERBOSE else {"odata.error": err}


def json_response(form: str, body: dict[str, Any], status: int = 200) -> Response:
    resp = Response(json.dumps(body), status, content_type=content_type(form))
    resp.headers["DataServiceVersion"] = "3.0"
    return resp
