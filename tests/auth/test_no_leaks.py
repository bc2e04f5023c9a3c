"""No token, secret, password or private key issued by the sandbox appears in the repr/str/HTML of any
public object, in an exception message, or in captured logs (DEBUG, every logger: msal, urllib3, ours)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest

from grooper_nb._redact import Secret
from grooper_nb.auth import cache as token_cache
from grooper_nb.auth import flows
from grooper_nb.auth.person import sandbox_person
from grooper_nb.errors.aadsts import AuthError
from grooper_nb.profile import connect

WRONG_SECRET = "Leak~test-wrong-secret-0123456789abcdefg"


def displays(obj) -> list[str]:
    out = [repr(obj), str(obj)]
    for attr in ("_repr_html_", "summary", "to_dict"):
        fn = getattr(obj, attr, None)
        if callable(fn):
            out.append(repr(fn()))
    return out


def sandbox_secrets(sandbox: dict) -> set[str]:
    found = {u["password"] for u in sandbox["users"]}
    for app in sandbox["apps"]:
        found |= {app[k] for k in ("client_secret", "expired_client_secret") if app.get(k)}
        if app.get("private_key_pem"):
            pem = Path(app["private_key_pem"]).read_text()
            body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
            found |= {body[i : i + 40] for i in range(0, len(body) - 40, 40)}  # any 40-char piece
    return found


def tokens_of(result: flows.TokenResult) -> set[str]:
    return {s.reveal() for s in (result.access_token, result.refresh_token, result.id_token) if s is not None}


def test_nothing_secret_is_displayed_or_logged(sandbox, plain_user, mfa_user, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    issued: set[str] = set(sandbox_secrets(sandbox)) | {WRONG_SECRET}
    shown: list[str] = []

    grooper = connect(token_cache=tmp_path / "cache.json")
    s2s = connect(app="Grooper Server-to-Server", token_cache=tmp_path / "cache.json")
    s2s_cert = connect(app="Grooper Server-to-Server", credential="certificate")
    bootstrap = connect(app="Grooper NB Bootstrap", token_cache=tmp_path / "cache.json")
    middle = connect(app="Grooper Middle-Tier API", token_cache=tmp_path / "cache.json")
    for p in (grooper, s2s, s2s_cert, bootstrap, middle):
        shown += displays(p) + displays(p.credential) + [repr(p.sandbox_info), repr(p.session)]

    person = sandbox_person(grooper, plain_user["upn"])
    results = [
        flows.client_credentials(s2s),
        flows.client_credentials(s2s_cert, ["https://outlook.office365.com/.default"]),
    ]
    flow = flows.auth_code_start(grooper, ["https://outlook.office365.com/EWS.AccessAsUser.All"])
    shown += displays(flow)
    results.append(flow.finish(person.sign_in(flow.url)))
    shown += displays(flow)
    results.append(flows.auth_code_interactive(grooper, ["Files.ReadWrite.All"], open_browser=person.open))
    handle = flows.device_code(bootstrap, [f"api://{middle.client_id}/access_as_user"])
    shown += displays(handle)
    person.enter_device_code(handle)
    results.append(handle.wait(timeout=120))
    shown += displays(handle)
    results.append(flows.on_behalf_of(middle, results[-1], ["User.Read"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results.append(flows.ropc(grooper, plain_user["upn"], plain_user["password"], ["User.Read"]))
    results.append(flows.silent(grooper, ["User.Read"], force_refresh=True))
    for r in results:
        issued |= tokens_of(r)
        shown += [*displays(r), repr(r.account), repr(r.id_token_claims)]

    errors: list[AuthError] = []
    attempts = [
        lambda: flows.client_credentials(s2s.replace(client_secret=WRONG_SECRET)),
        lambda: flows.client_credentials(connect(credential="expired_secret")),
        lambda: flows.ropc(grooper, mfa_user["upn"], mfa_user["password"], ["User.Read"]),
        lambda: flows.ropc(grooper, plain_user["upn"], WRONG_SECRET, ["User.Read"]),
        lambda: flows.on_behalf_of(middle, results[0], ["User.Read"]),
    ]
    for attempt in attempts:
        with warnings.catch_warnings(), pytest.raises(AuthError) as info:
            warnings.simplefilter("ignore")
            attempt()
        errors.append(info.value)
    for e in errors:
        shown += [*displays(e), e.description, *e.hints, *map(str, e.args)]

    c = token_cache.open_cache(tmp_path / "cache.json")
    shown += [repr(c), repr(token_cache.accounts(tmp_path / "cache.json"))]
    shown += [r.message for r in caplog.records] + [caplog.text]

    assert len(issued) > 20  # the scan is meaningful: tokens, secrets, passwords and key pieces
    haystack = "\n".join(shown)
    leaked = sorted(s for s in issued if s and s in haystack)
    assert leaked == [], f"{len(leaked)} secret value(s) leaked, e.g. {Secret(leaked[0])!r}"


def test_msal_log_redaction_is_installed_once_on_every_msal_logger(sandbox):
    from grooper_nb.auth._msal import _LOG_FILTER, build_app, install_log_redaction

    build_app(connect(), "test")  # building an app installs it ...
    install_log_redaction()  # ... and installing again changes nothing
    install_log_redaction()
    for name in ("msal", "msal.token_cache", "msal.application"):
        assert logging.getLogger(name).filters.count(_LOG_FILTER) == 1, name
