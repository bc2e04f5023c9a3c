"""``LoginPanel``: run any sign-in flow of a profile from a notebook, without blocking the kernel.

::

    from grooper_nb import connect, LoginPanel
    panel = LoginPanel(connect())
    panel                 # pick a flow and scopes, click "Sign in"
    # ... in a later cell:
    panel.result          # the TokenResult (or None); panel.error holds an AuthError if it failed

What it shows, top to bottom:

* the profile (app, tenant, client ID, credential) with a **SANDBOX** badge for the embedded tenant;
* **Flow** — only the flows the profile's credential allows (no client credentials without a secret or
  certificate; no device code for an app known to have "Allow public client flows" off, and the panel
  says so under the picker);
* **Scopes preset** — one per request a Grooper connection type makes (:mod:`grooper_nb.connections`:
  Exchange/EWS delegated, SharePoint delegated, OneDrive/Graph, Graph mail, SharePoint REST, IMAP,
  server-to-server Graph/EWS/SharePoint/IMAP), limited to the ones the app holds when that is known, plus
  *Custom*; the **Scopes** box is free text either way;
* **Sign in** / **Cancel** and a status line;
* device code: the **Code** with a *Copy code* button, a link to the device-login page (the sandbox's
  ``browser_url`` page for the sandbox), and a countdown; MSAL polls in a background thread, so the
  kernel stays free and *Cancel* stops the polling;
* auth code: **Choose the account** (``prompt=select_account``: the sign-in page asks who signs in, instead
  of signing in whoever the browser is already signed in as) and **Sign in as** (``login_hint``);
* auth code on a remote kernel ("paste"): the sign-in link and a **Redirect URL** box + *Finish sign-in*
  (*Cancel* ends it);
* the outcome: the token (masked) or the error explained (meaning, likely cause, fix).

Nothing keeps polling behind your back: ``panel.close()`` (or closing its output) cancels the sign-in in
progress and ends its threads, and starting a sign-in cancels any earlier one still running for the same
tenant and app, also one started by an older panel (a re-run cell).

Everything a person or a browser test needs has a stable label and CSS class (``grooper-nb-*``).
Tests drive it headlessly: set ``panel.flow_picker.value`` / ``panel.scopes_text.value``, call
``panel.sign_in_button.click()``, then ``panel.wait()``.

Secrets: the token is never put into a widget or output (the result shows a mask); a ROPC password is
read from its box and the box is emptied at once; the panel's ``repr`` lists no widget values.
"""

from __future__ import annotations

import html
import threading
import weakref
import webbrowser
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from grooper_nb.auth import flows
from grooper_nb.auth.result import TokenResult
from grooper_nb.auth.scopes import PRESETS, RESERVED_SCOPES, preset_scopes
from grooper_nb.errors.aadsts import AuthError
from grooper_nb.profile import SANDBOX_BADGE, ProfileError
from grooper_nb.widgets._style import link_style

__all__ = ["FLOW_LABELS", "LoginPanel"]

# flow key -> label shown in the picker
FLOW_LABELS: dict[str, str] = {
    "device_code": "Device code",
    "auth_code": "Auth code (browser on this machine)",
    "auth_code_paste": "Auth code (paste the redirect URL)",
    "client_credentials": "Client credentials (app only)",
    "ropc": "Username + password (ROPC, legacy)",
    "silent": "From the token cache (silent / refresh)",
}
CUSTOM = "Custom"
_CANCELLABLE = ("device_code", "auth_code", "auth_code_paste")
_AUTH_CODE = ("auth_code", "auth_code_paste")
# In words a person picks from, not Python names (flows.ROPC_WARNING is for code that calls ropc()).
ROPC_PANEL_WARNING = (
    "Username + password (ROPC) is a legacy flow: the app sees the password, and it cannot do multi-factor "
    "authentication or Conditional Access, so MFA-required users fail with AADSTS50076. Microsoft "
    "recommends against it: pick an Auth code flow or Device code above instead."
)
NO_DEVICE_CODE = (
    "Device code is not offered: public client flows are off for this app (“Allow public client flows” is "
    "No on its registration's Authentication page). For device code, use a public client app (in the "
    'sandbox: LoginPanel(connect("Grooper NB Bootstrap"))) or turn that setting on.'
)
# Panels with a sign-in running (a newer run for the same app cancels theirs: a re-run cell).
_RUNNING: weakref.WeakSet[LoginPanel] = weakref.WeakSet()
# Copy the code where a clipboard API exists and allows it (https or localhost); otherwise select the
# code in its box and say so, so the person copies it with the keyboard.
_COPY_JS = (
    "var b=this,code=b.dataset.code;"
    "var box=b.closest('.grooper-nb-login-panel');"
    "box=box&&box.querySelector('.grooper-nb-device-code input');"
    "var manual=function(){if(box){box.focus();box.select();}"
    "b.textContent='Select the code and copy it (Ctrl+C)';};"
    "if(navigator.clipboard&&window.isSecureContext){"
    "navigator.clipboard.writeText(code).then(function(){b.textContent='Copied';},manual);"
    "}else{manual();}"
)


