"""Microsoft's permission IDs for the permissions Grooper's connections name, on the client side.

An app registration does not name permissions by their value (``Mail.Read``) but by the ID the resource
publishes for it, as ``{"id": ..., "type": "Scope" | "Role"}`` under the resource's appId in
``requiredResourceAccess`` (https://learn.microsoft.com/graph/api/resources/requiredresourceaccess). A
wrong ID asks Entra ID for a permission that does not exist, so every ID here carries its source::

    >>> from grooper_nb.registration.permissions import lookup
    >>> p = lookup("exchange", "EWS.AccessAsUser.All", "delegated")
    >>> p.resource_app_id, p.type, p.id
    ('00000002-0000-0ff1-ce00-000000000000', 'Scope', '3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5')

Sources:

* Microsoft Graph: https://learn.microsoft.com/graph/permissions-reference (each permission's
  "Identifier" row, application and delegated).
* Office 365 Exchange Online: the manifest on
  https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth
  gives EWS.AccessAsUser.All and full_access_as_app. The IMAP page
  (https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth)
  names IMAP.AccessAsApp on this resource but gives no ID.
* Office 365 SharePoint Online: no Microsoft page lists its IDs;
  https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread names the
  permissions.

An ID that no Microsoft page states (it was read from the resource's service principal as tenants publish
it) has ``confirmed=False`` and shows as UNCONFIRMED: check it against your tenant with
:attr:`Permission.lookup_command` before relying on it.

This table is the client's own. The sandbox keeps its own copy (``grooper_nb/sandbox/store/seed.py``);
the two share no code, and ``tests/registration/test_permissions.py`` compares them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "EXCHANGE_APP_ID",
    "GRAPH_APP_ID",
    "PERMISSIONS",
    "RESOURCES",
    "SHAREPOINT_APP_ID",
    "Permission",
    "Resource",
    "lookup",
]

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"

GRAPH_REFERENCE = "https://learn.microsoft.com/graph/permissions-reference"
EWS_OAUTH = (
    "https://learn.microsoft.com/exchange/client-developer/exchange-web-services/"
    "how-to-authenticate-an-ews-application-by-using-oauth"
)
IMAP_OAUTH = (
    "https://learn.microsoft.com/exchange/client-developer/legacy-protocols/"
    "how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth"
)
SHAREPOINT_APP_ONLY = "https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread"

TYPES = {"delegated": "Scope", "application": "Role"}


@dataclass(frozen=True)
class Resource:
    """A first-party API an app asks permissions of: ``key`` as the connection catalogue names it."""

    key: str
    app_id: str
    display_name: str


RESOURCES: dict[str, Resource] = {
    r.key: r
    for r in (
        Resource("graph", GRAPH_APP_ID, "Microsoft Graph"),
        Resource("exchange", EXCHANGE_APP_ID, "Office 365 Exchange Online"),
        Resource("sharepoint", SHAREPOINT_APP_ID, "Office 365 SharePoint Online"),
    )
}


@dataclass(frozen=True)
class Permission:
    """One permission of one resource: ``type`` is ``Scope`` (delegated) or ``Role`` (application)."""

    resource: str
    value: str
    type: str
    id: str
    source: str
    confirmed: bool = True

    @property
    def kind(self) -> str:
        """``delegated`` or ``application``, as the portal and the requirements table say it."""
        return "delegated" if self.type == "Scope" else "application"

    @property
    def resource_app_id(self) -> str:
        return RESOURCES[self.resource].app_id

    @property
    def resource_name(self) -> str:
        return RESOURCES[self.resource].display_name

    @property
    def status(self) -> str:
        return "confirmed" if self.confirmed else "UNCONFIRMED"

    @property
    def lookup_command(self) -> str:
        """The Azure CLI command that prints this permission's ID as your tenant publishes it."""
        field = "oauth2PermissionScopes" if self.type == "Scope" else "appRoles"
        query = f"{field}[?value=='{self.value}'].id"
        return f'az ad sp show --id {self.resource_app_id} --query "{query}" -o tsv'


