"""The host registry (``grooper_nb.sandbox.hosts.HOSTS``): one list drives dispatch by ``Host`` header,
the proxy's allow-list and the certificate's names. Driven in-process through the WSGI app; the same
hosts over the real proxy and TLS are in test_launcher.py."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from grooper_nb.sandbox.hosts import HOSTS, create_tls_app, host_names
from grooper_nb.sandbox.store import Store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = Store.open(tmp_path_factory.mktemp("hosts") / "state")
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(store) -> Client:
    return Client(create_tls_app(store, browser_url="http://127.0.0.1:1"))


def test_host_names_are_every_registered_host_for_the_tenant(store):
    assert host_names(store.directory.tenant) == [
        "login.microsoftonline.com",
        "graph.microsoft.com",
        "outlook.office365.com",
        "contoso.sharepoint.com",
        "contoso-my.sharepoint.com",
    ]
    assert [h.name for h in HOSTS] == ["login", "graph", "ews", "sharepoint"]


def test_graph_host_answers_graphs_error_envelope(client):
    resp = client.get("/v1.0/me", headers={"Host": "graph.microsoft.com"})
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "InvalidAuthenticationToken"


def test_outlook_host_answers_exchanges_bearer_challenge(client):
    resp = client.post("/EWS/Exchange.asmx", headers={"Host": "outlook.office365.com:443"})
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith('Bearer client_id="00000002-0000-0ff1-ce00-')


@pytest.mark.parametrize("host", ["contoso.sharepoint.com", "contoso-my.sharepoint.com"])
def test_sharepoint_hosts_answer_sharepoints_odata_error(client, store, host):
    resp = client.get("/_api/web", headers={"Host": host})
    assert resp.status_code == 401
    assert "odata.error" in resp.json
    assert f'realm="{store.directory.tenant["id"]}"' in resp.headers["WWW-Authenticate"]


@pytest.mark.parametrize("host", ["login.microsoftonline.com", "127.0.0.1:8443"])
def test_the_identity_host_and_a_direct_loopback_request_reach_login(client, host):
    resp = client.get("/common/v2.0/.well-known/openid-configuration", headers={"Host": host})
    assert resp.status_code == 200
    assert resp.json["token_endpoint"].endswith("/oauth2/v2.0/token")
