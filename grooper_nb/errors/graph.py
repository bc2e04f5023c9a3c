"""Microsoft Graph errors explained: the catalogue and :func:`from_response`.

Graph answers a failure with an HTTP status and a JSON error envelope
(https://learn.microsoft.com/graph/errors)::

    {"error": {"code": "ErrorAccessDenied", "message": "Access is denied. Check credentials and try again.",
               "innerError": {"date": "2025-02-13T10:17:06", "request-id": "93b6f17e-...",
                              "client-request-id": "e70c5c1b-..."}}}

:func:`from_response` turns such a ``requests.Response`` into a :class:`GraphError` (keeping the code,
status, request IDs, date and ``Retry-After``) explained by the entry for its code::

    >>> from grooper_nb.errors import explain
    >>> explain("graph", "MailboxNotEnabledForRESTAPI").status
    404

Mail codes come from Exchange Online behind Graph (``Error...``), drive codes from SharePoint and
OneDrive behind Graph (``itemNotFound``, ``accessDenied``, ...:
https://learn.microsoft.com/onedrive/developer/rest-api/concepts/errors).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, ClassVar

from grooper_nb.errors.base import ExplainedError, Explanation, body_text, http_facts, lookup

__all__ = ["CATALOGUE", "GraphError", "explain", "from_download_response", "from_response", "parse_envelope"]

_ERRORS = "https://learn.microsoft.com/graph/errors"
_DRIVE_ERRORS = "https://learn.microsoft.com/onedrive/developer/rest-api/concepts/errors"
_THROTTLING = "https://learn.microsoft.com/graph/throttling"
_MAIL = "https://learn.microsoft.com/graph/api/resources/mail-api-overview"


def _g(code: str, status: int, docs: str, *, meaning: str, cause: str, fix: str) -> Explanation:
    return Explanation(code, code, "", meaning, cause, fix, docs, status)


# fmt: off
_ENTRIES: tuple[Explanation, ...] = (
    _g("InvalidAuthenticationToken", 401, _ERRORS,
       meaning="The access token is missing, expired, or not valid for Microsoft Graph (for example "
               "'Access token is empty.', 'Lifetime validation failed, the token is expired.' or "
               "'Invalid audience').",
       cause="The token Grooper sent expired and the refresh failed, or it was issued for another "
             "resource (an EWS or SharePoint token sent to graph.microsoft.com).",
       fix="Inspect the token: inspect_token(token, profile).verdict('onedrive') (or the connection "
           "used) names the wrong audience or the expiry; request a Graph token "
           "(https://graph.microsoft.com/...) and let the client refresh it."),
    _g("ErrorAccessDenied", 403, "https://learn.microsoft.com/graph/auth-limit-mailbox-access",
       meaning="Access is denied to the mailbox or item ('Access is denied. Check credentials and try "
               "again.'; with app-only tokens also 'Access to OData is disabled: [RAOP] : Blocked by "
               "tenant configured AppOnly AccessPolicy settings.').",
       cause="The token lacks the Mail permission (not consented, or delegated where an application "
             "permission is needed), the signed-in user has no delegate access to that mailbox, or an "
             "Exchange ApplicationAccessPolicy / RBAC for Applications scope excludes the mailbox from "
             "the Grooper server-to-server app.",
       fix="Check the token's scp/roles (inspect_token(...).verdict('graph_mail_app')); grant Mail.Read "
           "with admin consent; for '[RAOP]' add the mailbox to the policy's group "
           "(Test-ApplicationAccessPolicy), and allow up to an hour for the change to reach Graph."),
    _g("Authorization_RequestDenied", 403, _ERRORS,
       meaning="Insufficient privileges to complete the operation (directory objects: users, groups, "
               "applications).",
       cause="The token lacks a directory permission (for example User.Read.All or "
             "Application.ReadWrite.All), or the signed-in user has no admin role, e.g. when registering "
             "or auditing the Grooper app.",
       fix="Grant the directory permission with admin consent, or sign in as an administrator with the "
           "role the operation needs (Application Administrator to register the app)."),
    _g("MailboxNotEnabledForRESTAPI", 404, _MAIL,
       meaning="The mailbox is either inactive, soft-deleted, or hosted on-premises (older text: 'REST "
               "API is not yet supported for this mailbox.').",
       cause="The user in Grooper's mailbox list has no Exchange Online licence or mailbox, the mailbox "
             "was deleted, or it still lives in on-premises Exchange (hybrid).",
       fix="License the user for Exchange Online (or use the right UPN); an on-premises mailbox is "
           "reached with EWS on the on-premises server, not Graph."),
    _g("ErrorItemNotFound", 404, _ERRORS,
       meaning="The specified object was not found in the store.",
       cause="The message or folder was moved or deleted between listing and fetching (another client or "
             "a Grooper 'move after import' rule), or its ID belongs to another mailbox.",
       fix="List the folder again and fetch by the new ID; use immutable IDs "
           "(Prefer: IdType=\"ImmutableId\") when items move between runs."),
    _g("TooManyRequests", 429, _THROTTLING,
       meaning="Graph throttled the app: too many requests in a time window; the response's Retry-After "
               "says how many seconds to wait.",
       cause="An import reads one mailbox with more than four concurrent requests, or more than 10,000 "
             "requests in ten minutes for one app and mailbox (Outlook's limits).",
       fix="Wait Retry-After seconds before retrying (the retry counts too), keep to four concurrent "
           "requests per mailbox, use $select and larger pages."),
    _g("activityLimitReached", 429, _DRIVE_ERRORS,
       meaning="The app or user has been throttled (SharePoint and OneDrive behind Graph).",
       cause="The app exceeded its resource-unit budget for the tenant, e.g. a Grooper import walking "
             "many libraries in parallel.",
       fix="Wait Retry-After seconds, reduce concurrency, and prefer delta queries over full listings "
           "(https://learn.microsoft.com/sharepoint/dev/general-development/"
           "how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online)."),
    _g("generalException", 500, _DRIVE_ERRORS,
       meaning="An unspecified error has occurred in SharePoint or OneDrive.",
       cause="A transient service problem, or a request the service could not handle (for example a "
             "very large folder or file).",
       fix="Retry with backoff; if it persists, note the request-id and date and open a Microsoft "
           "support case."),
    _g("itemNotFound", 404, _DRIVE_ERRORS,
       meaning="The resource could not be found (drive item, drive or site).",
       cause="The path or ID in the Grooper SharePoint/OneDrive connection is wrong (site URL, library "
             "name, folder path), or the item was moved or deleted; without access an item can also "
             "look missing.",
       fix="Resolve the site by path (/sites/{host}:/sites/{name}), list its drives, then address items "
           "by ID or by root:/path:."),
    _g("accessDenied", 403, _DRIVE_ERRORS,
       meaning="The caller doesn't have permission to perform the action.",
       cause="The user has no access to that site or library, or the Grooper app holds Sites.Selected "
             "without a grant on this site.",
       fix="Give the user access to the site, or grant the app the site (POST /sites/{id}/permissions) "
           "when it uses Sites.Selected; Files.Read.All / Sites.Read.All reach every site."),
    _g("unauthenticated", 401, _DRIVE_ERRORS,
       meaning="The caller is not authenticated: for a file's pre-authenticated download URL "
               "(@microsoft.graph.downloadUrl, the 302 of /content), the URL's own credential expired or "
               "the URL was altered.",
       cause="The download URL was kept and used after its short lifetime (for example rows listed long "
             "before the download), or it was edited or truncated on the way.",
       fix="Ask Graph for the file again (GET .../items/{id}/content, or list the folder again) and follow "
           "the new URL at once, without an Authorization header "
           "(https://learn.microsoft.com/graph/api/driveitem-get-content)."),
    _g("invalidRequest", 400, _DRIVE_ERRORS,
       meaning="The request is malformed or incorrect.",
       cause="A malformed path (a missing ':' around root:/path:), an unsupported query option, or an "
             "invalid value in the request.",
       fix="Compare the request with the API's documented syntax; the message names the part that is "
           "wrong."),
)
# fmt: on

CATALOGUE: Mapping[str, Explanation] = MappingProxyType({str(e.code): e for e in _ENTRIES})


def explain(code: str) -> Explanation | None:
    """The catalogue entry for ``code`` (case-insensitive), or None."""
    return lookup(CATALOGUE, str(code))


@dataclass(eq=False)
class GraphError(ExplainedError):
    """A failed Microsoft Graph call, explained. ``error`` is the envelope's ``code``; ``inner_code`` its
    ``innerError.code`` when there is one (e.g. ``throttledRequest``)."""

    source: ClassVar[str] = "graph"
    label: ClassVar[str] = "Microsoft Graph"

    inner_code: str | None = None

    @property
    def explanation(self) -> Explanation | None:
        return explain(self.error)


def parse_envelope(text: str) -> dict[str, Any]:
    """The fields of a Graph error envelope (``{}`` when ``text`` is not one)."""
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return {}
    inner = err.get("innerError") or err.get("innererror") or {}
    inner = inner if isinstance(inner, dict) else {}
    return {
        "error": str(err.get("code") or ""),
        "description": str(err.get("message") or ""),
        "request_id": inner.get("request-id"),
        "client_request_id": inner.get("client-request-id"),
        "timestamp": inner.get("date"),
        "inner_code": inner.get("code"),
    }


def from_response(resp: Any) -> GraphError:
    """A :class:`GraphError` from a failed Graph ``requests.Response`` (JSON envelope or not)."""
    facts = http_facts(resp)
    found = parse_envelope(body_text(resp))
    merged = {**facts, **{k: v for k, v in found.items() if v}}
    if not merged.get("error"):
        merged["error"] = getattr(resp, "reason", None) or f"HTTP {facts['status']}"
    return GraphError(**merged)


def from_download_response(resp: Any) -> GraphError:
    """A :class:`GraphError` from a failed fetch of a pre-authenticated download URL. That URL is served
    by the file's SharePoint host, not Graph, so a refusal carries no Graph envelope; Microsoft documents
    no code for it, so it is explained by its status: a ``401`` is OneDrive's ``unauthenticated``
    (https://learn.microsoft.com/onedrive/developer/rest-api/concepts/errors), anything else is read as
    any Graph answer. The URL itself (its ``tempauth`` is a credential) never enters the error."""
    err = from_response(resp)
    if err.status == 401 and not explain(err.error):
        return replace(
            err, error="unauthenticated", description="The download URL was refused (expired or altered)."
        )
    return err
