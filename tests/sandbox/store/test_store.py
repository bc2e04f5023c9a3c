"""The tenant store and its seed (docs/sandbox.md), used directly: SQLite in a temporary state dir."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest

from grooper_nb.sandbox.store import Store

APP_KEYS = {
    "name",
    "client_id",
    "object_id",
    "client_secret",
    "client_secret_id",
    "expired_client_secret",
    "certificate_pem",
    "private_key_pem",
    "certificate_thumbprint",
    "public_client",
    "redirect_uris",
    "identifier_uris",
    "delegated_permissions",
    "application_permissions",
    "home_tenant_id",
    "service_principal_id",
}
USER_KEYS = {
    "upn",
    "password",
    "display_name",
    "enabled",
    "mfa_required",
    "has_mailbox",
    "directory_roles",
    "object_id",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = Store.open(tmp_path_factory.mktemp("store") / "state")
    yield s
    s.close()


def _stable(describe: dict) -> dict:
    """describe() without what may differ per state dir (certificate files and thumbprints)."""
    for entry in describe["apps"]:
        for key in ("certificate_pem", "private_key_pem", "certificate_thumbprint"):
            entry[key] = bool(entry[key])
    return describe


def test_describe_has_the_contract_shape(store):
    info = store.directory.describe()
    assert set(info) == {"tenant", "publisher_tenant", "users", "apps"}
    assert set(info["tenant"]) == {"id", "domain", "sharepoint_host", "display_name"}
    assert info["tenant"]["domain"] == "contoso.onmicrosoft.com"
    assert all(set(u) == USER_KEYS for u in info["users"])
    assert all(set(a) == APP_KEYS for a in info["apps"])


def test_seed_users(store):
    users = {u["upn"].split("@")[0]: u for u in store.directory.describe()["users"]}
    assert users["admin"]["directory_roles"] == ["Global Administrator"] and users["admin"]["has_mailbox"]
    assert sum(1 for u in users.values() if u["has_mailbox"] and u["enabled"] and not u["mfa_required"]) >= 4
    assert users["diego.siciliani"]["mfa_required"] and users["diego.siciliani"]["enabled"]
    assert not users["johanna.lorenz"]["enabled"]
    assert not users["nomail.user"]["has_mailbox"]


def test_seed_apps(store):
    apps = {a["name"]: a for a in store.directory.describe()["apps"]}
    grooper = apps["Grooper Azure AD Connector 2021"]
    assert grooper["client_secret"] and grooper["expired_client_secret"] and not grooper["public_client"]
    assert "http://localhost" in grooper["redirect_uris"]
    assert "https://login.microsoftonline.com/common/oauth2/nativeclient" in grooper["redirect_uris"]
    assert set(grooper["delegated_permissions"]) == {
        "https://outlook.office365.com/EWS.AccessAsUser.All",
        "https://graph.microsoft.com/Files.ReadWrite.All",
        "https://graph.microsoft.com/Sites.ReadWrite.All",
        "https://graph.microsoft.com/User.Read",
        "offline_access",
    }
    s2s = apps["Grooper Server-to-Server"]
    assert s2s["client_secret"] and s2s["certificate_pem"] and len(s2s["certificate_thumbprint"]) == 40
    assert stat.S_IMODE(os.stat(s2s["private_key_pem"]).st_mode) == 0o600
    assert set(s2s["application_permissions"]) == {
        "https://graph.microsoft.com/Mail.Read",
        "https://graph.microsoft.com/Sites.Read.All",
        "https://graph.microsoft.com/User.Read.All",
        "https://outlook.office365.com/full_access_as_app",
        "https://contoso.sharepoint.com/Sites.Read.All",
    }
    boot = apps["Grooper NB Bootstrap"]
    assert boot["public_client"] and boot["client_secret"] is None
    mid = apps["Grooper Middle-Tier API"]
    assert mid["identifier_uris"] == [f"api://{mid['client_id']}"]
    assert f"api://{mid['client_id']}/access_as_user" in boot["delegated_permissions"]


def test_first_party_resources_have_their_real_ids(store):
    graph = store.directory.resource_for("https://graph.microsoft.com")
    assert graph["appId"] == "00000003-0000-0000-c000-000000000000"
    scopes = {s["value"]: s["id"] for s in graph["oauth2PermissionScopes"]}
    roles = {r["value"]: r["id"] for r in graph["appRoles"]}
    assert scopes["User.Read"] == "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
    assert roles["Mail.Read"] == "810c84a8-4a9e-49e6-bf7d-12d183f40d01"
    exo = store.directory.resource_for("https://outlook.office365.com/")
    assert exo["appId"] == "00000002-0000-0ff1-ce00-000000000000"
    assert {r["value"]: r["id"] for r in exo["appRoles"]}[
        "full_access_as_app"
    ] == "dc890d15-9560-4a4c-9b7f-a736ec74ec40"
    assert (
        store.directory.resource_for("https://contoso.sharepoint.com")["appId"]
        == "00000003-0000-0ff1-ce00-000000000000"
    )
    assert store.directory.resource_for("https://wrongtenant.sharepoint.com") is None


def test_same_seed_same_tenant_other_seed_other_tenant(store, tmp_path):
    again = Store.open(tmp_path / "again")
    other = Store.open(tmp_path / "other", seed=7)
    try:
        assert _stable(again.directory.describe()) == _stable(store.directory.describe())
        assert other.directory.describe()["tenant"]["id"] != store.directory.describe()["tenant"]["id"]
    finally:
        again.close()
        other.close()


def test_state_survives_reopen_and_wipe_starts_fresh(tmp_path):
    state = tmp_path / "state"
    s = Store.open(state)
    user = s.directory.user_by_upn("adele.vance@contoso.onmicrosoft.com")
    s.directory.revoke_sessions(user["id"])
    s.close()
    reopened = Store.open(state)
    assert reopened.directory.user_by_id(user["id"])["_tokens_valid_from"] > 0
    reopened.close()
    (state / "ca").mkdir()
    Store.wipe(state)
    assert not (state / "tenant.db").exists() and not (state / "keys").exists() and (state / "ca").exists()
    fresh = Store.open(state)
    assert fresh.directory.user_by_id(user["id"])["_tokens_valid_from"] == 0
    fresh.close()


def test_secrets_are_stored_hashed(store):
    info = store.directory.describe()
    app_rows = " ".join(str(a) for a in store.directory.applications())
    for entry in info["apps"]:
        if entry["client_secret"]:
            assert entry["client_secret"] not in app_rows
    for u in store.directory.users():
        assert u["_password_hash"] and len(u["_password_hash"]) == 64
    assert stat.S_IMODE(store.db_path.stat().st_mode) == 0o600


def test_describe_is_safe_from_many_threads(store):
    errors: list[BaseException] = []

    def work():
        try:
            for _ in range(20):
                assert store.directory.describe()["tenant"]["domain"] == "contoso.onmicrosoft.com"
                store.artefacts.create_flow({"kind": "test"})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_codes_are_single_use_and_the_clock_ages_them(store):
    code = store.artefacts.create_code({"client_id": "x"})
    assert (
        store.artefacts.code(code)[0] == "ok" and store.artefacts.code(code)[0] == "ok"
    )  # looking does not use it up
    assert store.artefacts.redeem_code(code) is True
    assert store.artefacts.redeem_code(code) is False and store.artefacts.code(code)[0] == "redeemed"
    assert store.artefacts.code("nope")[0] == "unknown"
    other = store.artefacts.create_code({"client_id": "x"})
    store.clock.advance(601)
    status, _, age = store.artefacts.code(other)
    assert status == "ok" and age > 600


def test_revocation_cuts_at_the_instant_and_ages_with_the_clock(store):
    user = store.directory.user_by_upn("megan.bowen@contoso.onmicrosoft.com")
    before = store.artefacts.create_refresh_token(user["id"], "x", {})
    valid_from = store.directory.revoke_sessions(user["id"])
    after = store.artefacts.create_refresh_token(user["id"], "x", {})
    assert (
        store.artefacts.refresh_token(before)["created"]
        < valid_from
        <= store.artefacts.refresh_token(after)["created"]
    )
    # Ninety days later the order is the same: the revocation instant aged with the tokens.
    store.clock.advance(90 * 86400, user_id=user["id"])
    aged_from = store.directory.user_by_id(user["id"])["_tokens_valid_from"]
    assert (
        store.artefacts.refresh_token(before)["created"]
        < aged_from
        <= store.artefacts.refresh_token(after)["created"]
    )


def test_lockout_counts_and_clock_unlocks(store):
    user = store.directory.user_by_upn("lee.gu@contoso.onmicrosoft.com")
    for _ in range(10):
        store.directory.record_failed_signin(user["id"], threshold=10, lockout_seconds=60)
    assert store.directory.user_by_id(user["id"])["_locked_until"] > time.time()
    store.clock.advance(61, user_id=user["id"])
    assert store.directory.user_by_id(user["id"])["_locked_until"] < time.time()
    store.directory.record_good_signin(user["id"])
    assert store.directory.user_by_id(user["id"])["_failed_signins"] == 0
