"""Helpers for the EWS tests: a SOAP caller over a profile's session, envelopes, and answer readers.

Nothing here fakes anything: :class:`Ews` posts real SOAP through the sandbox's proxy to
``https://outlook.office365.com/EWS/Exchange.asmx``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import requests

EWS_URL = "https://outlook.office365.com/EWS/Exchange.asmx"
EWS_SCOPE = "https://outlook.office365.com/EWS.AccessAsUser.All"
EXO_DEFAULT = "https://outlook.office365.com/.default"
S = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"


def envelope(body: str, impersonate: str | None = None) -> str:
    header = '<t:RequestServerVersion Version="Exchange2016"/>'
    if impersonate:
        header += (
            "<t:ExchangeImpersonation><t:ConnectingSID>"
            f"<t:PrimarySmtpAddress>{impersonate}</t:PrimarySmtpAddress>"
            "</t:ConnectingSID></t:ExchangeImpersonation>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{S}" xmlns:m="{M}" xmlns:t="{T}">'
        f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )


class Ews:
    """``ews.post(token, body, impersonate=...)``: one SOAP request through the sandbox's proxy."""

    def __init__(self, session: requests.Session):
        self.session = session

    def post(self, token: str | None, body: str, impersonate: str | None = None) -> requests.Response:
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if impersonate:
            headers["X-AnchorMailbox"] = impersonate
        return self.session.post(EWS_URL, data=envelope(body, impersonate), headers=headers, timeout=60)


def messages(resp: requests.Response) -> list[ET.Element]:
    """The ResponseMessage elements of an answer."""
    root = ET.fromstring(resp.content)
    holder = root.find(f".//{{{M}}}ResponseMessages")
    return list(holder) if holder is not None else []


def codes(resp: requests.Response) -> list[str]:
    return [m.findtext(f"{{{M}}}ResponseCode") for m in messages(resp)]


def fault_code(resp: requests.Response) -> str | None:
    root = ET.fromstring(resp.content)
    return root.findtext(
        f".//{{{S}}}Fault/detail/{{http://schemas.microsoft.com/exchange/services/2006/errors}}ResponseCode"
    )


def folder_ids(name: str, mailbox: str | None = None) -> str:
    inner = f"<t:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></t:Mailbox>" if mailbox else ""
    return f'<t:DistinguishedFolderId Id="{name}">{inner}</t:DistinguishedFolderId>'


def find_item(parent: str, *, shape: str = "IdOnly", extra: str = "", view: str = "") -> str:
    props = f"<t:AdditionalProperties>{extra}</t:AdditionalProperties>" if extra else ""
    view = view or '<m:IndexedPageItemView MaxEntriesReturned="1000" Offset="0" BasePoint="Beginning"/>'
    return (
        '<m:FindItem Traversal="Shallow">'
        f"<m:ItemShape><t:BaseShape>{shape}</t:BaseShape>{props}</m:ItemShape>"
        f"{view}<m:ParentFolderIds>{parent}</m:ParentFolderIds></m:FindItem>"
    )


def field_uris(*uris: str) -> str:
    return "".join(f'<t:FieldURI FieldURI="{u}"/>' for u in uris)
