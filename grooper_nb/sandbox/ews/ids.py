"""EWS item, folder and attachment ids: opaque base64 strings with a ChangeKey.

Exchange's ids are base64 of a binary structure that names the mailbox and the object
(https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-identifiers-in-exchange);
clients must treat them as opaque, case-sensitive strings. The sandbox's are base64 of
``kind`` + mailbox id + store id, so an id says whose mailbox it lives in. An id that does not decode is
``ErrorInvalidIdMalformed``; one that decodes to nothing stored is ``ErrorItemNotFound`` /
``ErrorFolderNotFound`` (the operation's business).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from .soap import EwsError, ResponseCodes

__all__ = ["change_key", "decode", "encode"]

_MAGIC = "gnb1"
KINDS = ("item", "folder", "attachment")


def encode(kind: str, mailbox_id: str, store_id: str) -> str:
    raw = "\x00".join((_MAGIC, kind, mailbox_id, store_id)).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def decode(value: str | None, kind: str) -> tuple[str, str]:
    """``(mailbox_id, store_id)`` of an id of ``kind``; else ``ErrorInvalidIdMalformed``."""
    try:
        parts = base64.b64decode((value or "").encode("ascii"), validate=True).decode("utf-8").split("\x00")
    except (binascii.Error, UnicodeError, ValueError):
        parts = []
    if len(parts) != 4 or parts[0] != _MAGIC or parts[1] != kind or not parts[2] or not parts[3]:
        raise EwsError(ResponseCodes.ErrorInvalidIdMalformed)
    return parts[2], parts[3]


def change_key(data: Any) -> str:
    """A ChangeKey: changes whenever the object's stored form does."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).digest()[:15]
    return "CQAAABYAAAA" + base64.b64encode(digest).decode("ascii")
