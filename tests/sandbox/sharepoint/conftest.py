"""Fixtures for the SharePoint REST tests: real tokens from real MSAL, and a REST caller.

Every module runs against its own ``private_sandbox`` (tests/sandbox/conftest.py): the access tests
change the server-to-server app's permissions and the tenant's consent, which no other test file should
see. App-only tokens come from client credentials of the server-to-server app with its certificate
(SharePoint accepts only those) or its secret (SharePoint refuses it); delegated tokens from grooper_nb's
ROPC flow with the Grooper connector, after an administrator's consent to ``AllSites.Read`` written
through the store.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from grooper_nb.auth import flows
from grooper_nb.profile import Profile, connect
from tests.helpers import seeded_user
from tests.sandbox.graph.graph_helpers import ropc_token
from tests.sandbox.sharepoint.sp_helpers import MY, ROOT, Rest

SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"
S2S = "Grooper Server-to-Server"
CONNECTOR = "Grooper Azure AD Connector 2021"


@pytest.fixture(scope="module")
def state_dir(private_sandbox: dict) -> str:
    return private_sandbox["state_dir"]


@pytest.fixture(scope="module")
def connector(state_dir: str) -> Profile:
    return connect(app=CONNECTOR, sandbox_dir=state_dir)


@pytest.fixture(scope="module")
def rest(connector: Profile) -> Rest:
    return Rest(connector.session)


@pytest.fixture(scope="module")
def app_token_for(state_dir: str) -> Callable[..., str]:
    """``app_token_for(resource, credential="certificate")``: a fresh app-only token of the
    server-to-server app for ``resource``'s ``/.default``."""

    def get(resource: str = ROOT, credential: str = "certificate") -> str:
        profile = connect(app=S2S, sandbox_dir=state_dir, credential=credential)
        return flows.client_credentials(
            profile, [f"{resource}/.default"], use_cache=False
        ).access_token.reveal()

    return get


@pytest.fixture(scope="module")
def app_token(app_token_for) -> str:
    """Certificate-based app-only token for the tenant's host (Sites.Read.All)."""
    return app_token_for(ROOT)


@pytest.fixture(scope="module")
def my_app_token(app_token_for) -> str:
    return app_token_for(MY)


@pytest.fixture(scope="module")
def consented(store, connector: Profile) -> None:
    """An administrator's consent for the connector to SharePoint's ``AllSites.Read``."""
    client = store.directory.service_principal(connector.client_id)
    resource = store.directory.service_principal(SHAREPOINT_APP_ID)
    store.directory.add_permission_grant(client["id"], resource["id"], ["AllSites.Read"])


@pytest.fixture(scope="module")
def user_token_for(connector: Profile, private_sandbox: dict, consented) -> Callable[..., str]:
    """``user_token_for(alias, resource)``: a delegated ``AllSites.Read`` token of a seeded user."""

    def get(alias: str, resource: str = ROOT) -> str:
        return ropc_token(connector, seeded_user(private_sandbox, alias), [f"{resource}/AllSites.Read"])

    return get
