"""``{tenant}.sharepoint.com`` and ``{tenant}-my.sharepoint.com``: SharePoint REST (``/_api``).

The part of the path before ``/_api`` selects the site (``/sites/finance/_api/web``; nothing for the
root site; ``/personal/<user>`` on the ``-my`` host for a OneDrive), as SharePoint's site-relative REST
endpoints do (https://learn.microsoft.com/sharepoint/dev/sp-add-ins/get-to-know-the-sharepoint-rest-service).
A file's pre-authenticated download URL (``{site}/_layouts/15/download.aspx?UniqueId=...&tempauth=...``,
the one Graph's ``/content`` redirects to) is answered by :mod:`.download` without a bearer token. Every
other request is handled in this order, so each failure answers as SharePoint's does:

1. the token (:mod:`.auth`): no token is ``401`` with the ``WWW-Authenticate`` challenge and an
   access-denied OData error; a rejected one ``401`` with ``x-ms-diagnostics``;
2. the site: a path no site has is ``404``;
3. the caller's permission on that site: ``403`` ``Access denied.``;
4. the route, one module per concern: :mod:`.web` (``/web``, ``/site``, site users), :mod:`.lists`,
   :mod:`.items`, :mod:`.files` (folders and files by server-relative URL), :mod:`.contextinfo`.

Answers come in the JSON form the ``Accept`` header asks for (:mod:`.odata`), errors in SharePoint's
envelope (:mod:`.errors`); every answer carries ``SPRequestGuid`` and ``request-id`` (the same value).
The state is the store's SharePoint model (:mod:`..store.sharepoint`), which Graph's sites and drives
serve too.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request

from . import contextinfo, download, files, items, lists, odata, web
from .auth import authorize, caller_of, challenge
from .context import Context
from .errors import SPError, bad_query, site_not_found

__all__ = ["create_app", "host_names"]

_API = re.compile(r"^(?P<site>.*?)/_api(?P<rest>/.*)?$", re.IGNORECASE)


def host_names(tenant: dict[str, Any]) -> list[str]:
    """The tenant's root site host and its OneDrive (``-my``) host.

    >>> host_names({"sharepoint_host": "contoso.sharepoint.com"})
    ['contoso.sharepoint.com', 'contoso-my.sharepoint.com']
    """
    label, dot, rest = tenant["sharepoint_host"].lower().partition(".")
    return [tenant["sharepoint_host"].lower(), f"{label}-my{dot}{rest}"]


# (pattern on what follows /_api, method, handler(ctx, match) -> Response); first match wins.
_ROUTES: list[tuple[re.Pattern[str], str, Callable[[Context, re.Match[str]], Response]]] = [
    (re.compile(r"^/web$", re.I), "GET", lambda ctx, m: web.get_web(ctx)),
    (re.compile(r"^/site$", re.I), "GET", lambda ctx, m: web.get_site(ctx)),
    (re.compile(r"^/web/siteusers$", re.I), "GET", lambda ctx, m: web.site_users(ctx)),
    (
        re.compile(r"^/web/(?:siteusers/getbyid|getuserbyid)\((?P<n>\d+)\)$", re.I),
        "GET",
        lambda ctx, m: web.site_user(ctx, m["n"]),
    ),
    (re.compile(r"^/web/currentuser$", re.I), "GET", lambda ctx, m: web.current_user(ctx)),
    (re.compile(r"^/web/lists$", re.I), "GET", lambda ctx, m: lists.get_lists(ctx)),
    (files.FOLDER_PATH, "GET", lambda ctx, m: files.get_folder(ctx, m["url"], m["tail"])),
    (files.FILE_PATH, "GET", lambda ctx, m: files.get_file(ctx, m["url"], m["tail"])),
    (re.compile(r"^/contextinfo$", re.I), "POST", lambda ctx, m: contextinfo.context_info(ctx)),
]


def _list_route(ctx: Context, record: dict[str, Any], tail: str) -> Response | None:
    """What follows ``lists/getbytitle('...')`` or ``lists(guid'...')``."""
    lowered = tail.rstrip("/").lower()
    if lowered == "":
        return lists.get_list(ctx, record)
    if lowered == "/items":
        return items.get_items(ctx, record)
    if lowered == "/fields":
        return lists.get_fields(ctx, record)
    if lowered == "/rootfolder":
        return files.root_folder(ctx, record)
    match = items.ITEM_PATH.match(tail.rstrip("/"))
    if match is None:
        return None
    if match["tail"]:
        return items.get_item_part(ctx, record, match["id"], match["tail"][1:])
    return items.get_item(ctx, record, match["id"])


def _route(ctx: Context, rest: str, method: str) -> Response:
    rest = rest.rstrip("/") or "/"
    for pattern, wanted, handler in _ROUTES:
        match = pattern.match(rest)
        if match is not None:
            if method != wanted:
                raise SPError(
                    405,
                    "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
                    f"The HTTP method '{method}' cannot be used on this resource.",
                )
            return handler(ctx, match)
    found = lists.resolve_list(ctx, rest)
    if found is not None and method == "GET":
        answer = _list_route(ctx, *found)
        if answer is not None:
            return answer
    raise bad_query(rest.lstrip("/"))


def create_app(store: Any, **_: Any) -> Flask:
    """The SharePoint host as a WSGI app serving ``store``'s tenant (sites on both hosts)."""
    app = Flask(__name__)
    app.config["STORE"] = store
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "MERGE", "HEAD"]

    @app.route("/", defaults={"path": ""}, methods=methods)
    @app.route("/<path:path>", methods=methods)
    def dispatch(path: str) -> Response:
        return _serve(store)

    app.before_request(_ids)
    app.after_request(_headers)
    app.register_error_handler(SPError, lambda exc: _error(store, exc))
    return app


def _ids() -> None:
    g.request_id = str(uuid.uuid4())
    g.form = odata.negotiate(request.headers.get("Accept"))


def _headers(resp: Response) -> Response:
    resp.headers["SPRequestGuid"] = g.get("request_id", "")
    resp.headers["request-id"] = g.get("request_id", "")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _serve(store: Any) -> Response:
    host = request.host.rsplit(":", 1)[0].lower()
    downloading = download.DOWNLOAD_PATH.match(request.path)
    if downloading is not None and request.method in ("GET", "HEAD"):
        return download.serve(store, host, downloading["site"])  # tempauth, not a bearer token
    caller = caller_of(store, request.headers.get("Authorization"), host)
    match = _API.match(request.path)
    if match is None:
        raise site_not_found()  # a page, not the REST service: the sandbox serves no pages
    site = store.sharepoint.site_by_url(host, match["site"])
    if site is None:
        raise site_not_found()
    authorize(store, caller, site)
    ctx = Context(store, host, site, caller, g.form, request.args.to_dict())
    method = "GET" if request.method == "HEAD" else request.method
    return _route(ctx, match["rest"] or "/", method)


def _error(store: Any, exc: SPError) -> Response:
    if exc.token:
        resp = Response(
            json.dumps({"error_description": exc.message}), exc.status, content_type="application/json"
        )
    else:
        resp = odata.json_response(g.form, odata.error_body(g.form, exc.code, exc.message), exc.status)
    if exc.status == 401:
        resp.headers["WWW-Authenticate"] = challenge(store.directory.tenant["id"])
    if exc.diagnostics:
        resp.headers["x-ms-diagnostics"] = exc.diagnostics
    for key, value in exc.headers.items():
        resp.headers[key] = value
    return resp
