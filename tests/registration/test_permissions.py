"""The client's permission table: Microsoft's IDs for every permission Grooper's connections name, and the
same IDs as the sandbox's own, independent table (the two share no code; this test may import both)."""

from __future__ import annotations

import pytest

from grooper_nb._ids import is_guid
from grooper_nb.connections import CONNECTIONS
from grooper_nb.registration.permissions import (
    EXCHANGE_APP_ID,
    GRAPH_APP_ID,
    PERMISSIONS,
    RESOURCES,
    SHAREPOINT_APP_ID,
    lookup,
)

# (connection, app-only, resource appId, permission, type, Microsoft's ID): what a registration asks for.
EXPECTED = [
    (
        "exchange_ews_delegated",
        False,
        EXCHANGE_APP_ID,
        "EWS.AccessAsUser.All",
        "Scope",
        "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5",
    ),
    (
        "exchange_ews_delegated",
        False,
        GRAPH_APP_ID,
        "offline_access",
        "Scope",
        "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
    ),
    (
        "exchange_ews_app",
        True,
        EXCHANGE_APP_ID,
        "full_access_as_app",
        "Role",
        "dc890d15-9560-4a4c-9b7f-a736ec74ec40",
    ),
    (
        "sharepoint_graph",
        False,
        GRAPH_APP_ID,
        "Files.ReadWrite.All",
        "Scope",
        "863451e7-0667-486c-a5d6-d135439485f0",
    ),
    (
        "sharepoint_graph",
        False,
        GRAPH_APP_ID,
        "Sites.ReadWrite.All",
        "Scope",
        "89fe6a52-be36-487e-b7d8-d061c450a026",
    ),
    (
        "sharepoint_graph",
        True,
        GRAPH_APP_ID,
        "Sites.Read.All",
        "Role",
        "332a536c-c7ef-4017-ab91-336970924f0d",
    ),
    ("onedrive", False, GRAPH_APP_ID, "User.Read", "Scope", "e1fe6dd8-ba31-4d61-89e7-88639da4683d"),
    ("onedrive", True, GRAPH_APP_ID, "Files.Read.All", "Role", "01d4889c-1287-42c6-ac1f-5d1e02578ef6"),
    (
        "graph_mail_delegated",
        False,
        GRAPH_APP_ID,
        "Mail.Read",
        "Scope",
        "570282fd-fa5c-430d-a7fd-fc8dc98a9dca",
    ),
    ("graph_mail_app", True, GRAPH_APP_ID, "Mail.Read", "Role", "810c84a8-4a9e-49e6-bf7d-12d183f40d01"),
    (
        "sharepoint_rest_delegated",
        False,
        SHAREPOINT_APP_ID,
        "AllSites.Read",
        "Scope",
        "4e0d77b0-96ba-4398-af14-3baa780278f4",
    ),
    (
        "sharepoint_rest_app",
        True,
        SHAREPOINT_APP_ID,
        "Sites.Read.All",
        "Role",
        "d13f72ca-a275-4b96-b789-48ebcc4da984",
    ),
    (
        "imap_delegated",
        False,
        EXCHANGE_APP_ID,
        "IMAP.AccessAsUser.All",
        "Scope",
        "195adc35-e27b-454b-a7ed-1ecdffa1c09f",
    ),
    ("imap_app", True, EXCHANGE_APP_ID, "IMAP.AccessAsApp", "Role", "5e5addcd-3e8d-4e90-baf5-964efab2b20a"),
]

KIND = {"Scope": "delegated", "Role": "application"}


def test_the_three_first_party_resources_carry_their_real_app_ids():
    assert {k: r.app_id for k, r in RESOURCES.items()} == {
        "graph": "00000003-0000-0000-c000-000000000000",
        "exchange": "00000002-0000-0ff1-ce00-000000000000",
        "sharepoint": "00000003-0000-0ff1-ce00-000000000000",
    }


def test_every_entry_is_a_guid_with_a_microsoft_source_and_appears_once():
    keys = [(p.resource, p.value, p.type) for p in PERMISSIONS]
    assert len(keys) == len(set(keys))
    for p in PERMISSIONS:
        assert is_guid(p.id) and p.id == p.id.lower(), p
        assert p.type in ("Scope", "Role"), p
        assert p.source.startswith("https://learn.microsoft.com/"), p


