"""Permissions of the first-party resources that the seed's table lacks and Graph's callers need.

The seed (:mod:`.seed`) writes Microsoft Graph's, Exchange Online's and SharePoint Online's service
principals from its pinned table. App registration and its audit also name the permissions below: the
read permission Graph documents for reading applications, the basic mail and user reads, Graph's
``Sites.FullControl.All``, Exchange Online's ``IMAP.AccessAsApp``, and the SharePoint Online permissions
its REST host honours beyond the seed's (``AllSites.Write``/``Manage``, ``MyFiles.Read``/``Write``,
``Sites.ReadWrite.All``, ``Sites.Manage.All`` and the delegated ``Sites.Selected``;
https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread names them, no
Microsoft page gives their ids: UNCONFIRMED, the same ids as the client's registration table).
:func:`complete_first_party` adds the missing ones to a tenant's service principals, the same way for a
new and an existing tenant, so every tenant serves the same ``appRoles`` and ``oauth2PermissionScopes``.

Sources: https://learn.microsoft.com/graph/permissions-reference (each permission's "Identifier"
row) and https://learn.microsoft.com/powershell/microsoftgraph/find-mg-graph-permission (its example
output lists Application.Read.All's delegated id). Ids marked UNCONFIRMED were not found on a Microsoft
page available while writing this; check them against the service principal of a real tenant
(``GET /servicePrincipals(appId='...')?$select=appRoles,oauth2PermissionScopes``) before relying on them.
"""

from __future__ import annotations

from typing import Any

from .seed import EXCHANGE_APP_ID, GRAPH_APP_ID, SHAREPOINT_APP_ID

__all__ = ["MORE_PERMISSIONS", "complete_first_party"]

# resource appId -> [(value, delegated scope id or None, application role id or None, admin consent)]
MORE_PERMISSIONS: dict[str, list[tuple[str, str | None, str | None, bool]]] = {
    GRAPH_APP_ID: [
        # delegated: confirmed (find-mg-graph-permission); application: UNCONFIRMED
        (
            "Application.Read.All",
            "c79f8feb-a9db-4090-85f9-90d820caa0eb",
            "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
            True,
        ),
        # UNCONFIRMED (both)
        (
            "Mail.ReadBasic",
            "a4b8392a-d8d1-4954-a029-8e668a39a170",
            "6be147d2-ea4f-4b5a-a3fa-3eab6f3c140a",
            False,
        ),
        # UNCONFIRMED (both)
        (
            "User.ReadBasic.All",
            "b340eb25-3456-403f-be2f-af7a0d370277",
            "97235f07-e226-4f63-ace3-39588e11d3a1",
            False,
        ),
        # UNCONFIRMED (both)
        (
            "Organization.Read.All",
            "4908d5b9-3fb2-4b1e-9336-1888b7937185",
            "498476ce-e0fe-48b0-b801-37ba7e2685c6",
            True,
        ),
        # UNCONFIRMED (both)
        (
            "Sites.FullControl.All",
            "5a54b8b3-347c-476d-8f8e-42d5c7424d29",
            "a82116e5-55eb-4c41-a434-62fe8a61c773",
            True,
        ),
    ],
    EXCHANGE_APP_ID: [
        # UNCONFIRMED: the IMAP/POP OAuth page names the permission but not its id:
        # https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
        # The id is the one published app manifests carry for it (requiredResourceAccess of Exchange Online).
        ("IMAP.AccessAsApp", None, "5e5addcd-3e8d-4e90-baf5-964efab2b20a", False),
    ],
    SHAREPOINT_APP_ID: [
        # UNCONFIRMED (all): as SharePoint Online's service principal publishes them in tenants; no
        # Microsoft page lists the ids. Admin consent: AllSites.Write/Manage and MyFiles.* are
        # user-consentable, the delegated Sites.Selected is not (UNCONFIRMED too).
        ("AllSites.Write", "640ddd16-e5b7-4d71-9690-3f4022699ee7", None, False),
        ("AllSites.Manage", "b3f70a70-8a4b-4f95-9573-d71c496a53f4", None, False),
        ("MyFiles.Read", "dd2c8d78-58e1-46d7-82dd-34d411282686", None, False),
        ("MyFiles.Write", "2cfdc887-d7b4-4798-9b33-3d98d6b95dd2", None, False),
        ("Sites.Selected", "9ac4404a-0323-446d-b334-b4ae4d18b38a", None, True),
        ("Sites.ReadWrite.All", None, "fbcd29d2-fcca-4405-aded-518d457caae4", False),
        ("Sites.Manage.All", None, "9bff6588-13f2-4c48-bbf2-ddab62256b36", False),
    ],
}


def complete_first_party(store: Any) -> None:
    """Add :data:`MORE_PERMISSIONS` a first-party service principal of ``store`` does not have yet."""
    for app_id, permissions in MORE_PERMISSIONS.items():
        sp = store.directory.service_principal(app_id)
        if sp is None:
            continue
        if _complete(sp, permissions):
            store.applications.save_service_principal(sp)


def _complete(sp: dict[str, Any], permissions: list) -> bool:
    roles = {r["value"] for r in sp["appRoles"]}
    scopes = {s["value"] for s in sp["oauth2PermissionScopes"]}
    changed = False
    for value, scope_id, role_id, admin in permissions:
        if role_id and value not in roles:
            sp["appRoles"].append(
                {
                    "id": role_id,
                    "value": value,
                    "displayName": value,
                    "allowedMemberTypes": ["Application"],
                    "isEnabled": True,
                    "description": f"{value} (application)",
                }
            )
            changed = True
        if scope_id and value not in scopes:
            sp["oauth2PermissionScopes"].append(
                {
                    "id": scope_id,
                    "value": value,
                    "type": "Admin" if admin else "User",
                    "isEnabled": True,
                    "adminConsentDisplayName": value,
                    "userConsentDisplayName": value,
                }
            )
            changed = True
    return changed
