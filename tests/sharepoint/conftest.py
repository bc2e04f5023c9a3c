"""Fixtures for the SharePoint client tests: a sandbox of the module's own, and profiles that sign in
as each identity Grooper uses, with real tokens from grooper_nb's flows over real MSAL.

* ``cert_app`` / ``secret_app``: the seeded server-to-server app (Graph and SharePoint Sites.Read.All,
  admin-consented) with its certificate or its client secret;
* ``delegated``: an app registered for the module through Graph by the administrator (create_app),
  with SharePoint's and Graph's delegated site scopes consented, and a user signed in to it;
* ``selected_app``: an app holding only Sites.Selected (Graph and SharePoint), with a certificate;
  ``full_control_app``: one holding Graph's Sites.FullControl.All, which may grant sites to it.

Each profile's session records the waits its retry policy would sleep (``profile.session.waits``), so
a fault test sees every Retry-After honoured without waiting for it.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest

from grooper_nb.auth import flows
from grooper_nb.connections import get_connection
from grooper_nb.http import RetryPolicy, sandbox_session
from grooper_nb.profile import Profile, connect
from grooper_nb.registration import create_app, plan
from tests.sandbox.conftest import private_sandbox  # noqa: F401 -- the module-scoped fixture, reused

FINANCE = "https://contoso.sharepoint.com/sites/finance"
S2S = "Grooper Server-to-Server"


def recording_session(info: dict):
    """A sandbox session whose retry waits are recorded in ``session.waits`` instead of slept."""
    session = sandbox_session(info["proxy"], info["ca_bundle"])
    session.waits = []  # type: ignore[attr-defined]
    session.retry = RetryPolicy(max_attempts=6, sleep=session.waits.append)
    return session


def ropc(profile: Profile, user: dict, scopes: list[str]) -> flows.TokenResult:
    """grooper_nb's ROPC flow, quietly: the tests' stand-in for an interactive sign-in."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flows.RopcWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return flows.ropc(profile, user["upn"], user["password"], scopes, warn=False)


@pytest.fixture(scope="module")
def info(private_sandbox: dict) -> dict:  # noqa: F811
    return private_sandbox


@pytest.fixture(scope="module")
def state_dir(info: dict) -> str:
    return info["state_dir"]


def _profile(info: dict, **kwargs) -> Profile:
    return connect(sandbox_dir=info["state_dir"], session=recording_session(info), **kwargs)


@pytest.fixture(scope="module")
def cert_app(info: dict) -> Profile:
    return _profile(info, app=S2S, credential="certificate")


@pytest.fixture(scope="module")
def secret_app(info: dict) -> Profile:
    return _profile(info, app=S2S, credential="secret")


@pytest.fixture(scope="module")
def admin(info: dict) -> tuple[Profile, flows.TokenResult]:
    bootstrap = connect(app="Grooper NB Bootstrap", sandbox_dir=info["state_dir"])
    user = next(u for u in info["users"] if "Global Administrator" in u["directory_roles"])
    return bootstrap, ropc(bootstrap, user, ["https://graph.microsoft.com/.default"])


def _registered(admin, name: str, connections, tmp: Path, **kwargs):
    bootstrap, signed_in = admin
    the_plan = plan(connections, app=name, tenant=bootstrap.tenant)
    return create_app(bootstrap, the_plan, account=signed_in, **kwargs)


@pytest.fixture(scope="module")
def delegated_app(info: dict, admin, tmp_path_factory) -> Profile:
    """A custom app with SharePoint's and Graph's delegated site scopes, consented by the administrator."""
    reg = _registered(
        admin,
        "Grooper SharePoint Test",
        ["sharepoint_rest_delegated", "sharepoint_graph"],
        tmp_path_factory.mktemp("reg"),
    )
    return _profile(info, client_id=reg.app_id, client_secret=reg.secret)


@pytest.fixture(scope="module")
def member(info: dict) -> dict:
    """A seeded user the Finance site lets in (an ordinary member of the tenant)."""
    return next(u for u in info["users"] if u["upn"].startswith("megan.bowen@"))


@pytest.fixture(scope="module")
def delegated(delegated_app: Profile, member: dict) -> flows.TokenResult:
    """``member`` signed in to ``delegated_app`` (the refresh token then serves Graph and SharePoint)."""
    return ropc(delegated_app, member, ["https://graph.microsoft.com/.default"])


def _app_only(connection_key: str, key: str, role: str):
    return dataclasses.replace(
        get_connection(connection_key),
        key=key,
        roles=(role,),
        mode="app",
        delegated_request=(),
        delegated_preset="",
        scopes=(),
    )


@pytest.fixture(scope="module")
def selected_app(info: dict, admin, tmp_path_factory) -> Profile:
    """An app holding only Sites.Selected, for Graph and for SharePoint, with a certificate."""
    tmp = tmp_path_factory.mktemp("selected")
    conns = [
        _app_only("sharepoint_graph", "selected_graph", "Sites.Selected"),
        _app_only("sharepoint_rest_app", "selected_rest", "Sites.Selected"),
    ]
    reg = _registered(
        admin, "Grooper Sites.Selected Test", conns, tmp, certificate=tmp / "app.pem", secret_expiry_days=None
    )
    return _profile(info, client_id=reg.app_id, certificate=reg.certificate_path)


@pytest.fixture(scope="module")
def full_control_app(info: dict, admin, tmp_path_factory) -> Profile:
    """An app holding Graph's Sites.FullControl.All: what may grant a site to a Sites.Selected app."""
    conns = [_app_only("sharepoint_graph", "full_graph", "Sites.FullControl.All")]
    reg = _registered(admin, "Grooper Site Granter Test", conns, tmp_path_factory.mktemp("full"))
    return _profile(info, client_id=reg.app_id, client_secret=reg.secret)
