"""No token, secret, password or private key issued by the sandbox appears in the repr/str/HTML of any
public object, in an exception message, or in captured logs (DEBUG, every logger: msal, urllib3, ours).

The scan (what counts as secret, how a hit is reported) is ``tests/leak_scan.py``, shared with the
notebook-wide ``tests/test_no_secret_leaks.py``."""

from __future__ import annotations

import logging
import warnings

import pytest

from grooper_nb.auth import cache as token_cache
from grooper_nb.auth import flows
from grooper_nb.auth.person import sandbox_person
from grooper_nb.errors.aadsts import AuthError
from grooper_nb.profile import connect
from tests.leak_scan import displays, leaked, sandbox_secrets, tokens_of

WRONG_SECRET = "Leak~test-wrong-secret-0123456789abcdefg"


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
    assert leaked(issued, haystack) == []


def test_msal_log_redaction_is_installed_once_on_every_msal_logger(sandbox):
    from grooper_nb.auth._msal import _LOG_FILTER, build_app, install_log_redaction

    build_app(connect(), "test")  # building an app installs it ...
    install_log_redaction()  # ... and installing again changes nothing
    install_log_redaction()
    for name in ("msal", "msal.token_cache", "msal.application"):
        assert logging.getLogger(name).filters.count(_LOG_FILTER) == 1, name
