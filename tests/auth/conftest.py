"""Fixtures for the auth tests: profiles of the seeded apps and a simulated person at a browser."""

from __future__ import annotations

import pytest

from grooper_nb.profile import Profile, connect
from tests.auth.sandbox_person import Person as _Person


@pytest.fixture(scope="session")
def Person():
    """The simulated person at a browser (tests/auth/sandbox_person.py)."""
    return _Person


@pytest.fixture(scope="session")
def grooper(sandbox) -> Profile:
    """The Grooper connector app (confidential, secret) in the run's sandbox."""
    return connect()


@pytest.fixture(scope="session")
def s2s(sandbox) -> Profile:
    return connect(app="Grooper Server-to-Server")


@pytest.fixture(scope="session")
def s2s_cert(sandbox) -> Profile:
    return connect(app="Grooper Server-to-Server", credential="certificate")


@pytest.fixture(scope="session")
def bootstrap(sandbox) -> Profile:
    """The public bootstrap client (device code, auth code without a secret)."""
    return connect(app="Grooper NB Bootstrap")


@pytest.fixture(scope="session")
def middle_tier(sandbox) -> Profile:
    return connect(app="Grooper Middle-Tier API")


@pytest.fixture
def person(Person, plain_user):
    """A plain user (no MFA, enabled) ready to sign in on the sandbox pages."""
    return Person(plain_user["upn"], plain_user["password"])
