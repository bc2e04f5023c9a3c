"""The sandbox clock: age stored artefacts instead of waiting.

``store.clock.advance(N)`` shifts every stored timestamp N seconds into the past, which is how a test meets
an expired device code or a refresh token idle for 90 days without waiting, while tokens minted afterwards
still carry real times.
"""

from __future__ import annotations

from .db import Database

__all__ = ["Clock"]

# Tables whose timestamps "age" under Clock.advance, with the columns that hold times.
_AGED = {
    "auth_codes": ("created", "redeemed"),
    "refresh_tokens": ("created", "last_used"),
    "access_tokens": ("issued",),
    "device_codes": ("created",),
    "flows": ("created",),
    "sessions": ("created",),
}


class Clock:
    """``store.clock``: :meth:`advance` (``POST /_sandbox/clock/advance`` calls it)."""

    def __init__(self, db: Database):
        self.db = db

    def advance(
        self, seconds: float, user_id: str | None = None, user_code: str | None = None
    ) -> dict[str, int]:
        """Age stored artefacts as if ``seconds`` had passed; how many rows of each table aged.

        Everything by default; with ``user_id`` only that user's refresh and access tokens, device codes
        and sessions (and lockout, revocation instant); with ``user_code`` only that one device code.
        Scoping keeps a test that ages one thing from changing what every other user of a shared sandbox
        sees. An active lockout is shortened by the same amount, so a locked test account unlocks "later".
        No time goes back past 1970-01-01 (0): however often the clock is advanced, every stored time
        stays one a date can hold.
        """
        counts: dict[str, int] = {}
        params = {"s": seconds, "u": user_id, "c": user_code}
        with self.db.transaction() as conn:
            if user_code is not None:
                params["c"] = user_code.strip().upper().replace("-", "")
                sql = "UPDATE device_codes SET created = MAX(created - :s, 0) WHERE user_code = :c"
                cur = conn.execute(sql, params)
                return {"device_codes": cur.rowcount}
            for table, columns in _AGED.items():
                sets = ", ".join(f"{c} = MAX({c} - :s, 0)" for c in columns)
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
                sql = f"UPDATE users SET {column} = MAX({column} - :s, 0) WHERE {column} > 0"  # noqa: S608
                conn.execute(sql + (" AND id = :u" if user_id else ""), params)
        return counts
