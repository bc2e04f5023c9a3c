"""Two profiles in one process — the run's sandbox and a second sandbox standing in for another tenant —
with the user's environment preset to things that would break a naive client (REQUESTS_CA_BUNDLE to
the system bundle, HTTPS_PROXY to a dead port). Each profile reaches its own endpoints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import certifi
import pytest

from grooper_nb.auth import flows
from grooper_nb.errors.aadsts import AuthError
from grooper_nb.profile import connect

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def other_state_dir(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("other-tenant")
    yield state_dir
    subprocess.run(
        [sys.executable, "-m", "grooper_nb.sandbox", "stop", "--state-dir", str(state_dir)],
        cwd=REPO, capture_output=True, timeout=60, check=False,
    )  # fmt: skip


def system_bundle() -> str:
    debian = "/etc/ssl/certs/ca-certificates.crt"
    return debian if os.path.exists(debian) else certifi.where()


def test_two_tenants_side_by_side_with_a_hostile_environment(sandbox, other_state_dir, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", system_bundle())
    monkeypatch.setenv("CURL_CA_BUNDLE", system_bundle())
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    env_before = dict(os.environ)

    here = connect(app="Grooper Server-to-Server")
    there = connect(app="Grooper Server-to-Server", sandbox_dir=other_state_dir, seed=7)
    assert dict(os.environ) == env_before  # connect() changed nothing
    assert here.tenant_id != there.tenant_id and here.client_id != there.client_id
    assert here.session is not there.session
    assert here.session.proxies != there.session.proxies
    assert here.cache_path != there.cache_path  # tokens of two tenants never share a file

    # ... and a real-tenant profile next to them keeps ordinary environment handling (no network here).
    real = connect(
        sandbox=False, tenant="fabrikam.onmicrosoft.com", client_id="11111111-2222-3333-4444-555555555555",
        client_secret="Real~tenant-secret-0123456789abcdefghij", env_file=False,
    )  # fmt: skip
    assert real.session.trust_env and not real.is_sandbox
    assert real.authority == "https://login.microsoftonline.com/fabrikam.onmicrosoft.com"
    assert real.person_url(real.authority) == real.authority

    a = flows.client_credentials(here)
    b = flows.client_credentials(there)
    assert a.claims["tid"] == here.tenant_id and a.claims["appid"] == here.client_id
    assert b.claims["tid"] == there.tenant_id and b.claims["appid"] == there.client_id

    # Each tenant knows only its own app: the other sandbox really is another directory.
    with pytest.raises(AuthError) as info:
        flows.client_credentials(there.replace(client_id=here.client_id, credential=here.credential))
    assert info.value.code == 700016

    # A client that follows the environment (a plain requests call) would not reach either sandbox.
    import requests

    with pytest.raises(requests.exceptions.RequestException):
        requests.get(f"https://login.microsoftonline.com/{here.tenant_id}/v2.0/.well-known/openid-configuration",
                     timeout=10)  # fmt: skip
