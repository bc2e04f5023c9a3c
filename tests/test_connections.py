"""The connection catalogue is the one description of each Grooper connection: the LoginPanel presets and
the token inspector's targets are derived from it (pure functions: no sandbox needed)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from types import SimpleNamespace

import pytest

from grooper_nb import connections as catalogue
from grooper_nb.auth.scopes import PRESETS, preset_scopes
from grooper_nb.clouds import CLOUDS, get_cloud
from grooper_nb.connections import CONNECTIONS, Connection, fill, get_connection
from grooper_nb.tokens import verdict
from grooper_nb.tokens.verdict import TARGETS, get_target
from grooper_nb.widgets.login_panel import presets_for

HOSTS = {
    "global": "contoso.sharepoint.com",
    "usgov": "contoso.sharepoint.us",
    "china": "contoso.sharepoint.cn",
}


def _profile(cloud: str) -> SimpleNamespace:
    """What preset_scopes reads from a profile: its cloud and the tenant's SharePoint host."""
    host = HOSTS.get(cloud, "contoso.sharepoint.us")
    return SimpleNamespace(
        cloud=get_cloud(cloud), require_sharepoint_host=lambda: host, sharepoint_host=host, sandbox_info=None
    )


def _requests(c: Connection) -> list[bool]:
    return [app_only for app_only in (False, True) if c.preset(app_only)]


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
@pytest.mark.parametrize("key", list(CONNECTIONS))
def test_every_connection_is_a_preset_with_exactly_its_requested_scopes(key, cloud):
    c, profile = CONNECTIONS[key], _profile(cloud)
    assert _requests(c), f"{key} makes no request"
    for app_only in _requests(c):
        preset = PRESETS[c.preset(app_only)]
        assert key in preset.connections and preset.app_only == app_only
        expected = [fill(t, profile.cloud, profile.sharepoint_host) for t in c.requested(app_only)]
        assert preset_scopes(preset.name, profile) == expected
        flow = "client_credentials" if app_only else "auth_code"
        assert preset.name in presets_for(profile, flow)


def test_every_preset_serves_the_connections_it_lists_and_nothing_else():
    served = {(k, app) for p in PRESETS.values() for k in p.connections for app in [p.app_only]}
    made = {(c.key, app) for c in CONNECTIONS.values() for app in _requests(c)}
    assert served == made


def test_every_connection_is_an_inspector_target():
    assert list(TARGETS) == list(CONNECTIONS)
    for key, c in CONNECTIONS.items():
        assert get_target(key) is c and get_target(c.title) is c and TARGETS[key].name == key


def test_the_token_inspector_offers_every_connection():
    from grooper_nb.widgets.token_inspector import TokenInspector

    ui = TokenInspector("not a token")
    assert [value for _title, value in ui.target_picker.options] == list(CONNECTIONS)


def test_each_connection_is_one_entry():
    source = Path(catalogue.__file__).read_text(encoding="utf-8")
    entries = [
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Connection"
    ]
    assert sorted(entries) == sorted(CONNECTIONS)  # one Connection(...) per key, no key twice
    titles = [c.title for c in CONNECTIONS.values()]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("key", list(CONNECTIONS))
def test_each_entry_says_what_it_is_for_and_where_microsoft_documents_it(key):
    c = CONNECTIONS[key]
    assert c.grooper.strip() and c.api in ("EWS", "Graph", "SharePoint REST", "IMAP")
    assert c.docs.startswith("https://learn.microsoft.com/")
    if c.certificate_required:
        assert c.app_only and c.secret_refusal
    if c.too_weak:
        assert c.too_weak_why and not set(c.too_weak) & (set(c.scopes) | set(c.roles))


def test_judging_tests_no_connection_by_its_name():
    """Every difference between connections is a field of its entry: the verdict's checks name none."""
    checks = inspect.getsource(verdict)[inspect.getsource(verdict).index("def judge(") :]
    for key in CONNECTIONS:
        assert repr(key) not in checks and f'"{key}"' not in checks, key
    assert "t.name ==" not in checks and "target.name ==" not in checks


def test_an_unknown_connection_is_refused_with_the_list_of_keys():
    with pytest.raises(ValueError, match="exchange_ews_delegated"):
        get_connection("pop3")
