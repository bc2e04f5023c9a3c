"""Helpers for the Graph directory tests: a Graph caller over a profile's session, and ROPC tokens.

Nothing here fakes anything: :class:`Graph` is the profile's own ``requests`` session (the sandbox's proxy
and CA), and :func:`ropc_token` is grooper_nb's ROPC flow over real MSAL.
"""

from __future__ import annotations

import warnings
from typing import Any

import requests

from grooper_nb.auth import flows
from grooper_nb.profile import Profile

GRAPH = "https://graph.microsoft.com"
GRAPH_DEFAULT = f"{GRAPH}/.default"


def ropc(profile: Profile, user: dict, scopes: list[str] | None = None) -> flows.TokenResult:
    """grooper_nb's ROPC flow for a seeded ``user`` (Graph's ``/.default`` unless ``scopes``), quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flows.RopcWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # MSAL's own note on ROPC
        return flows.ropc(profile, user["upn"], user["password"], scopes or [GRAPH_DEFAULT], warn=False)


def ropc_token(profile: Profile, user: dict, scopes: list[str] | None = None) -> str:
    return ropc(profile, user, scopes).access_token.reveal()


class Graph:
    """``graph.get("/v1.0/users", token)``: one Graph request through the sandbox's proxy."""

    def __init__(self, session: requests.Session):
        self.session = session

    def call(self, method: str, path: str, token: str | None, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.session.request(method, f"{GRAPH}{path}", headers=headers, timeout=30, **kwargs)

    def get(self, path: str, token: str | None, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, token, **kwargs)

    def post(self, path: str, token: str | None, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, token, json=body, **kwargs)

    def patch(self, path: str, token: str | None, body: Any, **kwargs: Any) -> requests.Response:
        return self.call("PATCH", path, token, json=body, **kwargs)

    def delete(self, path: str, token: str | None, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", path, token, **kwargs)
