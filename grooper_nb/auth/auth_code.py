"""Authorization code + PKCE, in two variants (RFC 7636; Entra's form of it:
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow).

**Local browser** — the kernel runs on your machine::

    token = auth_code_interactive(profile, ["https://outlook.office365.com/EWS.AccessAsUser.All"])

A loopback listener on ``http://localhost:<free port>`` receives the redirect (Entra ignores the port of
a registered ``http://localhost``), the browser opens ``flow.url``, and the code is redeemed with the
PKCE verifier. For the sandbox that URL is its ``browser_url`` page, never Microsoft's site.

**Paste the redirect URL** — remote kernel, JupyterHub, WSL, a browser on another machine::

    flow = auth_code_start(profile, scopes)
    flow.url            # open it anywhere, sign in; the browser ends on http://localhost/?code=...
    token = flow.finish("http://localhost/?code=...&state=...")   # paste the address bar

Before handing out the URL, the flow asks the authorize endpoint once, as a browser would (no cookies, no
credentials). If Entra answers with an error page instead of a sign-in form — wrong redirect URI
(AADSTS50011), unknown app (700016), unknown tenant (90002) — that error is raised right away, explained,
instead of leaving the person stuck on a Microsoft error page.
"""

from __future__ import annotations

import hmac
import html
import re
import threading
import warnings
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from grooper_nb.auth._msal import (
    account_for,
    build_app,
    error_from_result,
    msal_errors,
    user_scopes,
)
from grooper_nb.auth.device_code import FlowCancelled
from grooper_nb.auth.result import TokenResult
from grooper_nb.errors.aadsts import AuthError

if TYPE_CHECKING:
    from grooper_nb.profile import Profile

__all__ = ["AuthCodeFlow", "auth_code_interactive", "auth_code_start", "no_browser_error"]

_DONE_PAGE = (
    b"<!doctype html><title>Signed in</title><body style='font-family:sans-serif'>"
    b"<h3>grooper-nb: sign-in finished.</h3><p>You can close this tab and return to the notebook.</p>"
)


# A form_post redirect holds a code, a state and a session ID: a few KB. Anything longer is not one.
_MAX_BODY = 64 * 1024
_REFUSED_PAGE = b"Not the redirect of this sign-in.\n"


