"""Play the person at the browser on the **sandbox's** pages — for runbooks and CI only.

Some flows need a person: auth code (sign in on a web page, land on the redirect URI), device code (open
the device-login page, type the code, sign in), admin consent (an administrator accepts). In a notebook
run headless against the embedded sandbox there is no person, so this module stands in: it drives the
pages the sandbox serves at its plain loopback ``browser_url`` with ordinary HTTP requests, filling the
same form fields a person would (code ``otc``, ``login``/``passwd``, *Approve* for MFA, *Accept* for
consent)::

    from grooper_nb.auth.person import sandbox_person
    person = sandbox_person(profile)                       # a seeded user; or (profile, "admin")
    final_url = person.sign_in(flow.url)                   # auth code: the URL the browser ends on
    token = flow.finish(final_url)
    person.enter_device_code(handle)                       # device code: approve the handle's code
    auth_code_interactive(profile, scopes, open_browser=person.open)   # loopback variant

It is **never used against a real tenant**: it refuses a profile that is not a sandbox profile, it only
opens pages on that sandbox's ``browser_url`` (and, when asked, the app's own loopback redirect), and the
user's password comes from the sandbox's seed data, never from a notebook. It talks plain HTTP to
loopback and imports nothing from the sandbox's server code (the client reaches the sandbox only over
the wire, design.md "Which way imports point").
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import requests

from grooper_nb._redact import Secret

if TYPE_CHECKING:
    from grooper_nb.auth.device_code import DeviceCodeFlow
    from grooper_nb.profile import Profile

__all__ = ["SandboxPerson", "SandboxPersonError", "redirect_params", "sandbox_person"]

_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
_FORMS = ("signin-form", "devicelogin-form", "mfa-form", "consent-form", "hiddenform")
_MAX_PAGES = 20
_TIMEOUT = (5.0, 30.0)


class SandboxPersonError(RuntimeError):
    """The simulated person could not go on: a refused profile or URL, or a page that showed an error
    (its text is quoted; it never contains the password)."""


class _Forms(HTMLParser):
    """The forms of a page: id, action, method, input values and submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = {"id": a.get("id"), "action": a.get("action", ""), "fields": {}, "buttons": []}
            self.forms.append(self._current)
        elif self._current is not None and tag == "input" and a.get("name"):
            if a.get("type") != "checkbox":  # unchecked boxes are not sent, as in a browser
                self._current["fields"][a["name"]] = a.get("value", "")
        elif self._current is not None and tag == "button" and a.get("name"):
            self._current["buttons"].append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _page_error(text: str) -> str | None:
    """What a sandbox page says went wrong (sign-in error line, AADSTS error page, message page)."""
    for pattern in (
        r'id="signin-error"[^>]*>(.*?)</p>',
        r'id="devicelogin-error"[^>]*>(.*?)</p>',
        r'id="error-message"[^>]*>(.*?)</p>',
    ):
        m = re.search(pattern, text, re.S)
        if m:
            return html.unescape(re.sub(r"<[^>]+>|\s+", " ", m.group(1))).strip()
    return None


