"""Fixtures for the EWS backend's tests: a sandbox of the module's own, real profiles and real tokens.

Each test module gets its own ``private_sandbox`` (tests/sandbox/conftest.py): the access tests switch
the tenant's EWS policy and the paging tests add a thousand messages, which no other test file should
see. Delegated backends sign in by ROPC (grooper_nb's flow over MSAL) and pass the result as
``account``; app-only backends use the server-to-server app's secret (client credentials).
"""

from __future__ import annotations

import warnings

import pytest

from grooper_nb.auth import flows
from grooper_nb.exchange.ews import EwsBackend
from grooper_nb.exchange.ews.tokens import ews_scopes
from grooper_nb.profile import Profile, connect
from tests.helpers import seeded_user
from tests.sandbox.conftest import private_env, private_sandbox, store  # noqa: F401 - fixtures

SHARED = "invoices@contoso.onmicrosoft.com"


@pytest.fixture(scope="module")
def connector(private_sandbox: dict) -> Profile:  # noqa: F811
    """Grooper's connector: the delegated EWS connection (EWS.AccessAsUser.All)."""
    return connect(app="Grooper Azure AD Connector 2021", sandbox_dir=private_sandbox["state_dir"])


@pytest.fixture(scope="module")
def s2s(private_sandbox: dict) -> Profile:  # noqa: F811
    """The server-to-server app: full_access_as_app, app-only."""
    return connect(app="Grooper Server-to-Server", sandbox_dir=private_sandbox["state_dir"])


def sign_in(profile: Profile, user: dict) -> flows.TokenResult:
    """``user`` signed in for EWS (ROPC, quietly): the ``account`` of a delegated backend."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flows.RopcWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return flows.ropc(profile, user["upn"], user["password"], ews_scopes(profile, False), warn=False)


@pytest.fixture(scope="module")
def megan(private_sandbox: dict) -> dict:  # noqa: F811
    return seeded_user(private_sandbox, "megan.bowen")


@pytest.fixture(scope="module")
def adele(private_sandbox: dict) -> dict:  # noqa: F811
    """The ordinary user the seed gives Full Access to the shared mailbox."""
    return seeded_user(private_sandbox, "adele.vance")


@pytest.fixture(scope="module")
def megan_account(connector: Profile, megan: dict) -> flows.TokenResult:
    return sign_in(connector, megan)


@pytest.fixture(scope="module")
def adele_account(connector: Profile, adele: dict) -> flows.TokenResult:
    return sign_in(connector, adele)


@pytest.fixture(scope="module")
def megan_ews(connector: Profile, megan: dict, megan_account) -> EwsBackend:
    return EwsBackend(connector, megan["upn"], account=megan_account)


@pytest.fixture(scope="module")
def shared_ews(connector: Profile, adele_account) -> EwsBackend:
    """Adele's delegated backend on the shared mailbox she has Full Access to."""
    return EwsBackend(connector, SHARED, account=adele_account)


@pytest.fixture(scope="module")
def app_ews(s2s: Profile) -> EwsBackend:
    """The app-only backend impersonating the shared mailbox."""
    return EwsBackend(s2s, SHARED)
