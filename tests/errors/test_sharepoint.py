"""SharePoint REST failures into explained errors; bodies and headers in the shapes SharePoint Online
sends (https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread,
https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online)."""

from __future__ import annotations

import pytest

from grooper_nb.errors import explain
from grooper_nb.errors.sharepoint import CATALOGUE, SharePointError, classify, from_response, parse_body

SEEDED = ["UnsupportedAppOnlyToken", "InvalidAudienceUri", "AccessDenied", "Unauthorized", "TooManyRequests",
          "ServiceUnavailable"]  # fmt: skip
AUDIENCE = '3000003;reason="Invalid audience Uri \'https://graph.microsoft.com\'.";category="invalid_client"'
AUDIENCE_BODY = (
    '{"error_description":"Exception of type '
    "'Microsoft.IdentityModel.Tokens.AudienceUriValidationFailedException' was thrown.\"}"
)
DENIED_NOMETADATA = (
    '{"odata.error":{"code":"-2147024891, System.UnauthorizedAccessException",'
    '"message":{"lang":"en-US","value":"Access denied."}}}'
)
DENIED_VERBOSE = (
    '{"error":{"code":"-2147024891, System.UnauthorizedAccessException","message":{"lang":"en-US",'
    '"value":"Access denied. You do not have permission to perform this action or access this resource."}}}'
)
DENIED_XML = (
    '<m:error xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
    "<m:code>-2147024891, System.UnauthorizedAccessException</m:code>"
    '<m:message xml:lang="en-US">Attempted to perform an unauthorized operation.</m:message></m:error>'
)


@pytest.mark.parametrize("code", SEEDED)
def test_every_seeded_failure_is_explained_with_its_microsoft_page(code):
    entry = explain("sharepoint", code)
    assert entry is CATALOGUE[code]
    assert (
        entry.meaning and entry.cause and entry.fix and entry.docs.startswith("https://learn.microsoft.com/")
    )


def test_a_secret_based_app_only_token_is_unsupported(response):
    err = from_response(response(401, "Unsupported app only token.", {"SPRequestGuid": "g-1"}))
    assert isinstance(err, SharePointError) and err.error == "UnsupportedAppOnlyToken"
    assert err.request_id == "g-1" and "certificate" in err.fix
    assert err.docs_url.endswith("/security-apponly-azuread")


def test_a_token_for_another_audience_is_named_from_the_diagnostics(response):
    err = from_response(response(401, AUDIENCE_BODY, {"x-ms-diagnostics": AUDIENCE, "request-id": "r-2"}))
    assert err.error == "InvalidAudienceUri" and err.diagnostics == AUDIENCE and err.status == 401
    assert "AudienceUriValidationFailedException" in err.description


@pytest.mark.parametrize("body", [DENIED_NOMETADATA, DENIED_VERBOSE, DENIED_XML])
def test_access_denied_in_every_odata_shape(response, body):
    err = from_response(response(403, body))
    assert err.error == "AccessDenied"
    assert err.server_code == "-2147024891, System.UnauthorizedAccessException"
    assert err.description.startswith(("Access denied", "Attempted"))


def test_other_401s_keep_the_diagnostics(response):
    diag = '3000006;reason="Token contains invalid signature.";category="invalid_client"'
    err = from_response(
        response(401, '{"error_description":"Invalid issuer or signature."}', {"x-ms-diagnostics": diag})
    )
    assert err.error == "Unauthorized" and "invalid signature" in str(err)


@pytest.mark.parametrize(("status", "code"), [(429, "TooManyRequests"), (503, "ServiceUnavailable")])
def test_throttling_keeps_retry_after(response, status, code):
    err = from_response(response(status, "", {"Retry-After": "31", "RateLimit-Remaining": "0"}))
    assert err.error == code and err.retry_after == 31.0 and "Retry-After" in err.fix


def test_classify_falls_back_to_the_status_and_parse_body_to_nothing():
    assert classify(418, "", "", None) == "HTTP 418"
    assert parse_body("") == {} and parse_body("<notanerror/>") == {}


def test_a_missing_list_and_an_unparsable_query_are_named():
    missing = {
        "odata.error": {
            "code": "-1, System.ArgumentException",
            "message": {
                "lang": "en-US",
                "value": "List 'Vendorz' does not exist at site with URL 'https://contoso.sharepoint.com/sites/finance'.",
            },
        }
    }
    assert classify(
        404, missing["odata.error"]["code"], missing["odata.error"]["message"]["value"], None
    ) == ("ListNotFound")
    code = "-1, Microsoft.SharePoint.Client.InvalidClientQueryException"
    assert classify(400, code, "The expression is not valid.", None) == "InvalidClientQuery"
    assert CATALOGUE["ListNotFound"].docs.startswith("https://learn.microsoft.com/")
