"""A hand-built ``requests.Response`` for the parsers (pure functions: no network, no sandbox)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests


def build_response(status: int, body: str = "", headers: dict[str, str] | None = None, reason: str = ""):
    resp = requests.Response()
    resp.status_code = status
    resp._content = body.encode("utf-8")
    resp.encoding = "utf-8"
    resp.reason = reason
    resp.headers.update(headers or {})
    resp.url = "https://example.invalid/"
    return resp


@pytest.fixture
def response() -> Callable[..., requests.Response]:
    return build_response