def _client_error(exc: Exception, flow: str) -> AuthError:
    return AuthError.local("client_error", f"{type(exc).__name__}: {exc}", flow=flow)


def allowed_flows(profile: Any) -> list[str]:
    """The flows this profile's credential (and, when known, its app registration) allows."""
    out = []
    if profile.credential is None or profile.public_client is not False:
        out.append("device_code")
    out += ["auth_code", "auth_code_paste"]
    if profile.credential is not None:
        out.append("client_credentials")
    out += ["ropc", "silent"]
    return out


def _app_permissions(profile: Any) -> tuple[set[str], set[str]] | None:
    info = getattr(profile, "sandbox_info", None)
    if not info:
        return None
    for app in info.get("apps", []):
        if app.get("client_id") == profile.client_id:
            return set(app.get("delegated_permissions") or ()), set(app.get("application_permissions") or ())
    return None


def presets_for(profile: Any, flow: str) -> list[str]:
    """Scope presets that fit the flow (app-only or delegated) and, when known, the app's permissions."""
    app_only = flow == "client_credentials"
    names = [n for n, p in PRESETS.items() if p.app_only == app_only]
    perms = _app_permissions(profile)
    if perms is None:
        return names
    delegated, application = perms
    fitting = []
    for name in names:
        scopes = [s for s in preset_scopes(name, profile) if s not in RESERVED_SCOPES]
        if app_only:
            ok = all(any(p.startswith(s[: -len(".default")]) for p in application) for s in scopes)
        else:
            ok = all(s in delegated for s in scopes)
        if ok:
            fitting.append(name)
    return fitting


def _paste_problem(text: str, redirect_uri: str) -> str | None:
    """What is wrong with a pasted redirect URL before it is redeemed, or None when it holds a code (or
    Entra's error) to hand on."""
    params = _query(text)
    if not text.strip():
        return "Nothing was pasted: paste the whole address the browser ended on, then click Finish sign-in."
    if "code" in params or "error" in params:
        return None
    return (
        "The pasted text holds no code: paste the whole address the browser ended on after you signed in "
        f"(it starts with {redirect_uri}), not the sign-in page's address."
    )


def _query(text: str) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    text = text.strip()
    parts = urlsplit(text)
    query = parts.query or parts.fragment or (text if "=" in text and "://" not in text else "")
    return dict(parse_qsl(query.lstrip("?#")))


