"""Who may read which site, drive and list through Graph, with real tokens from real MSAL.

Application ``Sites.Read.All`` reads every site; delegated ``Files.Read`` only the user's own OneDrive;
``Sites.Selected`` only a site the app was granted through ``POST /sites/{id}/permissions``, which needs
``Sites.FullControl.All``. A site that does not exist is ``404 itemNotFound``, one the caller may not
see ``403 accessDenied``. Faults switched on for Graph reach these routes too. The module registers
apps and consents to them through Graph, so it has its own sandbox.
"""

from __future__ import annotations

import pytest
import requests

from grooper_nb.sandbox import launcher
from grooper_nb.sandbox.store import Store
from tests.helpers import plain_user, seeded_app
from tests.sandbox.graph.graph_helpers import GRAPH, Graph
from tests.sandbox.graph.sites_helpers import FINANCE, app_only_token, delegated_token, error

INTRANET = "/v1.0/sites/contoso.sharepoint.com:/sites/intranet"


@pytest.fixture(scope="module")
def selected(
    graph: Graph, admin_token: str, new_app, graph_sp: dict, private_sandbox: dict
) -> tuple[str, dict]:
    """An app-only token of a new app holding only Sites.Selected, and the app."""
    state_dir = private_sandbox["state_dir"]
    return app_only_token(
        graph, admin_token, new_app, graph_sp, state_dir, "Sites Selected App", ["Sites.Selected"]
    )


@pytest.fixture(scope="module")
def full_control(graph: Graph, admin_token: str, new_app, graph_sp: dict, private_sandbox: dict) -> str:
    """An app-only token of a new app holding Sites.FullControl.All (what grants Sites.Selected)."""
    state_dir = private_sandbox["state_dir"]
    token, _ = app_only_token(
        graph, admin_token, new_app, graph_sp, state_dir, "Site Admin App", ["Sites.FullControl.All"]
    )
    return token


@pytest.fixture(scope="module")
def files_read(graph: Graph, admin_token: str, new_app, graph_sp: dict, private_sandbox: dict) -> str:
    """A delegated token of an ordinary user with Files.Read alone."""
    user = plain_user(private_sandbox)
    state_dir = private_sandbox["state_dir"]
    return delegated_token(
        graph, admin_token, new_app, graph_sp, state_dir, "Files Read App", "Files.Read", user
    )


@pytest.fixture(scope="module")
def finance_drive(store: Store) -> str:
    finance = store.sharepoint.site_by_url("contoso.sharepoint.com", "/sites/finance")
    return f"/v1.0/drives/{store.sharepoint.list_by_title(finance['id'], 'Documents')['drive_id']}"


def test_a_token_without_a_sharepoint_permission_is_denied(
    graph: Graph, user_token: str, finance_drive: str
) -> None:
    for path in (
        "/v1.0/sites/root",
        FINANCE,
        f"{finance_drive}/root/children",
        "/v1.0/me/drive",
        "/v1.0/sites?search=*",
    ):
        assert error(graph.get(path, user_token)) == (403, "accessDenied"), path
    denied = graph.get(FINANCE, user_token).json()["error"]
    assert denied["message"] == "Access denied" and denied["innerError"]["request-id"]


def test_files_read_opens_only_the_users_own_onedrive(
    graph: Graph, files_read: str, finance_drive: str
) -> None:
    assert graph.get("/v1.0/me/drive", files_read).status_code == 200
    children = graph.get("/v1.0/me/drive/root/children", files_read)
    assert children.status_code == 200 and children.json()["value"]
    assert error(graph.get(finance_drive, files_read)) == (403, "accessDenied")
    assert error(graph.get(f"{FINANCE}:/drive", files_read)) == (403, "accessDenied")
    assert error(graph.get("/v1.0/sites/root", files_read)) == (403, "accessDenied")  # sites need Sites.*


