"""A person at a browser, simulated with plain HTTP: drives the sandbox's sign-in pages.

Used by the auth and widget tests (`from tests.auth.sandbox_person import Person`). It fills the forms the
sandbox serves at ``browser_url`` exactly as a person would: device-login code (``otc``), sign-in
(``login``/``passwd``), the MFA approval, the consent page, and the form_post auto-submit page. It stops
when the browser would leave the sandbox (a redirect to the app's redirect URI) and follows that
redirect only when asked (the loopback listener of ``auth_code_interactive``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = {
                "id": a.get("id"),
                "action": a.get("action", ""),
                "method": a.get("method", "get"),
                "fields": {},
                "buttons": [],
            }
            self.forms.append(self._current)
        elif self._current is not None and tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                return
            self._current["fields"][a["name"]] = a.get("value") or ""
        elif self._current is not None and tag == "button" and a.get("name"):
            self._current["buttons"].append((a.get("id"), a["name"], a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


@dataclass
class Person:
    """``Person(upn, password).device_login(browser_url, code)`` or ``.authorize(url)``."""

    upn: str
    password: str
    approve_mfa: bool = True
    consent: bool = True
    pages: list[str] = field(default_factory=list)  # ids of the forms seen, in order

    def __post_init__(self) -> None:
        self.http = requests.Session()
        self.http.trust_env = False  # a browser on loopback: no proxy, plain http

    def _submit(self, url: str, form: dict) -> requests.Response:
        data = dict(form["fields"])
        fid = form["id"]
        self.pages.append(fid)
        choice = None
        if fid == "signin-form":
            data.update(login=self.upn, passwd=self.password)
            choice = "signin"
        elif fid == "devicelogin-form":
            data["otc"] = self._otc
            choice = "next"
        elif fid == "mfa-form":
            choice = "approve" if self.approve_mfa else "deny"
        elif fid == "consent-form":
            choice = "accept" if self.consent else "cancel"
        for _id, name, value in form["buttons"]:
            if value == choice or (choice is None and not data.get(name)):
                data[name] = value
                break
        return self.http.post(urljoin(url, form["action"]), data=data, allow_redirects=False)

    def _walk(self, resp: requests.Response, url: str, *, follow_out: bool) -> tuple[requests.Response, str]:
        base = urlsplit(url).netloc
        for _ in range(20):
            if resp.is_redirect:
                url = urljoin(url, resp.headers["Location"])
                if urlsplit(url).netloc != base and not follow_out:
                    return resp, url
                resp = self.http.get(url, allow_redirects=False)
                continue
            parser = _Forms()
            parser.feed(resp.text)
            forms = [
                f
                for f in parser.forms
                if f["id"] in ("signin-form", "devicelogin-form", "mfa-form", "consent-form", "hiddenform")
            ]
            if not forms:
                return resp, url
            form = forms[0]
            if form["id"] == "hiddenform":  # form_post: the browser posts to the app's redirect URI
                self.pages.append("hiddenform")
                target = urljoin(url, form["action"])
                if urlsplit(target).netloc != base and not follow_out:
                    return resp, target
                resp = self.http.post(target, data=form["fields"], allow_redirects=False)
                url = target
                continue
            if form["id"] == "devicelogin-form" and "devicelogin-form" in self.pages:
                return resp, url  # the code was refused; the page asks again
            resp = self._submit(url, form)
        raise AssertionError("too many pages")

    def device_login(self, verification_uri: str, user_code: str) -> requests.Response:
        """GET {browser_url}/devicelogin, enter the code, sign in, approve/accept. Returns the last page."""
        self._otc = user_code
        resp = self.http.get(verification_uri, allow_redirects=False)
        return self._walk(resp, verification_uri, follow_out=False)[0]

    def authorize(self, url: str, *, follow_out: bool = False) -> str:
        """Open a sign-in URL; return the URL the browser ends on (the app's redirect URI with the code)."""
        self._otc = ""
        resp = self.http.get(url, allow_redirects=False)
        resp, final = self._walk(resp, url, follow_out=follow_out)
        return final
