"""Tenant state of the sandbox, in SQLite in the state dir (survives restarts).

Objects mirror the Graph resources they stand for (reference/microsoft-protocols.md §4): ``users``,
``applications`` and ``service_principals`` keep their Graph JSON shape in a ``data`` column, so the
Graph resource server can serve them as they are; ``oauth2_permission_grants`` and
``app_role_assignments`` are what "Grant admin consent" writes (§4.7). Protocol artefacts follow:
authorization codes, refresh tokens, device codes, authorize flows in progress, browser sessions.

Secrets are stored hashed (SHA-256): passwords, client secret values, codes and refresh tokens. The seed's
clear values, which the CLI prints by contract (contracts.md §1), sit apart in ``seed_reveal``.

Time: every artefact keeps its own timestamps (Unix seconds). ``advance_clock(N)`` shifts them N seconds
into the past, which is how a test meets an expired device code or a refresh token idle for 90 days
without waiting, while tokens minted afterwards still carry real times.

Thread-safety: one connection per thread (werkzeug's threaded server), WAL journal, busy timeout.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import shutil
import sqlite3
import threading
import time
import uuid
import weakref
from pathlib import Path
from typing import Any

from ._files import touch_private
from .keys import SigningKeys

__all__ = ["Store", "hash_secret"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seed_reveal (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, upn TEXT NOT NULL UNIQUE COLLATE NOCASE, password_hash TEXT,
    failed_signins INTEGER NOT NULL DEFAULT 0, locked_until REAL NOT NULL DEFAULT 0,
    tokens_valid_from REAL NOT NULL DEFAULT 0, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY, app_id TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS service_principals (
    id TEXT PRIMARY KEY, app_id TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oauth2_permission_grants (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, resource_id TEXT NOT NULL, consent_type TEXT NOT NULL,
    principal_id TEXT, scope TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS app_role_assignments (
    id TEXT PRIMARY KEY, principal_id TEXT NOT NULL, resource_id TEXT NOT NULL, app_role_id TEXT NOT NULL,
    created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS auth_codes (
    code_hash TEXT PRIMARY KEY, created REAL NOT NULL, redeemed REAL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY, user_id TEXT, client_id TEXT NOT NULL, created REAL NOT NULL,
    last_used REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS access_tokens (
    uti TEXT PRIMARY KEY, user_id TEXT NOT NULL, issued REAL NOT NULL);
CREATE TABLE IF NOT EXISTS device_codes (
    device_code_hash TEXT PRIMARY KEY, user_code TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL,
    created REAL NOT NULL, expires_in INTEGER NOT NULL, status TEXT NOT NULL, user_id TEXT,
    data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS flows (id TEXT PRIMARY KEY, created REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created REAL NOT NULL, data TEXT NOT NULL);
"""

# Tables whose timestamps "age" under advance_clock, with the columns that hold times.
_AGED = {
    "auth_codes": ("created", "redeemed"),
    "refresh_tokens": ("created", "last_used"),
    "access_tokens": ("issued",),
    "device_codes": ("created",),
    "flows": ("created",),
    "sessions": ("created",),
}


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _now() -> float:
    return time.time()


