"""What EWS reads from the tenant beyond the mail store's own API: the tenant's EWS policy and the two
folders above the mailbox's visible tree.

The EWS policy is ``Set-OrganizationConfig -EwsEnabled`` and ``-EwsAllowedAppIDs``
(https://learn.microsoft.com/powershell/module/exchange/set-organizationconfig), kept as one ``meta`` key
of the tenant database, ``ews_policy``: ``{"enabled": true|false|null, "allowed_app_ids": [...]|null}``.
``enabled`` null is "not configured" (treated as allowed); with ``enabled`` true a non-empty
``allowed_app_ids`` admits only those client ids
(https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange).

Folders: Exchange's mailbox root (``root``) holds the message-folder root ``msgfolderroot`` ("Top of
Information Store"), whose children are the folders Graph lists. The mail store names the latter's id
(a top-level folder's ``parentFolderId``); ``root`` gets one derived from the mailbox id here.
"""

from __future__ import annotations

import base64
from typing import Any

__all__ = [
    "get_ews_policy",
    "mailbox_for",
    "msgfolderroot",
    "root_folder",
    "set_ews_policy",
]

POLICY_KEY = "ews_policy"


def get_ews_policy(store: Any) -> dict[str, Any]:
    """``{"enabled": bool | None, "allowed_app_ids": list[str] | None}`` (nothing configured: both None)."""
    policy = store.db.meta(POLICY_KEY, None) or {}
    return {"enabled": policy.get("enabled"), "allowed_app_ids": policy.get("allowed_app_ids")}


def set_ews_policy(
    store: Any, enabled: bool | None, allowed_app_ids: list[str] | None = None
) -> dict[str, Any]:
    """Set the tenant's EWS policy (``Set-OrganizationConfig -EwsEnabled -EwsAllowedAppIDs``); returns it."""
    if enabled is not None and not isinstance(enabled, bool):
        raise ValueError("enabled must be true, false or null")
    ids = (
        None
        if allowed_app_ids is None
        else [str(a).strip().lower() for a in allowed_app_ids if str(a).strip()]
    )
    store.db.set_meta(POLICY_KEY, {"enabled": enabled, "allowed_app_ids": ids})
    return get_ews_policy(store)


def mailbox_for(store: Any, key: str) -> dict[str, Any] | None:
    """The mailbox a user (UPN, mail, object id) or a shared mailbox's address names; None when the key
    names nobody or a user the tenant gives no mailbox."""
    directory = store.directory
    user = directory.user_by_upn(key) or directory.user_by_id(key) or _user_by_mail(store, key)
    if user is not None:
        if not (user.get("_sandbox") or {}).get("has_mailbox"):
            return None
        return store.mail.mailbox(user["id"])
    return store.mail.mailbox(key)


def _user_by_mail(store: Any, address: str) -> dict[str, Any] | None:
    address = address.lower()
    return next((u for u in store.directory.users() if (u.get("mail") or "").lower() == address), None)


def msgfolderroot(store: Any, mailbox: dict[str, Any]) -> dict[str, Any]:
    """ "Top of Information Store": the parent of the mailbox's top-level folders."""
    top = store.mail.folders(mailbox["id"])
    return {
        "id": store.mail._root_id(mailbox["id"]),  # the id the store gives its top-level folders' parent
        "displayName": "Top of Information Store",
        "parentFolderId": root_folder(store, mailbox)["id"],
        "childFolderCount": len(top),
        "unreadItemCount": 0,
        "totalItemCount": 0,
        "_wellKnownName": "msgfolderroot",
        "_class": "IPF.Note",
    }


def root_folder(store: Any, mailbox: dict[str, Any]) -> dict[str, Any]:
    """The mailbox's root, above ``msgfolderroot``."""
    return {
        "id": "AAMkAGS" + base64.urlsafe_b64encode(mailbox["id"].encode()).decode().rstrip("="),
        "displayName": "Root",
        "parentFolderId": None,
        "childFolderCount": 1,
        "unreadItemCount": 0,
        "totalItemCount": 0,
        "_wellKnownName": "root",
        "_class": None,
    }
