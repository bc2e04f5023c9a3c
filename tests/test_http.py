"""The HTTP layer (grooper_nb.http) against a real HTTP server on 127.0.0.1.

Each test scripts what a tiny WSGI server answers (429 with Retry-After, 503 bursts, EWS ServerBusy
faults, 401 until the token is fresh, Graph pages) and drives a real ``ProfileSession`` at it. Waits go
to an injected ``sleep`` that only records them, so nothing here actually waits.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from grooper_nb.http import (
    BearerAuth,
    DocumentCache,
    DocumentUnavailable,
    GraphPages,
    ProfileSession,
    RetryAfterTooLong,
    RetryPolicy,
    documents_for,
    retry_after_seconds,
)

SERVER_DATE = datetime(2026, 11, 30, 10, 0, 0, tzinfo=timezone.utc)


# ---- the server ---------------------------------------------------------------------------------------
@dataclass
class Scripted:
    """Per path, the answers to give in order (the last one repeats); every request is recorded."""

    answers: dict[str, deque] = field(default_factory=dict)
    seen: list[Request] = field(default_factory=list)
    handlers: dict[str, object] = field(default_factory=dict)

    def on(self, path: str, *responses: Response) -> None:
        self.answers[path] = deque(responses)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.seen if r.path == path]

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.get_data()  # read the body now, while the connection is open
        self.seen.append(request)
        if request.path in self.handlers:
            response = self.handlers[request.path](request)
        else:
            queue = self.answers.get(request.path)
            if not queue:
                response = Response("not scripted", status=404)
            else:
                response = queue.popleft() if len(queue) > 1 else queue[0]
        return response(environ, start_response)


@pytest.fixture(scope="module")
def _httpd():
    app = Scripted()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    app.base = f"http://127.0.0.1:{httpd.server_port}"
    try:
        yield app
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def server(_httpd: Scripted) -> Scripted:
    """The module's server with an empty script."""
    _httpd.answers.clear()
    _httpd.handlers.clear()
    _httpd.seen.clear()
    return _httpd


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def session(waits) -> ProfileSession:
    policy = RetryPolicy(max_attempts=4, max_wait=60, sleep=waits.append, rng=random.Random(7))
    return ProfileSession(timeout=(5, 10), retry=policy)


def ok(body: object = None) -> Response:
    return Response(json.dumps(body if body is not None else {"ok": True}), mimetype="application/json")


def status(code: int, **headers: str) -> Response:
    body = {"error": {"code": "TooManyRequests" if code == 429 else "serviceNotAvailable", "message": "x"}}
    return Response(json.dumps(body), status=code, headers=headers, mimetype="application/json")


def http_date(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


EWS_BUSY = """<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors"
    xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
  <s:Body>
    <s:Fault>
      <faultcode>t:ErrorServerBusy</faultcode>
      <faultstring xml:lang="en-US">The server cannot service this request right now.</faultstring>
      <detail>
        <e:ResponseCode>ErrorServerBusy</e:ResponseCode>
        <e:Message>The server cannot service this request right now. Try again later.</e:Message>
        <t:MessageXml>
          <t:Value Name="BackOffMilliseconds">{ms}</t:Value>
        </t:MessageXml>
      </detail>
    </s:Fault>
  </s:Body>
</s:Envelope>"""


def ews_busy(ms: int) -> Response:
    return Response(EWS_BUSY.replace("{ms}", str(ms)), status=500, mimetype="text/xml")


# ---- Retry-After ----------------------------------------------------------------------------------------
def test_429_waits_the_retry_after_seconds_then_succeeds(server, session, waits):
    server.on("/v1.0/me/messages", status(429, **{"Retry-After": "3"}), ok())
    resp = session.get(server.base + "/v1.0/me/messages")
    assert resp.status_code == 200
    assert waits == [3.0]
    assert len(server.requests_to("/v1.0/me/messages")) == 2


def test_fractional_retry_after_seconds_are_honoured(server, session, waits):
    server.on("/x", status(429, **{"Retry-After": "2.128"}), ok())
    assert session.get(server.base + "/x").status_code == 200
    assert waits == [2.128]


def test_retry_after_as_an_http_date_is_measured_from_the_servers_date(server, session, waits):
    answered = []

    def throttle_once(request: Request) -> Response:
        if answered:
            return ok()
        answered.append(True)
        # Werkzeug adds its own Date header (the server's clock, whole seconds) to every answer.
        when = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=7)
        return status(503, **{"Retry-After": http_date(when)})

    server.handlers["/sites"] = throttle_once
    assert session.get(server.base + "/sites").status_code == 200
    assert waits in ([7.0], [6.0])  # 6 if the Date header was stamped in the next second


