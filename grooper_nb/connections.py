"""Every way Grooper connects to Microsoft 365, as one catalogue: :data:`CONNECTIONS`.

Grooper (the document-processing platform) signs in to Entra ID with its app registration and then
calls one Microsoft API per connection: EWS or Graph for mail, SharePoint REST or Graph for documents,
Graph for OneDrive, IMAP for plain mailboxes. Each :class:`Connection` says, in one declarative entry,
what that connection asks Entra ID for and what a token must carry for the API to accept it::

    >>> from grooper_nb.connections import CONNECTIONS, get_connection
    >>> ews = get_connection("exchange_ews_delegated")
    >>> ews.api, ews.resource, ews.mode
    ('EWS', 'exchange', 'delegated')
    >>> ews.requested(app_only=False)
    ('{exchange}/EWS.AccessAsUser.All', 'offline_access')

Everything else derives from this catalogue, so a connection is described once:

* the LoginPanel's scope presets (:data:`grooper_nb.auth.scopes.PRESETS`): one preset per request a
  connection makes (connections that request the same token share a preset);
* the token inspector's verdicts (:data:`grooper_nb.tokens.verdict.TARGETS` and
  ``report.verdict(key)``): the audience, delegated/app-only kind, scopes/roles and every special rule
  (a per-tenant SharePoint host, certificate-only app-only, permissions too weak for Grooper) are
  fields of the entry, never a test of the connection's name.

Scope templates name the resource with ``{graph}``, ``{exchange}`` and ``{sharepoint}``; :func:`fill`
expands them for a cloud (:mod:`grooper_nb.clouds`) and the tenant's SharePoint host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.clouds import Cloud

__all__ = [
    "CONNECTIONS",
    "MODES",
    "RESERVED_SCOPES",
    "RESOURCES",
    "Connection",
    "fill",
    "get_connection",
    "resource_url",
    "sharepoint_root",
]

RESOURCES = ("graph", "exchange", "sharepoint")
MODES = ("delegated", "app", "either")
# MSAL adds these to every user flow itself (and refuses them in client credentials).
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})


@dataclass(frozen=True)
class Connection:
    """One Grooper connection type: what it requests and what a token needs to work for it.

    ``key`` is stable (``report.verdict(key)``); ``title`` is for people. ``api`` names the Microsoft API
    called (EWS, Graph, SharePoint REST, IMAP); ``resource`` the token audience (graph | exchange |
    sharepoint); ``mode`` delegated | app | either.

    Requests (scope templates): ``delegated_request`` for a user's sign-in (presented as the LoginPanel
    preset ``delegated_preset``), ``app_request`` for client credentials (preset ``app_preset``).

    Acceptance: any one of ``scopes`` (delegated) or ``roles`` (application) suffices; ``too_weak``
    permissions reach the API but not what Grooper needs (``too_weak_why`` says why).
    ``tenant_host``: the resource lives on the tenant's own host, and a token for another host is
    refused. ``certificate_required``: app-only tokens from a client secret are refused with
    ``secret_refusal``. ``app_only_alternative``: a sentence pointing a user of an app-only token at the
    app-only sibling of a delegated connection.

    Notes: ``notes`` always; ``app_only_notes`` when the token is app-only; ``permission_notes`` as
    (permission, note) pairs when the token holds that permission. ``grooper`` says when Grooper uses
    the connection; ``docs`` is Microsoft's documentation for it.
    """

    key: str
    title: str
    api: str
    resource: str
    mode: str
    grooper: str
    docs: str
    delegated_preset: str = ""
    delegated_request: tuple[str, ...] = ()
    app_preset: str = ""
    app_request: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    too_weak: tuple[str, ...] = ()
    too_weak_why: str = ""
    tenant_host: bool = False
    certificate_required: bool = False
    secret_refusal: str = ""
    app_only_alternative: str = ""
    notes: tuple[str, ...] = ()
    app_only_notes: tuple[str, ...] = ()
    permission_notes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.resource not in RESOURCES or self.mode not in MODES:
            raise ValueError(f"{self.key}: resource {self.resource!r} / mode {self.mode!r}")
        if self.delegated != bool(self.delegated_request and self.scopes and self.delegated_preset):
            raise ValueError(f"{self.key}: a delegated connection names its request, preset and scopes")
        if self.app_only != bool(self.app_request and self.roles and self.app_preset):
            raise ValueError(f"{self.key}: an app-only connection names its request, preset and roles")

    @property
    def name(self) -> str:
        """The key, under the name the token inspector has always used for it."""
        return self.key

    @property
    def delegated(self) -> bool:
        """A signed-in user's token works for it."""
        return self.mode in ("delegated", "either")

    @property
    def app_only(self) -> bool:
        """An app-only (client credentials) token works for it."""
        return self.mode in ("app", "either")

    def requested(self, app_only: bool) -> tuple[str, ...]:
        """The scope templates Grooper requests for this connection, delegated or app-only."""
        return self.app_request if app_only else self.delegated_request

    def preset(self, app_only: bool) -> str:
        """The LoginPanel preset that makes this request."""
        return self.app_preset if app_only else self.delegated_preset

    def request_line(self, app_only: bool) -> str:
        """The requested scopes a fix sentence names (templates; MSAL's reserved scopes left out)."""
        return " ".join(s for s in self.requested(app_only) if s not in RESERVED_SCOPES)