@dataclass
class SandboxPerson:
    """A seeded sandbox user at a browser. Build it with :func:`sandbox_person`.

    ``approve_mfa`` answers the MFA prompt (the sandbox's stand-in for the Authenticator app);
    ``consent`` answers a consent page with *Accept* (True) or *Cancel* (False). ``pages`` lists the
    page ids seen, in order (``signin-form``, ``mfa-form``, ``consent-form``, ...).
    """

    profile: Profile = field(repr=False)
    upn: str
    password: Secret = field(repr=False)
    approve_mfa: bool = True
    consent: bool = True
    pages: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        _require_sandbox(self.profile)
        self._base = urlsplit(self.profile.browser_url).netloc
        self.http = requests.Session()
        self.http.trust_env = False  # a browser on loopback: no proxy, plain http, its own cookies
        self._otc = ""

    # -- what a person does ---------------------------------------------------------------------------
    def sign_in(self, url: str, *, follow_redirect: bool = False) -> str:
        """Open a sign-in URL (auth code or admin consent), sign in, approve, consent.

        Returns the URL the browser ends on: the app's redirect URI with ``code`` (or ``error``, or
        ``admin_consent``) in it, which is what a person pastes back. With ``follow_redirect=True`` the
        browser also delivers the response to that redirect URI when it is a loopback address (the
        listener of :func:`~grooper_nb.auth.flows.auth_code_interactive`).
        """
        self._check_url(url)
        self._otc = ""
        resp = self.http.get(url, allow_redirects=False, timeout=_TIMEOUT)
        return self._walk(resp, url, follow_redirect=follow_redirect)[1]

    def open(self, url: str) -> bool:
        """Use as ``open_browser=`` of ``auth_code_interactive``/``LoginPanel``: sign in and deliver the
        redirect to the kernel's loopback listener."""
        self.sign_in(url, follow_redirect=True)
        return True

    def enter_device_code(self, handle: DeviceCodeFlow | str, user_code: str | None = None) -> str:
        """Open the device-login page, type the code, sign in (and approve/consent). Returns the text
        the last page shows ("You have signed in to ... on your device")."""
        if isinstance(handle, str):
            uri, code = handle, user_code
        else:
            uri, code = handle.verification_uri, user_code or handle.user_code
        if not uri or not code:
            raise SandboxPersonError("No device-login page or code to enter (was the flow started?).")
        self._check_url(uri)
        self._otc = code
        resp = self.http.get(uri, allow_redirects=False, timeout=_TIMEOUT)
        resp, _ = self._walk(resp, uri, follow_redirect=False)
        m = re.search(r'id="device-done"[^>]*>(.*?)</p>', resp.text, re.S)
        if not m:
            raise SandboxPersonError(
                "The device login did not finish: " + (_page_error(resp.text) or f"HTTP {resp.status_code}")
            )
        return html.unescape(m.group(1)).strip()

    def sign_out(self) -> None:
        """Forget the browser session (cookies), so the next sign-in shows the form again."""
        self.http.cookies.clear()

    # -- the walk through the pages -------------------------------------------------------------------
    def _walk(
        self, resp: requests.Response, url: str, *, follow_redirect: bool
    ) -> tuple[requests.Response, str]:
        for _ in range(_MAX_PAGES):
            if resp.is_redirect:
                url = urljoin(url, resp.headers["Location"])
                if not self._on_sandbox(url):
                    if not (follow_redirect and _is_loopback(url)):
                        return resp, url
                resp = self.http.get(url, allow_redirects=False, timeout=_TIMEOUT)
                continue
            parser = _Forms()
            parser.feed(resp.text)
            forms = [f for f in parser.forms if f["id"] in _FORMS]
            if not forms:
                if resp.status_code >= 400 and self._on_sandbox(url):
                    raise SandboxPersonError(
                        f"The sandbox page answered HTTP {resp.status_code}: "
                        + (_page_error(resp.text) or "no details")
                    )
                return resp, url
            form = forms[0]
            fid = form["id"]
            error = _page_error(resp.text)
            if fid in self.pages and fid in ("signin-form", "devicelogin-form") and error:
                raise SandboxPersonError(f"{fid}: {error}")
            target = urljoin(url, form["action"])
            if fid == "hiddenform":  # response_mode=form_post: the page posts itself to the redirect URI
                self.pages.append(fid)
                if not self._on_sandbox(target) and not (follow_redirect and _is_loopback(target)):
                    # Not a listener we may reach: report where the browser would post, and what.
                    return resp, f"{target}?{urlencode(form['fields'])}"
                self._check_target(target, follow_redirect)
                resp = self.http.post(target, data=form["fields"], allow_redirects=False, timeout=_TIMEOUT)
                url = target
                continue
            self._check_target(target, follow_redirect=False)
            resp = self.http.post(target, data=self._fill(form), allow_redirects=False, timeout=_TIMEOUT)
        raise SandboxPersonError(f"More than {_MAX_PAGES} pages without reaching the end of the sign-in.")

    def _fill(self, form: dict[str, Any]) -> dict[str, str]:
        fid = form["id"]
        self.pages.append(fid)
        data = dict(form["fields"])
        choice = {
            "signin-form": "signin",
            "devicelogin-form": "next",
            "mfa-form": "approve" if self.approve_mfa else "deny",
            "consent-form": "accept" if self.consent else "cancel",
        }[fid]
        if fid == "signin-form":
            data["login"] = self.upn
            data["passwd"] = self.password.reveal()  # posted to the sandbox's loopback page only
        elif fid == "devicelogin-form":
            data["otc"] = self._otc
        for name, value in form["buttons"]:
            if value == choice:
                data[name] = value
                break
        else:
            raise SandboxPersonError(f"{fid}: no {choice!r} button on the page.")
        return data

    # -- where this browser may go ------------------------------------------------------------------
    def _on_sandbox(self, url: str) -> bool:
        s = urlsplit(url)
        return s.scheme == "http" and s.netloc == self._base

    def _check_url(self, url: str) -> None:
        if not self._on_sandbox(url):
            raise SandboxPersonError(
                f"Refusing to open {urlsplit(url).scheme}://{urlsplit(url).netloc}/…: the sandbox person "
                f"only uses the sandbox's pages at {self.profile.browser_url}. (A URL on "
                "login.microsoftonline.com is for MSAL; show people profile.person_url(url).)"
            )

    def _check_target(self, url: str, follow_redirect: bool) -> None:
        if self._on_sandbox(url) or (follow_redirect and _is_loopback(url)):
            return
        raise SandboxPersonError(f"Refusing to post a form to {urlsplit(url).netloc}.")

    def __repr__(self) -> str:
        return f"SandboxPerson(upn={self.upn!r}, browser_url={self.profile.browser_url!r})"


