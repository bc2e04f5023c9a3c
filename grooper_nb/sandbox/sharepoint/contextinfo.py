"""``POST /_api/contextinfo``: the form digest a classic SharePoint write sends back in
``X-RequestDigest`` (https://learn.microsoft.com/sharepoint/dev/sp-add-ins/complete-basic-operations-using-sharepoint-rest-endpoints).

OAuth callers do not need the digest, but many clients ask for it first; the sandbox answers with a
fresh opaque value that lives ``FormDigestTimeoutSeconds`` (1800), as SharePoint's does.
"""

from __future__ import annotations

import secrets
import time

from flask import Response

from .context import Context
from .odata import VERBOSE, Entity, json_response

__all__ = ["LIBRARY_VERSION", "context_info"]

LIBRARY_VERSION = "16.0.25919.12007"  # a SharePoint Online build number of the kind the service reports


def context_info(ctx: Context) -> Response:
    stamp = time.strftime("%d %b %Y %H:%M:%S -0000", time.gmtime())
    props = {
        "FormDigestTimeoutSeconds": 1800,
        "FormDigestValue": f"0x{secrets.token_hex(64).upper()},{stamp}",
        "LibraryVersion": LIBRARY_VERSION,
        "SiteFullUrl": ctx.web_url,
        "SupportedSchemaVersions": ["14.0.0.0", "15.0.0.0"],
        "WebFullUrl": ctx.web_url,
    }
    if ctx.form == VERBOSE:
        versions = {
            "__metadata": {"type": "Collection(Edm.String)"},
            "results": props["SupportedSchemaVersions"],
        }
        body = {
            "d": {
                "GetContextWebInformation": {
                    "__metadata": {"type": "SP.ContextWebInformation"},
                    **props,
                    "SupportedSchemaVersions": versions,
                }
            }
        }
        return json_response(ctx.form, body)
    return ctx.one(
        Entity("SP.ContextWebInformation", f"{ctx.api}/contextinfo", props), "SP.ContextWebInformation"
    )
