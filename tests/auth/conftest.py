"""Fixtures for the auth tests: profiles of the seeded apps and a simulated person at a browser."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from grooper_nb.profile import Profile, connect

_PERSON = Path(__file__).with_name("sandbox_person.py")


def load_person_module():
    """tests/ is not a package: load the browser simulator by path (the widget tests do the same)."""
    name = "grooper_nb_tests_sandbox_person"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _PERSON)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def Person():
    return load_person_module().Person


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
