"""SharePoint REST (``/_api``) errors explained: the catalogue and :func:`from_response`.

SharePoint names its failures by message more than by code, in several shapes:

* a rejected token: HTTP 401 with a small body ``{"error_description": "..."}`` (or plain text such as
  ``Unsupported app only token.``) and the reason again in ``x-ms-diagnostics``, e.g.
  ``3000003;reason="Invalid audience Uri '...'.";category="invalid_client"``;
* other failures: an OData error whose shape follows the ``Accept`` header —
  ``{"odata.error": {"code": "-2147024891, System.UnauthorizedAccessException", "message": {"lang":
  "en-US", "value": "Access denied."}}}``, the verbose ``{"error": {...}}``, or the XML ``<m:error>``;
* throttling: 429 or 503 with ``Retry-After`` (Microsoft's page "Avoid getting throttled or blocked in
  SharePoint Online", linked from the throttling entries).

:func:`from_response` reads them all into a :class:`SharePointError` whose ``error`` is one of the
catalogue's codes, found by :data:`MATCHES` (the first needle found in the code, message or
diagnostics wins; then the HTTP status).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from grooper_nb.errors.base import ExplainedError, Explanation, body_text, http_facts, lookup, parse_xml

__all__ = ["CATALOGUE", "MATCHES", "SharePointError", "classify", "explain", "from_response", "parse_body"]

_APP_ONLY = "https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread"
_THROTTLING = (
    "https://learn.microsoft.com/sharepoint/dev/general-development/"
    "how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online"
)
_REST = "https://learn.microsoft.com/sharepoint/dev/sp-add-ins/get-to-know-the-sharepoint-rest-service"
_TOKENS = "https://learn.microsoft.com/entra/identity-platform/access-tokens"
_LISTS = "https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-lists-and-list-items-with-rest"
_ODATA = "https://learn.microsoft.com/sharepoint/dev/sp-add-ins/use-odata-query-operations-in-sharepoint-rest-requests"


def _s(code: str, status: int, docs: str, *, meaning: str, cause: str, fix: str) -> Explanation:
    return Explanation(code, code, "", meaning, cause, fix, docs, status)


# fmt: off
_ENTRIES: tuple[Explanation, ...] = (
    _s("UnsupportedAppOnlyToken", 401, _APP_ONLY,
       meaning="'Unsupported app only token.': SharePoint REST refuses app-only tokens obtained with a "
               "client secret.",
       cause="The Grooper server-to-server SharePoint connection uses the app's client secret; SharePoint "
             "Online accepts app-only tokens only from certificate credentials (the token's appidacr is 1, "
             "not 2).",
       fix="Upload a certificate to the app registration and get the token with client credentials + "
           "certificate; or use Graph (/sites, /drives), which accepts secret-based app-only tokens."),
    _s("InvalidAudienceUri", 401, _TOKENS,
       meaning="'Invalid audience Uri': the token was issued for another resource than this SharePoint host "
               "(AudienceUriValidationFailedException).",
       cause="A Graph or Exchange token was sent to SharePoint REST, or a token for another tenant's "
             "SharePoint host.",
       fix="Request https://{tenant}.sharepoint.com/.default (app-only) or "
           "https://{tenant}.sharepoint.com/AllSites.Read (delegated) for this tenant's own host; "
           "inspect_token(...).verdict('sharepoint_rest_delegated') names the audience."),
    _s("AccessDenied", 403, _REST,
       meaning="'Access denied.' (System.UnauthorizedAccessException, -2147024891): the caller may not "
               "perform this action or reach this resource.",
       cause="The signed-in user has no permission on the site, library or item; or the app holds "
             "Sites.Selected without a grant on this site, or only read permission for a write.",
       fix="Give the user (or the app, for Sites.Selected) access to the site; for writes use "
           "AllSites.Write / Sites.ReadWrite.All."),
    _s("FileNotFound", 404, _REST,
       meaning="The file or folder does not exist (System.IO.FileNotFoundException, -2147024894).",
       cause="The server-relative URL in the Grooper connection is wrong (site path, library name such as "
             "'Shared Documents' vs 'Documents', folder), or the item was moved.",
       fix="List the library's folders (GetFolderByServerRelativeUrl) and use the exact server-relative "
           "URL."),
    _s("ListNotFound", 404, _LISTS,
       meaning="'List '...' does not exist at site with URL '...'.' (System.ArgumentException): no list or "
               "library has that title or id on this site.",
       cause="The library's title in the Grooper connection is its URL name ('Shared Documents') rather "
             "than its title ('Documents'), or the list is on another site or subsite.",
       fix="List the site's lists (GET /_api/web/lists?$select=Title,Id) and use the exact title or the "
           "list's GUID (lists(guid'...'))."),
    _s("InvalidClientQuery", 400, _ODATA,
       meaning="SharePoint could not parse the request's OData query or path "
               "(Microsoft.SharePoint.Client.InvalidClientQueryException, e.g. 'The expression is not "
               "valid.' or a field in $select that the list does not have).",
       cause="A $select/$expand naming a column the list does not have, a lookup or person column selected "
             "without $expand, or an endpoint this SharePoint does not serve.",
       fix="Check every field in $select against the list's fields (GET /_api/web/lists(guid'...')/fields) "
           "and $expand each lookup or person column you select through (Author/EMail needs "
           "$expand=Author)."),
    _s("Unauthorized", 401, _TOKENS,
       meaning="SharePoint refused the token (HTTP 401); x-ms-diagnostics says why, e.g. 'Token contains "
               "invalid signature.' or 'The token has expired.'.",
       cause="The token expired, its signature or issuer does not check out, or it is not a token "
             "SharePoint accepts.",
       fix="Inspect the token (inspect_token(token, profile)) and request a fresh one for this tenant's "
           "SharePoint host."),
    _s("TooManyRequests", 429, _THROTTLING,
       meaning="SharePoint throttled the app or user: too many requests in a time window; Retry-After says "
               "how many seconds to wait.",
       cause="A Grooper import exceeded the app's resource-unit budget for the tenant (or the user's), e.g. "
             "by scanning many libraries in parallel; throttled calls still count.",
       fix="Wait Retry-After seconds before retrying, lower concurrency, and decorate traffic with a "
           "User-Agent such as 'NONISV|Company|Grooper/1.0'."),
    _s("ServiceUnavailable", 503, _THROTTLING,
       meaning="SharePoint is busy (HTTP 503 with Retry-After); a lasting 503 means the app is blocked.",
       cause="A temporary load spike, or an application that kept exceeding its limits and was blocked "
             "(the tenant is told in the Microsoft 365 message center).",
       fix="Wait Retry-After seconds and retry; if 503s persist, check the message center and reduce the "
           "import's request rate."),
)
# fmt: on

CATALOGUE: Mapping[str, Explanation] = MappingProxyType({str(e.code): e for e in _ENTRIES})

# (needle, code): the first needle found in the error's code, message or x-ms-diagnostics names it.
MATCHES: tuple[tuple[str, str], ...] = (
    ("unsupported app only token", "UnsupportedAppOnlyToken"),
    ("invalid audience uri", "InvalidAudienceUri"),
    ("audienceurivalidationfailedexception", "InvalidAudienceUri"),
    ("system.unauthorizedaccessexception", "AccessDenied"),
    ("-2147024891", "AccessDenied"),
    ("access denied", "AccessDenied"),
    ("does not exist at site with url", "ListNotFound"),
    ("invalidclientqueryexception", "InvalidClientQuery"),
    ("system.io.filenotfoundexception", "FileNotFound"),
    ("-2147024894", "FileNotFound"),
)
_BY_STATUS = {401: "Unauthorized", 403: "AccessDenied", 404: "FileNotFound", 429: "TooManyRequests",
              503: "ServiceUnavailable"}  # fmt: skip


def explain(code: str) -> Explanation | None:
    """The catalogue entry for ``code`` (case-insensitive), or None."""
    return lookup(CATALOGUE, str(code))


@dataclass(eq=False)
class SharePointError(ExplainedError):
    """A failed SharePoint REST call, explained. ``error`` is a catalogue code (see :data:`MATCHES`);
    ``server_code`` is SharePoint's own code (e.g. ``-2147024891, System.UnauthorizedAccessException``)."""

    source: ClassVar[str] = "sharepoint"
    label: ClassVar[str] = "SharePoint REST"

    server_code: str | None = None

    @property
    def explanation(self) -> Explanation | None:
        return explain(self.error)