def test_a_retry_after_date_in_the_past_means_retry_now(server, session, waits):
    past = status(429, **{"Retry-After": http_date(SERVER_DATE - timedelta(hours=1))})
    server.on("/x", past, ok())
    assert session.get(server.base + "/x").status_code == 200
    assert waits == [0.0]


def test_retry_after_beyond_the_ceiling_raises_and_says_how_long(server, session, waits):
    server.on("/v1.0/users", status(429, **{"Retry-After": "600"}), ok())
    with pytest.raises(RetryAfterTooLong) as info:
        session.get(server.base + "/v1.0/users?$top=999")
    assert info.value.wait == 600
    assert "600 s" in str(info.value) and "Retry-After" in str(info.value)
    assert "$top" not in str(info.value)  # the path, not the query string
    assert waits == []
    assert len(server.requests_to("/v1.0/users")) == 1


def test_retry_after_seconds_and_dates_parse_as_rfc_9110_allows():
    def answer(**headers):
        r = requests.Response()
        r.headers.update(headers)
        return r

    assert retry_after_seconds(answer(**{"Retry-After": "120"})) == 120
    date = http_date(SERVER_DATE + timedelta(seconds=30))
    assert retry_after_seconds(answer(**{"Retry-After": date, "Date": http_date(SERVER_DATE)})) == 30
    asctime = "Mon Nov 30 10:00:45 2026"  # the obsolete asctime form, which recipients must accept
    assert retry_after_seconds(answer(**{"Retry-After": asctime, "Date": http_date(SERVER_DATE)})) == 45
    assert retry_after_seconds(answer(**{"Retry-After": "soon"})) is None
    assert retry_after_seconds(answer()) is None


# ---- 503 bursts and backoff -------------------------------------------------------------------------
def test_a_503_burst_is_retried_with_jittered_exponential_backoff(server, session, waits):
    server.on("/burst", status(503), status(503), status(503), ok())
    assert session.get(server.base + "/burst").status_code == 200
    assert len(waits) == 3
    for retry, wait in enumerate(waits):
        assert 0 <= wait <= 0.5 * 2**retry
    assert len(set(waits)) == 3  # jittered, not a fixed schedule


def test_a_burst_longer_than_max_attempts_returns_the_last_503(server, session, waits):
    server.on("/burst", status(503))
    resp = session.get(server.base + "/burst")
    assert resp.status_code == 503
    assert len(server.requests_to("/burst")) == 4 and len(waits) == 3


def test_a_503_on_post_is_retried_but_a_502_only_for_idempotent_methods(server, session, waits):
    server.on("/token", status(503), ok())
    assert session.post(server.base + "/token", data={"grant_type": "x"}).status_code == 200
    assert [r.form["grant_type"] for r in server.requests_to("/token")] == ["x", "x"]
    server.on("/gateway", status(502), ok())
    assert session.post(server.base + "/gateway", data=b"{}").status_code == 502
    assert session.get(server.base + "/gateway").status_code == 200


