"""The EWS envelope renderer on its own: well-formed answers, ServerVersionInfo, and ErrorServerBusy's
``BackOffMilliseconds`` (what the throttling faults will send)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from grooper_nb.sandbox.ews import soap
from tests.sandbox.ews.ews_helpers import M, S, T


def test_server_busy_in_a_response_message_is_an_internal_error_with_an_inner_busy() -> None:
    """Inside HTTP 200 Exchange documents throttling as ErrorInternalServerError with an inner
    ErrorServerBusy; the back-off rides along."""
    body = soap.response("FindItem", [soap.message("FindItem", error=soap.server_busy(5000))])
    msg = ET.fromstring(body).find(f".//{{{M}}}FindItemResponseMessage")
    assert msg.get("ResponseClass") == "Error"
    assert msg.findtext(f"{{{M}}}ResponseCode") == "ErrorInternalServerError"
    values = {v.get("Name"): v.text for v in msg.findall(f"{{{M}}}MessageXml/{{{T}}}Value")}
    assert values == {"InnerErrorResponseCode": "ErrorServerBusy", "BackOffMilliseconds": "5000"}


def test_server_busy_as_a_fault_stays_server_busy() -> None:
    root = ET.fromstring(soap.fault(soap.EwsError("ErrorServerBusy", fault=True, message_xml="")))
    assert root.findtext(f".//{{{S}}}Fault/faultcode") == "a:ErrorServerBusy"


def test_a_fault_names_its_response_code() -> None:
    error = soap.EwsError("ErrorImpersonateUserDenied", fault=True)
    root = ET.fromstring(soap.fault(error))
    assert root.find(f"{{{S}}}Header/{{{T}}}ServerVersionInfo").get("MajorVersion") == "15"
    assert root.findtext(f".//{{{S}}}Fault/faultcode") == "a:ErrorImpersonateUserDenied"
    assert "impersonate" in root.findtext(f".//{{{S}}}Fault/faultstring")


@pytest.mark.parametrize("body", [b"", b"<x/>", b"not xml", b'<s:Envelope xmlns:s="' + S.encode() + b'"/>'])
def test_what_is_not_an_envelope_fails_schema_validation(body: bytes) -> None:
    with pytest.raises(soap.EwsError) as raised:
        soap.parse(body)
    assert raised.value.code == "ErrorSchemaValidation" and raised.value.fault
