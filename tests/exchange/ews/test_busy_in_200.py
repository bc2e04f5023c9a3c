"""A throttled EWS answer inside HTTP 200 is waited out and the read sent again.

Exchange documents three throttling answers
(https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange,
"HTTP status codes returned by throttling errors"): 503, 500 with ``ErrorServerBusy`` (both the session's
to retry, see tests/test_http.py and test_paging.py), and 200 with an ``ErrorInternalServerError`` message
carrying an inner ``ErrorServerBusy``: that one is the SOAP client's. The sandbox answers it when an app's
fifth concurrent request reaches a mailbox inside an operation, which no test can time; so a real
``SoapClient`` over a real ``ProfileSession`` reads the sandbox's rendering of it from a scripted server on
127.0.0.1.
"""

from __future__ import annotations

import random
import threading
from collections import deque

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from grooper_nb.errors.ews import EwsError
from grooper_nb.exchange.ews.find_folder import find_folders
from grooper_nb.exchange.ews.soap import MNS, SOAPNS, TNS, SoapClient, distinguished_xml
from grooper_nb.http import ProfileSession, RetryPolicy
from grooper_nb.sandbox.ews import soap as sandbox_soap


def _envelope(message: str) -> str:
    return (
        f'<s:Envelope xmlns:s="{SOAPNS}" xmlns:m="{MNS}" xmlns:t="{TNS}"><s:Body>'
        f"<m:FindFolderResponse><m:ResponseMessages>{message}</m:ResponseMessages></m:FindFolderResponse>"
        "</s:Body></s:Envelope>"
    )


# The sandbox's own rendering of a throttled response message, so client and sandbox agree on one form.
BUSY = sandbox_soap.response(
    "FindFolder", [sandbox_soap.message("FindFolder", error=sandbox_soap.server_busy(2500))]
).decode()
BROKEN = BUSY.replace("ErrorServerBusy", "ErrorMailboxStoreUnavailable")
FOUND = _envelope(
    '<m:FindFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
    '<m:RootFolder TotalItemsInView="1" IncludesLastItemInRange="true"><t:Folders><t:Folder>'
    '<t:FolderId Id="AAA="/><t:DisplayName>Inbox</t:DisplayName></t:Folder></t:Folders></m:RootFolder>'
    "</m:FindFolderResponseMessage>"
)


@pytest.fixture
def ews():
    """A server answering POSTs from a script (the last answer repeats), and every request it saw."""
    script: deque[str] = deque()
    seen: list[bytes] = []

    def app(environ, start_response):
        seen.append(Request(environ).get_data())
        body = script.popleft() if len(script) > 1 else script[0]
        return Response(body, mimetype="text/xml")(environ, start_response)

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", script, seen
    httpd.shutdown()
    thread.join(timeout=10)


def _client(url: str, waits: list[float], attempts: int = 4) -> SoapClient:
    session = ProfileSession(
        retry=RetryPolicy(max_attempts=attempts, sleep=waits.append, rng=random.Random(1))
    )
    session.trust_env = False
    return SoapClient(session, url, lambda _force: "token", impersonate="invoices@contoso.onmicrosoft.com")


def test_a_throttled_200_is_waited_out_as_asked_and_sent_again(ews) -> None:
    url, script, seen = ews
    script.extend([BUSY, BUSY, FOUND])
    waits: list[float] = []
    found = find_folders(_client(url, waits), distinguished_xml("msgfolderroot"))
    assert [f.findtext(f"{{{TNS}}}DisplayName") for f in found] == ["Inbox"]
    assert waits == [2.5, 2.5] and len(seen) == 3 and seen[0] == seen[2]


def test_a_throttled_200_past_the_attempts_is_explained(ews) -> None:
    url, script, _seen = ews
    script.append(BUSY)
    with pytest.raises(EwsError) as caught:
        find_folders(_client(url, [], attempts=2), distinguished_xml("msgfolderroot"))
    assert caught.value.error == "ErrorInternalServerError" and caught.value.back_off_ms == 2500


def test_an_internal_error_that_is_not_throttling_is_not_retried(ews) -> None:
    url, script, seen = ews
    script.append(BROKEN)
    waits: list[float] = []
    with pytest.raises(EwsError):
        find_folders(_client(url, waits), distinguished_xml("msgfolderroot"))
    assert waits == [] and len(seen) == 1
