"""The size Exchange reports for a stored message, one answer for every host that reports it.

Exchange's message size is MAPI ``PidTagMessageSize``
(https://learn.microsoft.com/office/client-developer/outlook/mapi/pidtagmessagesize-canonical-property):
EWS sends it as ``item:Size``, Graph as the extended property ``Integer 0x0E08``. The store keeps it with
each message (:func:`.store.mail.stored_size`), so a Graph listing and an EWS listing of one mailbox agree
on every message's size, and a 1,000-message page costs no more than reading the stored value.
"""

from __future__ import annotations

from typing import Any

from .store.mail import SIZE_KEY, stored_size

__all__ = ["message_size"]


def message_size(mail: Any, message: dict[str, Any]) -> int:
    """The stored ``message``'s size in bytes (``mail`` is the store's :class:`~.store.mail.Mail`). A
    message stored by an older sandbox, without the kept value, has it worked out from its attachments."""
    size = message.get(SIZE_KEY)
    if size is None:
        size = stored_size(message, sum(a["size"] for a in mail.attachments(message["id"])))
    return int(size)