def _graph(value: str, scope: str | None, role: str | None, confirmed: bool = True) -> list[Permission]:
    out = []
    if scope:
        out.append(Permission("graph", value, "Scope", scope, GRAPH_REFERENCE, confirmed))
    if role:
        out.append(Permission("graph", value, "Role", role, GRAPH_REFERENCE, confirmed))
    return out


# Microsoft Graph, from the permissions reference. The rows marked False were read from Graph's service
# principal as published, not on the reference page itself.
_GRAPH = [
    *_graph("User.Read", "e1fe6dd8-ba31-4d61-89e7-88639da4683d", None),
    *_graph("offline_access", "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", None),
    *_graph("openid", "37f7f235-527c-4136-accd-4a02d197296e", None),
    *_graph("profile", "14dad69e-099b-42c9-810b-d002981feec1", None),
    *_graph("Mail.Read", "570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "810c84a8-4a9e-49e6-bf7d-12d183f40d01"),
    *_graph("Mail.ReadWrite", "024d486e-b451-40bb-833d-3e66d98c5c73", "e2a3a72e-5f79-4c64-b1b1-878b674786c9"),
    *_graph("Mail.Read.Shared", "7b9103a5-4610-446b-9670-80643382c1fa", None),
    *_graph("Mail.ReadWrite.Shared", "5df07973-7d5d-46ed-9847-1271055cbd51", None, confirmed=False),
    *_graph("Mail.ReadBasic", "a4b8392a-d8d1-4954-a029-8e668a39a170", None, confirmed=False),
    *_graph("Mail.ReadBasic", None, "6be147d2-ea4f-4b5a-a3fa-3eab6f3c140a", confirmed=False),
    *_graph("Mail.ReadBasic.All", None, "693c5e45-0940-467d-9b8a-1022fb9d42ef"),
    *_graph("Mail.ReadBasic.Shared", "b11fa0e7-fdb7-4dc9-b1f1-59facd463480", None, confirmed=False),
    *_graph("Sites.Read.All", "205e70e5-aba6-4c52-a976-6d2d46c48043", "332a536c-c7ef-4017-ab91-336970924f0d"),
    *_graph(
        "Sites.ReadWrite.All", "89fe6a52-be36-487e-b7d8-d061c450a026", "9492366f-7969-46a4-8d15-ed1a20078fff"
    ),
    *_graph(
        "Sites.Manage.All",
        "65e50fdc-43b7-4915-933e-e8138f11f40a",
        "0c0bf378-bf22-4481-8f81-9e89a9b4960a",
        confirmed=False,
    ),
    *_graph(
        "Sites.FullControl.All",
        "5a54b8b3-347c-476d-8f8e-42d5c7424d29",
        "a82116e5-55eb-4c41-a434-62fe8a61c773",
        confirmed=False,
    ),
    *_graph("Sites.Selected", "f89c84ef-20d0-4b54-87e9-02e856d66d53", "883ea226-0bf2-4a8f-9f9d-92c9162a727d"),
    *_graph("Files.Read", "10465720-29dd-4523-a11a-6a75c743c9d9", None),
    *_graph("Files.ReadWrite", "5c28f0bf-8a70-41f1-8ab2-9032436ddb65", None, confirmed=False),
    *_graph("Files.Read.All", "df85f4d6-205c-4ac5-a5ea-6bf408dba283", "01d4889c-1287-42c6-ac1f-5d1e02578ef6"),
    *_graph(
        "Files.ReadWrite.All", "863451e7-0667-486c-a5d6-d135439485f0", "75359482-378d-4052-8f01-80520e7db3cd"
    ),
    # Graph also publishes the Exchange protocol scopes; Grooper asks for them on Exchange Online.
    *_graph("EWS.AccessAsUser.All", "9769c687-087d-48ac-9cb3-c37dde652038", None),
    *_graph("IMAP.AccessAsUser.All", "652390e4-393a-48de-9484-05f9b1212954", None),
]

_EXCHANGE = [
    Permission(
        "exchange", "EWS.AccessAsUser.All", "Scope", "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5", EWS_OAUTH
    ),
    Permission("exchange", "full_access_as_app", "Role", "dc890d15-9560-4a4c-9b7f-a736ec74ec40", EWS_OAUTH),
    # The IMAP page names both permissions on Exchange Online but gives no ID.
    Permission(
        "exchange",
        "IMAP.AccessAsUser.All",
        "Scope",
        "195adc35-e27b-454b-a7ed-1ecdffa1c09f",
        IMAP_OAUTH,
        False,
    ),
    Permission(
        "exchange", "IMAP.AccessAsApp", "Role", "5e5addcd-3e8d-4e90-baf5-964efab2b20a", IMAP_OAUTH, False
    ),
]


def _sharepoint(value: str, type_: str, id_: str) -> Permission:
    return Permission("sharepoint", value, type_, id_, SHAREPOINT_APP_ONLY, confirmed=False)


_SHAREPOINT = [
    _sharepoint("AllSites.Read", "Scope", "4e0d77b0-96ba-4398-af14-3baa780278f4"),
    _sharepoint("AllSites.Write", "Scope", "640ddd16-e5b7-4d71-9690-3f4022699ee7"),
    _sharepoint("AllSites.Manage", "Scope", "b3f70a70-8a4b-4f95-9573-d71c496a53f4"),
    _sharepoint("AllSites.FullControl", "Scope", "56680e0d-d2a3-4ae1-80d8-3c4f2100e3d0"),
    _sharepoint("MyFiles.Read", "Scope", "dd2c8d78-58e1-46d7-82dd-34d411282686"),
    _sharepoint("MyFiles.Write", "Scope", "2cfdc887-d7b4-4798-9b33-3d98d6b95dd2"),
    _sharepoint("Sites.Selected", "Scope", "9ac4404a-0323-446d-b334-b4ae4d18b38a"),
    _sharepoint("Sites.Read.All", "Role", "d13f72ca-a275-4b96-b789-48ebcc4da984"),
    _sharepoint("Sites.ReadWrite.All", "Role", "fbcd29d2-fcca-4405-aded-518d457caae4"),
    _sharepoint("Sites.Manage.All", "Role", "9bff6588-13f2-4c48-bbf2-ddab62256b36"),
    _sharepoint("Sites.FullControl.All", "Role", "678536fe-1083-478a-9c59-b99265e6b0d3"),
    _sharepoint("Sites.Selected", "Role", "20d37865-089c-4dee-8c41-6967602d4ac8"),
]

PERMISSIONS: tuple[Permission, ...] = (*_GRAPH, *_EXCHANGE, *_SHAREPOINT)
_BY_KEY = {(p.resource, p.value, p.type): p for p in PERMISSIONS}


def lookup(resource: str, value: str, kind: str) -> Permission:
    """The permission ``value`` of ``resource`` (graph | exchange | sharepoint), ``delegated`` or
    ``application``; a clear error when the table does not know it."""
    if resource not in RESOURCES:
        raise ValueError(f"Unknown resource {resource!r}: use one of {', '.join(RESOURCES)}.")
    if kind not in TYPES:
        raise ValueError(f"Unknown permission kind {kind!r}: use 'delegated' or 'application'.")
    found = _BY_KEY.get((resource, value, TYPES[kind]))
    if found is None:
        raise ValueError(
            f"No {kind} permission {value!r} of {RESOURCES[resource].display_name} in the client's table "
            f"(grooper_nb/registration/permissions.py). Add it there with its ID and Microsoft's page, "
            f"or check the spelling."
        )
    return found