def test_sites_selected_reads_only_a_granted_site(
    graph: Graph, selected: tuple[str, dict], full_control: str, finance_drive: str
) -> None:
    token, app = selected
    for path in (
        FINANCE,
        f"{FINANCE}:/lists",
        f"{finance_drive}/root/children",
        "/v1.0/sites?search=finance",
    ):
        assert error(graph.get(path, token)) == (403, "accessDenied"), path
    # A site that does not exist is 404 all the same: existence comes before access.
    assert error(graph.get("/v1.0/sites/contoso.sharepoint.com:/sites/nosuch", token)) == (
        404,
        "itemNotFound",
    )

    body = {
        "roles": ["read"],
        "grantedToIdentities": [{"application": {"id": app["appId"], "displayName": "Sites Selected App"}}],
    }
    made = graph.post(f"{FINANCE}:/permissions", full_control, body)
    assert made.status_code == 201, made.text
    grant = made.json()
    assert grant["roles"] == ["read"]
    assert grant["grantedToIdentities"][0]["application"]["id"] == app["appId"]
    assert grant["grantedToIdentitiesV2"] == grant["grantedToIdentities"]
    listed = graph.get(f"{FINANCE}:/permissions", full_control).json()["value"]
    assert [g["id"] for g in listed] == [grant["id"]]
    assert graph.get(f"{FINANCE}:/permissions/{grant['id']}", full_control).json()["roles"] == ["read"]

    assert graph.get(FINANCE, token).status_code == 200
    assert graph.get(f"{FINANCE}:/lists", token).status_code == 200
    assert graph.get(f"{finance_drive}/root/children", token).status_code == 200
    assert error(graph.get(INTRANET, token)) == (403, "accessDenied")  # only the granted site
    assert error(graph.get("/v1.0/sites?search=finance", token)) == (403, "accessDenied")  # no search

    assert graph.delete(f"{FINANCE}:/permissions/{grant['id']}", full_control).status_code == 204
    assert error(graph.get(FINANCE, token)) == (403, "accessDenied")
    assert error(graph.get(f"{FINANCE}:/permissions/{grant['id']}", full_control)) == (404, "itemNotFound")


def test_granting_needs_sites_full_control(
    graph: Graph, s2s_token: str, private_sandbox: dict, full_control: str
) -> None:
    app_id = seeded_app(private_sandbox, "Grooper Server-to-Server")["client_id"]
    body = {
        "roles": ["write"],
        "grantedToIdentities": [{"application": {"id": app_id, "displayName": "S2S"}}],
    }
    assert error(graph.post(f"{FINANCE}:/permissions", s2s_token, body)) == (403, "accessDenied")
    assert error(graph.get(f"{FINANCE}:/permissions", s2s_token)) == (403, "accessDenied")
    for change in ({"roles": ["admin"]}, {"roles": []}, {"grantedToIdentities": []}, {"roles": "read"}):
        bad = {**body, **change}
        assert error(graph.post(f"{FINANCE}:/permissions", full_control, bad)) == (400, "invalidRequest"), bad
    missing = graph.post("/v1.0/sites/contoso.sharepoint.com:/sites/nosuch:/permissions", full_control, body)
    assert error(missing) == (404, "itemNotFound")


def test_throttling_reaches_the_sites_routes(s2s_token: str, private_sandbox: dict) -> None:
    state_dir, env = private_sandbox["state_dir"], private_sandbox["env"]
    plain = requests.Session()  # no retry policy: the 429 itself is what is under test
    plain.trust_env = False  # this sandbox's proxy and CA, whatever the environment says
    plain.proxies = {"https": env["HTTPS_PROXY"]}
    plain.verify = env["REQUESTS_CA_BUNDLE"]
    url = f"{GRAPH}{FINANCE}:/drive/root/children"
    auth = {"Authorization": f"Bearer {s2s_token}"}
    launcher.set_fault(state_dir, "throttle", rate=1.0, count=1, retry_after=7, host="graph")
    try:
        throttled = plain.get(url, headers=auth, timeout=30)
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
        assert throttled.json()["error"]["code"] == "TooManyRequests"
        assert plain.get(url, headers=auth, timeout=30).status_code == 200
    finally:
        launcher.clear_faults(state_dir)
