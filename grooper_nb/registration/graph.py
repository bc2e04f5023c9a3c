"""A small Microsoft Graph client for the directory calls registration makes.

It is the profile's own HTTP session (:mod:`grooper_nb.http`) with three things on top:

* a bearer token from the profile, refreshed once on a 401 (:class:`~grooper_nb.http.BearerAuth`): an
  administrator's delegated token from the cache (sign in first, e.g. by device code through the
  bootstrap client), or an app-only token when the profile has a credential;
* every ``@odata.nextLink`` followed (:class:`~grooper_nb.http.GraphPages`,
  https://learn.microsoft.com/graph/paging);
* every failure raised as an explained :class:`~grooper_nb.errors.graph.GraphError` (Graph's error
  envelope, https://learn.microsoft.com/graph/errors): a non-administrator's
  ``403 Authorization_RequestDenied`` says which role the operation needs.

Every URL comes from the profile's cloud (``profile.cloud.graph_url``)::

    graph = GraphClient(admin_profile, account=device_result)
    graph.get("/organization")
    graph.list("/applications", filter="displayName eq 'Grooper (Contoso)'")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import requests

from grooper_nb.errors.graph import GraphError, from_response
from grooper_nb.http import BearerAuth, GraphPages

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.auth.result import TokenResult
    from grooper_nb.profile import Profile

__all__ = ["GraphClient", "GraphError", "odata_quote"]

API_VERSION = "v1.0"


def odata_quote(value: str) -> str:
    """``value`` as an OData string literal: single quotes, an inner quote doubled
    (https://learn.microsoft.com/graph/query-parameters#escaping-single-quotes)."""
    return "'" + str(value).replace("'", "''") + "'"


class GraphClient:
    """Graph calls as the profile: ``get``, ``list`` (every page), ``post``, ``patch``, ``delete``.

    ``account``: the signed-in administrator (a :class:`~grooper_nb.auth.result.TokenResult` or MSAL
    account) whose cached token is used; without it, the first cached account of the tenant. A profile
    with a client secret or certificate calls as the app itself (client credentials). ``get_token``
    replaces both: ``get_token(force_refresh) -> str``.
    """

    def __init__(
        self,
        profile: Profile,
        *,
        account: TokenResult | Mapping[str, Any] | None = None,
        get_token: Callable[[bool], str] | None = None,
        version: str = API_VERSION,
    ) -> None:
        self.profile = profile
        self.account = account
        self.base = f"{profile.cloud.graph_url}/{version}"
        self.auth = BearerAuth(get_token or self._token)

    def _token(self, force_refresh: bool) -> str:
        from grooper_nb.auth import flows

        scopes = [f"{self.profile.cloud.graph_url}/.default"]
        if self.profile.credential is not None:
            result = flows.client_credentials(self.profile, scopes, use_cache=not force_refresh)
        else:
            result = flows.silent(self.profile, scopes, account=self.account, force_refresh=force_refresh)
        return result.access_token.reveal()

    def url(self, path: str) -> str:
        return path if path.startswith("https://") else f"{self.base}/{path.lstrip('/')}"

    def request(self, method: str, path: str, *, body: Any = None, params: Mapping[str, Any] | None = None):
        """One call; the JSON answer (None for 204), or the explained :class:`GraphError`."""
        resp = self.profile.session.request(method, self.url(path), json=body, params=params, auth=self.auth)
        if not resp.ok:
            raise from_response(resp)
        if resp.status_code == 204 or not resp.content:
            return None
        return resp.json()

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self.request("GET", path, params=_query(params))

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body=body)

    def patch(self, path: str, body: Any) -> None:
        self.request("PATCH", path, body=body)

    def delete(self, path: str) -> None:
        self.request("DELETE", path)

    def list(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a collection, following ``@odata.nextLink``; ``filter=``, ``select=``, ``top=``
        become ``$filter``, ``$select``, ``$top``."""
        pages = GraphPages(self.profile.session, self.url(path), params=_query(params), auth=self.auth)
        try:
            return list(pages)
        except requests.HTTPError as exc:
            raise from_response(exc.response) from None

    def find(self, path: str, field: str, value: str) -> list[dict[str, Any]]:
        """The items of ``path`` whose ``field`` equals ``value`` (``$filter=field eq 'value'``)."""
        return self.list(path, filter=f"{field} eq {odata_quote(value)}")

    def __repr__(self) -> str:
        return f"GraphClient({self.base!r})"


def _query(params: Mapping[str, Any]) -> dict[str, Any] | None:
    out = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, Sequence) and not isinstance(value, str):
            value = ",".join(value)
        out[key if key.startswith("$") else f"${key}"] = value
    return out or None
