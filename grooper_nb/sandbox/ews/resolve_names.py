"""``ResolveNames``: the tenant's mailboxes whose name or address matches an ambiguous name.
https://learn.microsoft.com/exchange/client-developer/web-service-reference/resolvenames-operation

Matches users with a mailbox (display name, UPN, mail; a prefix of any word, case-insensitive) and shared
mailboxes; an ``SMTP:`` prefix asks for an exact address. One match is Success; several are a
``Warning`` with ``ErrorNameResolutionMultipleResults`` and every match; none is
``ErrorNameResolutionNoResults``.
"""

from __future__ import annotations

from typing import Any

from .access import Context
from .soap import MNS, EwsError, ResponseCodes, el, message, response, text

__all__ = ["resolve_names"]

MAX_RESULTS = 100  # Exchange returns at most 100 candidates


def _candidates(ctx: Context) -> list[dict[str, Any]]:
    out = []
    for user in ctx.store.directory.users():
        if (user.get("_sandbox") or {}).get("has_mailbox") and user.get("mail"):
            out.append(
                {
                    "name": user.get("displayName") or "",
                    "address": user["mail"],
                    "upn": user["userPrincipalName"],
                }
            )
    known = {c["address"].lower() for c in out}
    for box in ctx.store.mail.mailboxes():
        if box["address"].lower() not in known:
            out.append({"name": box["display_name"], "address": box["address"], "upn": box["address"]})
    return out


def _matches(entry: str, candidate: dict[str, Any]) -> bool:
    if entry.lower().startswith("smtp:"):
        return candidate["address"].lower() == entry[5:].strip().lower()
    needle = entry.strip().lower()
    words = [*candidate["name"].lower().split(), candidate["address"].lower(), candidate["upn"].lower()]
    return bool(needle) and (
        any(w.startswith(needle) for w in words) or candidate["name"].lower().startswith(needle)
    )


def _resolution(candidate: dict[str, Any]) -> str:
    mailbox = (
        text("t:Name", candidate["name"])
        + text("t:EmailAddress", candidate["address"])
        + text("t:RoutingType", "SMTP")
        + text("t:MailboxType", "Mailbox")
    )
    return el("t:Resolution", el("t:Mailbox", mailbox))


def resolve_names(ctx: Context) -> bytes:
    entry = ctx.request.operation.findtext(f"{{{MNS}}}UnresolvedEntry") or ""
    found = sorted((c for c in _candidates(ctx) if _matches(entry, c)), key=lambda c: c["address"])[
        :MAX_RESULTS
    ]
    if not found:
        return response(
            "ResolveNames",
            [message("ResolveNames", error=EwsError(ResponseCodes.ErrorNameResolutionNoResults))],
        )
    body = el(
        "m:ResolutionSet",
        "".join(_resolution(c) for c in found),
        TotalItemsInView=str(len(found)),
        IncludesLastItemInRange="true",
    )
    if len(found) == 1:
        return response("ResolveNames", [message("ResolveNames", body)])
    warning = EwsError(ResponseCodes.ErrorNameResolutionMultipleResults, "Multiple results were found.")
    return response("ResolveNames", [message("ResolveNames", body, warning=warning)])
