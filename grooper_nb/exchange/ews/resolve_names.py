"""``ResolveNames``: the mailboxes whose name or address matches, as the address book resolves them.
https://learn.microsoft.com/exchange/client-developer/web-service-reference/resolvenames-operation

``SMTP:address`` asks for that exact address. Several matches are a ``Warning``
(``ErrorNameResolutionMultipleResults``) with every match; none is ``ErrorNameResolutionNoResults``,
given here as an empty list.
"""

from __future__ import annotations

from .soap import SoapClient, t, text_of, xml_text

__all__ = ["resolve_names"]


def resolve_names(client: SoapClient, entry: str) -> list[dict[str, str]]:
    """``[{"name", "address", "routing_type", "mailbox_type"}]`` for ``entry``, addresses lower-case."""
    body = (
        '<m:ResolveNames ReturnFullContactData="false" SearchScope="ActiveDirectory">'
        f"<m:UnresolvedEntry>{xml_text(entry)}</m:UnresolvedEntry></m:ResolveNames>"
    )
    answer = client.call(body)
    message = answer.messages[0]
    if answer.code(message) == "ErrorNameResolutionNoResults":
        return []
    answer.check(message)
    return [
        {
            "name": text_of(box, "Name") or "",
            "address": (text_of(box, "EmailAddress") or "").lower(),
            "routing_type": text_of(box, "RoutingType") or "",
            "mailbox_type": text_of(box, "MailboxType") or "",
        }
        for box in message.iter(t("Mailbox"))
    ]
