"""ExplainedError: what every explained error keeps, shows and hides (pure functions)."""

from __future__ import annotations

import base64
import pickle

import pytest

from grooper_nb.errors import SOURCES, ExplainedError, explain
from grooper_nb.errors.base import retry_after, scrub
from grooper_nb.errors.graph import GraphError


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# A JWT-shaped sample, built at run time so no token-looking literal is committed.
TOKEN = ".".join(
    _b64(p) for p in (b'{"typ":"JWT","alg":"RS256"}', b'{"aud":"https://graph"}', b"sig-value-x")
)
SECRET = "Xq8~Zz1-not-a-real-secret-value"


def test_nothing_it_shows_contains_a_token_or_a_secret():
    err = GraphError(
        error="InvalidAuthenticationToken",
        description=f"token {TOKEN} rejected; Authorization: Bearer {SECRET}",
        diagnostics=f"client_secret={SECRET}&x=1",
        hints=[f"password: {SECRET}"],
        status=401,
        request_id="r-1",
    )
    for text in (str(err), repr(err), err._repr_html_(), repr(err.to_dict())):
        assert TOKEN not in text and SECRET not in text
    assert "r-1" in str(err) and "HTTP 401" in str(err)


def test_scrub_masks_parameters_and_keeps_the_rest():
    assert (
        scrub(f"grant_type=x&client_secret={SECRET}&scope=y")
        == "grant_type=x&client_secret=<redacted>&scope=y"
    )
    assert scrub("nothing secret here") == "nothing secret here"


def test_it_is_an_exception_with_the_explanation_fields():
    err = GraphError(error="itemNotFound", status=404)
    assert isinstance(err, ExplainedError) and isinstance(err, Exception)
    assert err.meaning and err.grooper_cause and err.fix and err.docs_url
    with pytest.raises(ExplainedError, match="itemNotFound"):
        raise err


def test_explain_knows_each_source_and_refuses_others():
    assert set(SOURCES) == {"aadsts", "graph", "ews", "sharepoint"}
    assert explain("aadsts", "AADSTS50011").code == 50011
    with pytest.raises(ValueError, match="aadsts"):
        explain("imap", "NO")


def test_retry_after_reads_seconds_and_ignores_dates():
    assert retry_after("10") == 10.0 and retry_after("2.128") == 2.128
    assert retry_after(None) is None and retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None


def test_it_pickles_with_everything_microsoft_sent():
    err = GraphError(error="TooManyRequests", status=429, request_id="r-1", retry_after=2.5, inner_code="429")
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is GraphError and again.to_dict() == err.to_dict() and again.inner_code == "429"
