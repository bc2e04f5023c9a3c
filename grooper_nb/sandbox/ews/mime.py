"""The MIME form of a stored message (``IncludeMimeContent``): an RFC 5322 message with a MIME body.

Headers From, To, Cc, Subject, Date, Message-ID and Keywords (the categories, as Outlook writes them);
the HTML body; each file attachment as a base64 part (RFC 2045, RFC 2183 ``Content-Disposition``).
https://learn.microsoft.com/exchange/client-developer/web-service-reference/mimecontent
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import Any

__all__ = ["mime_message"]


def _addresses(people: list[dict[str, Any]]) -> str:
    return ", ".join(
        formataddr(
            (
                (p.get("emailAddress") or {}).get("name") or "",
                (p.get("emailAddress") or {}).get("address") or "",
            )
        )
        for p in people
    )


def _date(value: str | None) -> str:
    when = dt.datetime.strptime(value or "1970-01-01T00:00:00Z", "%Y-%m-%dT%H:%M:%SZ")
    return format_datetime(when.replace(tzinfo=dt.timezone.utc))


def mime_message(mail: Any, msg: dict[str, Any]) -> bytes:
    """The message as RFC 5322 bytes (CRLF line ends)."""
    out = EmailMessage(policy=SMTP)
    sender = msg.get("from")
    if sender:
        out["From"] = _addresses([sender])
    if msg.get("toRecipients"):
        out["To"] = _addresses(msg["toRecipients"])
    if msg.get("ccRecipients"):
        out["Cc"] = _addresses(msg["ccRecipients"])
    out["Subject"] = msg.get("subject") or ""
    out["Date"] = _date(msg.get("sentDateTime"))
    out["Message-ID"] = msg.get("internetMessageId") or ""
    if msg.get("categories"):
        out["Keywords"] = ", ".join(msg["categories"])
    body = msg.get("body") or {}
    subtype = "html" if (body.get("contentType") or "html").lower() == "html" else "plain"
    out.set_content(body.get("content") or "", subtype=subtype)
    for att in mail.attachments(msg["id"]):
        maintype, _, subtype = att["contentType"].partition("/")
        out.add_attachment(
            att["_content"], maintype=maintype, subtype=subtype or "octet-stream", filename=att["name"]
        )
    return out.as_bytes()
