"""One SharePoint REST request as the routes see it: the site it addresses, the caller, the form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response

from ..resource import Caller
from . import odata

__all__ = ["Context"]


@dataclass
class Context:
    """``store``, the ``host`` and ``site`` the path selects (the part before ``/_api/``), the validated
    ``caller``, the JSON ``form`` the ``Accept`` header asks for and the query ``args``."""

    store: Any
    host: str
    site: dict[str, Any]
    caller: Caller
    form: str
    args: dict[str, str]

    @property
    def web_url(self) -> str:
        """The site's absolute URL: ``https://contoso.sharepoint.com/sites/finance``."""
        return f"https://{self.host}{self.site['path']}"

    @property
    def api(self) -> str:
        return f"{self.web_url}/_api"

    def one(self, item: odata.Entity, metadata: str) -> Response:
        return odata.json_response(self.form, odata.entity(self.form, item, api=self.api, metadata=metadata))

    def many(self, items: list[odata.Entity], metadata: str, next_link: str | None = None) -> Response:
        body = odata.collection(self.form, items, api=self.api, metadata=metadata, next_link=next_link)
        return odata.json_response(self.form, body)
