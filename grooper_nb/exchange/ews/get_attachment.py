"""``GetAttachment``: one file attachment's bytes (``t:Content``, base64).
https://learn.microsoft.com/exchange/client-developer/web-service-reference/getattachment-operation
"""

from __future__ import annotations

import base64

from .soap import SoapClient, attr, t, text_of

__all__ = ["get_attachment"]


def get_attachment(client: SoapClient, attachment_id: str) -> bytes:
    """The bytes of the file attachment ``attachment_id`` (an EWS ``AttachmentId``)."""
    body = (
        f"<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id={attr(attachment_id)}/>"
        "</m:AttachmentIds></m:GetAttachment>"
    )
    answer = client.call(body)
    message = answer.check(answer.messages[0])
    found = message.find(f".//{t('FileAttachment')}")
    if found is None:
        raise ValueError(
            "The attachment is not a file attachment (an attached message or a link): it has no bytes."
        )
    return base64.b64decode(text_of(found, "Content") or "")