def test_a_session_without_a_policy_does_not_retry(server):
    server.on("/x", status(429, **{"Retry-After": "1"}), ok())
    assert ProfileSession(retry=None).get(server.base + "/x").status_code == 429


# ---- EWS ServerBusy --------------------------------------------------------------------------------------
def test_an_ews_server_busy_fault_waits_its_back_off_milliseconds(server, session, waits):
    server.on("/EWS/Exchange.asmx", ews_busy(1500), Response("<ok/>", mimetype="text/xml"))
    body = b"<soap:Envelope>FindItem</soap:Envelope>"
    resp = session.post(server.base + "/EWS/Exchange.asmx", data=body, headers={"Content-Type": "text/xml"})
    assert resp.status_code == 200
    assert waits == [1.5]
    assert [r.get_data() for r in server.requests_to("/EWS/Exchange.asmx")] == [body, body]


def test_an_ews_back_off_beyond_the_ceiling_raises(server, session, waits):
    server.on("/EWS/Exchange.asmx", ews_busy(297749))
    with pytest.raises(RetryAfterTooLong, match=r"298 s \(BackOffMilliseconds\)"):
        session.post(server.base + "/EWS/Exchange.asmx", data=b"<x/>")
    assert waits == []


def ews_throttled(status_code: int, ms: int, retry_after: str | None) -> Response:
    """An EWS throttle as Exchange Online (and the sandbox's ``throttle`` fault) sends it: a 429 or 503
    with ``Retry-After`` and an ``ErrorServerBusy`` fault naming ``BackOffMilliseconds``."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    body = EWS_BUSY.replace("{ms}", str(ms))
    return Response(body, status=status_code, headers=headers, mimetype="text/xml")


@pytest.mark.parametrize(
    ("status_code", "ms", "retry_after", "expected"),
    [
        (429, 3000, "3", 3.0),  # both say 3 s
        (429, 2500, None, 2.5),  # only the fault names a delay
        (503, 1000, "4", 4.0),  # Retry-After is the longer
        (429, 5000, "1", 5.0),  # BackOffMilliseconds is the longer
    ],
)
def test_an_ews_429_or_503_throttle_waits_what_it_asks(
    server, session, waits, status_code, ms, retry_after, expected
):
    ok_soap = Response("<ok/>", mimetype="text/xml")
    server.on("/EWS/Exchange.asmx", ews_throttled(status_code, ms, retry_after), ok_soap)
    body = b"<soap:Envelope>GetItem</soap:Envelope>"
    resp = session.post(server.base + "/EWS/Exchange.asmx", data=body, headers={"Content-Type": "text/xml"})
    assert resp.status_code == 200
    assert waits == [expected]
    assert [r.get_data() for r in server.requests_to("/EWS/Exchange.asmx")] == [body, body]


def test_an_ordinary_ews_500_is_not_retried(server, session, waits):
    fault = ews_busy(10).get_data(as_text=True).replace("ErrorServerBusy", "ErrorSchemaValidation")
    server.on("/EWS/Exchange.asmx", Response(fault, status=500, mimetype="text/xml"))
    assert session.post(server.base + "/EWS/Exchange.asmx", data=b"<x/>").status_code == 500
    assert waits == [] and len(server.requests_to("/EWS/Exchange.asmx")) == 1


# ---- timeouts ----------------------------------------------------------------------------------------
def test_every_request_gets_the_session_timeout_unless_the_caller_overrides_it(server):
    gate = threading.Event()

    def slow(request):
        gate.wait(5)
        return ok()

    server.handlers["/slow"] = slow
    session = ProfileSession(timeout=(5, 0.2), retry=None)
    try:
        with pytest.raises(requests.exceptions.ReadTimeout):
            session.get(server.base + "/slow")
    finally:
        gate.set()
    assert session.get(server.base + "/slow", timeout=(5, 10)).status_code == 200


# ---- 401: refresh once --------------------------------------------------------------------------------
class Tokens:
    """A token provider that hands out a stale token until asked to refresh."""

    def __init__(self) -> None:
        self.calls: list[bool] = []

    def __call__(self, force_refresh: bool) -> str:
        self.calls.append(force_refresh)
        return "fresh-token-value" if force_refresh else "stale-token-value"


def needs_fresh_token(request: Request) -> Response:
    if request.headers.get("Authorization") == "Bearer fresh-token-value":
        return ok({"value": [1]})
    return Response('{"error":{"code":"InvalidAuthenticationToken"}}', status=401)


def test_a_401_refreshes_the_token_once_and_resends(server, session, caplog):
    server.handlers["/v1.0/me"] = needs_fresh_token
    tokens = Tokens()
    auth = BearerAuth(tokens)
    with caplog.at_level(logging.DEBUG):
        resp = session.get(server.base + "/v1.0/me", auth=auth)
    assert resp.status_code == 200 and resp.json() == {"value": [1]}
    assert tokens.calls == [False, True] and auth.refreshes == 1
    sent = [r.headers["Authorization"] for r in server.requests_to("/v1.0/me")]
    assert sent == ["Bearer stale-token-value", "Bearer fresh-token-value"]
    assert [r.status_code for r in resp.history] == [401]
    assert "token-value" not in caplog.text
    assert "token-value" not in repr(auth)


def test_a_second_401_is_returned_without_another_refresh(server, session):
    server.on("/v1.0/me", Response("{}", status=401))
    tokens = Tokens()
    resp = session.get(server.base + "/v1.0/me", auth=BearerAuth(tokens))
    assert resp.status_code == 401
    assert tokens.calls == [False, True]
    assert len(server.requests_to("/v1.0/me")) == 2


def test_a_fresh_token_is_kept_for_the_next_request_by_its_provider(server, session):
    server.handlers["/v1.0/me"] = needs_fresh_token
    fresh = []

    def provider(force_refresh: bool) -> str:
        if force_refresh:
            fresh.append("fresh-token-value")
        return fresh[-1] if fresh else "stale-token-value"

    auth = BearerAuth(provider)
    assert session.get(server.base + "/v1.0/me", auth=auth).status_code == 200
    assert session.get(server.base + "/v1.0/me", auth=auth).status_code == 200
    assert auth.refreshes == 1 and len(server.requests_to("/v1.0/me")) == 3


# ---- Graph paging ------------------------------------------------------------------------------------
def graph_pages(server: Scripted, items: int, per_page: int, delta: bool = False):
    """/v1.0/me/messages in pages of ``per_page``; nextLinks carry an opaque $skiptoken."""

    def handler(request: Request) -> Response:
        start = int(request.args.get("$skiptoken", "0"))
        top = int(request.args.get("$top", per_page))
        page = {"value": [{"id": f"m{i}"} for i in range(start, min(start + top, items))]}
        if start + top < items:
            page["@odata.nextLink"] = (
                f"{server.base}/v1.0/me/messages?%24select=id&%24top={top}&%24skiptoken={start + top}"
            )
        elif delta:
            page["@odata.deltaLink"] = f"{server.base}/v1.0/me/messages/delta?%24deltatoken=final"
        return ok(page)

    server.handlers["/v1.0/me/messages"] = handler


def test_paging_yields_every_item_once_and_follows_next_link_as_given(server, session):
    graph_pages(server, items=7, per_page=3)
    pages = GraphPages(session, server.base + "/v1.0/me/messages", params={"$select": "id", "$top": 3})
    ids = [m["id"] for m in pages]
    assert ids == [f"m{i}" for i in range(7)]
    assert pages.pages == 3 and pages.delta_link is None and pages.next_link is None
    queries = [r.query_string.decode() for r in server.requests_to("/v1.0/me/messages")]
    assert queries[0] == "%24select=id&%24top=3"
    assert queries[1:] == ["%24select=id&%24top=3&%24skiptoken=3", "%24select=id&%24top=3&%24skiptoken=6"]


def test_paging_keeps_the_final_delta_link(server, session):
    graph_pages(server, items=4, per_page=2, delta=True)
    pages = GraphPages(session, server.base + "/v1.0/me/messages")
    assert [p["value"][0]["id"] for p in pages.iter_pages()] == ["m0", "m2"]
    assert pages.delta_link == server.base + "/v1.0/me/messages/delta?%24deltatoken=final"


def test_a_throttled_page_is_retried_without_losing_or_repeating_items(server, session, waits):
    graph_pages(server, items=6, per_page=2)
    inner = server.handlers["/v1.0/me/messages"]
    throttled = {"done": False}

    def throttle_page_two(request: Request) -> Response:
        if request.args.get("$skiptoken") == "2" and not throttled["done"]:
            throttled["done"] = True
            return status(429, **{"Retry-After": "1"})
        return inner(request)

    server.handlers["/v1.0/me/messages"] = throttle_page_two
    ids = [m["id"] for m in GraphPages(session, server.base + "/v1.0/me/messages")]
    assert ids == [f"m{i}" for i in range(6)]
    assert waits == [1.0]


def test_a_failed_page_raises_http_error(server, session):
    server.on("/v1.0/me/messages", Response('{"error":{"code":"ErrorAccessDenied"}}', status=403))
    with pytest.raises(requests.HTTPError) as info:
        list(GraphPages(session, server.base + "/v1.0/me/messages"))
    assert info.value.response.status_code == 403


# ---- the per-session document cache -------------------------------------------------------------------
def test_a_public_document_is_fetched_once_per_session(server, session):
    server.on("/common/v2.0/.well-known/openid-configuration", ok({"jwks_uri": "x"}))
    url = server.base + "/common/v2.0/.well-known/openid-configuration"
    assert session.get_json_cached(url) == {"jwks_uri": "x"}
    assert documents_for(session).get_json(session, url) == {"jwks_uri": "x"}
    assert session.documents.fetches == [url]
    session.get_json_cached(url, refresh=True)
    assert session.documents.fetches == [url, url]


def test_an_error_document_is_not_remembered(server):
    plain = requests.Session()
    server.on("/tenant/.well-known/openid-configuration", status(400), ok({"issuer": "i"}))
    url = server.base + "/tenant/.well-known/openid-configuration"
    cache = documents_for(plain)
    assert cache is documents_for(plain) and isinstance(cache, DocumentCache)
    with pytest.raises(DocumentUnavailable, match="HTTP 400"):
        cache.get_json(plain, url)
    assert cache.get_json(plain, url) == {"issuer": "i"}
    assert len(server.requests_to("/tenant/.well-known/openid-configuration")) == 2


# ---- a connection dropped mid-request -------------------------------------------------------------------
@pytest.fixture
def drops_first_connection():
    """A raw socket server: the first connection is closed without an answer, later ones get 200."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(10)
    served = []

    def serve():
        for n in range(2):
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                served.append(n)
                if n > 0:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    address = listener.getsockname()
    yield f"http://127.0.0.1:{address[1]}", served
    if thread.is_alive():  # still waiting for a second connection: give it one so it ends
        socket.create_connection(address, timeout=5).close()
    thread.join(timeout=10)
    listener.close()