def sharepoint_root(cloud: Cloud, sharepoint_host: str | None) -> str:
    """``https://contoso.sharepoint.com``; when the host is unknown, a visible stand-in for the reader
    (never sent anywhere): ``https://<your-tenant>.sharepoint.com``."""
    if sharepoint_host:
        return f"https://{sharepoint_host}"
    return f"https://<your-tenant>.{cloud.sharepoint_suffix}"


def fill(template: str, cloud: Cloud, sharepoint_host: str | None = None) -> str:
    """Expand ``{graph}``, ``{exchange}``, ``{sharepoint}`` for a cloud and the tenant's SharePoint host."""
    return template.format(
        graph=cloud.graph_url,
        exchange=cloud.exchange_url,
        sharepoint=sharepoint_root(cloud, sharepoint_host),
    )


def resource_url(connection: Connection, cloud: Cloud, sharepoint_host: str | None = None) -> str:
    """The URL of the resource a token for ``connection`` must be issued for (its ``aud``)."""
    return fill("{" + connection.resource + "}", cloud, sharepoint_host)


# learn.microsoft.com/graph/permissions-reference (Mail.ReadBasic*): everything but body, bodyPreview,
# uniqueBody and attachments.
_READ_BASIC_WHY = (
    "Mail.ReadBasic permissions read messages without their body, body preview and attachments, and "
    "Grooper imports exactly those (the message body and its attached documents)"
)
_SITES = ("Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All")
_EWS_OAUTH = (
    "https://learn.microsoft.com/exchange/client-developer/exchange-web-services/"
    "how-to-authenticate-an-ews-application-by-using-oauth"
)
_IMAP_OAUTH = (
    "https://learn.microsoft.com/exchange/client-developer/legacy-protocols/"
    "how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth"
)
_GRAPH_DEFAULT = ("{graph}/.default",)
_S2S_GRAPH = "Server-to-server Graph"

