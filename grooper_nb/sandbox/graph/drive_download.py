"""``@microsoft.graph.downloadUrl``: a short-lived URL that downloads one file without a bearer token.

Graph gives every file a pre-authenticated download URL, valid for a short time only, and answers
``GET /drives/{id}/items/{id}/content`` with a ``302`` to it
(https://learn.microsoft.com/graph/api/driveitem-get-content, "Response": "a 302 Found response
redirecting to a preauthenticated download URL for the file ... available for a short period of time").
Microsoft serves that URL on the site's host (``/_layouts/15/download.aspx?UniqueId=...&tempauth=...``).
The sandbox's SharePoint host belongs to the REST server, so Graph answers the URL itself: the item's
``/content`` path with a ``tempauth`` parameter and no ``Authorization`` header. A client that follows
the URL verbatim, as it must, cannot tell.

``tempauth`` is ``base64url(claims).base64url(HMAC-SHA256)``: the claims name the drive, the item's
``listItemUniqueId`` and the expiry (:data:`LIFETIME` seconds after minting; Microsoft publishes no
number, "a few minutes" to "one hour" is what is seen: UNCONFIRMED). The HMAC key is derived from the
tenant's token signing key, so the service and a ``Store`` opened beside it (a test) agree on it, and a
``reset`` invalidates every URL handed out. A tampered or expired ``tempauth`` is ``401`` (the wire form
of SharePoint's refusal is UNCONFIRMED; the status is what clients key on).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization

from .odata import GRAPH, GraphError

__all__ = ["LIFETIME", "download_url", "mint", "redeem"]

LIFETIME = 3600


def _key(store: Any) -> bytes:
    der = store.keys.active.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return hmac.new(hashlib.sha256(der).digest(), b"graph download url", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint(store: Any, drive_id: str, unique_id: str, *, issued: float | None = None) -> str:
    """A ``tempauth`` for one file, valid :data:`LIFETIME` seconds from ``issued`` (now by default)."""
    claims = {
        "d": drive_id,
        "u": unique_id,
        "exp": int((time.time() if issued is None else issued) + LIFETIME),
    }
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(_key(store), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(signature)}"


def download_url(store: Any, version: str, drive_id: str, item_id: str, unique_id: str) -> str:
    token = mint(store, drive_id, unique_id)
    return f"{GRAPH}/{version}/drives/{quote(drive_id, safe='!')}/items/{item_id}/content?tempauth={token}"


def _refused(message: str) -> GraphError:
    return GraphError(401, "unauthenticated", message)


def redeem(store: Any, token: str, drive_id: str) -> str:
    """The ``listItemUniqueId`` a valid, unexpired ``tempauth`` for ``drive_id`` names; else 401."""
    try:
        body, signature = token.split(".")
        expected = hmac.new(_key(store), body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            raise ValueError("signature")
        claims = json.loads(_unb64(body))
    except (ValueError, TypeError):
        raise _refused("Invalid tempauth in the download URL.") from None
    if claims.get("d") != drive_id:
        raise _refused("Invalid tempauth in the download URL.")
    if int(claims.get("exp", 0)) < time.time():
        raise _refused("The download URL has expired; ask Graph for the item again for a new one.")
    return str(claims["u"])