def test_a_get_whose_connection_drops_is_retried(drops_first_connection, session, waits):
    url, served = drops_first_connection
    resp = session.get(url + "/v1.0/me/messages")
    assert resp.status_code == 200 and resp.text == "ok"
    assert served == [0, 1] and len(waits) == 1


def test_a_post_whose_connection_drops_is_not_retried(drops_first_connection, session, waits):
    url, served = drops_first_connection
    with pytest.raises(requests.ConnectionError):
        session.post(url + "/EWS/Exchange.asmx", data=b"<x/>")
    assert served == [0] and waits == []


def test_a_replay_safe_post_whose_connection_drops_is_retried(drops_first_connection, session, waits):
    url, served = drops_first_connection
    resp = session.post(url + "/EWS/Exchange.asmx", data=b"<m:FindItem/>", replay_safe=True)
    assert resp.status_code == 200 and resp.text == "ok"
    assert served == [0, 1] and len(waits) == 1


def test_a_replay_safe_post_is_retried_after_a_502(server, session, waits):
    server.on("/EWS/Exchange.asmx", status(502), ok())
    assert session.post(server.base + "/EWS/Exchange.asmx", data=b"<x/>", replay_safe=True).status_code == 200
    assert len(server.requests_to("/EWS/Exchange.asmx")) == 2 and len(waits) == 1


