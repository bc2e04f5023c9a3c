"""Graph error envelopes into explained errors; bodies as Microsoft documents them
(https://learn.microsoft.com/graph/errors, https://learn.microsoft.com/graph/throttling)."""

from __future__ import annotations

import pytest

from grooper_nb.errors import explain
from grooper_nb.errors.graph import CATALOGUE, GraphError, from_response, parse_envelope

SEEDED = [
    "InvalidAuthenticationToken",
    "ErrorAccessDenied",
    "Authorization_RequestDenied",
    "MailboxNotEnabledForRESTAPI",
    "ErrorItemNotFound",
    "activityLimitReached",
    "TooManyRequests",
    "generalException",
    "itemNotFound",
    "accessDenied",
    "invalidRequest",
]

THROTTLED = (
    '{"error":{"code":"TooManyRequests","innerError":{"code":"429","date":"2020-08-18T12:51:51",'
    '"message":"Please retry after","request-id":"94fb3b52-452a-4535-a601-69e0a90e3aa2","status":"429"},'
    '"message":"Please retry again later."}}'
)
ACCESS_DENIED = (
    '{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again.",'
    '"innerError":{"date":"2025-02-13T10:17:06","request-id":"93b6f17e-0000-4000-8000-000000000001",'
    '"client-request-id":"e70c5c1b-0000-4000-8000-000000000002"}}}'
)


@pytest.mark.parametrize("code", SEEDED)
def test_every_seeded_code_is_explained_with_its_microsoft_page(code):
    entry = explain("graph", code)
    assert entry is CATALOGUE[code] and entry.status
    assert entry.meaning and entry.cause and entry.fix
    assert entry.docs.startswith("https://learn.microsoft.com/")


def test_a_throttled_response_keeps_request_id_date_and_retry_after(response):
    err = from_response(response(429, THROTTLED, {"Retry-After": "2.128"}))
    assert isinstance(err, GraphError) and err.source == "graph"
    assert err.error == "TooManyRequests" and err.status == 429 and err.retry_after == 2.128
    assert err.request_id == "94fb3b52-452a-4535-a601-69e0a90e3aa2"
    assert err.timestamp == "2020-08-18T12:51:51" and err.inner_code == "429"
    assert err.description == "Please retry again later."
    assert "four concurrent" in err.fix and err.docs_url == "https://learn.microsoft.com/graph/throttling"


def test_access_denied_names_the_client_request_id_and_renders(response):
    err = from_response(response(403, ACCESS_DENIED, {"request-id": "header-id"}))
    assert err.request_id == "93b6f17e-0000-4000-8000-000000000001"  # the envelope's wins
    assert err.client_request_id == "e70c5c1b-0000-4000-8000-000000000002"
    html = err._repr_html_()
    assert "ErrorAccessDenied" in html and "auth-limit-mailbox-access" in html and "Likely cause" in html
    assert "client request ID" in str(err)


def test_a_body_that_is_not_an_envelope_still_gives_an_error_with_the_headers(response):
    err = from_response(
        response(502, "<html>Bad gateway</html>", {"request-id": "r-1"}, reason="Bad Gateway")
    )
    assert err.error == "Bad Gateway" and err.request_id == "r-1" and err.explanation is None
    assert "Not in the catalogue" in err.grooper_cause
    assert parse_envelope("[]") == {} and parse_envelope("not json") == {}


def test_codes_are_matched_whatever_their_case():
    assert explain("graph", "ACCESSDENIED") is CATALOGUE["accessDenied"]
    assert explain("graph", "NoSuchCode") is None