def test_one_id_never_names_two_permissions_of_a_resource():
    seen: dict[tuple[str, str], str] = {}
    for p in PERMISSIONS:
        assert seen.setdefault((p.resource, p.id), p.value) == p.value, p


@pytest.mark.parametrize(
    ("key", "app_only", "app_id", "value", "type_", "expected"), EXPECTED, ids=lambda v: str(v)
)
def test_a_registration_asks_for_microsofts_id(key, app_only, app_id, value, type_, expected):
    from grooper_nb.registration.requirements import permissions_of

    asked = {(p.resource_app_id, p.value, p.type): p.id for p in permissions_of(CONNECTIONS[key], app_only)}
    assert asked[(app_id, value, type_)] == expected


def test_exchange_and_sharepoint_ids_no_microsoft_page_states_are_marked_unconfirmed():
    assert lookup("exchange", "EWS.AccessAsUser.All", "delegated").confirmed
    assert lookup("exchange", "full_access_as_app", "application").confirmed
    assert not lookup("exchange", "IMAP.AccessAsApp", "application").confirmed
    assert not any(p.confirmed for p in PERMISSIONS if p.resource == "sharepoint")
    assert lookup("exchange", "IMAP.AccessAsApp", "application").status == "UNCONFIRMED"


def _known(resource: str, value: str, kind: str) -> bool:
    try:
        lookup(resource, value, kind)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("key", sorted(CONNECTIONS))
def test_every_permission_the_catalogue_names_is_in_the_table(key):
    """Requests, accepted scopes and roles, and the too-weak ones: each has an ID on the connection's
    resource (delegated Sites.* that SharePoint REST accepts are Graph's)."""
    c = CONNECTIONS[key]
    delegated = set(c.scopes) | (set(c.too_weak) if c.delegated and not c.app_only else set())
    application = set(c.roles) | (set(c.too_weak) if c.app_only and not c.delegated else set())
    for value in delegated:
        assert _known(c.resource, value, "delegated") or _known("graph", value, "delegated"), value
    for value in application:
        assert _known(c.resource, value, "application"), value


def test_an_unknown_permission_says_where_to_add_it():
    with pytest.raises(ValueError, match=r"registration/permissions\.py"):
        lookup("graph", "Mail.Nonsense", "delegated")
    with pytest.raises(ValueError, match="graph, exchange, sharepoint"):
        lookup("outlook", "Mail.Read", "delegated")
    with pytest.raises(ValueError, match="'delegated' or 'application'"):
        lookup("graph", "Mail.Read", "Scope")


def test_the_lookup_command_reads_the_id_from_the_tenant():
    p = lookup("exchange", "IMAP.AccessAsApp", "application")
    assert p.lookup_command == (
        f"az ad sp show --id {EXCHANGE_APP_ID} --query \"appRoles[?value=='IMAP.AccessAsApp'].id\" -o tsv"
    )


# ---- the sandbox's table, compared --------------------------------------------------------------------


def _sandbox_ids() -> dict[tuple[str, str, str], str]:
    from grooper_nb.sandbox.store.first_party import MORE_PERMISSIONS
    from grooper_nb.sandbox.store.seed import FIRST_PARTY

    tables = [(app_id, permissions) for app_id, (_name, _spns, permissions) in FIRST_PARTY.items()]
    tables += list(MORE_PERMISSIONS.items())
    ids = {}
    for app_id, permissions in tables:
        for value, scope_id, role_id, _admin in permissions:
            if scope_id:
                ids[(app_id, value, "Scope")] = scope_id
            if role_id:
                ids[(app_id, value, "Role")] = role_id
    return ids


def test_the_client_and_the_sandbox_agree_on_every_permission_both_know():
    sandbox = _sandbox_ids()
    client = {(p.resource_app_id, p.value, p.type): p.id for p in PERMISSIONS}
    shared = sorted(set(sandbox) & set(client))
    assert len(shared) >= 25, shared
    assert {k: client[k] for k in shared} == {k: sandbox[k] for k in shared}


def test_the_sandbox_knows_what_grooper_usually_registers():
    """The default plan's permissions are all in the sandbox, so a registration against it can consent."""
    from grooper_nb.registration import plan

    sandbox = _sandbox_ids()
    for p in plan().permissions:
        assert (p.resource_app_id, p.value, p.type) in sandbox, p