class Store:
    """The tenant: ``Store.open(state_dir)`` creates and seeds it if new, else reopens it."""

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir)
        self.db_path = self.state_dir / "tenant.db"
        self._local = threading.local()
        self._all: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.keys = SigningKeys.load_or_create(self.state_dir)

    # -- lifecycle -----------------------------------------------------------------------------------
    @classmethod
    def open(cls, state_dir: Path, seed: int = 42, scale: str = "small") -> Store:
        state_dir = Path(state_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        touch_private(state_dir / "tenant.db")  # 0600 before SQLite writes a byte of it
        store = cls(state_dir)
        store._conn().executescript(_SCHEMA)
        if store.meta("tenant") is None:
            from .seed import seed_tenant  # deferred: seed builds on this module

            seed_tenant(store, seed=seed, scale=scale)
        return store

    @classmethod
    def wipe(cls, state_dir: Path) -> None:
        """Delete the tenant (database + journals, signing keys, app certificates); ``open`` seeds anew.

        Touches only what the store created: ``tenant.db*``, ``keys/``, ``apps/`` (never ``ca/`` or
        ``service.*``, which belong to the service). Works when nothing exists yet.
        """
        state_dir = Path(state_dir)
        for name in ("tenant.db", "tenant.db-wal", "tenant.db-shm"):
            (state_dir / name).unlink(missing_ok=True)
        for folder in ("keys", "apps"):
            shutil.rmtree(state_dir / folder, ignore_errors=True)

    def _conn(self) -> sqlite3.Connection:
        held = getattr(self._local, "held", None)
        conn = held.conn if held is not None else None
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")
            # werkzeug's threaded server runs each request on a new thread: the connection must die with
            # its thread (the thread-local holder closes it) or every request would leak a file descriptor.
            held = _Held(conn)
            self._local.held = held
            with self._lock:
                self._all.add(held)
        return conn

    def close(self) -> None:
        with self._lock:
            for held in list(self._all):
                held.close()
            self._all = weakref.WeakSet()
        self._local = threading.local()

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self._conn().execute(sql, params)

    def transaction(self) -> _Tx:
        """``with store.transaction() as conn:`` — an IMMEDIATE (write-locked) transaction."""
        return _Tx(self._conn())

    # -- meta ------------------------------------------------------------------------------------------
    def meta(self, key: str, default: Any = None) -> Any:
        row = self.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        self.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def reveal(self, key: str) -> Any:
        row = self.execute("SELECT value FROM seed_reveal WHERE key=?", (key,)).fetchone()
        return json.loads(row["value"]) if row else None

    def set_reveal(self, key: str, value: Any) -> None:
        self.execute("INSERT OR REPLACE INTO seed_reveal VALUES (?, ?)", (key, json.dumps(value)))

    # -- tenant --------------------------------------------------------------------------------------
    @property
    def tenant(self) -> dict[str, Any]:
        return self.meta("tenant")

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
    def add_application(self, data: dict[str, Any]) -> None:
        self.execute(
            "INSERT INTO applications VALUES (?, ?, ?)", (data["id"], data["appId"], json.dumps(data))
        )

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

    # -- authorization codes -------------------------------------------------------------------------
    def create_code(self, data: dict[str, Any]) -> str:
        code = "1.A" + secrets.token_urlsafe(96)
        self.execute(
            "INSERT INTO auth_codes VALUES (?, ?, NULL, ?)", (hash_secret(code), _now(), json.dumps(data))
        )
        return code

    def code(self, code: str) -> tuple[str, dict[str, Any] | None, float]:
        """``("ok"|"redeemed"|"unknown", data, age_seconds)`` of a code, without using it up."""
        row = self.execute("SELECT * FROM auth_codes WHERE code_hash=?", (hash_secret(code),)).fetchone()
        if row is None:
            return "unknown", None, 0.0
        status = "ok" if row["redeemed"] is None else "redeemed"
        return status, json.loads(row["data"]), _now() - row["created"]

    def redeem_code(self, code: str) -> bool:
        """Use a code up, atomically: True for the one caller that did, False if it was used already."""
        sql = "UPDATE auth_codes SET redeemed=? WHERE code_hash=? AND redeemed IS NULL"
        cur = self.execute(sql, (_now(), hash_secret(code)))
        return cur.rowcount == 1

    # -- refresh tokens ------------------------------------------------------------------------------
    def create_refresh_token(self, user_id: str | None, client_id: str, data: dict[str, Any]) -> str:
        token = "1.AX" + secrets.token_urlsafe(180)
        now = _now()
        self.execute(
            "INSERT INTO refresh_tokens (token_hash, user_id, client_id, created, last_used, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (hash_secret(token), user_id, client_id, now, now, json.dumps(data)),
        )
        return token

    def refresh_token(self, token: str) -> dict[str, Any] | None:
        row = self.execute(
            "SELECT * FROM refresh_tokens WHERE token_hash=?", (hash_secret(token),)
        ).fetchone()
        if row is None:
            return None
        return {
            **json.loads(row["data"]),
            "_hash": row["token_hash"],
            "user_id": row["user_id"],
            "client_id": row["client_id"],
            "created": row["created"],
            "last_used": row["last_used"],
        }

    def touch_refresh_token(self, token_hash: str) -> None:
        self.execute("UPDATE refresh_tokens SET last_used=? WHERE token_hash=?", (_now(), token_hash))

    # -- access tokens ---------------------------------------------------------------------------------
    def record_access_token(self, uti: str, user_id: str) -> None:
        """Remember when a delegated access token was issued, to the microsecond (its ``iat`` is whole
        seconds): on-behalf-of compares it with the user's revocation instant."""
        self.execute("INSERT OR REPLACE INTO access_tokens VALUES (?, ?, ?)", (uti, user_id, _now()))

    def access_token_issued(self, uti: str) -> float | None:
        row = self.execute("SELECT issued FROM access_tokens WHERE uti=?", (uti,)).fetchone()
        return row["issued"] if row else None

    # -- device codes ----------------------------------------------------------------------------------
    def create_device_code(self, client_id: str, expires_in: int, data: dict[str, Any]) -> tuple[str, str]:
        device_code = "DAQABAAEAAA" + secrets.token_urlsafe(120)
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        while True:
            user_code = "".join(secrets.choice(alphabet) for _ in range(9))
            try:
                self.execute(
                    "INSERT INTO device_codes VALUES (?, ?, ?, ?, ?, 'pending', NULL, ?)",
                    (hash_secret(device_code), user_code, client_id, _now(), expires_in, json.dumps(data)),
                )
                return device_code, user_code
            except sqlite3.IntegrityError:  # user code collision: draw again
                continue

    def _device_row(self, row: sqlite3.Row | None) -> dict[str, Any] | None:
        if row is None:
            return None
        return {
            **json.loads(row["data"]),
            "_hash": row["device_code_hash"],
            "user_code": row["user_code"],
            "client_id": row["client_id"],
            "created": row["created"],
            "expires_in": row["expires_in"],
            "status": row["status"],
            "user_id": row["user_id"],
            "expired": _now() > row["created"] + row["expires_in"],
        }

    def device_code(self, device_code: str) -> dict[str, Any] | None:
        return self._device_row(
            self.execute(
                "SELECT * FROM device_codes WHERE device_code_hash=?", (hash_secret(device_code),)
            ).fetchone()
        )

    def device_code_by_user_code(self, user_code: str) -> dict[str, Any] | None:
        code = user_code.strip().upper().replace("-", "")
        return self._device_row(
            self.execute("SELECT * FROM device_codes WHERE user_code=?", (code,)).fetchone()
        )

    def settle_device_code(
        self, device_hash: str, status: str, user_id: str | None, extra: dict[str, Any]
    ) -> None:
        row = self.execute(
            "SELECT data FROM device_codes WHERE device_code_hash=?", (device_hash,)
        ).fetchone()
        data = {**json.loads(row["data"]), **extra}
        self.execute(
            "UPDATE device_codes SET status=?, user_id=?, data=? WHERE device_code_hash=?",
            (status, user_id, json.dumps(data), device_hash),
        )

    def claim_device_code(self, device_hash: str) -> bool:
        """Approved -> redeemed, once (a second poll after success gets ``bad_verification_code``)."""
        cur = self.execute(
            "UPDATE device_codes SET status='redeemed' WHERE device_code_hash=? AND status='approved'",
            (device_hash,),
        )
        return cur.rowcount == 1

    # -- authorize flows and browser sessions --------------------------------------------------------
    def prune(self) -> None:
        """Forget artefacts nobody can use any more (keeps the database small over months of use)."""
        now = _now()
        self.execute("DELETE FROM flows WHERE created < ?", (now - 3600,))
        self.execute("DELETE FROM auth_codes WHERE created < ?", (now - 86400,))
        self.execute("DELETE FROM device_codes WHERE created + expires_in < ?", (now - 86400,))
        self.execute("DELETE FROM sessions WHERE created < ?", (now - 7 * 86400,))
        self.execute("DELETE FROM access_tokens WHERE issued < ?", (now - 86400,))

    def create_flow(self, data: dict[str, Any]) -> str:
        if secrets.randbelow(50) == 0:  # now and then, not on every request
            self.prune()
        flow_id = secrets.token_urlsafe(24)
        self.execute("INSERT INTO flows VALUES (?, ?, ?)", (flow_id, _now(), json.dumps(data)))
        return flow_id

    def flow(self, flow_id: str, max_age: float = 3600) -> dict[str, Any] | None:
        row = self.execute("SELECT * FROM flows WHERE id=?", (flow_id,)).fetchone()
        if row is None or _now() - row["created"] > max_age:
            return None
        return json.loads(row["data"])

    def update_flow(self, flow_id: str, data: dict[str, Any]) -> None:
        self.execute("UPDATE flows SET data=? WHERE id=?", (json.dumps(data), flow_id))

    def delete_flow(self, flow_id: str) -> None:
        self.execute("DELETE FROM flows WHERE id=?", (flow_id,))

    def create_session(self, user_id: str, data: dict[str, Any]) -> str:
        sid = str(uuid.uuid4())
        self.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (sid, user_id, _now(), json.dumps(data)))
        return sid

    def session(self, sid: str, max_age: float = 24 * 3600) -> dict[str, Any] | None:
        row = self.execute("SELECT * FROM sessions WHERE id=?", (sid,)).fetchone()
        if row is None or _now() - row["created"] > max_age:
            return None
        return {
            **json.loads(row["data"]),
            "id": row["id"],
            "user_id": row["user_id"],
            "created": row["created"],
        }

    def delete_session(self, sid: str) -> None:
        self.execute("DELETE FROM sessions WHERE id=?", (sid,))

    # -- the clock ----------------------------------------------------------------------------------------
    def advance_clock(
        self, seconds: float, user_id: str | None = None, user_code: str | None = None
    ) -> dict[str, int]:
        """Age stored artefacts as if ``seconds`` had passed; how many rows of each table aged.

        Everything by default; with ``user_id`` only that user's refresh and access tokens, device codes
        and sessions (and lockout, revocation instant); with ``user_code`` only that one device code.
        Scoping keeps a test that ages one thing from changing what every other user of a shared sandbox
        sees. An active lockout is shortened by the same amount, so a locked test account unlocks "later".
        """
        counts: dict[str, int] = {}
        params = {"s": seconds, "u": user_id, "c": user_code}
        with self.transaction() as conn:
            if user_code is not None:
                params["c"] = user_code.strip().upper().replace("-", "")
                sql = "UPDATE device_codes SET created = created - :s WHERE user_code = :c"
                cur = conn.execute(sql, params)
                return {"device_codes": cur.rowcount}
            for table, columns in _AGED.items():
                sets = ", ".join(f"{c} = {c} - :s" for c in columns)
                where = ""
                if user_id and table in ("refresh_tokens", "access_tokens", "device_codes", "sessions"):
                    where = " WHERE user_id = :u"
                elif user_id:
                    counts[table] = 0
                    continue
                cur = conn.execute(f"UPDATE {table} SET {sets}{where}", params)  # noqa: S608
                counts[table] = cur.rowcount
            # A revocation instant and a lockout are times too: they age with the grants they judge.
            for column in ("locked_until", "tokens_valid_from"):
                sql = f"UPDATE users SET {column} = {column} - :s WHERE {column} > 0"  # noqa: S608
                conn.execute(sql + (" AND id = :u" if user_id else ""), params)
        return counts

    # -- what the CLI prints -------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """``{"tenant", "users", "apps"}`` exactly as contracts.md §1 lists them (secrets in clear)."""
        tenant = self.tenant
        users = []
        for user in self.users():
            users.append(
                {
                    "upn": user["userPrincipalName"],
                    "password": self.reveal(f"password:{user['id']}"),
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
            info = self.reveal(f"app:{app['appId']}") or {}
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
                }
            )
        return {
            "tenant": {k: tenant[k] for k in ("id", "domain", "sharepoint_host", "display_name")},
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


class _Held:
    """A thread's connection; closed when the thread (and so its thread-local storage) goes away."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def __del__(self) -> None:
        self.close()


class _Tx:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
