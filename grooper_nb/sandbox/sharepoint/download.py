"""``@microsoft.graph.downloadUrl``: a short-lived URL on the site's own host that downloads one file
without a bearer token.

Graph gives every file a pre-authenticated download URL, valid for a short time only, and answers
``GET /drives/{id}/items/{id}/content`` with a ``302`` to it
(https://learn.microsoft.com/graph/api/driveitem-get-content, "Response": "a 302 Found response
redirecting to a preauthenticated download URL for the file ... available for a short period of time").
Microsoft serves that URL on the SharePoint host of the file's site,
``https://{host}/{site path}/_layouts/15/download.aspx?UniqueId={listItemUniqueId}&tempauth=...``; so
does the sandbox (:func:`download_url` mints it for Graph's driveItems, :func:`serve` answers it on the
SharePoint host before any bearer token is looked at). A client follows the URL verbatim, without its
Graph token (the token must not travel to another host).

``tempauth`` is ``base64url(claims).base64url(HMAC-SHA256)``: the claims name the drive, the item's
``listItemUniqueId`` and the expiry (:data:`LIFETIME` seconds after minting; Microsoft publishes no
number, "a few minutes" to "one hour" is what is seen: UNCONFIRMED). The HMAC key is derived from the
tenant's token signing key, so the service and a ``Store`` opened beside it (a test) agree on it, and a
``reset`` invalidates every URL handed out. A tampered, expired or other file's ``tempauth`` is ``401``
in SharePoint's token-rejection shape (``{"error_description": ...}`` and ``x-ms-diagnostics``, as
:mod:`.auth` answers an expired bearer token; the exact wording SharePoint uses for a ``tempauth`` is
UNCONFIRMED, the status is what clients key on).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization
from flask import Response, request

from .errors import SPError, token_rejected

__all__ = ["DOWNLOAD_PATH", "LIFETIME", "download_url", "mint", "redeem", "serve"]

LIFETIME = 3600
DOWNLOAD_PATH = re.compile(r"^(?P<site>.*?)/_layouts/15/download\.aspx$", re.IGNORECASE)


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


def download_url(store: Any, site: dict[str, Any], drive_id: str, unique_id: str) -> str:
    """The file's pre-authenticated URL on its site's host."""
    token = mint(store, drive_id, unique_id)
    base = f"https://{site['host']}{quote(site['path'])}/_layouts/15/download.aspx"
    return f"{base}?UniqueId={unique_id}&tempauth={token}"


def _refused(message: str) -> SPError:
    # UNCONFIRMED: SharePoint's wording for a refused tempauth; the shape is its token rejection's.
    return token_rejected(message, message, 3000006)


def redeem(store: Any, token: str) -> tuple[str, str]:
    """``(drive id, listItemUniqueId)`` a valid, unexpired ``tempauth`` names; else 401."""
    try:
        body, signature = token.split(".")
        expected = hmac.new(_key(store), body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            raise ValueError("signature")
        claims = json.loads(_unb64(body))
    except (ValueError, TypeError):
        raise _refused("Invalid tempauth in the download URL.") from None
    if int(claims.get("exp", 0)) < time.time():
        raise _refused("The download URL has expired; ask Graph for the item again for a new one.")
    return str(claims["d"]), str(claims["u"])


def _file(store: Any, host: str, site_path: str, unique_id: str, drive_id: str) -> dict[str, Any]:
    """The item ``unique_id`` names, if it is a live file of ``drive_id`` on the site at ``host`` and
    ``site_path``; else 404."""
    sp = store.sharepoint
    item = sp.item_by_unique_id(unique_id)
    lst = sp.list(item["list_id"]) if item else None
    site = sp.site(lst["site_id"]) if lst else None
    same_site = site is not None and site["host"] == host and site["path"].lower() == site_path.lower()
    if not same_site or item.get("deleted") or item.get("is_folder") or lst["drive_id"] != drive_id:
        raise SPError(404, "-2147024894, System.IO.FileNotFoundException", "File Not Found.")
    return item


def serve(store: Any, host: str, site_path: str) -> Response:
    """``GET {site}/_layouts/15/download.aspx?UniqueId=...&tempauth=...``: the file's bytes."""
    token = request.args.get("tempauth")
    if not token:
        raise _refused("The download URL has no tempauth.")
    drive_id, unique_id = redeem(store, token)
    asked = (request.args.get("UniqueId") or "").strip("{}").lower()
    if asked != unique_id.lower():
        raise _refused("Invalid tempauth in the download URL.")
    item = _file(store, host, site_path, unique_id, drive_id)
    data = store.sharepoint.content(unique_id)
    resp = Response(data, 200, mimetype=item.get("mime_type") or "application/octet-stream")
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(item['name'], safe='')}"
    return resp
