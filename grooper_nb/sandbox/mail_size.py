"""The size Exchange reports for a stored message, one computation for every host that reports it.

Exchange's message size is MAPI ``PidTagMessageSize``
(https://learn.microsoft.com/office/client-developer/outlook/mapi/pidtagmessagesize-canonical-property):
EWS sends it as ``item:Size``, Graph as the extended property ``Integer 0x0E08``. The sandbox has no MAPI
property store, so it takes the length of the message's MIME form (:func:`.ews.mime.mime_message`, the
bytes EWS's ``MimeContent`` carries) for both, and a Graph listing and an EWS listing of one mailbox then
agree on every message's size.

Building the MIME form takes about a millisecond, too slow for a 1000-message page asked again and
again; sizes are remembered per message and content (any change to the stored message is a new key), in
this process only.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

from .ews.mime import mime_message

__all__ = ["message_size"]

_REMEMBERED = 500_000  # entries (about 200 bytes each); past that the memory starts over
_sizes: dict[tuple[str, str], int] = {}
_lock = threading.Lock()


def message_size(mail: Any, message: dict[str, Any]) -> int:
    """The stored ``message``'s size in bytes (``mail`` is the store's :class:`~.store.mail.Mail`)."""
    content = json.dumps(message, sort_keys=True, default=str).encode()
    key = (message["id"], hashlib.sha256(content).hexdigest())
    with _lock:
        known = _sizes.get(key)
    if known is not None:
        return known
    size = len(mime_message(mail, message))
    with _lock:
        if len(_sizes) >= _REMEMBERED:
            _sizes.clear()
        _sizes[key] = size
    return size
