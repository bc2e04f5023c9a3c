"""What Microsoft Graph writes to the directory: applications, service principals, owners and grants.

:mod:`.directory` creates and reads these objects for the seed and the token endpoint; this module
adds the updates and deletions a Graph client makes (``store.applications``). It writes the same
tables the token endpoint reads (``oauth2_permission_grants``, ``app_role_assignments``, the
applications' ``passwordCredentials``), so consent given or taken back through Graph counts at the
next token request, as it does in Entra:
https://learn.microsoft.com/graph/permissions-grant-via-msgraph
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from .db import Database
from .db import now as _now
from .directory import Directory

__all__ = ["Applications"]


class Applications:
    """Graph's writes to the directory; ``store.applications``."""

    def __init__(self, db: Database):
        self.db = db

    # -- applications ----------------------------------------------------------------------------------
    def application_by_id(self, object_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT data FROM applications WHERE id=?", (object_id,)).fetchone()
        return json.loads(row["data"]) if row else None

    def save_application(self, data: dict[str, Any]) -> None:
        """Replace the stored application ``data['id']`` (its appId never changes)."""
        self.db.execute("UPDATE applications SET data=? WHERE id=?", (json.dumps(data), data["id"]))

    def delete_application(self, object_id: str) -> bool:
        """Delete an application and, as Entra does in the app's home tenant, its service principal with
        the consent granted to it: https://learn.microsoft.com/entra/identity-platform/app-objects-and-service-principals
        """
        with self.db.transaction() as conn:
            row = conn.execute("SELECT app_id FROM applications WHERE id=?", (object_id,)).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM applications WHERE id=?", (object_id,))
            sp = conn.execute("SELECT id FROM service_principals WHERE app_id=?", (row["app_id"],)).fetchone()
            if sp is not None:
                conn.execute("DELETE FROM oauth2_permission_grants WHERE client_id=?", (sp["id"],))
                conn.execute("DELETE FROM app_role_assignments WHERE principal_id=?", (sp["id"],))
                conn.execute("DELETE FROM service_principals WHERE id=?", (sp["id"],))
        return True

    # -- service principals ---------------------------------------------------------------------------
    def save_service_principal(self, data: dict[str, Any]) -> None:
        self.db.execute("UPDATE service_principals SET data=? WHERE id=?", (json.dumps(data), data["id"]))

    # -- oauth2PermissionGrants -----------------------------------------------------------------------
    def permission_grant(self, grant_id: str) -> dict[str, Any] | None:
        return next((g for g in self._grants() if g["id"] == grant_id), None)

    def _grants(self) -> list[dict[str, Any]]:
        return Directory(self.db).permission_grants()

    def create_permission_grant(
        self, client_id: str, resource_id: str, consent_type: str, principal_id: str | None, scope: str
    ) -> dict[str, Any] | None:
        """A new grant, or None when one for the same client, resource and principal exists."""
        with self.db.transaction() as conn:
            exists = conn.execute(
                "SELECT 1 FROM oauth2_permission_grants WHERE client_id=? AND resource_id=? "
                "AND consent_type=? AND principal_id IS ?",
                (client_id, resource_id, consent_type, principal_id),
            ).fetchone()
            if exists:
                return None
            grant_id = secrets.token_urlsafe(32)
            conn.execute(
                "INSERT INTO oauth2_permission_grants VALUES (?, ?, ?, ?, ?, ?)",
                (grant_id, client_id, resource_id, consent_type, principal_id, scope),
            )
        return self.permission_grant(grant_id)

    def update_permission_grant(self, grant_id: str, scope: str) -> bool:
        cur = self.db.execute("UPDATE oauth2_permission_grants SET scope=? WHERE id=?", (scope, grant_id))
        return cur.rowcount > 0

    def delete_permission_grant(self, grant_id: str) -> bool:
        return self.db.execute("DELETE FROM oauth2_permission_grants WHERE id=?", (grant_id,)).rowcount > 0

    # -- appRoleAssignments ---------------------------------------------------------------------------
    def app_role_assignments(self, *, principal_id: str | None = None, resource_id: str | None = None):
        rows = self.db.execute(
            "SELECT * FROM app_role_assignments WHERE (:p IS NULL OR principal_id=:p) "
            "AND (:r IS NULL OR resource_id=:r) ORDER BY rowid",
            {"p": principal_id, "r": resource_id},
        )
        return [_assignment(r) for r in rows]

    def create_app_role_assignment(self, principal_id: str, resource_id: str, app_role_id: str):
        """A new assignment, or None when the principal already holds that role of that resource."""
        with self.db.transaction() as conn:
            exists = conn.execute(
                "SELECT 1 FROM app_role_assignments WHERE principal_id=? AND resource_id=? AND app_role_id=?",
                (principal_id, resource_id, app_role_id),
            ).fetchone()
            if exists:
                return None
            assignment_id = secrets.token_urlsafe(32)
            conn.execute(
                "INSERT INTO app_role_assignments VALUES (?, ?, ?, ?, ?)",
                (assignment_id, principal_id, resource_id, app_role_id, _now()),
            )
        row = self.db.execute("SELECT * FROM app_role_assignments WHERE id=?", (assignment_id,)).fetchone()
        return _assignment(row)

    def delete_app_role_assignment(self, resource_id: str, assignment_id: str) -> bool:
        cur = self.db.execute(
            "DELETE FROM app_role_assignments WHERE id=? AND resource_id=?", (assignment_id, resource_id)
        )
        return cur.rowcount > 0


def _assignment(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "principalId": row["principal_id"],
        "resourceId": row["resource_id"],
        "appRoleId": row["app_role_id"],
        "created": row["created"],
    }
