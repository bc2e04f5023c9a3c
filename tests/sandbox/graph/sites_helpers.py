"""Helpers for the Graph SharePoint tests: tokens with exactly the permissions a test needs, made the way
an administrator makes them (an app registered through Graph, consented through Graph), and a few paths.

Nothing here fakes anything: tokens come from grooper_nb's flows over real MSAL against the module's own
sandbox, consent from Graph's ``appRoleAssignedTo`` and ``oauth2PermissionGrants``.
"""

from __future__ import annotations

from collections.abc import Callable

from grooper_nb.auth import flows
from grooper_nb.profile import connect
from tests.sandbox.graph.graph_helpers import GRAPH, GRAPH_DEFAULT, Graph, ropc_token

FINANCE = "/v1.0/sites/contoso.sharepoint.com:/sites/finance"
CONNECTOR = "Grooper Azure AD Connector 2021"


def relative(link: str) -> str:
    """A Graph link (``@odata.nextLink``, ...) as a path for :class:`Graph`."""
    assert link.startswith(GRAPH), link
    return link[len(GRAPH) :]


def all_pages(graph: Graph, path: str, token: str) -> tuple[list[dict], int]:
    """Every entry of a collection, following ``@odata.nextLink``; and how many pages it took."""
    values, pages = [], 0
    while path:
        resp = graph.get(path, token)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        values += body["value"]
        pages += 1
        path = relative(body["@odata.nextLink"]) if "@odata.nextLink" in body else ""
    return values, pages


def error(resp) -> tuple[int, str]:
    return resp.status_code, resp.json()["error"]["code"]


def app_only_token(
    graph: Graph,
    admin_token: str,
    new_app: Callable[..., dict],
    graph_sp: dict,
    state_dir: str,
    name: str,
    roles: list[str],
) -> tuple[str, dict]:
    """An app-only Graph token of a new app holding exactly ``roles`` (Graph application permissions),
    consented by the administrator through Graph; and the app."""
    app = new_app(name)
    sp = graph.post("/v1.0/servicePrincipals", admin_token, {"appId": app["appId"]}).json()
    secret = graph.post(f"/v1.0/applications/{app['id']}/addPassword", admin_token, {}).json()["secretText"]
    ids = {r["value"]: r["id"] for r in graph_sp["appRoles"]}
    for role in roles:
        body = {"principalId": sp["id"], "resourceId": graph_sp["id"], "appRoleId": ids[role]}
        made = graph.post(f"/v1.0/servicePrincipals/{graph_sp['id']}/appRoleAssignedTo", admin_token, body)
        assert made.status_code == 201, made.text
    profile = connect(client_id=app["appId"], client_secret=secret, sandbox_dir=state_dir)
    token = flows.client_credentials(profile, [GRAPH_DEFAULT], use_cache=False).access_token.reveal()
    return token, app


def delegated_token(
    graph: Graph,
    admin_token: str,
    new_app: Callable[..., dict],
    graph_sp: dict,
    state_dir: str,
    name: str,
    scopes: str,
    user: dict,
) -> str:
    """A delegated Graph token of ``user`` through a new public client consented (for everyone) to
    exactly ``scopes`` (space-separated)."""
    app = new_app(name, isFallbackPublicClient=True, publicClient={"redirectUris": ["http://localhost"]})
    sp = graph.post("/v1.0/servicePrincipals", admin_token, {"appId": app["appId"]}).json()
    body = {
        "clientId": sp["id"],
        "consentType": "AllPrincipals",
        "principalId": None,
        "resourceId": graph_sp["id"],
        "scope": scopes,
    }
    assert graph.post("/v1.0/oauth2PermissionGrants", admin_token, body).status_code == 201
    profile = connect(client_id=app["appId"], sandbox_dir=state_dir)
    return ropc_token(profile, user, scopes.split())


def connector_token(state_dir: str, user: dict) -> str:
    """A delegated token of Grooper's connector: Files.ReadWrite.All and Sites.ReadWrite.All."""
    return ropc_token(connect(app=CONNECTOR, sandbox_dir=state_dir), user)
