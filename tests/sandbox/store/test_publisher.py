"""The connector's publisher tenant and the ``connector`` seed option, used directly on the store.

Grooper's connector is a multi-tenant app: its application object lives in its publisher's tenant, and a
customer's tenant holds only its service principal, made when an administrator first consents
(https://learn.microsoft.com/entra/identity-platform/application-model).
"""

from __future__ import annotations

import pytest

from grooper_nb.sandbox.store import Store

CONNECTOR = "Grooper Azure AD Connector 2021"


@pytest.fixture(scope="module")
def consented(tmp_path_factory):
    s = Store.open(tmp_path_factory.mktemp("consented") / "state", connector="consented")
    yield s
    s.close()


@pytest.fixture(scope="module")
def unconsented(tmp_path_factory):
    s = Store.open(tmp_path_factory.mktemp("unconsented") / "state", connector="unconsented")
    yield s
    s.close()


def _app(store, name):
    return next(a for a in store.directory.describe()["apps"] if a["name"] == name)


def test_the_connector_lives_in_a_publisher_tenant_of_its_own(consented):
    info = consented.directory.describe()
    publisher, customer = info["publisher_tenant"], info["tenant"]
    assert set(publisher) == {"id", "domain", "display_name"}
    assert publisher["id"] != customer["id"] and publisher["domain"] != customer["domain"]
    connector = _app(consented, CONNECTOR)
    assert connector["home_tenant_id"] == publisher["id"]
    assert all(a["home_tenant_id"] == customer["id"] for a in info["apps"] if a["name"] != CONNECTOR)
    # Its enterprise app in the customer tenant names the publisher as the owner.
    sp = consented.directory.service_principal(connector["client_id"])
    assert sp["appOwnerOrganizationId"] == publisher["id"]
    assert connector["service_principal_id"] == sp["id"]
    # Users sign in to the customer tenant only.
    assert consented.directory.resolve_tenant(publisher["id"]) is None


def test_the_publisher_tenant_follows_the_seed(consented, tmp_path):
    again = Store.open(tmp_path / "again", connector="consented")
    other = Store.open(tmp_path / "other", seed=7)
    try:
        assert (
            again.directory.describe()["publisher_tenant"]
            == consented.directory.describe()["publisher_tenant"]
        )
        assert other.directory.describe()["publisher_tenant"]["id"] != again.directory.publisher_tenant["id"]
    finally:
        again.close()
        other.close()


def test_unconsented_starts_without_the_connector_service_principal(consented, unconsented):
    connector = _app(unconsented, CONNECTOR)
    assert connector["service_principal_id"] is None
    assert connector["delegated_permissions"] == [] and connector["application_permissions"] == []
    assert unconsented.directory.service_principal(connector["client_id"]) is None
    assert unconsented.meta("seed")["connector"] == "unconsented"
    assert consented.meta("seed")["connector"] == "consented"
    # Everything else is the same tenant: the same ids, secrets and grants of the other apps.
    before, after = consented.directory.describe(), unconsented.directory.describe()
    assert before["tenant"] == after["tenant"] and before["users"] == after["users"]
    assert connector["client_id"] == _app(consented, CONNECTOR)["client_id"]
    assert connector["client_secret"] == _app(consented, CONNECTOR)["client_secret"]
    for name in ("Grooper Server-to-Server", "Grooper NB Bootstrap", "Grooper Middle-Tier API"):
        a, b = _app(consented, name), _app(unconsented, name)
        assert (a["client_id"], a["delegated_permissions"], a["application_permissions"]) == (
            b["client_id"],
            b["delegated_permissions"],
            b["application_permissions"],
        )


def test_each_starting_point_has_its_user_consent_setting(consented, unconsented):
    assert consented.meta("settings")["user_consent"] == "all_apps"  # as the sandbox always had
    assert unconsented.meta("settings")["user_consent"] == "verified_publishers"


def test_an_unknown_connector_option_is_refused(tmp_path):
    with pytest.raises(ValueError, match="connector"):
        Store.open(tmp_path / "bad", connector="maybe")


def test_revoke_consent_deletes_grants_by_resource_and_by_user(tmp_path):
    store = Store.open(tmp_path / "revoke")
    try:
        d = store.directory
        client = d.service_principal(_app(store, CONNECTOR)["client_id"])
        graph = d.resource_for("https://graph.microsoft.com")
        exo = d.resource_for("https://outlook.office365.com")
        megan = d.user_by_upn("megan.bowen@contoso.onmicrosoft.com")
        d.add_permission_grant(client["id"], graph["id"], ["Mail.Read"], megan["id"])
        assert "Mail.Read" in d.granted_scopes(client["id"], graph["id"], megan["id"])

        assert d.revoke_consent(client["id"], user_id=megan["id"]) == 1  # her own grant only
        assert "Mail.Read" not in d.granted_scopes(client["id"], graph["id"], megan["id"])
        assert "User.Read" in d.granted_scopes(client["id"], graph["id"], megan["id"])

        assert d.revoke_consent(client["id"], resource_sp_id=exo["id"]) == 1
        assert d.granted_scopes(client["id"], exo["id"], None) == []
        assert d.granted_scopes(client["id"], graph["id"], None)

        assert d.revoke_consent(client["id"]) >= 1
        assert not [g for g in d.permission_grants() if g["clientId"] == client["id"]]
    finally:
        store.close()


def test_revoke_consent_removes_app_role_assignments_too(tmp_path):
    store = Store.open(tmp_path / "roles")
    try:
        d = store.directory
        client = d.service_principal(_app(store, "Grooper Server-to-Server")["client_id"])
        graph = d.resource_for("https://graph.microsoft.com")
        assert d.granted_roles(client["id"], graph)
        d.revoke_consent(client["id"], resource_sp_id=graph["id"])
        assert d.granted_roles(client["id"], graph) == []
        assert d.granted_roles(client["id"], d.resource_for("https://outlook.office365.com"))
    finally:
        store.close()


def test_a_tenant_made_before_publisher_tenants_gets_the_column_and_lives_at_home(tmp_path):
    from grooper_nb.sandbox.store.db import Database
    from grooper_nb.sandbox.store.directory import Directory

    tmp_path.mkdir(exist_ok=True)
    db = Database(tmp_path)
    db.execute(
        "CREATE TABLE applications (id TEXT PRIMARY KEY, app_id TEXT NOT NULL UNIQUE, data TEXT NOT NULL)"
    )
    db.execute("INSERT INTO applications VALUES ('o1', 'a1', '{}')")
    db.create_schema()
    db.set_meta("tenant", {"id": "customer", "domains": []})
    directory = Directory(db)
    assert directory.home_tenant_id("a1") == "customer"  # an older tenant's apps all live at home
    assert directory.publisher_tenant is None
    db.close()


def test_in_tenant_registers_the_connector_at_home_consented(tmp_path):
    """The default starting point: the connector registered in the customer tenant itself, so its
    application object (redirect URIs, secrets) is there to audit; the same ids as with the publisher."""
    store = Store.open(tmp_path / "in-tenant")
    try:
        info = store.directory.describe()
        connector = _app(store, CONNECTOR)
        assert store.meta("seed")["connector"] == "in-tenant"
        assert connector["home_tenant_id"] == info["tenant"]["id"]
        sp = store.directory.service_principal(connector["client_id"])
        assert sp["appOwnerOrganizationId"] == info["tenant"]["id"]
        assert any(p.endswith("/EWS.AccessAsUser.All") for p in connector["delegated_permissions"])
    finally:
        store.close()