def _json_error(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    err = body.get("odata.error") or body.get("error")
    if isinstance(err, dict):
        message = err.get("message")
        value = message.get("value") if isinstance(message, dict) else message
        return {"server_code": str(err.get("code") or ""), "description": str(value or "")}
    if "error_description" in body:
        return {"server_code": str(body.get("error") or ""), "description": str(body["error_description"])}
    return {}


def _xml_error(text: str) -> dict[str, Any]:
    root = parse_xml(text)
    if root is None or root.tag.rsplit("}", 1)[-1] != "error":
        return {}
    fields = {el.tag.rsplit("}", 1)[-1]: (el.text or "").strip() for el in root}
    return {"server_code": fields.get("code", ""), "description": fields.get("message", "")}


def parse_body(text: str) -> dict[str, Any]:
    """SharePoint's code and message from any of its error bodies (JSON, verbose JSON, XML, plain text)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        return _json_error(stripped)
    if stripped.startswith("<"):
        return _xml_error(stripped)
    return {"server_code": "", "description": stripped[:500]} if stripped else {}


def classify(status: int | None, server_code: str, message: str, diagnostics: str | None) -> str:
    """The catalogue code for an error: by :data:`MATCHES`, else by HTTP status."""
    haystack = " ".join((server_code, message, diagnostics or "")).lower()
    for needle, code in MATCHES:
        if needle in haystack:
            return code
    return _BY_STATUS.get(status or 0, f"HTTP {status}")


def from_response(resp: Any) -> SharePointError:
    """A :class:`SharePointError` from a failed SharePoint REST ``requests.Response``."""
    facts = http_facts(resp)
    found = parse_body(body_text(resp))
    server_code, message = found.get("server_code") or "", found.get("description") or ""
    code = classify(facts["status"], server_code, message, facts["diagnostics"])
    return SharePointError(error=code, description=message, server_code=server_code or None, **facts)
