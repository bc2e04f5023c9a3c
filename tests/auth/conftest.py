"""Fixtures for the auth tests: profiles of the seeded apps and a simulated person at a browser."""

from __future__ import annotations

import pytest

from grooper_nb.auth.person import SandboxPerson, sandbox_person
from grooper_nb.profile import Profile, connect


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
def person(grooper, plain_user) -> SandboxPerson:
    """A plain user (no MFA, enabled) ready to sign in on the sandbox pages (grooper_nb.auth.person).

    The profile only tells it the sandbox's ``browser_url``, which every app of the sandbox shares, so
    the same person signs in to the bootstrap app's device-login page too."""
    return sandbox_person(grooper, plain_user["upn"])
