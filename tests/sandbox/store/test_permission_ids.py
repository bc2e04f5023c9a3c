"""The permission ids of the first-party resources in the seed are Microsoft's.

App registration builds ``requiredResourceAccess`` manifests from these ids, and a manifest with a wrong id
asks Entra for a permission that does not exist. Sources:

* Microsoft Graph: https://learn.microsoft.com/graph/permissions-reference (each permission's
  "Identifier" row: application, delegated).
* Office 365 Exchange Online: https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth
  (the manifest's ``resourceAccess`` entries for EWS.AccessAsUser.All and full_access_as_app).
* Office 365 SharePoint Online: no Microsoft page lists these ids. They were checked against the
  ``appRoles`` and ``oauth2PermissionScopes`` of the SharePoint service principal as tenants publish
  them; marked UNCONFIRMED below for that reason.
"""

from __future__ import annotations

import pytest

from grooper_nb.sandbox.store import Store
from grooper_nb.sandbox.store.seed import EXCHANGE_APP_ID, GRAPH_APP_ID, SHAREPOINT_APP_ID

# (resource app id, permission, "Scope" (delegated) or "Role" (application), id)
PERMISSIONS = [
    # Microsoft Graph: https://learn.microsoft.com/graph/permissions-reference
    (GRAPH_APP_ID, "User.Read", "Scope", "e1fe6dd8-ba31-4d61-89e7-88639da4683d"),
    (GRAPH_APP_ID, "User.Read.All", "Scope", "a154be20-db9c-4678-8ab7-66f6cc099a59"),
    (GRAPH_APP_ID, "User.Read.All", "Role", "df021288-bdef-4463-88db-98f22de89214"),
    (GRAPH_APP_ID, "openid", "Scope", "37f7f235-527c-4136-accd-4a02d197296e"),
    (GRAPH_APP_ID, "profile", "Scope", "14dad69e-099b-42c9-810b-d002981feec1"),
    (GRAPH_APP_ID, "email", "Scope", "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0"),
    (GRAPH_APP_ID, "offline_access", "Scope", "7427e0e9-2fba-42fe-b0c0-848c9e6a8182"),
    (GRAPH_APP_ID, "Mail.Read", "Scope", "570282fd-fa5c-430d-a7fd-fc8dc98a9dca"),
    (GRAPH_APP_ID, "Mail.Read", "Role", "810c84a8-4a9e-49e6-bf7d-12d183f40d01"),
    (GRAPH_APP_ID, "Mail.ReadWrite", "Scope", "024d486e-b451-40bb-833d-3e66d98c5c73"),
    (GRAPH_APP_ID, "Mail.ReadWrite", "Role", "e2a3a72e-5f79-4c64-b1b1-878b674786c9"),
    (GRAPH_APP_ID, "Mail.ReadBasic.All", "Role", "693c5e45-0940-467d-9b8a-1022fb9d42ef"),
    (GRAPH_APP_ID, "Mail.Send", "Scope", "e383f46e-2787-4529-855e-0e479a3ffac0"),
    (GRAPH_APP_ID, "Mail.Send", "Role", "b633e1c5-b582-4048-a93e-9f11b44c7e96"),
    (GRAPH_APP_ID, "Mail.Read.Shared", "Scope", "7b9103a5-4610-446b-9670-80643382c1fa"),
    (GRAPH_APP_ID, "Sites.Read.All", "Scope", "205e70e5-aba6-4c52-a976-6d2d46c48043"),
    (GRAPH_APP_ID, "Sites.Read.All", "Role", "332a536c-c7ef-4017-ab91-336970924f0d"),
    (GRAPH_APP_ID, "Sites.ReadWrite.All", "Scope", "89fe6a52-be36-487e-b7d8-d061c450a026"),
    (GRAPH_APP_ID, "Sites.ReadWrite.All", "Role", "9492366f-7969-46a4-8d15-ed1a20078fff"),
    (GRAPH_APP_ID, "Sites.Selected", "Scope", "f89c84ef-20d0-4b54-87e9-02e856d66d53"),
    (GRAPH_APP_ID, "Sites.Selected", "Role", "883ea226-0bf2-4a8f-9f9d-92c9162a727d"),
    (GRAPH_APP_ID, "Files.Read", "Scope", "10465720-29dd-4523-a11a-6a75c743c9d9"),
    (GRAPH_APP_ID, "Files.Read.All", "Scope", "df85f4d6-205c-4ac5-a5ea-6bf408dba283"),
    (GRAPH_APP_ID, "Files.Read.All", "Role", "01d4889c-1287-42c6-ac1f-5d1e02578ef6"),
    (GRAPH_APP_ID, "Files.ReadWrite.All", "Scope", "863451e7-0667-486c-a5d6-d135439485f0"),
    (GRAPH_APP_ID, "Files.ReadWrite.All", "Role", "75359482-378d-4052-8f01-80520e7db3cd"),
    (GRAPH_APP_ID, "EWS.AccessAsUser.All", "Scope", "9769c687-087d-48ac-9cb3-c37dde652038"),
    (GRAPH_APP_ID, "IMAP.AccessAsUser.All", "Scope", "652390e4-393a-48de-9484-05f9b1212954"),
    (GRAPH_APP_ID, "POP.AccessAsUser.All", "Scope", "d7b7f2d9-0f45-4ea1-9d42-e50810c06991"),
    (GRAPH_APP_ID, "SMTP.Send", "Scope", "258f6531-6087-4cc4-bb90-092c5fb3ed3f"),
    (GRAPH_APP_ID, "Application.ReadWrite.All", "Scope", "bdfbf15f-ee85-4955-8675-146e8e5296b5"),
    (GRAPH_APP_ID, "Application.ReadWrite.All", "Role", "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9"),
    (GRAPH_APP_ID, "AppRoleAssignment.ReadWrite.All", "Scope", "84bccea3-f856-4a8a-967b-dbe0a3d53a64"),
    (GRAPH_APP_ID, "AppRoleAssignment.ReadWrite.All", "Role", "06b708a9-e830-4db3-a914-8e69da51d44f"),
    (GRAPH_APP_ID, "DelegatedPermissionGrant.ReadWrite.All", "Scope", "41ce6ca6-6826-4807-84f1-1c82854f7ee5"),
    (GRAPH_APP_ID, "DelegatedPermissionGrant.ReadWrite.All", "Role", "8e8e4742-1d95-4f68-9d56-6ee75648c72a"),
    (GRAPH_APP_ID, "Directory.Read.All", "Scope", "06da0dbc-49e2-44d2-8312-53f166ab848a"),
    (GRAPH_APP_ID, "Directory.Read.All", "Role", "7ab1d382-f21e-4acd-a863-ba3e13f7da61"),
    # Office 365 Exchange Online: the EWS OAuth page's manifest (module docstring)
    (EXCHANGE_APP_ID, "EWS.AccessAsUser.All", "Scope", "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5"),
    (EXCHANGE_APP_ID, "full_access_as_app", "Role", "dc890d15-9560-4a4c-9b7f-a736ec74ec40"),
    # Office 365 SharePoint Online: UNCONFIRMED by a Microsoft page (module docstring)
    (SHAREPOINT_APP_ID, "AllSites.Read", "Scope", "4e0d77b0-96ba-4398-af14-3baa780278f4"),
    (SHAREPOINT_APP_ID, "AllSites.FullControl", "Scope", "56680e0d-d2a3-4ae1-80d8-3c4f2100e3d0"),
    (SHAREPOINT_APP_ID, "Sites.Read.All", "Role", "d13f72ca-a275-4b96-b789-48ebcc4da984"),
    (SHAREPOINT_APP_ID, "Sites.FullControl.All", "Role", "678536fe-1083-478a-9c59-b99265e6b0d3"),
    (SHAREPOINT_APP_ID, "Sites.Selected", "Role", "20d37865-089c-4dee-8c41-6967602d4ac8"),
    # the rest of what the SharePoint REST host accepts (added by first_party.py; UNCONFIRMED likewise)
    (SHAREPOINT_APP_ID, "AllSites.Write", "Scope", "640ddd16-e5b7-4d71-9690-3f4022699ee7"),
    (SHAREPOINT_APP_ID, "AllSites.Manage", "Scope", "b3f70a70-8a4b-4f95-9573-d71c496a53f4"),
    (SHAREPOINT_APP_ID, "MyFiles.Read", "Scope", "dd2c8d78-58e1-46d7-82dd-34d411282686"),
    (SHAREPOINT_APP_ID, "MyFiles.Write", "Scope", "2cfdc887-d7b4-4798-9b33-3d98d6b95dd2"),
    (SHAREPOINT_APP_ID, "Sites.Selected", "Scope", "9ac4404a-0323-446d-b334-b4ae4d18b38a"),
    (SHAREPOINT_APP_ID, "Sites.ReadWrite.All", "Role", "fbcd29d2-fcca-4405-aded-518d457caae4"),
    (SHAREPOINT_APP_ID, "Sites.Manage.All", "Role", "9bff6588-13f2-4c48-bbf2-ddab62256b36"),
    # Added to every tenant by grooper_nb/sandbox/store/first_party.py (its docstring gives the sources).
    # Application.Read.All's delegated id is on https://learn.microsoft.com/powershell/microsoftgraph/find-mg-graph-permission;
    # the others are UNCONFIRMED by a Microsoft page.
    (GRAPH_APP_ID, "Application.Read.All", "Scope", "c79f8feb-a9db-4090-85f9-90d820caa0eb"),
    (GRAPH_APP_ID, "Application.Read.All", "Role", "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"),
    (GRAPH_APP_ID, "Mail.ReadBasic", "Scope", "a4b8392a-d8d1-4954-a029-8e668a39a170"),
    (GRAPH_APP_ID, "Mail.ReadBasic", "Role", "6be147d2-ea4f-4b5a-a3fa-3eab6f3c140a"),
    (GRAPH_APP_ID, "User.ReadBasic.All", "Scope", "b340eb25-3456-403f-be2f-af7a0d370277"),
    (GRAPH_APP_ID, "User.ReadBasic.All", "Role", "97235f07-e226-4f63-ace3-39588e11d3a1"),
    (GRAPH_APP_ID, "Organization.Read.All", "Scope", "4908d5b9-3fb2-4b1e-9336-1888b7937185"),
    (GRAPH_APP_ID, "Organization.Read.All", "Role", "498476ce-e0fe-48b0-b801-37ba7e2685c6"),
    (GRAPH_APP_ID, "Sites.FullControl.All", "Scope", "5a54b8b3-347c-476d-8f8e-42d5c7424d29"),
    (GRAPH_APP_ID, "Sites.FullControl.All", "Role", "a82116e5-55eb-4c41-a434-62fe8a61c773"),
    (EXCHANGE_APP_ID, "IMAP.AccessAsApp", "Role", "5e5addcd-3e8d-4e90-baf5-964efab2b20a"),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = Store.open(tmp_path_factory.mktemp("permission-ids") / "state")
    yield s
    s.close()


def _seeded(store: Store, resource: str) -> dict[tuple[str, str], str]:
    sp = store.directory.service_principal(resource)
    ids = {(s["value"], "Scope"): s["id"] for s in sp["oauth2PermissionScopes"]}
    ids.update({(r["value"], "Role"): r["id"] for r in sp["appRoles"]})
    return ids


@pytest.mark.parametrize(("resource", "value", "kind", "expected"), PERMISSIONS, ids=lambda v: str(v))
def test_the_seed_carries_microsofts_permission_id(store, resource, value, kind, expected):
    assert _seeded(store, resource).get((value, kind)) == expected


def test_every_permission_the_seed_carries_is_in_the_table(store):
    table = {(resource, value, kind) for resource, value, kind, _ in PERMISSIONS}
    for resource in (GRAPH_APP_ID, EXCHANGE_APP_ID, SHAREPOINT_APP_ID):
        for value, kind in _seeded(store, resource):
            assert (resource, value, kind) in table, (resource, value, kind)


def test_sharepoint_offers_every_permission_its_rest_host_accepts(store):
    """A permission the SharePoint REST host honours (:mod:`grooper_nb.sandbox.sharepoint.auth`) can be
    requested and consented: SharePoint's service principal publishes it."""
    from grooper_nb.sandbox.sharepoint.auth import (
        ALL_SITES_ROLES,
        MY_FILES_SCOPES,
        SELECTED_ROLE,
        SITE_SCOPES,
    )

    seeded = {(value.lower(), kind) for value, kind in _seeded(store, SHAREPOINT_APP_ID)}
    wanted = {(s, "Scope") for s in SITE_SCOPES | MY_FILES_SCOPES}
    wanted |= {(r, "Role") for r in ALL_SITES_ROLES | {SELECTED_ROLE}}
    assert wanted <= seeded, sorted(wanted - seeded)
