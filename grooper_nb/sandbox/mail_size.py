"""The size Exchange reports for a stored message, one computation for every host that reports it.

Exchange's message size is MAPI ``PidTagMessageSize``
(https://learn.microsoft.com/office/client-developer/outlook/mapi/pidtagmessagesize-canonical-property):
EWS sends it as ``item:Size``, Graph as the extended property ``Integer 0x0E08``. The sandbox has no MAPI
property store, so it takes the length of the message's MIME form (:func:`.ews.mime.mime_message`, the
bytes EWS's ``MimeContent`` carries) for both, and a Graph listing and an EWS listing of one mailbox then
agree on every message's size.
"""

from __future__ import annotations

from typing import Any

from .ews.mime import mime_message

__all__ = ["message_size"]


def message_size(mail: Any, message: dict[str, Any]) -> int:
    """The stored ``message``'s size in bytes (``mail`` is the store's :class:`~.store.mail.Mail`)."""
    return len(mime_message(mail, message))
