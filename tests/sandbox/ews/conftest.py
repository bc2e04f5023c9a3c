"""Fixtures for the EWS tests: real tokens from real MSAL, raw SOAP over the profile's ``requests`` session.

Every module runs against its own ``private_sandbox`` (tests/sandbox/conftest.py): the access tests
change the tenant's EWS policy, which no other test file should see. Delegated tokens come from
grooper_nb's ROPC flow with the Grooper connector for ``EWS.AccessAsUser.All``; app-only tokens from
client credentials with the server-to-server app (``full_access_as_app``) for Exchange's ``/.default``.
"""

from __future__ import annotations

import pytest

from grooper_nb.auth import flows
from grooper_nb.profile import Profile, connect
from tests.helpers import seeded_user
from tests.sandbox.ews.ews_helpers import EWS_SCOPE, EXO_DEFAULT, Ews
from tests.sandbox.graph.graph_helpers import ropc_token


@pytest.fixture(scope="module")
def connector(private_sandbox: dict) -> Profile:
    return connect(app="Grooper Azure AD Connector 2021", sandbox_dir=private_sandbox["state_dir"])


@pytest.fixture(scope="module")
def ews(connector: Profile) -> Ews:
    return Ews(connector.session)


@pytest.fixture(scope="module")
def megan(private_sandbox: dict) -> dict:
    return seeded_user(private_sandbox, "megan.bowen")


@pytest.fixture(scope="module")
def adele(private_sandbox: dict) -> dict:
    """The ordinary user the seed gives FullAccess to the shared mailbox."""
    return seeded_user(private_sandbox, "adele.vance")


@pytest.fixture(scope="module")
def megan_token(connector: Profile, megan: dict) -> str:
    return ropc_token(connector, megan, [EWS_SCOPE])


@pytest.fixture(scope="module")
def adele_token(connector: Profile, adele: dict) -> str:
    return ropc_token(connector, adele, [EWS_SCOPE])


@pytest.fixture(scope="module")
def app_token(private_sandbox: dict) -> str:
    profile = connect(app="Grooper Server-to-Server", sandbox_dir=private_sandbox["state_dir"])
    return flows.client_credentials(profile, [EXO_DEFAULT], use_cache=False).access_token.reveal()
