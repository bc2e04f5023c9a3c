"""``outlook.office365.com``: Exchange Web Services (``/EWS/Exchange.asmx``).

Until the EWS server lands: 401 with Exchange Online's ``WWW-Authenticate: Bearer`` challenge when no
token is sent (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth),
else 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from ..login import RESOURCE_CHALLENGE_URI

__all__ = ["HOST", "create_app"]

HOST = "outlook.office365.com"

_CHALLENGE = (
    'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", '
    'trusted_issuers="00000001-0000-0000-c000-000000000000@*", '
    'token_types="app_asserted_user_v1 service_asserted_app_v1", '
    f'authorization_uri="{RESOURCE_CHALLENGE_URI}"'
)


def create_app(store: Any, **_: Any):
    """The EWS host as a WSGI app (``store`` is the tenant; unused until EWS serves mailboxes)."""

    def app(environ, start_response):
        if not environ.get("HTTP_AUTHORIZATION"):
            start_response(
                "401 Unauthorized",
                [
                    ("WWW-Authenticate", _CHALLENGE),
                    ("Content-Length", "0"),
                    ("request-id", str(uuid.uuid4())),
                ],
            )
            return [b""]
        start_response("404 Not Found", [("Content-Type", "text/html"), ("Content-Length", "0")])
        return [b""]

    return app