# ---- TLS: a stream broken mid-request is a dropped connection, a bad certificate is not -------------------
@pytest.fixture
def direct(session: ProfileSession) -> ProfileSession:
    """The session, talking to 127.0.0.1 directly whatever proxy the environment names."""
    session.trust_env = False
    return session


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A CA of its own and a server certificate for 127.0.0.1 (the sandbox's CA code)."""
    from grooper_nb.sandbox.tls import ensure_ca, ensure_server_cert

    ca = ensure_ca(tmp_path_factory.mktemp("tls") / "ca", ["127.0.0.1"])
    cert, key = ensure_server_cert(ca, ["127.0.0.1"])
    return ca.cert_path, cert, key


def _read_request(tls) -> bytes:
    """One whole request (head and ``Content-Length`` body) from a socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += tls.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")), 0
    )
    while len(body) < length:
        body += tls.recv(65536)
    return head


@pytest.fixture
def drops_tls_mid_stream(tls_files):
    """A TLS server on 127.0.0.1 whose first connection answers one request, then gives up its TLS
    session and answers the second in clear text before closing (a far end that lost the stream: what
    the client reads is no TLS record). Later connections answer each request normally."""
    import socket
    import ssl

    from grooper_nb.sandbox.tls import server_context

    _, cert, key = tls_files
    context = server_context(cert, key)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.2)
    served: list[str] = []
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"

    def first(tls) -> None:
        _read_request(tls)
        served.append("answered")
        tls.sendall(answer.replace(b"Connection: close\r\n", b""))
        _read_request(tls)
        served.append("clear text")
        tls.shutdown(socket.SHUT_RD)  # drops the TLS session: what follows goes out in clear
        tls.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")

    def serve():
        n = 0
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except OSError:  # the accept timed out: look at the stop flag again
                continue
            try:
                with context.wrap_socket(raw, server_side=True) as tls:
                    if n == 0:
                        first(tls)
                    else:
                        _read_request(tls)
                        served.append("answered")
                        tls.sendall(answer)
            except (OSError, ssl.SSLError):
                pass
            n += 1

    stop = threading.Event()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}", served
    stop.set()
    thread.join(timeout=10)
    listener.close()


def test_a_replay_safe_post_whose_tls_stream_breaks_is_retried(
    drops_tls_mid_stream, tls_files, direct, waits
):
    url, served = drops_tls_mid_stream
    direct.verify = str(tls_files[0])
    assert direct.post(url + "/EWS/Exchange.asmx", data=b"<x/>", replay_safe=True).text == "ok"
    resp = direct.post(url + "/EWS/Exchange.asmx", data=b"<x/>", replay_safe=True)  # the kept-alive one
    assert resp.status_code == 200 and resp.text == "ok"
    assert served == ["answered", "clear text", "answered"] and len(waits) == 1


def test_a_post_whose_tls_stream_breaks_is_not_retried(drops_tls_mid_stream, tls_files, direct, waits):
    url, _served = drops_tls_mid_stream
    direct.verify = str(tls_files[0])
    assert direct.post(url + "/EWS/Exchange.asmx", data=b"<x/>").text == "ok"
    with pytest.raises(requests.exceptions.SSLError):
        direct.post(url + "/EWS/Exchange.asmx", data=b"<x/>")
    assert waits == []


def test_a_certificate_nobody_trusts_fails_at_once(drops_tls_mid_stream, direct, waits):
    url, served = drops_tls_mid_stream  # its CA is not in certifi's bundle, which the session trusts
    with pytest.raises(requests.exceptions.SSLError, match="certificate verify failed"):
        direct.get(url + "/v1.0/me/messages")
    with pytest.raises(requests.exceptions.SSLError, match="certificate verify failed"):
        direct.post(url + "/EWS/Exchange.asmx", data=b"<x/>", replay_safe=True)
    assert waits == [] and served == []  # no handshake finished, nothing was sent twice


# ---- one cache under MSAL and the token inspector (against the run's sandbox) -----------------------------
def test_msal_discovery_and_the_token_inspector_share_the_sessions_document_cache(sandbox):
    from grooper_nb import inspect_token
    from grooper_nb.auth import flows
    from grooper_nb.http import sandbox_session
    from grooper_nb.profile import connect

    fresh = sandbox_session(sandbox["proxy"], sandbox["ca_bundle"])
    profile = connect(app="Grooper Server-to-Server", session=fresh)
    docs = documents_for(profile.session)
    token = flows.client_credentials(profile, "https://graph.microsoft.com/.default", use_cache=False)
    signed_in = list(docs.fetches)
    assert any(u.endswith("/v2.0/.well-known/openid-configuration") for u in signed_in)  # MSAL's
    assert inspect_token(token, profile).validation.status in ("valid", "unverifiable")
    inspected = list(docs.fetches)
    assert any("keys" in u for u in inspected[len(signed_in) :])  # the inspector's, in the same list
    again = flows.client_credentials(profile, "https://graph.microsoft.com/.default", use_cache=False)
    inspect_token(again, profile)
    assert docs.fetches == inspected  # neither fetched anything the other had already


# ---- the sandbox session reads its CA bundle once --------------------------------------------------------
DISCOVERY = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"


def test_a_sandbox_session_reads_its_ca_bundle_once_not_per_connection(sandbox, tmp_path):
    """The sandbox closes every connection after its answer, so each request is a new TLS connection; the
    bundle must not be read again for each (it cost ~15 ms a request). Proof without timing: once the
    first request is made, the bundle file is spoiled, and later requests (new connections) still work."""
    import shutil

    from grooper_nb.http import sandbox_session

    bundle = tmp_path / "bundle.pem"
    shutil.copy(sandbox["ca_bundle"], bundle)
    session = sandbox_session(sandbox["proxy"], str(bundle))
    assert session.get(DISCOVERY).ok
    bundle.write_text("not a certificate\n")
    for _ in range(3):
        assert session.get(DISCOVERY).ok


def test_a_sandbox_session_still_refuses_a_server_its_bundle_does_not_trust(sandbox):
    """The shared context trusts only the given bundle: with certifi's (real CAs, not the sandbox's),
    the sandbox's certificate fails verification at once."""
    import certifi

    from grooper_nb.http import sandbox_session

    session = sandbox_session(sandbox["proxy"], certifi.where())
    with pytest.raises(requests.exceptions.SSLError, match="certificate verify failed"):
        session.get(DISCOVERY)


def test_a_request_with_its_own_verify_is_left_to_requests(sandbox, tmp_path):
    """``verify=`` on one request (another bundle) is honoured as requests always does."""
    import certifi

    from grooper_nb.http import sandbox_session

    session = sandbox_session(sandbox["proxy"], sandbox["ca_bundle"])
    with pytest.raises(requests.exceptions.SSLError, match="certificate verify failed"):
        session.get(DISCOVERY, verify=certifi.where())
    assert session.get(DISCOVERY).ok
