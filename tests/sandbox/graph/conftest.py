"""Fixtures for the Graph directory tests: real tokens from real MSAL, and a Graph caller.

Every module here runs against its own ``private_sandbox`` (tests/sandbox/conftest.py): the tests create
apps, secrets and grants, and delete them, which no other test file should see. Tokens come from
grooper_nb's public flows (``connect`` + ``ropc`` / ``client_credentials``), exactly as a notebook gets
them; requests go through the sandbox's proxy to ``https://graph.microsoft.com``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from grooper_nb.auth import flows
from grooper_nb.profile import Profile, connect
from tests.helpers import plain_user
from tests.sandbox.graph.graph_helpers import GRAPH_DEFAULT, Graph, ropc_token


@pytest.fixture(scope="module")
def bootstrap(private_sandbox: dict) -> Profile:
    """The public bootstrap client of this module's sandbox (delegated directory scopes, consented)."""
    return connect(app="Grooper NB Bootstrap", sandbox_dir=private_sandbox["state_dir"])


@pytest.fixture(scope="module")
def graph(bootstrap: Profile) -> Graph:
    return Graph(bootstrap.session)


@pytest.fixture(scope="module")
def admin(private_sandbox: dict) -> dict:
    return next(u for u in private_sandbox["users"] if "Global Administrator" in u["directory_roles"])


@pytest.fixture(scope="module")
def admin_token(bootstrap: Profile, admin: dict) -> str:
    """A delegated Graph token of the Global Administrator (bootstrap app, ROPC, ``/.default``)."""
    return ropc_token(bootstrap, admin)


@pytest.fixture(scope="module")
def user_token(bootstrap: Profile, private_sandbox: dict) -> str:
    """A delegated Graph token with the same scopes, of a user without any directory role."""
    return ropc_token(bootstrap, plain_user(private_sandbox))


@pytest.fixture(scope="module")
def s2s_token(private_sandbox: dict) -> str:
    """An app-only Graph token of the server-to-server app (Mail.Read, Sites.Read.All, User.Read.All)."""
    profile = connect(app="Grooper Server-to-Server", sandbox_dir=private_sandbox["state_dir"])
    return flows.client_credentials(profile, [GRAPH_DEFAULT], use_cache=False).access_token.reveal()


@pytest.fixture(scope="module")
def new_app(graph: Graph, admin_token: str) -> Callable[..., dict]:
    """``new_app("name", **properties)``: an application the test registers through Graph itself."""

    def make(name: str, **properties: Any) -> dict:
        resp = graph.post("/v1.0/applications", admin_token, {"displayName": name, **properties})
        assert resp.status_code == 201, resp.text
        return resp.json()

    return make


@pytest.fixture(scope="module")
def graph_sp(graph: Graph, admin_token: str) -> dict:
    """Microsoft Graph's service principal in this tenant."""
    resp = graph.get("/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')", admin_token)
    assert resp.status_code == 200, resp.text
    return resp.json()
