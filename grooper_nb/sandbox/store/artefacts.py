"""Protocol artefacts: authorization codes, refresh tokens, access-token issue times, device codes,
authorize flows in progress and browser sessions.

Codes and refresh tokens are stored hashed; each artefact keeps its own timestamps (Unix seconds), which
:mod:`.clock` ages.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from typing import Any

from .db import Database, hash_secret
from .db import now as _now

__all__ = ["Artefacts"]


class Artefacts:
    """What the protocols hand out and take back; ``store.artefacts``."""

    def __init__(self, db: Database):
        self.db = db

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self.db.execute(sql, params)

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