CONNECTIONS: dict[str, Connection] = {
    c.key: c
    for c in (
        Connection(
            "exchange_ews_delegated",
            "Exchange via EWS, delegated",
            api="EWS",
            resource="exchange",
            mode="delegated",
            grooper="Exchange connection (Exchange Online, OAuth): auth code, scopes EWS.AccessAsUser.All "
            "offline_access; Grooper keeps the refresh token.",
            docs=_EWS_OAUTH,
            delegated_preset="Exchange (EWS, delegated)",
            delegated_request=("{exchange}/EWS.AccessAsUser.All", "offline_access"),
            scopes=("EWS.AccessAsUser.All",),
            app_only_alternative=" For server-to-server EWS use target exchange_ews_app "
            "(full_access_as_app + impersonation).",
            notes=("The signed-in user needs delegate access to every mailbox in Grooper's MailboxList.",),
        ),
        Connection(
            "sharepoint_graph",
            "SharePoint via Graph",
            api="Graph",
            resource="graph",
            mode="either",
            grooper="SharePoint connection over Graph (/sites, /drives): scopes Files.ReadWrite.All "
            "Sites.ReadWrite.All offline_access.",
            docs="https://learn.microsoft.com/graph/api/resources/sharepoint",
            delegated_preset="SharePoint (delegated)",
            delegated_request=(
                "{graph}/Files.ReadWrite.All",
                "{graph}/Sites.ReadWrite.All",
                "offline_access",
            ),
            app_preset=_S2S_GRAPH,
            app_request=_GRAPH_DEFAULT,
            scopes=(*_SITES, "Files.Read.All", "Files.ReadWrite.All"),
            roles=(*_SITES, "Sites.Selected", "Files.Read.All", "Files.ReadWrite.All"),
            permission_notes=(
                (
                    "Sites.Selected",
                    "Sites.Selected reaches only the sites granted to the app via /sites/{id}/permissions.",
                ),
            ),
        ),
        Connection(
            "onedrive",
            "OneDrive (Graph)",
            api="Graph",
            resource="graph",
            mode="either",
            grooper="OneDrive connection (Microsoft Graph): OneDrive for Business and SharePoint libraries.",
            docs="https://learn.microsoft.com/graph/api/resources/onedrive",
            delegated_preset="OneDrive / Graph (delegated)",
            delegated_request=("{graph}/Files.ReadWrite.All", "{graph}/User.Read", "offline_access"),
            app_preset=_S2S_GRAPH,
            app_request=_GRAPH_DEFAULT,
            scopes=(
                "Files.Read",
                "Files.ReadWrite",
                "Files.Read.All",
                "Files.ReadWrite.All",
                "Sites.Read.All",
                "Sites.ReadWrite.All",
            ),
            roles=("Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All", "Sites.ReadWrite.All"),
            app_only_notes=("App-only tokens have no /me/drive; address drives as /users/{id}/drive.",),
        ),
        Connection(
            "exchange_ews_app",
            "Exchange via EWS, app-only",
            api="EWS",
            resource="exchange",
            mode="app",
            grooper="Server-to-server EWS (client credentials).",
            docs="https://learn.microsoft.com/exchange/client-developer/exchange-web-services/"
            "impersonation-and-ews-in-exchange",
            app_preset="Server-to-server EWS",
            app_request=("{exchange}/.default",),
            roles=("full_access_as_app",),
            notes=(
                "EWS app-only calls must impersonate: send the ExchangeImpersonation SOAP header and the "
                "X-AnchorMailbox HTTP header with the mailbox's SMTP address "
                f"({_EWS_OAUTH}).",
                "full_access_as_app reaches every mailbox in the tenant.",
            ),
        ),
        Connection(
            "graph_mail_delegated",
            "Graph mail, delegated",
            api="Graph",
            resource="graph",
            mode="delegated",
            grooper="Reading mail through Microsoft Graph as the signed-in user (the EWS successor).",
            docs="https://learn.microsoft.com/graph/api/user-list-messages",
            delegated_preset="Graph mail (delegated)",
            delegated_request=("{graph}/Mail.Read", "offline_access"),
            scopes=("Mail.Read", "Mail.ReadWrite", "Mail.Read.Shared", "Mail.ReadWrite.Shared"),
            too_weak=("Mail.ReadBasic", "Mail.ReadBasic.Shared"),
            too_weak_why=_READ_BASIC_WHY,
            notes=("Other users' mailboxes need Mail.Read.Shared and delegate access.",),
        ),
        Connection(
            "graph_mail_app",
            "Graph mail, app-only",
            api="Graph",
            resource="graph",
            mode="app",
            grooper="Server-to-server mail import through Graph (client credentials).",
            docs="https://learn.microsoft.com/graph/auth-limit-mailbox-access",
            app_preset=_S2S_GRAPH,
            app_request=_GRAPH_DEFAULT,
            roles=("Mail.Read", "Mail.ReadWrite"),
            too_weak=("Mail.ReadBasic.All", "Mail.ReadBasic"),
            too_weak_why=_READ_BASIC_WHY,
            notes=("Use /users/{id}/messages: app-only tokens have no /me.",),
        ),
        Connection(
            "sharepoint_rest_delegated",
            "SharePoint REST, delegated",
            api="SharePoint REST",
            resource="sharepoint",
            mode="delegated",
            grooper="SharePoint connection over SharePoint REST (/_api) as the signed-in user.",
            docs="https://learn.microsoft.com/sharepoint/dev/sp-add-ins/get-to-know-the-sharepoint-rest-service",
            delegated_preset="SharePoint REST (delegated)",
            delegated_request=("{sharepoint}/AllSites.Read", "offline_access"),
            scopes=(
                "AllSites.Read",
                "AllSites.Write",
                "AllSites.Manage",
                "AllSites.FullControl",
                "MyFiles.Read",
                "MyFiles.Write",
                *_SITES,
            ),
            tenant_host=True,
            notes=("Writing documents back needs AllSites.Write (or Sites.ReadWrite.All) on SharePoint.",),
        ),
        Connection(
            "sharepoint_rest_app",
            "SharePoint REST, app-only",
            api="SharePoint REST",
            resource="sharepoint",
            mode="app",
            grooper="Server-to-server SharePoint REST (client credentials with a certificate).",
            docs="https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread",
            app_preset="Server-to-server SharePoint",
            app_request=("{sharepoint}/.default",),
            roles=(*_SITES, "Sites.Selected"),
            tenant_host=True,
            certificate_required=True,
            secret_refusal="Unsupported app only token.",
            notes=(
                "SharePoint REST accepts app-only tokens only from certificate credentials "
                "(https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread).",
            ),
        ),
        Connection(
            "imap_delegated",
            "Mailbox via IMAP (XOAUTH2), delegated",
            api="IMAP",
            resource="exchange",
            mode="delegated",
            grooper="Importing a mailbox over IMAP with OAuth (SASL XOAUTH2) as the signed-in user, where "
            "EWS or Graph is not an option.",
            docs=_IMAP_OAUTH,
            delegated_preset="IMAP (delegated)",
            delegated_request=("{exchange}/IMAP.AccessAsUser.All", "offline_access"),
            scopes=("IMAP.AccessAsUser.All",),
            app_only_alternative=" For server-to-server IMAP use target imap_app (IMAP.AccessAsApp).",
            notes=(
                "IMAP must be enabled for the mailbox; authenticate with AUTHENTICATE XOAUTH2, user= the "
                "mailbox's address.",
            ),
        ),
        Connection(
            "imap_app",
            "Mailbox via IMAP (XOAUTH2), app-only",
            api="IMAP",
            resource="exchange",
            mode="app",
            grooper="Server-to-server IMAP import (client credentials) for a service mailbox.",
            docs=_IMAP_OAUTH,
            app_preset="Server-to-server IMAP",
            app_request=("{exchange}/.default",),
            roles=("IMAP.AccessAsApp",),
            notes=(
                "Exchange must know the app: New-ServicePrincipal for the enterprise app, then "
                "Add-MailboxPermission -AccessRights FullAccess on each mailbox it reads.",
            ),
        ),
    )
}


def get_connection(connection: str | Connection) -> Connection:
    """A :class:`Connection` by key (``exchange_ews_delegated``, ...); also accepts the title."""
    if isinstance(connection, Connection):
        return connection
    key = str(connection).strip()
    if key in CONNECTIONS:
        return CONNECTIONS[key]
    for c in CONNECTIONS.values():
        if key.lower() in (c.title.lower(), c.key.replace("_", " ")):
            return c
    raise ValueError(f"Unknown target {connection!r}. Use one of: {', '.join(CONNECTIONS)}.")
