"""The deterministic seed tenant (docs/sandbox.md, "Seed").

Everything that a test or notebook may name — tenant id, object ids, client ids, passwords, client secrets —
derives from ``random.Random(seed)``, so two state dirs seeded with the same number describe the same
tenant. Keys and certificates are fresh per state dir.

The first-party resources (Microsoft Graph, Office 365 Exchange Online, Office 365 SharePoint Online) are
service principals with their real appIds and permission GUIDs (sources: the comment above
``_GRAPH_PERMISSIONS``; tests/sandbox/store/test_permission_ids.py pins every one).

"Grooper Azure AD Connector 2021" is multi-tenant. ``connector`` chooses where it is registered and the
starting point: ``in-tenant`` (the default, the historical starting point) registers it in the customer
tenant itself, consented, so its application object (redirect URIs, secrets) can be audited there; with
``consented`` and ``unconsented`` its application object lives in its publisher's tenant ("Grooper
publisher", ids from the seed too), as Grooper's really does, and the customer tenant holds only its service
principal (https://learn.microsoft.com/entra/identity-platform/application-model): ``consented`` has that
service principal and an administrator's grants already; ``unconsented`` has none, as a tenant looks before
its administrator first consents, and lets users consent only to apps from verified publishers
(:data:`USER_CONSENT`)
(https://learn.microsoft.com/entra/identity-platform/howto-convert-app-to-be-multi-tenant).
"""

from __future__ import annotations

import base64
import datetime as dt
import random
import string
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .._files import write_private, write_public
from ..keys import b64url, make_self_signed, thumbprint_sha1
from .db import hash_secret
from .seed_mail import seed_mail
from .seed_sharepoint import seed_sharepoint

if TYPE_CHECKING:
    from . import Store

__all__ = [
    "CONNECTOR_STATES",
    "EXCHANGE_APP_ID",
    "FIRST_PARTY",
    "GRAPH_APP_ID",
    "MICROSOFT_TENANT_ID",
    "SHAREPOINT_APP_ID",
    "seed_tenant",
]

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"
# The tenant that owns Microsoft's first-party apps (``appOwnerOrganizationId`` of their service principals).
MICROSOFT_TENANT_ID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

GLOBAL_ADMIN_ROLE = "62e90394-69f5-4237-9190-012177145e10"
DEFAULT_USER_ROLE = "b79fbf4d-3ef9-4689-8143-76b194e85509"

