"""One mailbox's Graph mail API as the profile: URLs, the bearer token and explained errors.

Every request goes through the profile's own session (:mod:`grooper_nb.http`): timeouts, retries of
429/503 as ``Retry-After`` asks, a dropped connection retried for a GET, and a token refreshed once on a
401 (:class:`~grooper_nb.http.BearerAuth`). Every answer that is not 2xx becomes an explained
:class:`~grooper_nb.errors.graph.GraphError` (https://learn.microsoft.com/graph/errors).

The token: given a signed-in ``account`` (a :class:`~grooper_nb.auth.result.TokenResult` or an MSAL
account), the call is delegated, as that user through the token cache (``flows.silent``, with whichever
delegated mail scopes were consented); without one, a profile with a client credential calls as the app
(client credentials, ``/.default``: the application permissions such as ``Mail.Read``), and a public
client as the first cached account. ``get_token(force_refresh) -> str`` replaces all of these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests

from grooper_nb.auth.provider import token_provider
from grooper_nb.errors.graph import from_response
from grooper_nb.http import BearerAuth

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.profile import Profile

__all__ = ["MailApi"]

API_VERSION = "v1.0"


class MailApi:
    """``get(path_or_url, params)`` for one mailbox: ``/me`` when ``mailbox`` is None, else
    ``/users/{mailbox}`` (an app-only token must name the mailbox: ``/me`` has no user behind it)."""

    def __init__(
        self,
        profile: Profile,
        mailbox: str | None,
        *,
        account: Any = None,
        get_token: Callable[[bool], str] | None = None,
    ) -> None:
        self.profile = profile
        self.account = account
        self.graph = f"{profile.cloud.graph_url}/{API_VERSION}"
        who = "me" if mailbox is None else f"users/{quote(mailbox, safe='@')}"
        self.base = f"{self.graph}/{who}"
        self._get_token = get_token
        scopes = [f"{profile.cloud.graph_url}/.default"]
        # one remembered token shared by the four folder workers (grooper_nb.auth.provider)
        provider = get_token or token_provider(profile, scopes, app_only=self.app_only, account=account)
        self.auth = BearerAuth(provider)

    @property
    def app_only(self) -> bool:
        """App-only when the profile has a client credential and no signed-in ``account`` was given."""
        return self._get_token is None and self.account is None and self.profile.credential is not None

    def url(self, path: str) -> str:
        """``path`` under the mailbox (``/mailFolders``), or a full URL (a nextLink) as it is."""
        if path.startswith("https://"):
            return path
        return f"{self.base}/{path.lstrip('/')}" if path.strip("/") else self.base

    def response(
        self, path: str, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> requests.Response:
        """The successful answer to ``GET path``, or the explained error."""
        resp = self.profile.session.get(self.url(path), params=params, headers=headers, auth=self.auth)
        if not resp.ok:
            raise from_response(resp)
        return resp

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        return self.response(path, params, headers).json()

    def post_batch(self, requests_: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The ``responses`` of one JSON batch (``POST {graph}/$batch``, at most 20 requests with relative
        URLs, https://learn.microsoft.com/graph/json-batching); the batch's own failure is explained."""
        resp = self.profile.session.post(f"{self.graph}/$batch", json={"requests": requests_}, auth=self.auth)
        if not resp.ok:
            raise from_response(resp)
        return resp.json().get("responses", [])

    def pages(self, path: str, params: Mapping[str, Any] | None = None, headers=None):
        """Each page of a collection: the first with ``params``, then every ``@odata.nextLink`` exactly as
        Graph gave it (https://learn.microsoft.com/graph/paging)."""
        url: str | None = path
        while url is not None:
            page = self.get(url, params, headers)
            yield page
            url, params = page.get("@odata.nextLink"), None

    def __repr__(self) -> str:
        return f"MailApi({self.base!r})"