class LoginPanel(w.VBox):
    """Sign in with a profile from a notebook; see the module docstring. ``.result`` holds the token."""

    def __init__(
        self,
        profile: Any,
        *,
        flow: str | None = None,
        scopes: str | None = None,
        open_browser: Callable[[str], Any] | None = None,
        browser_timeout: float = 300,
    ) -> None:
        self.profile = profile
        self.result: TokenResult | None = None
        self.error: AuthError | None = None
        self.handle: Any = None  # the DeviceCodeFlow / AuthCodeFlow in progress
        self.open_browser = open_browser or webbrowser.open
        self.browser_timeout = browser_timeout
        self._init_state()
        self._build_pickers(flow)
        self._build_ropc()
        self._build_actions()
        self._build_device_code()
        self._build_auth_code()
        self._build_account()
        self.result_html = w.HTML()
        self._add_classes()
        self._wire()
        super().__init__([
            link_style("grooper-nb-login-panel"),
            self.profile_html,
            self.flow_picker,
            self.flow_note,
            self.scope_preset,
            self.scopes_text,
            self.account_box,
            self.ropc_box,
            w.HBox([self.sign_in_button, self.cancel_button]),
            self.status,
            self.device_box,
            self.auth_box,
            self.result_html,
        ])  # fmt: skip
        self._on_flow({"new": self.flow_picker.value})
        if scopes is not None:
            self.scopes_text.value = scopes
        self._show(device=False, auth=False)

    # ---------------------------------------------------------------- building
    def _init_state(self) -> None:
        self._done = threading.Event()
        self._done.set()
        self._worker: threading.Thread | None = None
        self._run = 0  # generation counter: late results of a cancelled run are ignored
        self._quiet = False
        self._finish_lock = threading.Lock()
        self._threads: list[threading.Thread] = []  # every thread this panel started, for close()
        self._code = ""  # the device code the Code box shows (the box is selectable, not editable)

    def _build_pickers(self, flow: str | None) -> None:
        """The profile card, the flow picker (only the flows the profile allows) and the scope boxes."""
        flows_ok = allowed_flows(self.profile)
        self.profile_html = w.HTML(self._profile_html())
        self.flow_picker = w.Dropdown(
            options=[(FLOW_LABELS[f], f) for f in flows_ok],
            value=flow if flow in flows_ok else flows_ok[0],
            description="Flow",
            style={"description_width": "initial"},
            layout=w.Layout(width="420px"),
        )
        self.flow_note = w.HTML(self._flow_note_html(flows_ok))
        self.scope_preset = w.Dropdown(
            description="Scopes preset",
            style={"description_width": "initial"},
            layout=w.Layout(width="420px"),
        )
        self.scopes_text = w.Text(
            description="Scopes",
            placeholder="space-separated, e.g. User.Read",
            style={"description_width": "initial"},
            layout=w.Layout(width="95%"),
        )

    def _build_ropc(self) -> None:
        """Username and password boxes, with the warning that ROPC is legacy (shown for ROPC only)."""
        self.username_text = w.Text(
            description="Username",
            placeholder="user@contoso.onmicrosoft.com",
            style={"description_width": "initial"},
            layout=w.Layout(width="420px"),
        )
        self.password_text = w.Password(
            description="Password", style={"description_width": "initial"}, layout=w.Layout(width="300px")
        )
        self.ropc_warning = w.HTML(
            '<div class="grooper-nb-ropc-warning" style="color:#8a4b00">'
            f"⚠ {html.escape(ROPC_PANEL_WARNING)}</div>"
        )
        self.ropc_box = w.VBox([self.ropc_warning, w.HBox([self.username_text, self.password_text])])

    def _build_account(self) -> None:
        """Auth code only: who signs in. Without these the browser signs in whoever it already knows."""
        self.select_account = w.Checkbox(
            value=False,
            description="Choose the account (prompt=select_account)",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.login_hint_text = w.Text(
            description="Sign in as",
            placeholder="optional: user@contoso.onmicrosoft.com (login_hint)",
            style={"description_width": "initial"},
            layout=w.Layout(width="420px"),
        )
        self.account_box = w.HBox([self.select_account, self.login_hint_text])

    @property
    def prompt(self) -> str | None:
        return "select_account" if self.select_account.value else None

    @property
    def login_hint(self) -> str | None:
        return self.login_hint_text.value.strip() or None

    def _build_actions(self) -> None:
        self.sign_in_button = w.Button(
            description="Sign in", button_style="primary", icon="sign-in", tooltip="Run the selected flow"
        )
        self.cancel_button = w.Button(
            description="Cancel", icon="times", disabled=True, tooltip="Stop the sign-in in progress"
        )
        self.status = w.HTML(self._status_html("Ready.", "idle"))

    def _build_device_code(self) -> None:
        # Not disabled: a disabled box cannot be selected, and without a clipboard API (plain-http
        # JupyterHub) selecting the code is how a person copies it. Edits are undone at once.
        self.code_text = w.Text(
            description="Code",
            style={"description_width": "initial"},
            layout=w.Layout(width="260px"),
        )
        self.copy_button = w.HTML()
        self.device_link = w.HTML()
        self.countdown = w.Label()
        self.device_box = w.VBox(
            [w.HBox([self.code_text, self.copy_button]), self.device_link, self.countdown]
        )

    def _build_auth_code(self) -> None:
        """The sign-in link and, for a remote kernel, the box to paste the redirect URL into."""
        self.auth_link = w.HTML()
        self.paste_text = w.Text(
            description="Redirect URL",
            placeholder="paste the address the browser ended on",
            style={"description_width": "initial"},
            layout=w.Layout(width="95%"),
        )
        self.finish_button = w.Button(description="Finish sign-in", icon="check")
        self.paste_box = w.VBox([w.HBox([self.paste_text]), self.finish_button])
        self.auth_box = w.VBox([self.auth_link, self.paste_box])

    def _add_classes(self) -> None:
        """Stable CSS classes, for people and for browser tests."""
        for widget, cls in (
            (self, "grooper-nb-login-panel"), (self.flow_picker, "grooper-nb-flow"),
            (self.scope_preset, "grooper-nb-scope-preset"), (self.scopes_text, "grooper-nb-scopes"),
            (self.sign_in_button, "grooper-nb-sign-in"), (self.cancel_button, "grooper-nb-cancel"),
            (self.status, "grooper-nb-status"), (self.code_text, "grooper-nb-device-code"),
            (self.copy_button, "grooper-nb-copy"), (self.device_link, "grooper-nb-device-link"),
            (self.countdown, "grooper-nb-countdown"), (self.auth_link, "grooper-nb-auth-link"),
            (self.paste_text, "grooper-nb-paste"), (self.finish_button, "grooper-nb-finish"),
            (self.username_text, "grooper-nb-username"), (self.password_text, "grooper-nb-password"),
            (self.result_html, "grooper-nb-result"), (self.flow_note, "grooper-nb-flow-note"),
            (self.select_account, "grooper-nb-select-account"),
            (self.login_hint_text, "grooper-nb-login-hint"),
        ):  # fmt: skip
            widget.add_class(cls)

    def _wire(self) -> None:
        self.code_text.observe(self._keep_code, names="value")
        self.flow_picker.observe(self._on_flow, names="value")
        self.scope_preset.observe(self._on_preset, names="value")
        self.sign_in_button.on_click(lambda _b: self.sign_in())
        self.cancel_button.on_click(lambda _b: self.cancel())
        self.finish_button.on_click(lambda _b: self.finish(self.paste_text.value))

    # ---------------------------------------------------------------- picker logic
    @property
    def flow(self) -> str:
        return self.flow_picker.value

    @property
    def scopes(self) -> list[str]:
        return self.scopes_text.value.split()

    def _on_flow(self, change: dict) -> None:
        flow = change["new"]
        options = [*presets_for(self.profile, flow), CUSTOM]
        if list(self.scope_preset.options) != options:
            keep = self.scope_preset.value if self.scope_preset.value in options else options[0]
            self._quiet = True  # reassigning options fires value changes we do not want to act on
            try:
                self.scope_preset.options = options
                self.scope_preset.value = keep
            finally:
                self._quiet = False
            self._on_preset({"new": keep})
        self.ropc_box.layout.display = None if flow == "ropc" else "none"
        self.account_box.layout.display = None if flow in _AUTH_CODE else "none"

    def _on_preset(self, change: dict) -> None:
        if self._quiet:
            return
        name = change["new"]
        if name == CUSTOM:
            if not self.scopes_text.value or self.scopes_text.value in self._preset_values():
                app_only = self.flow == "client_credentials"
                self.scopes_text.value = (
                    f"{self.profile.cloud.graph_url}/.default" if app_only else "User.Read"
                )
            return
        if name:
            try:
                self.scopes_text.value = " ".join(preset_scopes(name, self.profile))
            except ProfileError as err:  # e.g. the tenant's SharePoint host is not known
                self.scopes_text.value = ""
                self._set_status(str(err), "error")

    def _preset_values(self) -> set[str]:
        values = set()
        for name in PRESETS:
            try:
                values.add(" ".join(preset_scopes(name, self.profile)))
            except ProfileError:
                continue
        return values

    # ---------------------------------------------------------------- actions
    def sign_in(self) -> None:
        """Run the selected flow with the scopes in the box (what the *Sign in* button does)."""
        if not self._done.is_set():
            self.cancel()
        for other in list(_RUNNING):
            if other is not self and other._same_app(self.profile):
                other.cancel()
        _RUNNING.add(self)
        self._run += 1
        run = self._run
        self._done.clear()
        self.result = self.error = self.handle = None
        self.result_html.value = ""
        self._show(device=False, auth=False)
        self.sign_in_button.disabled = True
        self.cancel_button.disabled = self.flow not in _CANCELLABLE
        flow, scopes = self.flow, self.scopes
        self._set_status(f"{FLOW_LABELS[flow]}: starting…", "busy")
        try:
            if flow == "device_code":
                self._start_device_code(run, scopes)
            elif flow == "auth_code":
                self._start_auth_code(run, scopes)
            elif flow == "auth_code_paste":
                self._start_paste(scopes)
            elif flow == "client_credentials":
                self._in_background(
                    run, lambda: flows.client_credentials(self.profile, scopes, use_cache=False)
                )
            elif flow == "ropc":
                username, password = self.username_text.value.strip(), self.password_text.value
                self.password_text.value = ""  # never keep a password in widget state
                self._in_background(
                    run, lambda: flows.ropc(self.profile, username, password, scopes, warn=False)
                )
            elif flow == "silent":
                self._in_background(run, lambda: flows.silent(self.profile, scopes))
        except AuthError as err:
            self._finish(run, error=err)

    def cancel(self) -> None:
        """Stop the flow in progress (device code polling, the loopback wait, or the paste step)."""
        handle = self.handle
        if handle is not None and hasattr(handle, "cancel"):
            handle.cancel()
        if not self._done.is_set():
            self._finish(self._run, cancelled=True)

    def close(self) -> None:
        """Cancel the sign-in in progress (its polling and countdown threads end), then close the
        widget. Jupyter calls this when the output is cleared or the cell re-run replaces it."""
        self.cancel()
        _RUNNING.discard(self)
        super().close()

    @property
    def threads(self) -> list[threading.Thread]:
        """The threads of this panel's sign-ins that are still running (polling, countdown, worker)."""
        handle_thread = getattr(self.handle, "thread", None)
        found = [*self._threads, *([handle_thread] if handle_thread is not None else [])]
        server = getattr(self.handle, "_server", None)
        if server is not None:
            found.append(server.thread)
        return [t for t in found if t.is_alive()]

    def _same_app(self, profile: Any) -> bool:
        mine = self.profile
        return (mine.tenant, mine.client_id, mine.cloud.name) == (
            profile.tenant,
            profile.client_id,
            profile.cloud.name,
        )

    def finish(self, redirect_url: str) -> None:
        """Paste variant: redeem the pasted redirect URL (what *Finish sign-in* does)."""
        if not isinstance(self.handle, flows.AuthCodeFlow) or self._done.is_set():
            self._set_status("Start an auth-code sign-in first.", "error")
            return
        run = self._run
        self.paste_text.value = ""
        problem = _paste_problem(redirect_url, self.handle.redirect_uri)
        if problem:  # the flow stays open: paste again
            self._set_status(problem, "error")
            return
        try:
            self._finish(run, result=self.handle.finish(redirect_url))
        except AuthError as err:
            self._finish(run, error=err)

    def wait(self, timeout: float | None = None) -> TokenResult | None:
        """Block until the current sign-in ends (or ``timeout``); then ``.result`` (None on error/cancel)."""
        self._done.wait(timeout)
        if self._worker is not None:
            self._worker.join(timeout)
        return self.result

    @property
    def busy(self) -> bool:
        return not self._done.is_set()

    # ---------------------------------------------------------------- flows
    def _start_device_code(self, run: int, scopes: list[str]) -> None:
        handle = flows.device_code(self.profile, scopes)
        self.handle = handle
        code, uri = handle.user_code or "", handle.verification_uri or ""
        self._set_code(code)
        self.copy_button.value = (
            f'<button class="grooper-nb-copy-code" title="Copy the code" data-code="{html.escape(code)}" '
            f'onclick="{html.escape(_COPY_JS)}">Copy code</button>'
        )
        self.device_link.value = (
            f'<a class="grooper-nb-device-url" href="{html.escape(uri)}" target="_blank" rel="noopener">'
            f"Open the device login page</a> <code>{html.escape(uri)}</code> and enter the code."
        )
        self._show(device=True, auth=False)
        self._set_status("Waiting for someone to sign in on the device login page…", "busy")

        def tick() -> None:
            while not handle.join(1):
                left = handle.seconds_left()
                self.countdown.value = f"Code expires in {left // 60}:{left % 60:02d}"
            self.countdown.value = ""

        self._start_thread(tick, "login-panel countdown")
        handle.add_done_callback(lambda h: self._device_done(run, h))

    def _device_done(self, run: int, handle: flows.DeviceCodeFlow) -> None:
        if handle.status == "cancelled":
            self._finish(run, cancelled=True)
        else:
            self._finish(run, result=handle.result, error=handle.error)

    def _start_auth_code(self, run: int, scopes: list[str]) -> None:
        flow = flows.AuthCodeFlow(
            self.profile, scopes, listen=True, prompt=self.prompt, login_hint=self.login_hint
        )
        self.handle = flow
        self.auth_link.value = self._link_html(
            flow.url,
            "Open the sign-in page",
            "if no browser tab opened (the browser must run on this machine).",
        )
        self._show(device=False, auth=True, paste=False)
        self._set_status("Waiting for the browser sign-in…", "busy")

        def work() -> None:
            try:
                try:
                    opened = self.open_browser(flow.url)
                except webbrowser.Error as exc:
                    raise flows.no_browser_error(flow.flow, exc) from None
                if opened is False:
                    self._set_status(
                        "No browser could be opened where the kernel runs: open the sign-in link below if "
                        "your browser runs on this machine, otherwise use 'Auth code (paste the redirect "
                        "URL)' or device code.",
                        "busy",
                    )
                self._finish(run, result=flow.wait(self.browser_timeout))
            except flows.FlowCancelled:
                self._finish(run, cancelled=True)
            except AuthError as err:
                self._finish(run, error=err)
            except Exception as exc:  # noqa: BLE001 - show it in the panel rather than lose it in a thread
                self._finish(run, error=_client_error(exc, self.flow))
            finally:
                flow.close()  # the loopback listener never outlives the attempt

        self._worker = self._start_thread(work, "login-panel auth code")

    def _start_paste(self, scopes: list[str]) -> None:
        flow = flows.auth_code_start(self.profile, scopes, prompt=self.prompt, login_hint=self.login_hint)
        self.handle = flow
        self.auth_link.value = self._link_html(
            flow.url, "Open the sign-in page",
            "in any browser, sign in, then paste the address the browser ends on (it starts with "
            f"<code>{html.escape(flow.redirect_uri)}</code>, even if the page does not load) below.",
        )  # fmt: skip
        self._show(device=False, auth=True, paste=True)
        self._set_status(
            "Sign in in the browser, then paste the redirect URL and click Finish sign-in.", "busy"
        )

    def _in_background(self, run: int, call: Callable[[], TokenResult]) -> None:
        def work() -> None:
            try:
                self._finish(run, result=call())
            except AuthError as err:
                self._finish(run, error=err)
            except Exception as exc:  # noqa: BLE001 - show it in the panel rather than lose it in a thread
                self._finish(run, error=_client_error(exc, self.flow))

        self._worker = self._start_thread(work, "login-panel flow")

    def _start_thread(self, target: Callable[[], None], name: str) -> threading.Thread:
        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()
        return thread

    # ---------------------------------------------------------------- outcome
    def _finish(
        self,
        run: int,
        *,
        result: TokenResult | None = None,
        error: AuthError | None = None,
        cancelled: bool = False,
    ) -> None:
        with self._finish_lock:
            if run != self._run or self._done.is_set():
                return  # a late answer from a cancelled or replaced run
            self.result, self.error = result, error
            self._render_outcome(result, error)
            self._done.set()

    def _render_outcome(self, result: TokenResult | None, error: AuthError | None) -> None:
        if result is not None:
            who = f" as {result.username}" if result.username else ""
            switch = (
                " Someone else? Tick “Choose the account” (or type their name in “Sign in as”) and sign in "
                "again."
                if result.flow in _AUTH_CODE
                else ""
            )
            self._set_status(
                f"Signed in{who}: token for {result.audience or ' '.join(result.scopes)}.{switch}", "ok"
            )
            self.result_html.value = result._repr_html_()
        elif error is not None:
            self._set_status(f"Failed: {error.headline}", "error")
            self.result_html.value = error._repr_html_()
        else:
            self._set_status("Cancelled.", "idle")
        self._show(device=False, auth=False)
        self.sign_in_button.disabled = False
        self.cancel_button.disabled = True

    # ---------------------------------------------------------------- rendering
    def _show(self, *, device: bool, auth: bool, paste: bool = False) -> None:
        self.device_box.layout.display = None if device else "none"
        self.auth_box.layout.display = None if auth else "none"
        self.paste_box.layout.display = None if paste else "none"
        if not device:
            self._set_code("")
            self.copy_button.value = self.device_link.value = ""
        if not auth:
            self.auth_link.value = ""

    def _set_code(self, code: str) -> None:
        self._code = code
        self.code_text.value = code

    def _keep_code(self, change: dict) -> None:
        if change["new"] != self._code:
            self.code_text.value = self._code

    @staticmethod
    def _link_html(url: str, text: str, after: str) -> str:
        return (
            f'<a class="grooper-nb-auth-url" href="{html.escape(url)}" target="_blank" rel="noopener">'
            f"{html.escape(text)}</a> {after}"
        )

    @staticmethod
    def _status_html(text: str, state: str) -> str:
        color = {"ok": "#2e7d32", "error": "#c62828", "busy": "#1565c0"}.get(state, "#555")
        return (
            f'<span class="grooper-nb-status-text" data-state="{state}" style="color:{color}">'
            f"{html.escape(text)}</span>"
        )

    def _set_status(self, text: str, state: str) -> None:
        self.status.value = self._status_html(text, state)

    @property
    def status_text(self) -> str:
        """The status line as plain text."""
        import re

        return html.unescape(re.sub(r"<[^>]+>", "", self.status.value))

    def _flow_note_html(self, flows_ok: list[str]) -> str:
        """Why a flow a person may look for is not in the picker (only device code has such a reason)."""
        if "device_code" in flows_ok:
            return ""
        note = html.escape(NO_DEVICE_CODE)
        return f'<div class="grooper-nb-no-device-code" style="color:#555"><b>Note:</b> {note}</div>'

    def _profile_html(self) -> str:
        p = self.profile
        badge = SANDBOX_BADGE if p.is_sandbox else ""
        s = p.summary()
        facts = " · ".join(
            f"{html.escape(k)}: <code>{html.escape(str(s[k]))}</code>"
            for k in ("app", "tenant", "client_id", "credential", "cloud") if s.get(k)
        )  # fmt: skip
        return f'<div class="grooper-nb-profile">{badge}{facts}</div>'

    def __repr__(self) -> str:
        outcome = (
            "signed in" if self.result else ("error" if self.error else ("busy" if self.busy else "idle"))
        )
        return f"LoginPanel({self.profile!r}, flow={self.flow!r}, {outcome})"
