"""``access_check(profile, site_url)``: can this profile read this site, through Graph and through
SharePoint REST, and if not, why exactly.

For each API it gets the token the client would use (Graph's, or one for the site's own SharePoint
host), decodes it (audience, delegated or app-only, secret or certificate, scopes or roles), calls the
site, and explains the answer in Grooper's terms. The refusals it tells apart:

* **secret vs certificate** for REST app-only: SharePoint refuses an app-only token obtained with a
  client secret ("Unsupported app only token."; the token's ``appidacr`` is ``1``, a certificate gives
  ``2``), while Graph accepts it
  (https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread);
* **wrong host**: a token for ``contoso-my.sharepoint.com`` (OneDrive) used on ``contoso.sharepoint.com``
  or the reverse ("Invalid audience Uri");
* **Sites.Selected without a grant** for this site: the permission is consented but the site was never
  granted through ``POST /sites/{id}/permissions``
  (https://learn.microsoft.com/graph/api/site-post-permissions);
* **a missing scope or role**: the token carries no permission the API accepts for sites;
* **a site that does not exist** (404) vs **one the caller may not see** (403).

Each row: ``api``, ``url``, ``identity``, ``audience``, ``credential``, ``permissions``, ``status``,
``ok``, ``error``, ``explanation``, ``fix``, ``docs``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from grooper_nb.connections import get_connection
from grooper_nb.errors.base import ExplainedError
from grooper_nb.sharepoint import auth
from grooper_nb.sharepoint.graph import GraphSharePoint
from grooper_nb.sharepoint.rest import RestSharePoint
from grooper_nb.sharepoint.site import split_site_url

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.profile import Profile

__all__ = ["COLUMNS", "TokenFacts", "access_check", "token_facts"]

COLUMNS = ["api", "url", "identity", "audience", "credential", "permissions", "status", "ok", "error",
           "explanation", "fix", "docs"]  # fmt: skip

_APP_ONLY_DOCS = "https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread"
_GRANT_DOCS = "https://learn.microsoft.com/graph/api/site-post-permissions"
_SELECTED_DOCS = "https://learn.microsoft.com/graph/permissions-selected-overview"
_GRAPH_SITE_DOCS = "https://learn.microsoft.com/graph/api/site-getbypath"
_REST_DOCS = "https://learn.microsoft.com/sharepoint/dev/sp-add-ins/get-to-know-the-sharepoint-rest-service"
_TOKEN_DOCS = "https://learn.microsoft.com/entra/identity-platform/access-tokens"
_SELECTED = frozenset(
    {
        "Sites.Selected",
        "Lists.SelectedOperations.Selected",
        "ListItems.SelectedOperations.Selected",
        "Files.SelectedOperations.Selected",
    }
)
_CREDENTIAL = {"0": "public client", "1": "client secret", "2": "certificate"}


@dataclass(frozen=True)
class TokenFacts:
    """What a token says about its caller, read from its claims (never verified here, only read)."""

    audience: str = ""
    app_only: bool = False
    credential: str = ""  # "client secret" | "certificate" | "public client" | ""
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    who: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def permissions(self) -> tuple[str, ...]:
        return self.roles if self.app_only else self.scopes

    @property
    def identity(self) -> str:
        how = f" ({self.credential})" if self.credential else ""
        return f"app-only{how}" if self.app_only else f"delegated: {self.who or 'user'}{how}"

    @property
    def audience_host(self) -> str:
        """The SharePoint host the audience names (``https://contoso.sharepoint.com`` or SharePoint's own
        ``00000003-0000-0ff1-ce00-000000000000/contoso.sharepoint.com@tenant`` form), else ''."""
        aud = self.audience.lower()
        if "://" in aud:
            return aud.split("://", 1)[1].split("/", 1)[0]
        if "/" in aud:
            return aud.split("/", 1)[1].split("@", 1)[0]
        return ""


def token_facts(token: str) -> TokenFacts:
    """:class:`TokenFacts` of an access token (:func:`grooper_nb.tokens.decode`)."""
    from grooper_nb.tokens.decode import decode

    claims = decode(token).claims or {}
    scopes = tuple(str(claims.get("scp") or "").split())
    roles = tuple(claims.get("roles") or ())
    app_only = claims.get("idtyp") == "app" or (not scopes and "scp" not in claims)
    acr = claims.get("appidacr", claims.get("azpacr"))
    return TokenFacts(
        audience=str(claims.get("aud") or ""),
        app_only=app_only,
        credential=_CREDENTIAL.get(str(acr), "") if acr is not None else "",
        roles=roles,
        scopes=scopes,
        who=str(claims.get("upn") or claims.get("preferred_username") or ""),
    )


# ---- explanations ---------------------------------------------------------------------------------
Verdict = tuple[str, str, str]  # explanation, fix, docs


def _only_selected(facts: TokenFacts) -> bool:
    perms = set(facts.permissions)
    return bool(perms) and perms <= _SELECTED


def _accepted(api: str, facts: TokenFacts) -> tuple[str, ...]:
    if api == "graph":
        conn = get_connection("sharepoint_graph")
    else:
        conn = get_connection("sharepoint_rest_app" if facts.app_only else "sharepoint_rest_delegated")
    return conn.roles if facts.app_only else conn.scopes


def _missing_permission(api: str, facts: TokenFacts) -> Verdict | None:
    accepted = _accepted(api, facts)
    if set(facts.permissions) & set(accepted):
        return None
    kind = "application permission (roles)" if facts.app_only else "delegated scope (scp)"
    resource = "Microsoft Graph" if api == "graph" else "SharePoint (Office 365 SharePoint Online)"
    held = ", ".join(facts.permissions) or "none"
    return (
        f"The token carries no {kind} that {resource} accepts for sites (it has: {held}).",
        f"Add one of {', '.join(accepted[:4])} for {resource} to the app registration and grant "
        "admin consent.",
        "https://learn.microsoft.com/graph/permissions-reference",
    )


def _denied(api: str, facts: TokenFacts, site_url: str) -> Verdict:
    missing = _missing_permission(api, facts)
    if missing is not None:
        return missing
    if _only_selected(facts):
        return (
            "The app holds only Sites.Selected, and this site has not been granted to it: Sites.Selected "
            "reaches exactly the sites granted through POST /sites/{id}/permissions.",
            "As an app or administrator with Sites.FullControl.All, POST /sites/{site-id}/permissions "
            f"with roles ['read'] and this app's id for {site_url}; or use Sites.Read.All.",
            _GRANT_DOCS,
        )
    if facts.app_only:
        return (
            "The app's permission does not reach this site.",
            "Check the app's roles and site grants.",
            _SELECTED_DOCS,
        )
    return (
        f"The site exists but {facts.who or 'the signed-in user'} may not see it: SharePoint answers 403 "
        "for a site the caller has no permission on (and 404 only for one that does not exist).",
        "Add the user to the site (Members or Visitors), or use an account that has access.",
        _REST_DOCS if api == "rest" else _GRAPH_SITE_DOCS,
    )


def _not_found(api: str, site_url: str) -> Verdict:
    return (
        f"There is no site at {site_url}: both APIs answer 404 for a site that does not exist, and 403 for "
        "one that exists but the caller may not see.",
        "Check the URL (managed path /sites/ or /teams/, the site's name); list sites with "
        "SharePoint(profile, via='graph').sites().",
        _GRAPH_SITE_DOCS,
    )


def _unauthorized(api: str, err: ExplainedError, facts: TokenFacts, host: str) -> Verdict:
    if err.error == "UnsupportedAppOnlyToken" or (
        api == "rest" and facts.app_only and facts.credential == "client secret"
    ):
        return (
            "SharePoint REST refused an app-only token obtained with a client secret (appidacr=1): it "
            "accepts app-only tokens only from a certificate (appidacr=2). Graph accepts the same "
            "secret-based token.",
            "Upload a certificate to the app registration and connect with it "
            "(connect(credential='certificate')), or read the site through Graph (via='graph').",
            _APP_ONLY_DOCS,
        )
    aud_host = facts.audience_host
    if err.error == "InvalidAudienceUri" or (api == "rest" and aud_host and aud_host != host):
        return (
            f"The token was issued for {facts.audience or 'another resource'}, but the site is on {host}: "
            "SharePoint accepts only tokens for its own host (the OneDrive host contoso-my.sharepoint.com "
            "and the sites host contoso.sharepoint.com are two resources).",
            f"Request the token for https://{host}/.default.",
            _TOKEN_DOCS,
        )
    return (
        err.meaning or "The token was refused.",
        err.fix or "Inspect the token.",
        err.docs_url or _TOKEN_DOCS,
    )


def _explain_error(api: str, err: ExplainedError, facts: TokenFacts, site_url: str, host: str) -> Verdict:
    if err.status == 401:
        return _unauthorized(api, err, facts, host)
    if err.status == 403:
        return _denied(api, facts, site_url)
    if err.status == 404:
        return _not_found(api, site_url)
    return (err.meaning or str(err), err.fix or "", err.docs_url or "")


# ---- the check ----------------------------------------------------------------------------------------
def _row(api: str, url: str, facts: TokenFacts | None, **values: Any) -> dict[str, Any]:
    facts = facts or TokenFacts()
    return {
        "api": api,
        "url": url,
        "identity": facts.identity if facts.audience else "",
        "audience": facts.audience,
        "credential": facts.credential,
        "permissions": " ".join(facts.permissions),
        **values,
    }


def _try(
    api: str, site_url: str, host: str, token: str, call: Callable[[Callable[[bool], str]], Any]
) -> dict[str, Any]:
    facts = token_facts(token)
    try:
        site = call(lambda _force: token)
    except ExplainedError as err:
        explanation, fix, docs = _explain_error(api, err, facts, site_url, host)
        return _row(
            api,
            site_url,
            facts,
            status=err.status,
            ok=False,
            error=err.error,
            explanation=explanation,
            fix=fix,
            docs=docs,
        )
    return _row(
        api,
        site_url,
        facts,
        status=200,
        ok=True,
        error="",
        explanation=f"Read the site '{site.title or site.path or site.host}' through {api}.",
        fix="",
        docs=_GRAPH_SITE_DOCS if api == "graph" else _REST_DOCS,
    )


def _check(profile: Profile, api: str, site_url: str, account: Any, token_host: str | None) -> dict[str, Any]:
    host, _ = split_site_url(site_url)
    resource = profile.cloud.graph_url if api == "graph" else f"https://{token_host or host}"
    try:
        token = auth.token_for(profile, resource, account).access_token.reveal()
    except ExplainedError as err:
        return _row(
            api,
            site_url,
            None,
            status=err.status,
            ok=False,
            error=str(err.error),
            explanation=f"No token for {resource}: {err.meaning or err.description}",
            fix=err.fix or "",
            docs=err.docs_url or "",
        )
    if api == "graph":
        return _try(
            api,
            site_url,
            host,
            token,
            lambda get: GraphSharePoint(profile.session, profile.cloud.graph_url, get).site(site_url),
        )
    return _try(
        api, site_url, host, token, lambda get: RestSharePoint(profile.session, lambda _h: get).site(site_url)
    )


def access_check(
    profile: Profile,
    site_url: str,
    *,
    account: Any = None,
    apis: tuple[str, ...] = ("graph", "rest"),
    token_host: str | None = None,
) -> pd.DataFrame:
    """One row per API: did the profile's token read ``site_url``, and if not, why and what to do.

    ``account`` (a sign-in's result) checks a delegated identity; without it a profile with a secret or
    certificate checks the app itself. ``token_host`` asks SharePoint REST's token for another host than
    the site's (``contoso-my.sharepoint.com``): the mistake of a connection configured with the OneDrive
    host, shown with its explanation. Nothing is raised for a refusal: the table is the answer.
    """
    rows = [_check(profile, api, site_url, account, token_host) for api in apis]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"ok": "boolean", "status": "Int64"})
