"""A registration plan: what Grooper's Entra ID app must look like, and how an administrator gets there.

Two ways to give Grooper an app in a customer's tenant:

* **consent to Grooper's own connector**, "Grooper Azure AD Connector 2021": a multi-tenant app
  (``signInAudience`` AzureADMultipleOrgs) registered in its publisher's tenant. The customer's tenant
  holds only its service principal, created by admin consent;
* **register a custom app** in the customer's tenant (AzureADMyOrg by default) and give Grooper its
  client ID.

:func:`plan` describes either as a :class:`RegistrationPlan`: the manifest fragment the app registration
must carry (``requiredResourceAccess`` by resource, redirect URIs, audience), the Azure CLI commands that
create or update it, the admin-consent URL for the cloud, and the Exchange Online PowerShell for what
Exchange checks itself (the EWS application allow list, mailbox scoping for app-only mail)::

    >>> from grooper_nb.registration import plan
    >>> p = plan(["exchange_ews_delegated", "onedrive"], app="Grooper (Contoso)", tenant="contoso.com")
    >>> p.sign_in_audience, [r["resourceAppId"] for r in p.required_resource_access]
    ('AzureADMyOrg', ['00000002-0000-0ff1-ce00-000000000000', '00000003-0000-0000-c000-000000000000'])

The plan is pure: it reads nothing from a tenant. Creating the app and auditing an existing one go
through Graph and take the plan as what should be there.

Grooper's Exchange and SharePoint connections sign users in with the authorization-code flow and a web
redirect; by default the plan registers ``http://localhost`` (web) and the cloud's
``/common/oauth2/nativeclient`` page (public client), as the connector is registered
(https://learn.microsoft.com/entra/identity-platform/reply-url).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from grooper_nb._ids import is_guid, shown, strip_braces
from grooper_nb.clouds import Cloud, get_cloud
from grooper_nb.connections import Connection

from . import commands
from .permissions import Permission
from .requirements import COLUMNS, DEFAULT_CONNECTIONS, ConnectionSpec, Requirement, _row, collect, resolve

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CONNECTOR_APP", "RegistrationPlan", "plan"]

CONNECTOR_APP = "Grooper Azure AD Connector 2021"
REDIRECT_DOCS = "https://learn.microsoft.com/entra/identity-platform/reply-url"
# Application permissions on mail that an Exchange application access policy can limit to chosen mailboxes
# (https://learn.microsoft.com/graph/auth-limit-mailbox-access).
_POLICY_SCOPED = frozenset(
    {"Mail.Read", "Mail.ReadWrite", "Mail.ReadBasic", "Mail.ReadBasic.All", "full_access_as_app"}
)
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "[::1]"})
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.")

RedirectUris = Sequence[str] | Mapping[str, Sequence[str]] | None


@dataclass(frozen=True)
class RegistrationPlan:
    """What Grooper's app registration must carry, and the commands that get it there.

    ``connector``: the app is Grooper's multi-tenant connector (the tenant holds only its service
    principal); otherwise a custom app in the tenant. ``client_id`` is the app's Application (client) ID
    when known (the connector's, or an existing custom app's); without it the commands create the app and
    the consent URL waits for it (``missing`` says what is still to be filled in).
    """

    app: str
    connector: bool
    cloud: Cloud
    tenant: str | None
    client_id: str | None
    connections: tuple[tuple[Connection, bool], ...]
    requirements: tuple[Requirement, ...]
    sign_in_audience: str
    web_redirect_uris: tuple[str, ...]
    public_client_redirect_uris: tuple[str, ...]
    is_fallback_public_client: bool
    mailbox_group: str | None = None

    @property
    def connection_keys(self) -> tuple[tuple[str, bool], ...]:
        """(catalogue key, app-only) for each chosen connection."""
        return tuple((c.key, app_only) for c, app_only in self.connections)

    # ---- the app registration -------------------------------------------------------------------------

    @property
    def permissions(self) -> tuple[Permission, ...]:
        return tuple(r.permission for r in self.requirements)

    @property
    def required_resource_access(self) -> list[dict[str, Any]]:
        """``requiredResourceAccess``: one entry per resource appId, its permissions as ``{id, type}``."""
        grouped: dict[str, list[dict[str, str]]] = {}
        for p in self.permissions:
            grouped.setdefault(p.resource_app_id, []).append({"id": p.id, "type": p.type})
        return [{"resourceAppId": app_id, "resourceAccess": access} for app_id, access in grouped.items()]

    @property
    def manifest(self) -> dict[str, Any]:
        """The fragment of the application object (Graph's names) the registration must carry."""
        return {
            "displayName": self.app,
            "signInAudience": self.sign_in_audience,
            "isFallbackPublicClient": self.is_fallback_public_client,
            "web": {"redirectUris": list(self.web_redirect_uris)},
            "publicClient": {"redirectUris": list(self.public_client_redirect_uris)},
            "requiredResourceAccess": self.required_resource_access,
        }

    @property
    def delegated_grants(self) -> dict[str, str]:
        """resource appId -> the space-separated scope values admin consent grants (the ``scope`` of the
        tenant's oAuth2PermissionGrant for that resource)."""
        grants: dict[str, list[str]] = {}
        for p in self.permissions:
            if p.type == "Scope":
                grants.setdefault(p.resource_app_id, []).append(p.value)
        return {app_id: " ".join(values) for app_id, values in grants.items()}

    @property
    def app_role_assignments(self) -> list[tuple[str, str]]:
        """(resource appId, app role ID) for each application permission: one appRoleAssignment each."""
        return [(p.resource_app_id, p.id) for p in self.permissions if p.type == "Role"]

    @property
    def unconfirmed(self) -> tuple[Permission, ...]:
        """Permissions whose ID no Microsoft page states: check them with ``Permission.lookup_command``."""
        return tuple(p for p in self.permissions if not p.confirmed)

    # ---- what the administrator runs ------------------------------------------------------------------

    @property
    def redirect_uri(self) -> str:
        """The redirect URI the consent URL returns to (the first web one, else the first public one)."""
        return (self.web_redirect_uris or self.public_client_redirect_uris or ("http://localhost",))[0]

    @property
    def consent_url(self) -> str | None:
        """The admin-consent URL for the cloud, or None until the client ID is known."""
        if not self.client_id:
            return None
        return commands.admin_consent_url(
            cloud=self.cloud, tenant=self.tenant, client_id=self.client_id, redirect_uri=self.redirect_uri
        )

    @property
    def az_commands(self) -> list[str]:
        """Azure CLI commands (bash), in order; ``$APP_ID`` carries the client ID from line to line."""
        if self.connector:
            return commands.az_connector_commands(cloud=self.cloud, client_id=self.client_id)
        return commands.az_app_commands(
            display_name=self.app,
            audience=self.sign_in_audience,
            web=self.web_redirect_uris,
            public=self.public_client_redirect_uris,
            fallback_public_client=self.is_fallback_public_client,
            permissions=self.permissions,
            cloud=self.cloud,
            client_id=self.client_id,
        )

    @property
    def az_script(self) -> str:
        return "\n".join(self.az_commands)

    @property
    def exchange_powershell(self) -> dict[str, str]:
        """Exchange Online PowerShell by purpose (``ews_allow_list``, ``mailbox_access_policy``,
        ``imap_service_principal``); empty when no chosen connection needs one."""
        scripts = {}
        if any(c.api == "EWS" for c, _ in self.connections):
            scripts["ews_allow_list"] = commands.ews_allow_list(self.client_id)
        roles = {p.value for p in self.permissions if p.type == "Role"}
        if roles & _POLICY_SCOPED:
            scripts["mailbox_access_policy"] = commands.mailbox_access_policy(
                self.client_id, self.mailbox_group
            )
        if "IMAP.AccessAsApp" in roles:
            scripts["imap_service_principal"] = commands.imap_service_principal(self.client_id)
        return scripts

    @property
    def notes(self) -> tuple[str, ...]:
        """What the manifest cannot say: certificates, the catalogue's notes, unconfirmed IDs."""
        out = []
        for c, app_only in self.connections:
            if app_only and c.certificate_required:
                out.append(
                    f"{c.title}: upload a certificate to the app (public part only, e.g. "
                    f'az ad app credential reset --id "$APP_ID" --cert @grooper.pem --append); '
                    f"a client secret's app-only token is refused ({c.secret_refusal!r}). {' '.join(c.notes)}"
                )
        out += [
            f"{p.resource_name} {p.kind} permission {p.value}: ID {p.id} is UNCONFIRMED by a Microsoft page; "
            f"check it with: {p.lookup_command}"
            for p in self.unconfirmed
        ]
        return tuple(out)

    @property
    def missing(self) -> tuple[str, ...]:
        """Values still to be filled in before every command runs as it is."""
        out = []
        if not self.client_id and self.connector:
            out.append("client_id: the connector's Application (client) ID, for the consent URL and $APP_ID")
        elif not self.client_id and self.exchange_powershell:
            out.append(
                "client_id: the app's Application (client) ID ($APP_ID after az ad app create), for $AppId"
            )
        if "mailbox_access_policy" in self.exchange_powershell and not self.mailbox_group:
            out.append("mailbox_group: the mail-enabled security group of the mailboxes Grooper reads")
        return tuple(out)

    def table(self) -> pd.DataFrame:
        """The permissions as :func:`grooper_nb.registration.requirements` shows them."""
        import pandas as pd

        return pd.DataFrame([_row(r) for r in self.requirements], columns=COLUMNS, dtype=object)

    def _repr_html_(self) -> str:
        return _render_html(self)


# ---- validation -----------------------------------------------------------------------------------------


def _client_id(value: str | None) -> str | None:
    if value is None:
        return None
    if not is_guid(value):
        raise ValueError(
            f"client_id {shown(value)} is not a GUID. Use the Application (client) ID from the app's "
            "Overview page (e.g. 6731de76-14a6-49ae-97bc-6eba6914391e), not its name, object ID or a secret."
        )
    return strip_braces(value).lower()


def _tenant(value: str | None) -> str | None:
    if value is None:
        return None
    v = strip_braces(str(value)).strip()
    if is_guid(v) or v.lower() in ("organizations", "common"):
        return v.lower()
    if "." in v and set(v.lower()) <= _DOMAIN_CHARS and not v.startswith((".", "-")):
        return v.lower()
    raise ValueError(
        f"tenant {shown(value)} is neither a tenant ID (GUID) nor a domain such as contoso.onmicrosoft.com. "
        "Use the Directory (tenant) ID from Entra ID's Overview page, or leave it out for 'organizations'."
    )


def _check_redirect(uri: str) -> str:
    if not isinstance(uri, str) or not uri.strip():
        raise ValueError(f"redirect URI {uri!r} is empty: give an absolute https:// URI ({REDIRECT_DOCS}).")
    parts = urlsplit(uri.strip())
    local = (parts.hostname or "").lower() in _LOOPBACK or parts.netloc.lower().startswith("[::1]")
    if (parts.scheme == "https" and parts.netloc) or (parts.scheme == "http" and local):
        if parts.fragment:
            raise ValueError(
                f"redirect URI {uri!r} has a #fragment, which Entra ID refuses ({REDIRECT_DOCS})."
            )
        return uri.strip()
    raise ValueError(
        f"redirect URI {uri!r} is refused by Entra ID: use https://, or http:// only for localhost "
        f"({REDIRECT_DOCS})."
    )


def _redirects(redirect_uris: RedirectUris, cloud: Cloud) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(web, publicClient) redirect URIs: Grooper's defaults, a list (web) or a mapping by platform."""
    if redirect_uris is None:
        return ("http://localhost",), (f"{cloud.authority_url}/common/oauth2/nativeclient",)
    if isinstance(redirect_uris, str):
        redirect_uris = [redirect_uris]
    if isinstance(redirect_uris, Mapping):
        unknown = set(redirect_uris) - {"web", "publicClient"}
        if unknown:
            raise ValueError(f"redirect_uris keys {sorted(unknown)}: use 'web' and 'publicClient'.")
        web, public = redirect_uris.get("web", ()), redirect_uris.get("publicClient", ())
    else:
        web, public = redirect_uris, ()
    return tuple(_check_redirect(u) for u in web), tuple(_check_redirect(u) for u in public)


_AUDIENCES = (
    "AzureADMyOrg",
    "AzureADMultipleOrgs",
    "AzureADandPersonalMicrosoftAccount",
    "PersonalMicrosoftAccount",
)


def _audience(value: str | None, connector: bool) -> str:
    if value is None:
        return "AzureADMultipleOrgs" if connector else "AzureADMyOrg"
    if value not in _AUDIENCES:
        raise ValueError(f"sign_in_audience {value!r}: use one of {', '.join(_AUDIENCES)}.")
    return value


def _app_name(app: str) -> tuple[str, bool]:
    name = str(app or "").strip()
    if not name:
        raise ValueError(f"app must be {CONNECTOR_APP!r} or your custom app's display name.")
    return name, name.lower() == CONNECTOR_APP.lower()


def plan(
    connections: Sequence[ConnectionSpec] | None = None,
    *,
    app: str = CONNECTOR_APP,
    redirect_uris: RedirectUris = None,
    cloud: str | Cloud | None = None,
    tenant: str | None = None,
    public_client: bool | None = None,
    client_id: str | None = None,
    sign_in_audience: str | None = None,
    mailbox_group: str | None = None,
) -> RegistrationPlan:
    """The registration plan for ``connections`` (default: Grooper's usual set; see
    :func:`grooper_nb.registration.requirements`).

    ``app``: ``"Grooper Azure AD Connector 2021"`` (consent to Grooper's multi-tenant connector) or the
    display name of a custom app registered in the tenant. ``redirect_uris``: a list of web redirect URIs,
    or ``{"web": [...], "publicClient": [...]}``; default Grooper's. ``cloud``: global, usgov, usgov-dod or
    china (every URL follows it). ``tenant``: the tenant ID or domain the consent URL names (default
    ``organizations``). ``public_client``: allow public client flows (``isFallbackPublicClient``; default
    no). ``client_id``: the app's client ID when known. ``sign_in_audience``: override the default
    (AzureADMultipleOrgs for the connector, AzureADMyOrg for a custom app). ``mailbox_group``: the
    mail-enabled security group app-only mail is limited to.
    """
    name, connector = _app_name(app)
    the_cloud = get_cloud(cloud)
    requirements = tuple(collect(connections))
    chosen = tuple(dict.fromkeys(map(resolve, _specs(connections))))
    web, public = _redirects(redirect_uris, the_cloud)
    return RegistrationPlan(
        app=name,
        connector=connector,
        cloud=the_cloud,
        tenant=_tenant(tenant),
        client_id=_client_id(client_id),
        connections=chosen,
        requirements=requirements,
        sign_in_audience=_audience(sign_in_audience, connector),
        web_redirect_uris=web,
        public_client_redirect_uris=public,
        is_fallback_public_client=bool(public_client),
        mailbox_group=mailbox_group,
    )


def _specs(connections: Sequence[ConnectionSpec] | None) -> list[ConnectionSpec]:
    return list(DEFAULT_CONNECTIONS if connections is None else connections)


# ---- notebook rendering ---------------------------------------------------------------------------------


def _pre(text: str) -> str:
    return f"<pre style='white-space:pre-wrap'>{html.escape(text)}</pre>"


def _html_header(p: RegistrationPlan) -> str:
    kind = "Grooper's multi-tenant connector (service principal only)" if p.connector else "custom app"
    rows = [
        ("App", f"{p.app} ({kind})"),
        ("Cloud", p.cloud.display_name),
        ("Audience", p.sign_in_audience),
        ("Client ID", p.client_id or "not known yet"),
        ("Connections", ", ".join(f"{k} ({'app-only' if a else 'delegated'})" for k, a in p.connection_keys)),
    ]
    cell = "<tr><th style='text-align:left'>{}</th><td>{}</td></tr>"
    body = "".join(cell.format(html.escape(k), html.escape(v)) for k, v in rows)
    return f"<h4>Registration plan</h4><table>{body}</table>"


def _html_consent(p: RegistrationPlan) -> str:
    url = p.consent_url
    if url is None:
        return "<p><b>Admin consent URL</b>: pass <code>client_id=</code> to get it.</p>"
    e = html.escape(url)
    who = "an administrator who may grant tenant-wide consent opens it"
    return f"<p><b>Admin consent URL</b> ({who}):<br><a href='{e}' target='_blank'>{e}</a></p>"


def _render_html(p: RegistrationPlan) -> str:
    parts = [
        _html_header(p),
        "<h5>Permissions</h5>",
        p.table().to_html(index=False, escape=True),
        "<h5>Manifest fragment</h5>",
        _pre(json.dumps(p.manifest, indent=2)),
        "<h5>Azure CLI</h5>",
        _pre(p.az_script),
        _html_consent(p),
    ]
    for title, script in p.exchange_powershell.items():
        parts += [
            f"<h5>Exchange Online PowerShell: {html.escape(title.replace('_', ' '))}</h5>",
            _pre(script),
        ]
    notes = [*p.notes, *(f"Still to fill in: {m}" for m in p.missing)]
    if notes:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    return "\n".join(parts)
