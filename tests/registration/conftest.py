"""Fixtures for create_app and audit: a sandbox of this module's own, an administrator signed in through
the bootstrap client, and an ordinary user, with real tokens from grooper_nb's flows.

create_app and audit change the tenant (apps, secrets, grants), so each module that uses them gets its
own sandbox (``private_sandbox``); the shared one keeps its starting point for every other test.
"""

from __future__ import annotations

import warnings

import pytest

from grooper_nb.auth import flows
from grooper_nb.profile import Profile, connect
from tests.helpers import plain_user
from tests.sandbox.conftest import private_sandbox  # noqa: F401 -- the module-scoped fixture, reused

GRAPH_DEFAULT = "https://graph.microsoft.com/.default"


def ropc(profile: Profile, user: dict, scopes: list[str] | None = None) -> flows.TokenResult:
    """grooper_nb's ROPC flow for a seeded ``user``, quietly: the tests' stand-in for a device-code
    sign-in."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flows.RopcWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return flows.ropc(profile, user["upn"], user["password"], scopes or [GRAPH_DEFAULT], warn=False)


@pytest.fixture(scope="module")
def bootstrap(private_sandbox: dict) -> Profile:  # noqa: F811
    return connect(app="Grooper NB Bootstrap", sandbox_dir=private_sandbox["state_dir"])


@pytest.fixture(scope="module")
def admin(private_sandbox: dict, bootstrap: Profile) -> flows.TokenResult:  # noqa: F811
    """The Global Administrator, signed in through the bootstrap client (delegated directory scopes)."""
    user = next(u for u in private_sandbox["users"] if "Global Administrator" in u["directory_roles"])
    return ropc(bootstrap, user)


@pytest.fixture(scope="module")
def plain(private_sandbox: dict, bootstrap: Profile) -> flows.TokenResult:  # noqa: F811
    """A user without any directory role, signed in through the same client."""
    return ropc(bootstrap, plain_user(private_sandbox))
