"""``{tenant}.sharepoint.com`` (and ``{tenant}-my.sharepoint.com``): SharePoint REST (``/_api``).

Until the SharePoint server lands, every request gets SharePoint REST's ``odata.error`` envelope: 401 with
the ``WWW-Authenticate: Bearer realm=...`` challenge when no token is sent (the realm is the tenant id:
https://learn.microsoft.com/sharepoint/dev/sp-add-ins/authorization-code-oauth-flow-for-sharepoint-add-ins),
else 404 ``InvalidClientQueryException``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from ..login import RESOURCE_CHALLENGE_URI

__all__ = ["create_app", "host_names"]

_TRUSTED_ISSUERS = (
    "00000001-0000-0000-c000-000000000000@*,D3776938-3DBA-481F-A652-4BEDFCAB7CD8@*,"
    "https://sts.windows.net/*/,https://login.microsoftonline.com/*/v2.0,"
    "00000003-0000-0ff1-ce00-000000000000@90140122-8516-11e1-8eff-49304924019b"
)


def host_names(tenant: dict[str, Any]) -> list[str]:
    """The tenant's root site host and its OneDrive (``-my``) host.

    >>> host_names({"sharepoint_host": "contoso.sharepoint.com"})
    ['contoso.sharepoint.com', 'contoso-my.sharepoint.com']
    """
    label, dot, rest = tenant["sharepoint_host"].lower().partition(".")
    return [tenant["sharepoint_host"].lower(), f"{label}-my{dot}{rest}"]


def _challenge(tenant_id: str) -> str:
    return (
        f'Bearer realm="{tenant_id}",client_id="00000003-0000-0ff1-ce00-000000000000",'
        f'trusted_issuers="{_TRUSTED_ISSUERS}",'
        f'authorization_uri="{RESOURCE_CHALLENGE_URI}"'
    )


def create_app(store: Any, **_: Any):
    """The SharePoint host as a WSGI app (the challenge names ``store``'s tenant)."""

    def app(environ, start_response):
        headers = [
            ("Content-Type", "application/json;odata=nometadata;charset=utf-8"),
            ("request-id", str(uuid.uuid4())),
            ("SPRequestGuid", str(uuid.uuid4())),
        ]
        if not environ.get("HTTP_AUTHORIZATION"):
            headers.append(("WWW-Authenticate", _challenge(store.directory.tenant["id"])))
            status, code, message = (
                "401 Unauthorized",
                "-2147024891, System.UnauthorizedAccessException",
                "Access denied. You do not have permission to perform this action or access this resource.",
            )
        else:
            status, code, message = (
                "404 Not Found",
                "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
                "The expression is not valid.",
            )
        body = json.dumps(
            {"odata.error": {"code": code, "message": {"lang": "en-US", "value": message}}}
        ).encode()
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]

    return app
