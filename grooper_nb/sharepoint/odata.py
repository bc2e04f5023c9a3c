"""SharePoint REST's JSON in its three forms, read by one parser.

The ``Accept`` header chooses how much OData metadata SharePoint sends ("Use JSON light",
https://learn.microsoft.com/sharepoint/dev/business-apps/power-automate/guidance/working-with-send-sp-http-request;
https://learn.microsoft.com/sharepoint/dev/sp-add-ins/use-odata-query-operations-in-sharepoint-rest-requests):

* ``application/json;odata=verbose``: everything under ``d``; a collection is ``{"d": {"results": [...],
  "__next": "<url>"}}``, an entity ``{"d": {"__metadata": {...}, ...}}``, an expanded person
  ``{"__metadata": ..., "EMail": ...}`` and a multi-valued field ``{"results": [...]}``;
* ``application/json;odata=minimalmetadata``: ``{"odata.metadata": ..., "value": [...],
  "odata.nextLink": "<url>"}``, entities with ``odata.type``/``odata.id``/``odata.etag``/``odata.editLink``;
* ``application/json;odata=nometadata``: ``{"value": [...], "odata.nextLink": ...}`` and plain objects.

An OData v4 answer (``@odata.nextLink``, ``@odata.*`` annotations) is read too. The client sends
:data:`ACCEPT` (``nometadata``, the smallest); whichever form comes back, :func:`collection` and
:func:`entity` give plain dicts without metadata keys, so the rest of the client never sees the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

__all__ = ["ACCEPT", "MINIMAL", "VERBOSE", "collection", "entity", "next_link", "plain"]

ACCEPT = "application/json;odata=nometadata"
MINIMAL = "application/json;odata=minimalmetadata"
VERBOSE = "application/json;odata=verbose"

_NEXT_KEYS = ("odata.nextLink", "@odata.nextLink", "__next")


def _is_metadata(key: str) -> bool:
    return (
        key == "__metadata"
        or key == "__deferred"
        or key.startswith(("odata.", "@odata."))
        or "@odata." in key
    )


def plain(value: Any) -> Any:
    """``value`` with every metadata key removed, verbose ``{"results": [...]}`` wrappers unwrapped and
    deferred (not expanded) navigation properties dropped."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if not isinstance(value, Mapping):
        return value
    if set(value) <= {"results", "__metadata"} and "results" in value and isinstance(value["results"], list):
        return [plain(v) for v in value["results"]]
    out = {}
    for key, inner in value.items():
        if _is_metadata(key):
            continue
        if isinstance(inner, Mapping) and set(inner) == {"__deferred"}:
            continue
        out[key] = plain(inner)
    return out


def _body(doc: Mapping[str, Any]) -> Any:
    """The payload: verbose's ``d``, else the document itself."""
    if isinstance(doc, Mapping) and set(doc) == {"d"}:
        return doc["d"]
    return doc


def next_link(doc: Mapping[str, Any], base_url: str) -> str | None:
    """The next page's absolute URL (``__next``, ``odata.nextLink`` or ``@odata.nextLink``; a relative one
    is resolved against ``base_url``), or None on the last page."""
    body = _body(doc)
    for holder in (body, doc):
        if isinstance(holder, Mapping):
            for key in _NEXT_KEYS:
                link = holder.get(key)
                if link:
                    return urljoin(base_url, str(link))
    return None


def collection(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of a collection answer in any of the three forms, metadata removed."""
    body = _body(doc)
    if isinstance(body, Mapping) and "results" in body:
        rows = body["results"]
    elif isinstance(body, Mapping) and "value" in body:
        rows = body["value"]
    elif isinstance(body, list):
        rows = body
    else:
        raise ValueError("Not an OData collection: neither 'value' nor 'd.results' is present.")
    return [plain(r) for r in rows]


def entity(doc: Mapping[str, Any]) -> dict[str, Any]:
    """One entity in any of the three forms, metadata removed."""
    body = _body(doc)
    if not isinstance(body, Mapping):
        raise ValueError("Not an OData entity.")
    return plain(body)