def _is_loopback(url: str) -> bool:
    s = urlsplit(url)
    return s.scheme == "http" and (s.hostname or "") in _LOOPBACK_HOSTS


def _require_sandbox(profile: Profile) -> None:
    if not getattr(profile, "is_sandbox", False) or not getattr(profile, "browser_url", None):
        raise SandboxPersonError(
            "The sandbox person only signs in to the embedded sandbox tenant. With a real tenant a real "
            "person opens the link and signs in (the notebook waits, or asks for the redirect URL)."
        )


def sandbox_person(profile: Profile, user: str | None = None, **criteria: Any) -> SandboxPerson:
    """A seeded user of ``profile``'s sandbox, ready to sign in on its pages.

    ``user`` is a UPN or its local part (``"admin"``, ``"adele.vance"``); without it, ``criteria`` pick
    one (``mfa_required=True``); with neither, an ordinary user: enabled, no MFA, a mailbox, no admin
    role. Options ``approve_mfa`` and ``consent`` are passed on to :class:`SandboxPerson`.
    """
    _require_sandbox(profile)
    options = {k: criteria.pop(k) for k in ("approve_mfa", "consent") if k in criteria}
    if user is None and not criteria:
        plain = [
            u
            for u in profile.sandbox_info.users
            if u.enabled and not u.mfa_required and u.has_mailbox and not u.directory_roles
        ]
        seeded = plain[0] if plain else profile.sandbox_user()
    else:
        seeded = profile.sandbox_user(user, **criteria)
    if seeded.password is None:
        raise SandboxPersonError(f"The seeded user {seeded.upn} has no password to sign in with.")
    return SandboxPerson(profile, seeded.upn, Secret(seeded.password, label="password"), **options)


def redirect_params(url: str) -> dict[str, str]:
    """The query (or fragment) parameters of a redirect URL, e.g. ``admin_consent``/``tenant``/``error``."""
    s = urlsplit(url)
    return dict(parse_qsl(s.query or s.fragment))
