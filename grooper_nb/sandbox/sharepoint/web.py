"""``/_api/web``, ``/_api/site``, the site's users and ``/_api/web/currentuser``.

SP.Web: https://learn.microsoft.com/previous-versions/office/sharepoint-csom/ee544226(v=office.15);
users: https://learn.microsoft.com/sharepoint/dev/sp-add-ins/get-to-know-the-sharepoint-rest-service.

A list item names its author and editor by *site user id* (``AuthorId``, an integer of the site's user
information list), not by the directory's object id; the SharePoint store numbers the directory's users
the same way on every site, for REST and Graph alike (``store.sharepoint.site_users()``, from 7, as a new
site's first real users are), and ``/_api/web/siteusers`` and ``getuserbyid(n)`` turn the number back
into a person.
"""

from __future__ import annotations

from typing import Any

from flask import Response

from ..store.sharepoint import FIRST_PERSON
from .context import Context
from .errors import SPError
from .odata import Entity

__all__ = ["FIRST_USER_ID", "current_user", "get_site", "get_web", "site_user", "site_user_id", "site_users"]

FIRST_USER_ID = FIRST_PERSON
_TEMPLATES = {
    "root": "SITEPAGEPUBLISHING",
    "communication": "SITEPAGEPUBLISHING",
    "team": "STS",
    "onedrive": "SPSPERS",
}


def site_user_id(store: Any, user_id: str | None) -> int | None:
    """The site user id of a directory user (None for None or an unknown user)."""
    return store.sharepoint.user_lookup_id(user_id)


def user_entity(ctx: Context, number: int, user: dict[str, Any]) -> Entity:
    upn = user["userPrincipalName"]
    return Entity(
        "SP.User",
        f"{ctx.api}/Web/GetUserById({number})",
        {
            "Id": number,
            "IsHiddenInUI": False,
            "LoginName": f"i:0#.f|membership|{upn.lower()}",
            "Title": user["displayName"],
            "PrincipalType": 1,
            "Email": user.get("mail") or upn,
            "IsSiteAdmin": False,
            "UserId": {
                "NameId": user["id"].replace("-", "")[:16],
                "NameIdIssuer": "urn:federation:microsoftonline",
            },
            "UserPrincipalName": upn,
        },
        edit=f"Web/GetUserById({number})",
    )


def web_entity(ctx: Context) -> Entity:
    site = ctx.site
    return Entity(
        "SP.Web",
        f"{ctx.api}/Web",
        {
            "Created": site["created"],
            "Description": site["description"],
            "Id": site["web_id"],
            "Language": 1033,
            "LastItemModifiedDate": site["modified"],
            "ServerRelativeUrl": site["path"] or "/",
            "Title": site["title"],
            "Url": ctx.web_url,
            "WebTemplate": _TEMPLATES.get(site["kind"], "STS"),
        },
        edit="Web",
    )


def get_web(ctx: Context) -> Response:
    return ctx.one(web_entity(ctx), "SP.Web")


def get_site(ctx: Context) -> Response:
    """``/_api/site``: the site collection (its id is the store's site id)."""
    site = ctx.site
    item = Entity(
        "SP.Site",
        f"{ctx.api}/Site",
        {"Id": site["id"], "ServerRelativeUrl": site["path"] or "/", "Url": ctx.web_url},
        edit="Site",
    )
    return ctx.one(item, "SP.Site")


def site_users(ctx: Context) -> Response:
    people = ctx.store.sharepoint.site_users()
    return ctx.many([user_entity(ctx, n, u) for n, u in people], "SP.ApiData.Users")


def site_user(ctx: Context, number: str) -> Response:
    user = dict(ctx.store.sharepoint.site_users()).get(int(number))
    if user is None:
        raise SPError(404, "-2146232832, Microsoft.SharePoint.SPException", "User cannot be found.")
    return ctx.one(user_entity(ctx, int(number), user), "SP.ApiData.Users/@Element")


def current_user(ctx: Context) -> Response:
    """The signed-in user; an app-only caller is SharePoint's "SharePoint App" user."""
    user = ctx.caller.user
    if user is None:
        app = {
            "userPrincipalName": "app@sharepoint",
            "displayName": "SharePoint App",
            "id": ctx.caller.app_id,
        }
        item = user_entity(ctx, 1073741823, app)
        item.props.update(LoginName="i:0i.t|00000003-0000-0ff1-ce00-000000000000|app@sharepoint", Email="")
        return ctx.one(item, "SP.ApiData.Users/@Element")
    return ctx.one(user_entity(ctx, site_user_id(ctx.store, user["id"]), user), "SP.ApiData.Users/@Element")
