"""Who may sign in: the password check, smart lockout and disabled accounts, in one place.

Both ways a password reaches the sandbox use it: the ``password`` grant (ROPC, :mod:`.grants`) raises the
:class:`~.errors.AADSTSError` as a JSON error; the sign-in form (:mod:`.signin`) shows it on the form::

    user = check_password(store, upn, password, domain=tenant["domain"])   # or AADSTS50034/50053/50126/50057
    check_enabled(user)                                                   # before any later token: 50057

Lockout follows Entra smart lockout's defaults (https://learn.microsoft.com/entra/identity/authentication/howto-password-smart-lockout):
the 10th bad password locks the account for 60 seconds
(AADSTS50053); a good one resets the count.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from ..store import hash_secret
from .errors import AADSTSError

__all__ = ["LOCKOUT_SECONDS", "LOCKOUT_THRESHOLD", "check_enabled", "check_password", "needs_mfa"]

LOCKOUT_THRESHOLD = 10
LOCKOUT_SECONDS = 60


def check_password(store: Any, upn: str, password: str, *, domain: str) -> dict[str, Any]:
    """The user ``upn`` names, if ``password`` is theirs and they may sign in.

    Raises AADSTS50034 (no such user), 50053 (locked out), 50126 (wrong password; counts towards the
    lockout) or 50057 (disabled). The password is compared in constant time.
    """
    user = store.directory.user_by_upn(upn) if upn else None
    if user is None:
        raise AADSTSError(50034, domain=domain)
    if user["_locked_until"] > time.time():
        raise AADSTSError(50053)
    stored = user["_password_hash"]
    if not stored or not hmac.compare_digest(stored, hash_secret(password)):
        store.directory.record_failed_signin(
            user["id"], threshold=LOCKOUT_THRESHOLD, lockout_seconds=LOCKOUT_SECONDS
        )
        raise AADSTSError(50126)
    check_enabled(user)
    store.directory.record_good_signin(user["id"])
    return user


def check_enabled(user: dict[str, Any]) -> None:
    """AADSTS50057 for a disabled account (every grant checks it again before issuing tokens)."""
    if not user["accountEnabled"]:
        raise AADSTSError(50057)


def needs_mfa(user: dict[str, Any], amr: list[str]) -> bool:
    """Whether ``user`` must still pass a second factor, having authenticated with ``amr``."""
    return bool(user["_sandbox"]["mfa_required"]) and "mfa" not in amr