# (value, delegated scope id or None, application role id or None, admin consent required for delegated).
# Every id is pinned, with its source, in tests/sandbox/store/test_permission_ids.py: Graph's from
# https://learn.microsoft.com/graph/permissions-reference, Exchange Online's from the manifest on
# the EWS OAuth page (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth).
# No Microsoft page lists SharePoint Online's; they match its service principal as tenants publish it.
_GRAPH_PERMISSIONS = [
    ("User.Read", "e1fe6dd8-ba31-4d61-89e7-88639da4683d", None, False),
    ("User.Read.All", "a154be20-db9c-4678-8ab7-66f6cc099a59", "df021288-bdef-4463-88db-98f22de89214", True),
    ("openid", "37f7f235-527c-4136-accd-4a02d197296e", None, False),
    ("profile", "14dad69e-099b-42c9-810b-d002981feec1", None, False),
    ("email", "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", None, False),
    ("offline_access", "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", None, False),
    ("Mail.Read", "570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "810c84a8-4a9e-49e6-bf7d-12d183f40d01", False),
    ("Mail.ReadWrite", "024d486e-b451-40bb-833d-3e66d98c5c73", "e2a3a72e-5f79-4c64-b1b1-878b674786c9", False),
    ("Mail.ReadBasic.All", None, "693c5e45-0940-467d-9b8a-1022fb9d42ef", False),
    ("Mail.Send", "e383f46e-2787-4529-855e-0e479a3ffac0", "b633e1c5-b582-4048-a93e-9f11b44c7e96", False),
    ("Mail.Read.Shared", "7b9103a5-4610-446b-9670-80643382c1fa", None, False),
    ("Sites.Read.All", "205e70e5-aba6-4c52-a976-6d2d46c48043", "332a536c-c7ef-4017-ab91-336970924f0d", False),
    (
        "Sites.ReadWrite.All",
        "89fe6a52-be36-487e-b7d8-d061c450a026",
        "9492366f-7969-46a4-8d15-ed1a20078fff",
        False,
    ),
    ("Sites.Selected", "f89c84ef-20d0-4b54-87e9-02e856d66d53", "883ea226-0bf2-4a8f-9f9d-92c9162a727d", True),
    ("Files.Read", "10465720-29dd-4523-a11a-6a75c743c9d9", None, False),
    ("Files.Read.All", "df85f4d6-205c-4ac5-a5ea-6bf408dba283", "01d4889c-1287-42c6-ac1f-5d1e02578ef6", False),
    (
        "Files.ReadWrite.All",
        "863451e7-0667-486c-a5d6-d135439485f0",
        "75359482-378d-4052-8f01-80520e7db3cd",
        False,
    ),
    ("EWS.AccessAsUser.All", "9769c687-087d-48ac-9cb3-c37dde652038", None, False),
    ("IMAP.AccessAsUser.All", "652390e4-393a-48de-9484-05f9b1212954", None, False),
    ("POP.AccessAsUser.All", "d7b7f2d9-0f45-4ea1-9d42-e50810c06991", None, False),
    ("SMTP.Send", "258f6531-6087-4cc4-bb90-092c5fb3ed3f", None, False),
    (
        "Application.ReadWrite.All",
        "bdfbf15f-ee85-4955-8675-146e8e5296b5",
        "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        True,
    ),
    (
        "AppRoleAssignment.ReadWrite.All",
        "84bccea3-f856-4a8a-967b-dbe0a3d53a64",
        "06b708a9-e830-4db3-a914-8e69da51d44f",
        True,
    ),
    (
        "DelegatedPermissionGrant.ReadWrite.All",
        "41ce6ca6-6826-4807-84f1-1c82854f7ee5",
        "8e8e4742-1d95-4f68-9d56-6ee75648c72a",
        True,
    ),
    (
        "Directory.Read.All",
        "06da0dbc-49e2-44d2-8312-53f166ab848a",
        "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
        True,
    ),
]
_EXCHANGE_PERMISSIONS = [
    ("EWS.AccessAsUser.All", "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5", None, False),
    ("full_access_as_app", None, "dc890d15-9560-4a4c-9b7f-a736ec74ec40", False),
]
_SHAREPOINT_PERMISSIONS = [
    ("AllSites.Read", "4e0d77b0-96ba-4398-af14-3baa780278f4", None, False),
    ("AllSites.FullControl", "56680e0d-d2a3-4ae1-80d8-3c4f2100e3d0", None, True),
    ("Sites.Read.All", None, "d13f72ca-a275-4b96-b789-48ebcc4da984", False),
    ("Sites.FullControl.All", None, "678536fe-1083-478a-9c59-b99265e6b0d3", False),
    ("Sites.Selected", None, "20d37865-089c-4dee-8c41-6967602d4ac8", False),
]

# appId -> (displayName, servicePrincipalNames builder, permissions)
FIRST_PARTY: dict[str, tuple[str, Any, list]] = {
    GRAPH_APP_ID: (
        "Microsoft Graph",
        lambda t: ["https://graph.microsoft.com", "https://graph.microsoft.com/"],
        _GRAPH_PERMISSIONS,
    ),
    EXCHANGE_APP_ID: (
        "Office 365 Exchange Online",
        lambda t: ["https://outlook.office365.com", "https://outlook.office.com", "https://ps.outlook.com"],
        _EXCHANGE_PERMISSIONS,
    ),
    SHAREPOINT_APP_ID: (
        "Office 365 SharePoint Online",
        lambda t: [
            f"https://{t['sharepoint_host']}",
            f"https://{t['sharepoint_host'].replace('.sharepoint', '-my.sharepoint')}",
            f"https://{t['sharepoint_host'].replace('.sharepoint', '-admin.sharepoint')}",
        ],
        _SHAREPOINT_PERMISSIONS,
    ),
}

DOMAIN = "contoso.onmicrosoft.com"
PUBLISHER_DOMAIN = "grooperpublisher.onmicrosoft.com"
CONNECTOR_NAME = "Grooper Azure AD Connector 2021"
# The ``connector`` seed option: the connector's service principal and grants in the customer tenant, or not.
CONNECTOR_STATES = ("in-tenant", "consented", "unconsented")  # launcher.CONNECTOR_STATES names the same
# The tenant's "User consent for applications" setting that goes with each starting point
# (https://learn.microsoft.com/entra/identity/enterprise-apps/configure-user-consent): the consented tenant
# lets users consent to any app (the sandbox's behaviour from the start); the unconsented one has
# Microsoft's recommended setting, users consent only to apps from verified publishers or registered in
# the tenant itself, so the connector needs an administrator.
USER_CONSENT = {"in-tenant": "all_apps", "consented": "all_apps", "unconsented": "verified_publishers"}

# (alias, display name, given, surname, enabled, mfa_required, has_mailbox, admin)
_USERS = [
    ("admin", "MOD Administrator", "MOD", "Administrator", True, False, True, True),
    ("adele.vance", "Adele Vance", "Adele", "Vance", True, False, True, False),
    ("megan.bowen", "Megan Bowen", "Megan", "Bowen", True, False, True, False),
    ("lee.gu", "Lee Gu", "Lee", "Gu", True, False, True, False),
    ("diego.siciliani", "Diego Siciliani", "Diego", "Siciliani", True, True, True, False),
    ("johanna.lorenz", "Johanna Lorenz", "Johanna", "Lorenz", False, False, True, False),
    ("nomail.user", "No Mailbox User", "NoMail", "User", True, False, False, False),
]

_GRAPH = "https://graph.microsoft.com"


class _Ids:
    """Deterministic GUIDs, passwords and secrets from one ``random.Random``."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)  # noqa: S311 - determinism is the point; nothing here guards a real system

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def password(self) -> str:
        letters = "".join(self.rng.choice(string.ascii_letters) for _ in range(10))
        digits = "".join(self.rng.choice(string.digits) for _ in range(4))
        return f"{letters[:1].upper()}{letters[1:]}{digits}!"

    def secret(self) -> str:
        # Entra's secretText format: 3 characters, "8Q~", then 34 characters.
        alphabet = string.ascii_letters + string.digits + "_-.~"
        head = "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(3))
        return f"{head}8Q~" + "".join(self.rng.choice(alphabet) for _ in range(34))


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def seed_tenant(store: Store, *, seed: int = 42, scale: str = "small", connector: str = "consented") -> None:
    """Write the seed tenant into an empty ``store``.

    ``seed``, ``scale`` and ``connector`` are recorded in the store's meta table (``meta("seed")``), which
    is what the service reports for an existing tenant. ``scale`` sizes the mail (:mod:`.seed_mail`) and
    SharePoint (:mod:`.seed_sharepoint`): the directory is the same at every scale. ``connector`` is one of
    :data:`CONNECTOR_STATES`.
    """
    if connector not in CONNECTOR_STATES:
        raise ValueError(f"connector must be one of {', '.join(CONNECTOR_STATES)}, not {connector!r}")
    ids = _Ids(seed)
    tenant_id = ids.guid()
    tenant = {
        "id": tenant_id,
        "domain": DOMAIN,
        "domains": [DOMAIN],
        "sharepoint_host": "contoso.sharepoint.com",
        "display_name": "Contoso (sandbox)",
        "created": _iso(dt.datetime(2021, 3, 1, tzinfo=dt.timezone.utc)),
    }
    store.db.set_meta("tenant", tenant)
    store.db.set_meta("seed", {"seed": seed, "scale": scale, "connector": connector})
    # From a stream of its own, so that every id of the customer tenant stays what it was.
    publisher = {
        "id": _Ids(f"publisher/{seed}").guid(),
        "domain": PUBLISHER_DOMAIN,
        "domains": [PUBLISHER_DOMAIN],
        "display_name": "Grooper publisher (sandbox)",
    }
    store.db.set_meta("publisher_tenant", publisher)
    settings = {
        "device_code_interval": 1,
        "device_code_expires_in": 900,
        "user_consent": USER_CONSENT[connector],
    }
    store.db.set_meta("settings", settings)

    _seed_users(store, ids)
    sps = {app_id: _seed_first_party(store, ids, app_id, tenant) for app_id in FIRST_PARTY}
    _seed_apps(store, ids, tenant, sps, connector=connector)
    seed_mail(store, seed=seed, scale=scale)  # its own random stream: every id above stays what it was
    seed_sharepoint(store, seed=seed, scale=scale)  # a stream of its own too


def _seed_users(store: Store, ids: _Ids) -> None:
    for alias, name, given, surname, enabled, mfa, mailbox, admin in _USERS:
        user_id = ids.guid()
        password = ids.password()
        upn = f"{alias}@{DOMAIN}"
        data = {
            "id": user_id,
            "userPrincipalName": upn,
            "displayName": name,
            "givenName": given,
            "surname": surname,
            "mail": upn if mailbox else None,
            "accountEnabled": enabled,
            "_sandbox": {
                "mfa_required": mfa,
                "has_mailbox": mailbox,
                "directory_roles": ["Global Administrator"] if admin else [],
                "wids": [GLOBAL_ADMIN_ROLE, DEFAULT_USER_ROLE] if admin else [DEFAULT_USER_ROLE],
            },
        }
        store.directory.add_user(data, password)
        store.db.set_reveal(f"password:{user_id}", password)


def _seed_first_party(store: Store, ids: _Ids, app_id: str, tenant: dict) -> dict:
    name, spns, permissions = FIRST_PARTY[app_id]
    sp = {
        "id": ids.guid(),
        "appId": app_id,
        "displayName": name,
        "servicePrincipalType": "Application",
        "accountEnabled": True,
        "appOwnerOrganizationId": MICROSOFT_TENANT_ID,
        "servicePrincipalNames": [*spns(tenant), app_id],
        "accessTokenAcceptedVersion": 1,
        "appRoles": [
            {
                "id": role,
                "value": value,
                "displayName": value,
                "allowedMemberTypes": ["Application"],
                "isEnabled": True,
                "description": f"{value} (application)",
            }
            for value, _scope, role, _admin in permissions
            if role
        ],
        "oauth2PermissionScopes": [
            {
                "id": scope,
                "value": value,
                "type": "Admin" if admin else "User",
                "isEnabled": True,
                "adminConsentDisplayName": value,
                "userConsentDisplayName": value,
            }
            for value, scope, _role, admin in permissions
            if scope
        ],
    }
    store.directory.add_service_principal(sp)
    return sp


def _app_shell(ids: _Ids, name: str, *, audience: str = "AzureADMyOrg") -> dict[str, Any]:
    app_id, object_id = ids.guid(), ids.guid()
    return {
        "id": object_id,
        "appId": app_id,
        "displayName": name,
        "signInAudience": audience,
        "createdDateTime": "2021-03-01T09:00:00Z",
        "publisherDomain": DOMAIN,
        # Graph's shape for an app whose publisher is not verified (every seeded app):
        # https://learn.microsoft.com/entra/identity-platform/publisher-verification-overview
        "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
        "isFallbackPublicClient": False,
        "identifierUris": [],
        "api": {
            "requestedAccessTokenVersion": None,
            "oauth2PermissionScopes": [],
            "preAuthorizedApplications": [],
        },
        "appRoles": [],
        "web": {
            "redirectUris": [],
            "implicitGrantSettings": {"enableIdTokenIssuance": False, "enableAccessTokenIssuance": False},
        },
        "publicClient": {"redirectUris": []},
        "spa": {"redirectUris": []},
        "passwordCredentials": [],
        "keyCredentials": [],
        "requiredResourceAccess": [],
    }


def _add_secret(ids: _Ids, app: dict, *, expired: bool = False) -> tuple[str, str]:
    secret, key_id = ids.secret(), ids.guid()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    start = now - dt.timedelta(days=800 if expired else 1)
    end = now - dt.timedelta(days=70) if expired else now + dt.timedelta(days=730)
    app["passwordCredentials"].append(
        {
            "keyId": key_id,
            "displayName": "expired secret" if expired else "sandbox secret",
            "hint": secret[:3],
            "customKeyIdentifier": None,
            "startDateTime": _iso(start),
            "endDateTime": _iso(end),
            "_secretHash": hash_secret(secret),
        }
    )
    return secret, key_id


def _add_certificate(ids: _Ids, app: dict, folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    key_pem, cert_pem = make_self_signed(app["displayName"], days=365)
    key_path, cert_path = folder / "private_key.pem", folder / "certificate.pem"
    write_private(key_path, key_pem)
    write_public(cert_path, cert_pem)
    cert = x509.load_pem_x509_certificate(cert_pem)
    der = cert.public_bytes(serialization.Encoding.DER)
    app["keyCredentials"].append(
        {
            "keyId": ids.guid(),
            "type": "AsymmetricX509Cert",
            "usage": "Verify",
            "displayName": f"CN={app['displayName']}",
            "customKeyIdentifier": base64.b64encode(thumbprint_sha1(der)).decode(),
            "key": base64.b64encode(der).decode(),
            "startDateTime": _iso(cert.not_valid_before_utc),
            "endDateTime": _iso(cert.not_valid_after_utc),
        }
    )
    return {
        "certificate_pem": str(cert_path.resolve()),
        "private_key_pem": str(key_path.resolve()),
        "certificate_thumbprint": thumbprint_sha1(der).hex().upper(),
        "x5t": b64url(thumbprint_sha1(der)),
    }


def _client_sp(store: Store, ids: _Ids, app: dict, *, enabled: bool = True, owner: str | None = None) -> dict:
    sp = {
        "id": ids.guid(),
        "appId": app["appId"],
        "displayName": app["displayName"],
        "servicePrincipalType": "Application",
        "accountEnabled": enabled,
        "appOwnerOrganizationId": owner or store.directory.tenant["id"],
        "servicePrincipalNames": [*app["identifierUris"], app["appId"]],
        "accessTokenAcceptedVersion": app["api"]["requestedAccessTokenVersion"] or 1,
        "appRoles": list(app["appRoles"]),
        "oauth2PermissionScopes": list(app["api"]["oauth2PermissionScopes"]),
    }
    store.directory.add_service_principal(sp)
    return sp


def _require(app: dict, resource_sp: dict, scopes: list[str] = (), roles: list[str] = ()) -> None:
    by_scope = {s["value"]: s["id"] for s in resource_sp["oauth2PermissionScopes"]}
    by_role = {r["value"]: r["id"] for r in resource_sp["appRoles"]}
    app["requiredResourceAccess"].append(
        {
            "resourceAppId": resource_sp["appId"],
            "resourceAccess": [{"id": by_scope[s], "type": "Scope"} for s in scopes]
            + [{"id": by_role[r], "type": "Role"} for r in roles],
        }
    )


def _consent(store: Store, client_sp: dict, resource_sp: dict, scopes=(), roles=()) -> None:
    if scopes:
        store.directory.add_permission_grant(client_sp["id"], resource_sp["id"], list(scopes))
    by_role = {r["value"]: r["id"] for r in resource_sp["appRoles"]}
    for role in roles:
        store.directory.add_app_role_assignment(client_sp["id"], resource_sp["id"], by_role[role])


def _seed_connector(store: Store, ids: _Ids, sps: dict[str, dict], *, connector: str) -> None:
    """ "Grooper Azure AD Connector 2021": confidential, multi-tenant, delegated EWS/Graph.

    With ``connector="in-tenant"`` its application object and consented service principal are in the
    customer tenant. Otherwise its application object lives in the publisher tenant: with
    ``connector="consented"`` the customer
    tenant has its service principal, owned by the publisher (``appOwnerOrganizationId``), and an
    administrator's AllPrincipals grants; with ``"unconsented"`` it has neither, until an administrator
    consents (https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent).
    """
    from ..login.authorize import NATIVECLIENT_URI  # the login host owns its routes; login imports the store

    graph, exo = sps[GRAPH_APP_ID], sps[EXCHANGE_APP_ID]
    publisher = store.directory.publisher_tenant
    grooper = _app_shell(ids, CONNECTOR_NAME, audience="AzureADMultipleOrgs")
    home = None if connector == "in-tenant" else publisher["id"]
    if home is not None:
        grooper["publisherDomain"] = publisher["domain"]
    grooper["web"]["redirectUris"] = ["http://localhost"]
    grooper["publicClient"]["redirectUris"] = [NATIVECLIENT_URI]
    secret, secret_id = _add_secret(ids, grooper)
    expired, _ = _add_secret(ids, grooper, expired=True)
    graph_scopes = ["Files.ReadWrite.All", "Sites.ReadWrite.All", "User.Read", "offline_access"]
    _require(grooper, exo, scopes=["EWS.AccessAsUser.All"])
    _require(grooper, graph, scopes=graph_scopes)
    store.directory.add_application(grooper, home_tenant_id=home)
    if connector in ("in-tenant", "consented"):
        sp = _client_sp(store, ids, grooper, owner=home)
        _consent(store, sp, exo, scopes=["EWS.AccessAsUser.All"])
        _consent(store, sp, graph, scopes=graph_scopes)
    else:
        ids.guid()  # the service principal's id, drawn all the same: every later id stays what it was
    store.db.set_reveal(
        f"app:{grooper['appId']}",
        {"client_secret": secret, "client_secret_id": secret_id, "expired_client_secret": expired},
    )


def _seed_apps(store: Store, ids: _Ids, tenant: dict, sps: dict[str, dict], *, connector: str) -> None:
    from ..login.authorize import NATIVECLIENT_URI  # the login host owns its routes; login imports the store

    graph, exo, spo = sps[GRAPH_APP_ID], sps[EXCHANGE_APP_ID], sps[SHAREPOINT_APP_ID]
    apps_dir = store.state_dir / "apps"

    _seed_connector(store, ids, sps, connector=connector)

    # "Grooper Server-to-Server": secret + certificate, application permissions, admin-consented.
    s2s = _app_shell(ids, "Grooper Server-to-Server")
    secret, secret_id = _add_secret(ids, s2s)
    cert = _add_certificate(ids, s2s, apps_dir / "grooper-server-to-server")
    graph_roles = ["Mail.Read", "Sites.Read.All", "User.Read.All"]
    _require(s2s, graph, roles=graph_roles)
    _require(s2s, exo, roles=["full_access_as_app"])
    _require(s2s, spo, roles=["Sites.Read.All"])
    store.directory.add_application(s2s)
    sp = _client_sp(store, ids, s2s)
    _consent(store, sp, graph, roles=graph_roles)
    _consent(store, sp, exo, roles=["full_access_as_app"])
    _consent(store, sp, spo, roles=["Sites.Read.All"])
    store.db.set_reveal(
        f"app:{s2s['appId']}",
        {
            "client_secret": secret,
            "client_secret_id": secret_id,
            **{k: v for k, v in cert.items() if k != "x5t"},
        },
    )

    # "Grooper Middle-Tier API" first: the bootstrap client asks for its access_as_user scope.
    mid = _app_shell(ids, "Grooper Middle-Tier API")
    mid["identifierUris"] = [f"api://{mid['appId']}"]
    mid["api"]["requestedAccessTokenVersion"] = 2
    mid["api"]["oauth2PermissionScopes"] = [
        {
            "id": ids.guid(),
            "value": "access_as_user",
            "type": "User",
            "isEnabled": True,
            "adminConsentDisplayName": "Access the Grooper middle tier as the signed-in user",
            "adminConsentDescription": "Lets the app call the Grooper middle-tier API as the signed-in user.",
            "userConsentDisplayName": "Access the Grooper middle tier as you",
            "userConsentDescription": "Lets the app call the Grooper middle-tier API as you.",
        }
    ]
    mid["web"]["redirectUris"] = ["http://localhost"]
    secret, secret_id = _add_secret(ids, mid)
    mid_scopes = ["User.Read", "Mail.Read", "offline_access"]
    _require(mid, graph, scopes=mid_scopes)
    store.directory.add_application(mid)
    mid_sp = _client_sp(store, ids, mid)
    _consent(store, mid_sp, graph, scopes=mid_scopes)
    store.db.set_reveal(f"app:{mid['appId']}", {"client_secret": secret, "client_secret_id": secret_id})

    # "Grooper NB Bootstrap": public client with delegated admin scopes and the middle tier's scope.
    boot = _app_shell(ids, "Grooper NB Bootstrap")
    boot["isFallbackPublicClient"] = True
    boot["publicClient"]["redirectUris"] = ["http://localhost", NATIVECLIENT_URI]
    boot_scopes = [
        "Application.ReadWrite.All",
        "AppRoleAssignment.ReadWrite.All",
        "DelegatedPermissionGrant.ReadWrite.All",
        "Directory.Read.All",
        "User.Read",
        "offline_access",
    ]
    _require(boot, graph, scopes=boot_scopes)
    _require(boot, mid_sp, scopes=["access_as_user"])
    store.directory.add_application(boot)
    sp = _client_sp(store, ids, boot)
    _consent(store, sp, graph, scopes=boot_scopes)
    _consent(store, sp, mid_sp, scopes=["access_as_user"])

    # Seeded last so that every id above stays what it was.
    _seed_disabled_app(store, ids)


def _seed_disabled_app(store: Store, ids: _Ids) -> None:
    """ "Grooper Disabled Connector": an app whose enterprise app (service principal) an admin disabled.

    Its service principal has ``accountEnabled`` false, what "Enabled for users to sign-in = No" writes;
    every sign-in and token request for it is refused with AADSTS7000112:
    https://learn.microsoft.com/entra/identity/enterprise-apps/disable-user-sign-in-portal
    """
    app = _app_shell(ids, "Grooper Disabled Connector")
    app["web"]["redirectUris"] = ["http://localhost"]
    secret, secret_id = _add_secret(ids, app)
    store.directory.add_application(app)
    _client_sp(store, ids, app, enabled=False)
    store.db.set_reveal(f"app:{app['appId']}", {"client_secret": secret, "client_secret_id": secret_id})