class _Loopback(ThreadingHTTPServer):
    """The redirect URI's listener on 127.0.0.1 (RFC 8252 section 7.3, loopback redirection).

    Any local process can reach it, so it takes only the redirect of *its* sign-in: the right path, a
    loopback ``Host`` with its port (RFC 8252 section 8.3; another Host is a page of another site
    reaching it through DNS rebinding), and the ``state`` this sign-in sent (RFC 6749 section 10.12:
    the state binds the response to the request). Everything else gets 400 and the listener keeps
    waiting, so a stray or hostile request can neither end the sign-in nor decide its outcome. Until
    :meth:`expect` names the state, nothing is taken.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.params: dict[str, str] | None = None
        self.received = threading.Event()
        self.state: str | None = None
        self.path = "/"
        self.refused = 0  # requests answered 400: not this sign-in's redirect
        self.thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.2}, name="auth-code loopback", daemon=True
        )
        self.thread.start()

    def expect(self, redirect_uri: str, state: str | None) -> None:
        """Take only redirects to ``redirect_uri``'s path carrying ``state``."""
        self.path = urlsplit(redirect_uri).path or "/"
        self.state = state

    def host_ok(self, host: str | None) -> bool:
        port = self.server_port
        return (host or "").strip().lower() in (f"localhost:{port}", f"127.0.0.1:{port}")

    def state_ok(self, params: Mapping[str, str]) -> bool:
        state = params.get("state")
        return bool(self.state and state) and hmac.compare_digest(str(state), str(self.state))

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: _Loopback
    timeout = 30  # a client that sends less than its Content-Length does not hold a thread forever

    def _refuse(self) -> None:
        self.server.refused += 1
        self.send_response(400)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(_REFUSED_PAGE)))
        self.end_headers()
        self.wfile.write(_REFUSED_PAGE)

    def _addressed_to_us(self) -> bool:
        return self.server.host_ok(self.headers.get("Host")) and urlsplit(self.path).path == self.server.path

    def _finish(self, params: dict[str, str]) -> None:
        if not (("code" in params or "error" in params) and self.server.state_ok(params)):
            self._refuse()
            return
        if self.server.params is None:
            self.server.params = params
            self.server.received.set()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(_DONE_PAGE)

    def _body_length(self) -> int | None:
        """The declared body length; None when it is not a plain number up to :data:`_MAX_BODY`."""
        declared = (self.headers.get("Content-Length") or "0").strip()
        if not re.fullmatch(r"[0-9]{1,7}", declared) or int(declared) > _MAX_BODY:
            return None
        return int(declared)

    def do_GET(self) -> None:
        if not self._addressed_to_us():
            self._refuse()
            return
        self._finish(dict(parse_qsl(urlsplit(self.path).query)))

    def do_POST(self) -> None:
        length = self._body_length()
        if length is None or not self._addressed_to_us():
            self._refuse()
            return
        self._finish(dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace"))))

    def log_message(self, format: str, *args: Any) -> None:
        return


def _loopback_redirect(profile_uri: str, port: int) -> str:
    s = urlsplit(profile_uri)
    host = s.hostname if s.scheme == "http" and s.hostname in ("localhost", "127.0.0.1") else "localhost"
    return urlunsplit(("http", f"{host}:{port}", s.path if host == s.hostname else "", "", ""))


class AuthCodeFlow:
    """One auth-code + PKCE sign-in in progress. ``url`` is what a person opens; finish with
    :meth:`finish` (pasted redirect URL) or, for a flow started with ``listen=True``, :meth:`wait`."""

    def __init__(
        self,
        profile: Profile,
        scopes: Sequence[str] | str,
        *,
        redirect_uri: str | None = None,
        login_hint: str | None = None,
        prompt: str | None = None,
        listen: bool = False,
        preflight: bool = True,
        flow_name: str | None = None,
    ) -> None:
        self.profile = profile
        self.scopes = user_scopes(scopes)
        self.flow = flow_name or ("auth_code" if listen else "auth_code_paste")
        self.status = "pending"
        self.result: TokenResult | None = None
        self.error: AuthError | None = None
        self._server: _Loopback | None = _Loopback() if listen else None
        self._open_server = self._server
        self._close_lock = threading.Lock()
        self._cancelled = threading.Event()
        if self._server is not None:
            redirect_uri = redirect_uri or _loopback_redirect(profile.redirect_uri, self._server.server_port)
        self.redirect_uri = redirect_uri or profile.redirect_uri
        try:
            self._app = build_app(profile, self.flow)
            # The loopback listener accepts form_post (MSAL's recommendation: the code never sits in a
            # URL). Pasting needs a URL that holds the code, so that variant uses query mode; PKCE still
            # protects the code, and MSAL's warning about it is silenced for that one call.
            mode = "form_post" if listen else "query"
            with msal_errors(profile, self.flow, self.scopes, self.redirect_uri), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")
                self._flow = self._app.initiate_auth_code_flow(
                    self.scopes,
                    redirect_uri=self.redirect_uri,
                    login_hint=login_hint,
                    prompt=prompt,
                    response_mode=mode,
                )
            if self._server is not None:
                self._server.expect(self.redirect_uri, self._flow.get("state"))
            self.url = profile.person_url(self._flow["auth_uri"])
            if preflight:
                self._preflight()
        except BaseException:
            self.close()
            raise

    # -- preflight: does the authorize endpoint show a sign-in form or an error page? -----------------
    def _preflight(self) -> None:
        with msal_errors(self.profile, self.flow, self.scopes, self.redirect_uri):
            resp = self.profile.session.get(self._flow["auth_uri"], allow_redirects=False)
        location = resp.headers.get("Location", "")
        if resp.is_redirect and "error=" in location:
            params = dict(parse_qsl(urlsplit(location).query))
            raise self._fail(
                error_from_result(params, self.profile, self.flow, self.scopes, self.redirect_uri)
            )
        body = resp.text if "html" in resp.headers.get("Content-Type", "") or resp.status_code >= 400 else ""
        m = re.search(r"AADSTS(\d{5,8})", body)
        if m:
            raise self._fail(
                error_from_result(
                    _error_page_fields(body, resp.status_code),
                    self.profile,
                    self.flow,
                    self.scopes,
                    self.redirect_uri,
                )
            )

    def _fail(self, err: AuthError) -> AuthError:
        self.error, self.status = err, "failed"
        return err

    # -- finishing ---------------------------------------------------------------------------------------
    def finish(self, redirect_response: str | Mapping[str, str]) -> TokenResult:
        """Redeem the code in the redirect (the full URL from the address bar, or its query as a dict).

        Once it succeeded, calling it again returns the same result (a code is redeemed only once).
        After a failure (e.g. the URL of another attempt was pasted) it may be called again with the
        right URL."""
        if self.status == "succeeded" and self.result is not None:
            return self.result
        if self.status == "cancelled":
            raise FlowCancelled("This sign-in was cancelled; start a new one.")
        params = (
            _parse_redirect(redirect_response)
            if isinstance(redirect_response, str)
            else dict(redirect_response)
        )
        try:
            if "code" not in params and "error" not in params:
                raise AuthError.local(
                    "invalid_request",
                    "The pasted text holds no 'code' (or 'error'): paste the whole URL the "
                    "browser ended on after signing in.",
                    flow=self.flow,
                )
            if params.get("state") != self._flow.get("state"):
                raise AuthError.local(
                    "state_mismatch", "The redirect's state does not match this sign-in.", flow=self.flow
                )
            with msal_errors(self.profile, self.flow, self.scopes, self.redirect_uri):
                res = self._app.acquire_token_by_auth_code_flow(self._flow, params, scopes=self.scopes)
            if "access_token" not in res:
                raise error_from_result(res, self.profile, self.flow, self.scopes, self.redirect_uri)
        except AuthError as err:
            raise self._fail(err) from None
        finally:
            self.close()
        self.result = TokenResult.from_msal(
            res,
            flow=self.flow,
            requested=self.scopes,
            account=account_for(self._app, res),
            client_id=self.profile.client_id,
        )
        self.status = "succeeded"
        return self.result

    def wait(self, timeout: float | None = 300) -> TokenResult:
        """(listen=True) Wait for the browser's redirect to the loopback listener, then redeem it."""
        if self._server is None:
            raise RuntimeError("This flow does not listen; paste the redirect URL into finish().")
        server = self._server
        if not server.received.wait(timeout):
            self.close()
            if self._cancelled.is_set():
                self.status = "cancelled"
                raise FlowCancelled("The sign-in was cancelled.")
            raise self._fail(
                AuthError.local(
                    "timeout",
                    f"No redirect reached {self.redirect_uri} within {timeout} s.",
                    flow=self.flow,
                    hints=_refused_hints(server.refused),
                )
            )
        if self._cancelled.is_set() and server.params is None:
            self.status = "cancelled"
            raise FlowCancelled("The sign-in was cancelled.")
        return self.finish(server.params or {})

    def cancel(self) -> None:
        """Stop waiting (wakes :meth:`wait`) and close the listener."""
        self._cancelled.set()
        if self._server is not None:
            self._server.received.set()
        if self.status == "pending":
            self.status = "cancelled"
        self.close()

    def close(self) -> None:
        """Close the loopback listener (if any). Safe to call more than once."""
        with self._close_lock:
            server, self._open_server = self._open_server, None
        if server is not None:
            server.close()

    def __repr__(self) -> str:
        return f"AuthCodeFlow(flow={self.flow!r}, status={self.status!r}, redirect_uri={self.redirect_uri!r})"

    def _repr_html_(self) -> str:
        if self.error is not None:
            return self.error._repr_html_()
        if self.result is not None:
            return self.result._repr_html_()
        u = html.escape(self.url)
        return (
            f"<div>Open <a href='{u}' target='_blank'>the sign-in page</a>, then paste the final URL.</div>"
        )


def _refused_hints(refused: int) -> list[str]:
    """Say that requests did arrive when the listener refused them (an older attempt's redirect, say)."""
    if not refused:
        return []
    n = "1 request" if refused == 1 else f"{refused} requests"
    return [
        f"{n} reached the listener but {'was' if refused == 1 else 'were'} refused: not this sign-in's "
        "redirect (another attempt's state, another path or Host). Finish the sign-in in the page this "
        "attempt opened."
    ]


def _parse_redirect(text: str) -> dict[str, str]:
    text = text.strip()
    s = urlsplit(text)
    query = s.query or s.fragment or (text if "=" in text and "://" not in text else "")
    return dict(parse_qsl(query.lstrip("?#")))


def _error_page_fields(page: str, status: int) -> dict[str, Any]:
    """An Entra-style error page (HTML) as an error dict: code, text, trace and correlation IDs."""
    text = re.sub(r"<[^>]+>", " ", page)
    text = html.unescape(re.sub(r"\s+", " ", text))
    m = re.search(r"(AADSTS\d{5,8}:?[^\r\n]*?)(?=\s*(?:Trace ID|Correlation ID|Timestamp|$))", text)
    codes = [int(c) for c in dict.fromkeys(re.findall(r"AADSTS(\d{5,8})", text))]
    fields: dict[str, Any] = {
        "error": "invalid_request" if status in (200, 400) else f"http_{status}",
        "error_description": (m.group(1).strip() if m else text[:500]),
        "error_codes": codes[:1],
    }
    for key, label in (
        ("trace_id", "Trace ID"),
        ("correlation_id", "Correlation ID"),
        ("timestamp", "Timestamp"),
    ):
        mm = re.search(label + r":\s*([0-9A-Za-z:\- ]+?Z|[0-9a-fA-F-]{36})", text)
        if mm:
            fields[key] = mm.group(1).strip()
    return fields


def no_browser_error(flow: str, exc: BaseException | None = None) -> AuthError:
    """The explained error for "no browser could be opened on the kernel's machine"."""
    why = f" ({type(exc).__name__}: {exc})" if exc is not None else ""
    return AuthError.local(
        "no_browser",
        f"No web browser could be opened on the machine that runs this kernel{why}.",
        flow=flow,
        hints=[
            "On a remote kernel (JupyterHub, a server, WSL without a browser) use auth_code_start() and "
            "paste the redirect URL, or device_code()."
        ],
    )


def auth_code_start(
    profile: Profile,
    scopes: Sequence[str] | str = ("User.Read",),
    *,
    redirect_uri: str | None = None,
    login_hint: str | None = None,
    prompt: str | None = None,
    preflight: bool = True,
) -> AuthCodeFlow:
    """Paste variant: returns the flow; open ``flow.url``, then ``flow.finish(<final URL>)``."""
    return AuthCodeFlow(
        profile,
        scopes,
        redirect_uri=redirect_uri,
        login_hint=login_hint,
        prompt=prompt,
        listen=False,
        preflight=preflight,
    )


def auth_code_interactive(
    profile: Profile,
    scopes: Sequence[str] | str = ("User.Read",),
    *,
    timeout: float = 300,
    open_browser: Callable[[str], Any] | None = None,
    login_hint: str | None = None,
    prompt: str | None = None,
    preflight: bool = True,
) -> TokenResult:
    """Local-browser variant: listens on a loopback port, opens the sign-in page, waits (``timeout`` s).

    ``open_browser(url)`` defaults to :func:`webbrowser.open`; pass your own to drive the page
    (tests do, with plain HTTP requests against the sandbox's ``browser_url``).
    """
    flow = AuthCodeFlow(
        profile, scopes, login_hint=login_hint, prompt=prompt, listen=True, preflight=preflight
    )
    try:
        try:
            opened = (open_browser or webbrowser.open)(flow.url)
        except webbrowser.Error as exc:
            raise flow._fail(no_browser_error(flow.flow, exc)) from None
        if open_browser is None:
            if opened is False:
                raise flow._fail(no_browser_error(flow.flow))
            # Nothing waits silently: say what we wait for, and give the link in case no tab opened.
            print(
                f"Waiting up to {timeout:.0f} s for the sign-in in your browser. If no tab opened, "
                f"open: {flow.url}"
            )
        return flow.wait(timeout)
    finally:
        flow.close()
