"""The directory: tenant, users, applications, service principals and what consent granted.

Objects mirror the Graph resources they stand for (Microsoft Graph v1.0 ``user``, ``application``,
``servicePrincipal``: https://learn.microsoft.com/graph/api/resources/serviceprincipal?view=graph-rest-1.0):
they keep their Graph JSON shape in a ``data`` column, so the Graph resource server can serve them as they
are. ``oauth2_permission_grants`` and ``app_role_assignments`` are what "Grant admin consent" writes
(https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent).

An application object lives in one tenant, its home (``home_tenant_id``; empty means the customer tenant);
a multi-tenant app's object lives in its publisher's tenant, and the customer tenant holds only its service
principal, once consented (https://learn.microsoft.com/entra/identity-platform/application-model). The
customer tenant is the only one users sign in to; the publisher tenant is a name and an id
(:attr:`Directory.publisher_tenant`).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from typing import Any

from .db import Database, hash_secret
from .db import now as _now

__all__ = ["OIDC_SCOPES", "Directory", "redirect_uris", "resource_uri"]


class Directory:
    """Who and what exists in the tenant; ``store.directory``."""

    def __init__(self, db: Database):
        self.db = db

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self.db.execute(sql, params)

    def transaction(self):
        return self.db.transaction()

    # -- tenant --------------------------------------------------------------------------------------
    @property
    def tenant(self) -> dict[str, Any]:
        return self.db.meta("tenant")

    @property
    def publisher_tenant(self) -> dict[str, Any] | None:
        """The tenant the multi-tenant connector's application object lives in (None in an older tenant)."""
        return self.db.meta("publisher_tenant")

    def resolve_tenant(self, segment: str) -> dict[str, Any] | None:
        """The tenant named by a URL segment (GUID or verified domain), or None."""
        tenant = self.tenant
        seg = segment.lower()
        if seg == tenant["id"].lower() or seg in (d.lower() for d in tenant["domains"]):
            return tenant
        return None

    # -- users ---------------------------------------------------------------------------------------
    def add_user(self, data: dict[str, Any], password: str | None) -> None:
        self.execute(
            "INSERT INTO users (id, upn, password_hash, data) VALUES (?, ?, ?, ?)",
            (
                data["id"],
                data["userPrincipalName"],
                hash_secret(password) if password else None,
                json.dumps(data),
            ),
        )

    def _user_row(self, row: sqlite3.Row | None) -> dict[str, Any] | None:
        if row is None:
            return None
        user = json.loads(row["data"])
        user["_password_hash"] = row["password_hash"]
        user["_failed_signins"] = row["failed_signins"]
        user["_locked_until"] = row["locked_until"]
        user["_tokens_valid_from"] = row["tokens_valid_from"]
        return user

    def user_by_upn(self, upn: str) -> dict[str, Any] | None:
        return self._user_row(self.execute("SELECT * FROM users WHERE upn=?", (upn,)).fetchone())

    def user_by_id(self, user_id: str) -> dict[str, Any] | None:
        return self._user_row(self.execute("SELECT * FROM users WHERE id=?", (user_id,)).fetchone())

    def users(self) -> list[dict[str, Any]]:
        return [self._user_row(r) for r in self.execute("SELECT * FROM users ORDER BY rowid")]

    def record_failed_signin(self, user_id: str, *, threshold: int, lockout_seconds: int) -> int:
        """Count a bad password; lock the account at ``threshold`` (Entra smart lockout); the count."""
        with self.transaction() as conn:
            row = conn.execute("SELECT failed_signins FROM users WHERE id=?", (user_id,)).fetchone()
            count = row["failed_signins"] + 1
            locked_until = _now() + lockout_seconds if count >= threshold else 0
            conn.execute(
                "UPDATE users SET failed_signins=?, locked_until=? WHERE id=?", (count, locked_until, user_id)
            )
        return count

    def record_good_signin(self, user_id: str) -> None:
        self.execute("UPDATE users SET failed_signins=0, locked_until=0 WHERE id=?", (user_id,))

    def revoke_sessions(self, user_id: str) -> float:
        """What ``revokeSignInSessions`` does: grants issued before now stop working (AADSTS50173).

        The cut is this instant, to the microsecond, and every check compares a grant's own precise issue
        time with it (``issued < tokens_valid_from``): a refresh token's ``created``, an access token's
        :meth:`access_token_issued`. A sign-in a moment later, even in the same second, is unaffected.
        """
        valid_from = _now()
        self.execute("UPDATE users SET tokens_valid_from=? WHERE id=?", (valid_from, user_id))
        self.execute("DELETE FROM sessions WHERE user_id=?", (user_id,))
        return valid_from

    # -- applications and service principals ---------------------------------------------------------
    def add_application(self, data: dict[str, Any], home_tenant_id: str | None = None) -> None:
        """Register an application object; ``home_tenant_id`` None: it lives in the customer tenant."""
        self.execute(
            "INSERT INTO applications (id, app_id, data, home_tenant_id) VALUES (?, ?, ?, ?)",
            (data["id"], data["appId"], json.dumps(data), home_tenant_id),
        )

    def home_tenant_id(self, app_id: str) -> str | None:
        """The id of the tenant the application object lives in (None for an unknown app)."""
        row = self.execute(
            "SELECT home_tenant_id FROM applications WHERE app_id=? COLLATE NOCASE", (app_id,)
        ).fetchone()
        if row is None:
            return None
        return row["home_tenant_id"] or self.tenant["id"]

    def application(self, app_id: str) -> dict[str, Any] | None:
        row = self.execute(
            "SELECT data FROM applications WHERE app_id=? COLLATE NOCASE", (app_id,)
        ).fetchone()
        return json.loads(row["data"]) if row else None

    def applications(self) -> list[dict[str, Any]]:
        return [json.loads(r["data"]) for r in self.execute("SELECT data FROM applications ORDER BY rowid")]

    def add_service_principal(self, data: dict[str, Any]) -> None:
        self.execute(
            "INSERT INTO service_principals VALUES (?, ?, ?)", (data["id"], data["appId"], json.dumps(data))
        )

    def service_principal(self, app_id: str) -> dict[str, Any] | None:
        row = self.execute(
            "SELECT data FROM service_principals WHERE app_id=? COLLATE NOCASE", (app_id,)
        ).fetchone()
        return json.loads(row["data"]) if row else None

    def service_principal_by_id(self, sp_id: str) -> dict[str, Any] | None:
        row = self.execute("SELECT data FROM service_principals WHERE id=?", (sp_id,)).fetchone()
        return json.loads(row["data"]) if row else None

    def service_principals(self) -> list[dict[str, Any]]:
        return [
            json.loads(r["data"]) for r in self.execute("SELECT data FROM service_principals ORDER BY rowid")
        ]

    def resource_for(self, identifier: str) -> dict[str, Any] | None:
        """The service principal a resource identifier (App ID URI or appId GUID) names, or None.

        Matching is case-insensitive and ignores one trailing slash, as Entra does for App ID URIs.
        """
        wanted = identifier.rstrip("/").lower()
        for sp in self.service_principals():
            names = [sp["appId"], *sp.get("servicePrincipalNames", [])]
            if any(n.rstrip("/").lower() == wanted for n in names):
                return sp
        return None

    # -- consent ---------------------------------------------------------------------------------------
    def add_permission_grant(
        self, client_sp_id: str, resource_sp_id: str, scopes: list[str], principal_id: str | None = None
    ) -> None:
        """Create or extend an oAuth2PermissionGrant (AllPrincipals when ``principal_id`` is None)."""
        consent_type = "Principal" if principal_id else "AllPrincipals"
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT id, scope FROM oauth2_permission_grants WHERE client_id=? AND resource_id=? "
                "AND consent_type=? AND principal_id IS ?",
                (client_sp_id, resource_sp_id, consent_type, principal_id),
            ).fetchone()
            if row:
                merged = row["scope"].split()
                merged += [s for s in scopes if s.lower() not in {m.lower() for m in merged}]
                conn.execute(
                    "UPDATE oauth2_permission_grants SET scope=? WHERE id=?", (" ".join(merged), row["id"])
                )
            else:
                conn.execute(
                    "INSERT INTO oauth2_permission_grants VALUES (?, ?, ?, ?, ?, ?)",
                    (_grant_id(), client_sp_id, resource_sp_id, consent_type, principal_id, " ".join(scopes)),
                )

    def permission_grants(self) -> list[dict[str, Any]]:
        return [
            {
                "id": r["id"],
                "clientId": r["client_id"],
                "consentType": r["consent_type"],
                "principalId": r["principal_id"],
                "resourceId": r["resource_id"],
                "scope": r["scope"],
            }
            for r in self.execute("SELECT * FROM oauth2_permission_grants ORDER BY rowid")
        ]

    def granted_scopes(self, client_sp_id: str, resource_sp_id: str, user_id: str | None) -> list[str]:
        """Delegated scopes consented for this client on this resource, for everyone or for this user."""
        rows = self.execute(
            "SELECT scope FROM oauth2_permission_grants WHERE client_id=? AND resource_id=? AND "
            "(consent_type='AllPrincipals' OR principal_id=?) ORDER BY rowid",
            (client_sp_id, resource_sp_id, user_id),
        )
        out: list[str] = []
        for row in rows:
            out += [s for s in row["scope"].split() if s.lower() not in {o.lower() for o in out}]
        return out

    def add_app_role_assignment(self, principal_id: str, resource_id: str, app_role_id: str) -> None:
        exists = self.execute(
            "SELECT 1 FROM app_role_assignments WHERE principal_id=? AND resource_id=? AND app_role_id=?",
            (principal_id, resource_id, app_role_id),
        ).fetchone()
        if not exists:
            self.execute(
                "INSERT INTO app_role_assignments VALUES (?, ?, ?, ?, ?)",
                (_grant_id(), principal_id, resource_id, app_role_id, _now()),
            )

    def revoke_consent(
        self, client_sp_id: str, resource_sp_id: str | None = None, user_id: str | None = None
    ) -> int:
        """Delete what consent granted the client; the number of rows deleted.

        With ``user_id``: that user's own delegated grants (consentType Principal) only. Without it: every
        delegated grant (for everyone and for each user) and every app role assignment of the client, as
        removing an app's permissions in the enterprise app does
        (https://learn.microsoft.com/entra/identity/enterprise-apps/manage-application-permissions).
        ``resource_sp_id`` limits either to one resource. The next token request for a scope no longer
        granted is refused with AADSTS65001.
        """
        where, params = "client_id=?", [client_sp_id]
        if resource_sp_id is not None:
            where += " AND resource_id=?"
            params.append(resource_sp_id)
        if user_id is not None:
            where += " AND consent_type='Principal' AND principal_id=?"
            params.append(user_id)
        with self.transaction() as conn:
            # Only fixed clauses are put together; every value is a parameter.
            sql = f"DELETE FROM oauth2_permission_grants WHERE {where}"  # noqa: S608
            count = conn.execute(sql, params).rowcount
            if user_id is None:
                roles, role_params = "principal_id=?", [client_sp_id]
                if resource_sp_id is not None:
                    roles += " AND resource_id=?"
                    role_params.append(resource_sp_id)
                sql = f"DELETE FROM app_role_assignments WHERE {roles}"  # noqa: S608
                count += conn.execute(sql, role_params).rowcount
        return count

    def app_role_assignments(self) -> list[dict[str, Any]]:
        return [
            {
                "id": r["id"],
                "principalId": r["principal_id"],
                "resourceId": r["resource_id"],
                "appRoleId": r["app_role_id"],
            }
            for r in self.execute("SELECT * FROM app_role_assignments ORDER BY rowid")
        ]

    def granted_roles(self, client_sp_id: str, resource_sp: dict[str, Any]) -> list[str]:
        """Values of the app roles of ``resource_sp`` assigned to the client (the ``roles`` claim)."""
        ids = {
            r["app_role_id"]
            for r in self.execute(
                "SELECT app_role_id FROM app_role_assignments WHERE principal_id=? AND resource_id=?",
                (client_sp_id, resource_sp["id"]),
            )
        }
        return [role["value"] for role in resource_sp.get("appRoles", []) if role["id"] in ids]

    # -- what the CLI prints -------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """``{"tenant", "publisher_tenant", "users", "apps"}`` exactly as the start JSON lists them
        (secrets in clear). Each app says which tenant it lives in (``home_tenant_id``) and the object id
        of its service principal in the customer tenant (``service_principal_id``, None before anyone
        consented)."""
        tenant = self.tenant
        users = []
        for user in self.users():
            users.append(
                {
                    "upn": user["userPrincipalName"],
                    "password": self.db.reveal(f"password:{user['id']}"),
                    "display_name": user["displayName"],
                    "enabled": user["accountEnabled"],
                    "mfa_required": user["_sandbox"]["mfa_required"],
                    "has_mailbox": user["_sandbox"]["has_mailbox"],
                    "directory_roles": list(user["_sandbox"]["directory_roles"]),
                    "object_id": user["id"],
                }
            )
        apps = []
        for app in self.applications():
            info = self.db.reveal(f"app:{app['appId']}") or {}
            sp = self.service_principal(app["appId"])
            apps.append(
                {
                    "name": app["displayName"],
                    "client_id": app["appId"],
                    "object_id": app["id"],
                    "client_secret": info.get("client_secret"),
                    "client_secret_id": info.get("client_secret_id"),
                    "expired_client_secret": info.get("expired_client_secret"),
                    "certificate_pem": info.get("certificate_pem"),
                    "private_key_pem": info.get("private_key_pem"),
                    "certificate_thumbprint": info.get("certificate_thumbprint"),
                    "public_client": bool(app.get("isFallbackPublicClient")),
                    "redirect_uris": redirect_uris(app),
                    "identifier_uris": list(app.get("identifierUris", [])),
                    "delegated_permissions": self._delegated_permissions(app),
                    "application_permissions": self._application_permissions(app),
                    "home_tenant_id": self.home_tenant_id(app["appId"]),
                    "service_principal_id": sp["id"] if sp else None,
                }
            )
        publisher = self.publisher_tenant
        return {
            "tenant": {k: tenant[k] for k in ("id", "domain", "sharepoint_host", "display_name")},
            "publisher_tenant": {k: publisher[k] for k in ("id", "domain", "display_name")}
            if publisher
            else None,
            "users": users,
            "apps": apps,
        }

    def _delegated_permissions(self, app: dict[str, Any]) -> list[str]:
        sp = self.service_principal(app["appId"])
        if sp is None:
            return []
        out = []
        for grant in self.permission_grants():
            if grant["clientId"] != sp["id"] or grant["consentType"] != "AllPrincipals":
                continue
            resource = self.service_principal_by_id(grant["resourceId"])
            for scope in grant["scope"].split():
                out.append(scope if scope in OIDC_SCOPES else f"{resource_uri(resource)}/{scope}")
        return out

    def _application_permissions(self, app: dict[str, Any]) -> list[str]:
        sp = self.service_principal(app["appId"])
        if sp is None:
            return []
        out = []
        for assignment in self.app_role_assignments():
            if assignment["principalId"] != sp["id"]:
                continue
            resource = self.service_principal_by_id(assignment["resourceId"])
            role = next((r for r in resource.get("appRoles", []) if r["id"] == assignment["appRoleId"]), None)
            if role:
                out.append(f"{resource_uri(resource)}/{role['value']}")
        return out


OIDC_SCOPES = ("openid", "profile", "email", "offline_access")


def resource_uri(sp: dict[str, Any]) -> str:
    """The URI a resource is usually named by in scopes (its first servicePrincipalName that is a URI)."""
    for name in sp.get("servicePrincipalNames", []):
        if "://" in name:
            return name.rstrip("/")
    return sp["appId"]


def redirect_uris(app: dict[str, Any]) -> list[str]:
    """All redirect URIs of an application, across platforms (web, publicClient, spa)."""
    out: list[str] = []
    for platform in ("web", "publicClient", "spa"):
        for uri in (app.get(platform) or {}).get("redirectUris", []):
            if uri not in out:
                out.append(uri)
    return out


def _grant_id() -> str:
    return secrets.token_urlsafe(32)
