"""The ``connector`` seed option through the CLI and the launcher (docs/sandbox.md, "Seed"): the
customer tenant starts with or without the Grooper connector's service principal, and ``reset`` keeps
what the tenant was made with."""

from __future__ import annotations

import json

import pytest

from grooper_nb.sandbox import launcher

CONNECTOR = "Grooper Azure AD Connector 2021"


def _connector(info: dict) -> dict:
    return next(a for a in info["apps"] if a["name"] == CONNECTOR)


def test_unconsented_is_recorded_and_reset_keeps_it(own_state_dir, start_json):
    info = start_json(own_state_dir, "--connector", "unconsented")
    assert _connector(info)["service_principal_id"] is None
    assert info["publisher_tenant"]["id"] == _connector(info)["home_tenant_id"]
    assert json.loads((own_state_dir / "service.json").read_text())["connector"] == "unconsented"

    again = start_json(own_state_dir, command="reset")
    assert _connector(again)["service_principal_id"] is None

    switched = start_json(own_state_dir, "--connector", "consented", command="reset")
    assert _connector(switched)["service_principal_id"]
    assert switched["publisher_tenant"] == info["publisher_tenant"]


def test_the_default_is_in_tenant_and_a_different_wish_is_warned_about(own_state_dir):
    info = launcher.ensure_running(own_state_dir)
    assert _connector(info)["service_principal_id"] and _connector(info)["delegated_permissions"]
    assert _connector(info)["home_tenant_id"] == info["tenant"]["id"]
    with pytest.warns(UserWarning, match="connector in-tenant, not unconsented"):
        launcher.ensure_running(own_state_dir, connector="unconsented")
    info = launcher.reset(own_state_dir, connector="unconsented")
    assert _connector(info)["service_principal_id"] is None


def test_an_unknown_connector_value_is_refused(own_state_dir, sandbox_cli):
    proc = sandbox_cli("start", "--state-dir", str(own_state_dir), "--connector", "maybe")
    assert proc.returncode == 2 and "--connector" in proc.stderr
    with pytest.raises(launcher.SandboxError, match="connector"):
        launcher.ensure_running(own_state_dir, connector="maybe")


def test_the_launcher_and_the_seed_know_the_same_starting_points():
    from grooper_nb.sandbox.store import seed

    assert launcher.CONNECTOR_STATES == seed.CONNECTOR_STATES
    assert launcher.DEFAULT_CONNECTOR in seed.USER_CONSENT
