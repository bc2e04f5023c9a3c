"""SharePoint REST's failures, in SharePoint's own words: :class:`SPError` and the bodies it answers.

Two shapes, as SharePoint Online sends them:

* a rejected token (:func:`token_rejected`): 401 with a small non-OData body
  ``{"error_description": "..."}``, the reason again in ``x-ms-diagnostics``
  (``3000003;reason="Invalid audience Uri '...'.";category="invalid_client"``) and the
  ``WWW-Authenticate: Bearer realm="{tenant id}",client_id="00000003-0000-0ff1-ce00-000000000000",...``
  challenge (https://learn.microsoft.com/sharepoint/dev/sp-add-ins/authorization-code-oauth-flow-for-sharepoint-add-ins);
* every other failure: an OData error whose shape follows the ``Accept`` header, ``{"error": {...}}``
  for ``odata=verbose`` and ``{"odata.error": {...}}`` otherwise, with ``code`` an HRESULT and a .NET
  exception (``-2147024891, System.UnauthorizedAccessException``) and ``message`` ``{lang, value}``
  (https://learn.microsoft.com/sharepoint/dev/sp-add-ins/get-to-know-the-sharepoint-rest-service).

The constructors below name each failure the routes raise, so a code or message is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ACCESS_DENIED",
    "SPError",
    "access_denied",
    "bad_query",
    "file_not_found",
    "folder_not_found",
    "item_not_found",
    "list_not_found",
    "list_not_found_by_id",
    "no_such_field",
    "site_not_found",
    "token_rejected",
]

ACCESS_DENIED = "-2147024891, System.UnauthorizedAccessException"
ACCESS_DENIED_MESSAGE = (
    "Access denied. You do not have permission to perform this action or access this resource."
)
NOT_FOUND = "-2147024894, System.IO.FileNotFoundException"
SP_EXCEPTION_FILE = "-2130575338, Microsoft.SharePoint.SPException"  # 0x81020016
SP_EXCEPTION_LIST = "-2130575322, Microsoft.SharePoint.SPException"  # 0x81020026
ARGUMENT = "-1, System.ArgumentException"
ARGUMENT_HRESULT = "-2147024809, System.ArgumentException"  # 0x80070057
INVALID_QUERY = "-1, Microsoft.SharePoint.Client.InvalidClientQueryException"


@dataclass
class SPError(Exception):
    """A failure answered as SharePoint does. ``token`` marks a 401 of token validation: its body is
    ``{"error_description": message}`` and ``diagnostics`` goes to ``x-ms-diagnostics``."""

    status: int
    code: str
    message: str
    diagnostics: str | None = None
    token: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)


def token_rejected(description: str, reason: str, number: int = 3000003) -> SPError:
    """401 for a token SharePoint does not accept: ``description`` in the body, ``reason`` in
    ``x-ms-diagnostics`` (category ``invalid_client``, as SharePoint Online writes it)."""
    return SPError(
        401, "", description, diagnostics=f'{number};reason="{reason}";category="invalid_client"', token=True
    )


def access_denied() -> SPError:
    return SPError(403, ACCESS_DENIED, ACCESS_DENIED_MESSAGE)


def site_not_found() -> SPError:
    # UNCONFIRMED: the body SharePoint Online sends for a site path that does not exist; its status is 404.
    return SPError(404, NOT_FOUND, "File Not Found.")


def list_not_found(title: str, web_url: str) -> SPError:
    return SPError(404, ARGUMENT, f"List '{title}' does not exist at site with URL '{web_url}'.")


def list_not_found_by_id() -> SPError:
    return SPError(
        404,
        SP_EXCEPTION_LIST,
        "List does not exist.\n\nThe page you selected contains a list that does not exist.  It may have "
        "been deleted by another user.",
    )


def item_not_found() -> SPError:
    # UNCONFIRMED code; the message is SharePoint's.
    return SPError(404, ARGUMENT_HRESULT, "Item does not exist. It may have been deleted by another user.")


def file_not_found(url: str) -> SPError:
    return SPError(404, SP_EXCEPTION_FILE, f"The file {url} does not exist.")


def folder_not_found() -> SPError:
    return SPError(404, NOT_FOUND, "File Not Found.")


def no_such_field(name: str) -> SPError:
    # UNCONFIRMED code; the message is SharePoint's for a $select of an unknown column.
    return SPError(
        400, ARGUMENT_HRESULT, f"Column '{name}' does not exist. It may have been deleted by another user."
    )


def bad_query(text: str) -> SPError:
    return SPError(400, INVALID_QUERY, f'The expression "{text}" is not valid.')


def no_such_property(name: str, type_name: str) -> SPError:
    # UNCONFIRMED code; the message is SharePoint's for a $select of a property an entity type lacks.
    return SPError(
        400,
        INVALID_QUERY,
        f"The property '{name}' does not exist on type '{type_name}'. "
        "Make sure to only use property names that are defined by the type.",
    )


def not_expanded(name: str) -> SPError:
    # UNCONFIRMED code and wording: a navigation property's fields selected without $expand.
    return SPError(
        400,
        INVALID_QUERY,
        f"The query to field '{name}' is not valid. The $select query string must specify the target "
        f"fields and the $expand query string must contains {name.split('/', 1)[0]}.",
    )
