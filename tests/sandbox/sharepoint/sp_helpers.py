"""Helpers for the SharePoint REST tests: a caller over a profile's session, the three JSON forms.

Nothing here fakes anything: :class:`Rest` is the profile's own ``requests`` session (the sandbox's
proxy and CA) sending real tokens to ``https://contoso.sharepoint.com`` and its ``-my`` host.
"""

from __future__ import annotations

from typing import Any

import requests

HOST = "contoso.sharepoint.com"
MY_HOST = "contoso-my.sharepoint.com"
ROOT = f"https://{HOST}"
MY = f"https://{MY_HOST}"
FINANCE = f"{ROOT}/sites/finance"
VERBOSE = "application/json;odata=verbose"
MINIMAL = "application/json;odata=minimalmetadata"
NOMETADATA = "application/json;odata=nometadata"
FORMS = [VERBOSE, MINIMAL, NOMETADATA]


class Rest:
    """``rest.get(url, token, accept=...)``: one SharePoint REST request through the sandbox's proxy."""

    def __init__(self, session: requests.Session):
        self.session = session

    def call(
        self, method: str, url: str, token: str | None, accept: str = NOMETADATA, **kw: Any
    ) -> requests.Response:
        headers = {"Accept": accept, **kw.pop("headers", {})}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.session.request(method, url, headers=headers, timeout=30, **kw)

    def get(self, url: str, token: str | None, accept: str = NOMETADATA, **kw: Any) -> requests.Response:
        return self.call("GET", url, token, accept, **kw)

    def ok(self, url: str, token: str, accept: str = NOMETADATA) -> dict[str, Any]:
        resp = self.get(url, token, accept)
        assert resp.status_code == 200, f"{resp.status_code} {resp.text[:500]}"
        return resp.json()


def rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The entities of a collection in any of the three forms."""
    return body["d"]["results"] if "d" in body else body["value"]


def next_link(body: dict[str, Any]) -> str | None:
    return body["d"].get("__next") if "d" in body else body.get("odata.nextLink")


def props(body: dict[str, Any]) -> dict[str, Any]:
    """One entity's properties in any of the three forms."""
    return body["d"] if "d" in body else body


def error_of(resp: requests.Response) -> dict[str, Any]:
    body = resp.json()
    return body.get("odata.error") or body["error"]
