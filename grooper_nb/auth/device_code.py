"""Device code flow without blocking the kernel (RFC 8628; Entra's form of it:
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code).

    >>> handle = device_code(profile, ["User.Read"])      # returns at once; polling runs in a thread
    >>> handle.user_code, handle.verification_uri          # show these to the person
    >>> handle.wait(timeout=300)                           # TokenResult, or raises AuthError
    >>> handle.cancel()                                    # stops MSAL's polling loop within a second

Device code is a *public-client* flow: it uses the profile's client ID without its secret, so the app
needs "Allow public client flows" (otherwise Entra answers AADSTS7000218, explained).

Cancel works by setting the flow's ``expires_at`` to 0, the switch MSAL's polling loop checks every
second (``acquire_token_by_device_flow`` docs); the background thread then ends.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from grooper_nb.auth._msal import build_app, error_from_result, msal_errors, user_scopes
from grooper_nb.auth.result import TokenResult
from grooper_nb.errors.aadsts import AuthError

if TYPE_CHECKING:
    from grooper_nb.profile import Profile

__all__ = ["DeviceCodeFlow", "FlowCancelled", "device_code"]

FLOW = "device_code"
logger = logging.getLogger(__name__)


class FlowCancelled(Exception):
    """The flow was cancelled before it finished (no token)."""


class DeviceCodeFlow:
    """A started device-code sign-in. States: ``pending`` → ``succeeded`` | ``failed`` | ``cancelled``.

    Read ``user_code``, ``verification_uri`` (a URL a person can open; for the sandbox its
    ``browser_url``), ``expires_at`` (aware UTC) and ``message``; then ``wait()``, or poll ``done`` /
    ``status`` / ``result`` / ``error``, or register ``add_done_callback(fn)`` (called from the polling
    thread with this handle).
    """

    def __init__(self, profile: Profile, scopes: Sequence[str] | str) -> None:
        self.profile = profile
        self.scopes = user_scopes(scopes)
        self.status = "new"
        self.result: TokenResult | None = None
        self.error: AuthError | None = None
        self.thread: threading.Thread | None = None
        self._flow: dict[str, Any] = {}
        self._expires = 0.0
        self._app = None
        self._done = threading.Event()
        self._cancelled = threading.Event()
        self._callbacks: list[Callable[[DeviceCodeFlow], None]] = []
        self._lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> DeviceCodeFlow:
        """Ask Entra for a code (raises AuthError at once if that fails) and start polling."""
        if self.status != "new":
            raise RuntimeError("This device-code flow was already started; start a new one.")
        app = build_app(self.profile, FLOW, public=True)
        with msal_errors(self.profile, FLOW, self.scopes):
            flow = app.initiate_device_flow(scopes=self.scopes)
        if "user_code" not in flow:
            self.status = "failed"
            self.error = error_from_result(flow, self.profile, FLOW, self.scopes)
            self._done.set()
            raise self.error
        self._app, self._flow = app, flow
        self._expires = float(flow.get("expires_at") or 0)
        self.status = "pending"
        self.thread = threading.Thread(target=self._poll, name=f"device-code {self.user_code}", daemon=True)
        self.thread.start()
        return self

    def _poll(self) -> None:
        try:
            with msal_errors(self.profile, FLOW, self.scopes):
                res = self._app.acquire_token_by_device_flow(self._flow)
            if "access_token" in res:
                from grooper_nb.auth._msal import account_for

                self.result = TokenResult.from_msal(
                    res,
                    flow=FLOW,
                    requested=self.scopes,
                    account=account_for(self._app, res),
                    client_id=self.profile.client_id,
                )
                self.status = "succeeded"
            elif self._cancelled.is_set():
                self.status = "cancelled"
            elif res.get("error") in ("authorization_pending", "slow_down"):
                self.error = AuthError.local(
                    "expired_token", "The device code expired before anyone signed in.", flow=FLOW
                )
                self.status = "failed"
            else:
                self.error = error_from_result(res, self.profile, FLOW, self.scopes)
                self.status = "failed"
        except AuthError as exc:
            self.error, self.status = exc, "failed"
        except Exception as exc:  # noqa: BLE001 - a polling thread must report, not die silently
            self.error = AuthError.local("client_error", f"{type(exc).__name__}: {exc}", flow=FLOW)
            self.status = "failed"
        finally:
            with self._lock:
                self._done.set()
                callbacks = list(self._callbacks)
            for fn in callbacks:
                try:
                    fn(self)
                except Exception:  # a UI callback must not kill the poller, nor fail unseen
                    logger.exception("A done-callback of the device-code flow (%r) raised", fn)

    def cancel(self) -> None:
        """Stop polling. The thread ends within about a second (MSAL checks once per second)."""
        self._cancelled.set()
        if self._flow:
            self._flow["expires_at"] = 0
        if self.status == "new":
            self.status = "cancelled"
            self._done.set()

    def wait(self, timeout: float | None = None) -> TokenResult:
        """Block until done; the TokenResult, or raise AuthError / FlowCancelled / TimeoutError."""
        if not self._done.wait(timeout):
            raise TimeoutError(
                f"Nobody completed the device login within {timeout} s (still polling; "
                "call cancel() to stop)."
            )
        if self.thread is not None:
            self.thread.join()
        if self.result is not None:
            return self.result
        if self.status == "cancelled":
            raise FlowCancelled("The device-code sign-in was cancelled.")
        assert self.error is not None
        raise self.error

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for the flow to end, without raising; True if it ended."""
        return self._done.wait(timeout)

    def add_done_callback(self, fn: Callable[[DeviceCodeFlow], None]) -> None:
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(fn)
                return
        fn(self)

    # -- facts ---------------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def user_code(self) -> str | None:
        return self._flow.get("user_code")

    @property
    def verification_uri(self) -> str | None:
        uri = self._flow.get("verification_uri")
        return self.profile.person_url(uri) if uri else None

    @property
    def message(self) -> str | None:
        msg = self._flow.get("message")
        uri = self._flow.get("verification_uri")
        if msg and uri and self.verification_uri != uri:
            msg = msg.replace(uri, self.verification_uri)
        return msg

    @property
    def interval(self) -> int | None:
        return self._flow.get("interval")

    @property
    def expires_at(self) -> dt.datetime | None:
        return dt.datetime.fromtimestamp(self._expires, tz=dt.timezone.utc) if self._expires else None

    def seconds_left(self) -> int:
        exp = self.expires_at
        if exp is None:
            return 0
        return max(0, int((exp - dt.datetime.now(dt.timezone.utc)).total_seconds()))

    def __repr__(self) -> str:
        return (
            f"DeviceCodeFlow(status={self.status!r}, user_code={self.user_code!r}, "
            f"verification_uri={self.verification_uri!r}, expires_at={self.expires_at})"
        )

    def _repr_html_(self) -> str:
        import html

        if self.status == "pending":
            uri = html.escape(self.verification_uri or "")
            return (
                f"<div>Open <a href='{uri}' target='_blank'>{uri}</a> and enter "
                f"<code>{html.escape(self.user_code or '')}</code> (expires in {self.seconds_left()} s)</div>"
            )
        if self.error is not None:
            return self.error._repr_html_()
        if self.result is not None:
            return self.result._repr_html_()
        return f"<div>device code: {html.escape(self.status)}</div>"


def device_code(
    profile: Profile, scopes: Sequence[str] | str = ("User.Read",), *, start: bool = True
) -> DeviceCodeFlow:
    """Start a device-code sign-in and return its handle at once (see :class:`DeviceCodeFlow`)."""
    handle = DeviceCodeFlow(profile, scopes)
    return handle.start() if start else handle
