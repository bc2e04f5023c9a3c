"""EWS failures (response message, SOAP fault, HTTP-level) into explained errors; bodies in the shapes
Microsoft documents (https://learn.microsoft.com/exchange/client-developer/web-service-reference/responsecode)."""

from __future__ import annotations

import pytest

from grooper_nb.errors import explain
from grooper_nb.errors.ews import CATALOGUE, EwsError, diagnostics_reason, from_response, parse_soap

SEEDED = [
    "ErrorAccessDenied",
    "ErrorImpersonateUserDenied",
    "ErrorNonExistentMailbox",
    "ErrorInvalidIdMalformed",
    "ErrorServerBusy",
    "ErrorInvalidExchangeImpersonationHeaderData",
    "Unauthorized",
]

MALFORMED_ID = """<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body>
    <m:FindItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
        xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
      <m:ResponseMessages>
        <m:FindItemResponseMessage ResponseClass="Error">
          <m:MessageText>Id is malformed.</m:MessageText>
          <m:ResponseCode>ErrorInvalidIdMalformed</m:ResponseCode>
          <m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>
        </m:FindItemResponseMessage>
      </m:ResponseMessages>
    </m:FindItemResponse>
  </s:Body>
</s:Envelope>"""

_FAULT = """<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types"
    xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors"
    xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
  <s:Body>
    <s:Fault>
      <faultcode>a:{code}</faultcode>
      <faultstring xml:lang="en-US">{text}</faultstring>
      <detail>
        <e:ResponseCode>{code}</e:ResponseCode>
        <e:Message>{text}</e:Message>{extra}
      </detail>
    </s:Fault>
  </s:Body>
</s:Envelope>"""
DENIED_TEXT = "The account does not have permission to impersonate the requested user."
IMPERSONATION_FAULT = _FAULT.format(code="ErrorImpersonateUserDenied", text=DENIED_TEXT, extra="")
SERVER_BUSY = _FAULT.format(
    code="ErrorServerBusy",
    text="The server cannot service this request right now. Try again later.",
    extra='<e:MessageXml><t:Value Name="BackOffMilliseconds">297749</t:Value></e:MessageXml>',
)

EXPIRED = '2000008;reason="The token has expired.";error_category="invalid_token"'


@pytest.mark.parametrize("code", SEEDED)
def test_every_seeded_code_is_explained_with_its_microsoft_page(code):
    entry = explain("ews", code)
    assert entry is CATALOGUE[code]
    assert (
        entry.meaning and entry.cause and entry.fix and entry.docs.startswith("https://learn.microsoft.com/")
    )


def test_the_short_impersonation_header_name_finds_its_entry():
    assert explain("ews", "ErrorInvalidExchangeImpersonationHeader").name == (
        "ErrorInvalidExchangeImpersonationHeaderData"
    )


def test_an_error_response_message_in_an_http_200(response):
    err = from_response(response(200, MALFORMED_ID))
    assert isinstance(err, EwsError) and err.error == "ErrorInvalidIdMalformed"
    assert err.description == "Id is malformed." and "translateExchangeIds" in err.fix


def test_a_soap_fault_names_the_response_code_of_its_detail(response):
    err = from_response(response(500, IMPERSONATION_FAULT, {"request-id": "r-9"}))
    assert err.error == "ErrorImpersonateUserDenied" and err.status == 500 and err.request_id == "r-9"
    assert "impersonate" in err.description and "full_access_as_app" in err.fix


def test_server_busy_keeps_the_back_off(response):
    err = from_response(response(500, SERVER_BUSY))
    assert err.error == "ErrorServerBusy" and err.back_off_ms == 297749
    assert "BackOffMilliseconds" in err.fix


def test_a_401_without_soap_is_explained_from_x_ms_diagnostics(response):
    err = from_response(response(401, "", {"x-ms-diagnostics": EXPIRED, "WWW-Authenticate": "Bearer"}))
    assert err.error == "Unauthorized" and err.description == "The token has expired."
    assert err.diagnostics == EXPIRED and "x-ms-diagnostics" in str(err)
    assert diagnostics_reason(None) == ""


def test_a_403_without_soap_points_at_the_ews_access_controls(response):
    err = from_response(response(403, ""))
    assert err.error == "Forbidden" and "EwsAllowedAppIDs" in err.grooper_cause


def test_a_success_or_a_document_type_declaration_is_not_read_as_an_error():
    assert parse_soap('<r ResponseClass="Success"><ResponseCode>NoError</ResponseCode></r>') == {}
    assert parse_soap('<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>') == {}
