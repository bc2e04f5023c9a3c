"""The registration's Graph client against the sandbox, with real tokens: one refresh on a 401, every page
of a collection, and Graph's failures raised explained."""

from __future__ import annotations

import pytest

from grooper_nb.errors import GraphError
from grooper_nb.registration.graph import GraphClient, odata_quote


def test_a_refused_token_is_refreshed_once_and_the_call_resent(bootstrap, admin):
    asked = []

    def get_token(force_refresh: bool) -> str:
        asked.append(force_refresh)
        return admin.access_token.reveal() if force_refresh else "not-a-token"

    graph = GraphClient(bootstrap, get_token=get_token)
    assert graph.get("/organization")["value"][0]["id"] == bootstrap.tenant_id
    assert asked == [False, True] and graph.auth.refreshes == 1


def test_a_token_refused_twice_is_the_explained_401(bootstrap):
    graph = GraphClient(bootstrap, get_token=lambda force: "not-a-token")
    with pytest.raises(GraphError) as caught:
        graph.get("/organization")
    assert caught.value.status == 401 and caught.value.error == "InvalidAuthenticationToken"
    assert caught.value.fix and graph.auth.refreshes == 1


def test_list_follows_every_next_link(bootstrap, admin, private_sandbox):
    graph = GraphClient(bootstrap, account=admin)
    users = graph.list("/users", top=2, select=["id", "userPrincipalName"])
    assert len(users) > 2  # two per page: the rest came by @odata.nextLink
    assert sorted(u["userPrincipalName"] for u in users) == sorted(u["upn"] for u in private_sandbox["users"])


def test_find_quotes_the_value_as_odata_does(bootstrap, admin):
    assert odata_quote("O'Brien's app") == "'O''Brien''s app'"
    assert GraphClient(bootstrap, account=admin).find("/applications", "displayName", "O'Brien's app") == []


def test_a_failure_is_raised_as_the_explained_graph_error(bootstrap, admin):
    with pytest.raises(GraphError) as caught:
        GraphClient(bootstrap, account=admin).get("/applications/00000000-0000-0000-0000-000000000000")
    assert caught.value.status == 404 and caught.value.request_id
