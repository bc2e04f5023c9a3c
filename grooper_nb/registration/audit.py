"""Audit Grooper's app in a tenant through Microsoft Graph: :func:`audit`, one finding per row.

What Grooper needs of its app is the registration plan (:func:`~grooper_nb.registration.plan`) for the
chosen connections; the audit reads what the tenant holds and says, per item, ``ok``, ``warn`` or
``fail`` with the fix::

    from grooper_nb.registration import audit
    findings = audit(admin, connections=["exchange_ews_delegated", "onedrive"], account=signed_in)
    findings[findings.severity != "ok"]

* **Grooper's own connector** ("Grooper Azure AD Connector 2021"): its service principal in this tenant
  (https://learn.microsoft.com/graph/api/resources/serviceprincipal): present, enabled, whether users
  must be assigned, and what was consented (tenant-wide by an administrator, or per user) against what
  the chosen connections need. Its application object belongs to its publisher's tenant; when Graph
  shows it here too, its secrets and certificates are audited as well.
* **A custom app**: both objects. Redirect URIs against Grooper's, the sign-in audience, public client
  flows, permissions requested and consented (delegated and application), secrets and certificates with
  their expiry (``warn`` under 30 days, ``fail`` once expired), owners.

Every row ends with whether each chosen Grooper connection would work with what is consented. A Graph
failure is raised as the explained :class:`~grooper_nb.errors.graph.GraphError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .consent import consented, service_principal
from .create import connector_client_id, consent_url_for
from .graph import GraphClient
from .plan import CONNECTOR_APP, RegistrationPlan, plan
from .requirements import ConnectionSpec, permissions_of

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from grooper_nb.profile import Profile

__all__ = ["COLUMNS", "EXPIRY_WARNING_DAYS", "audit"]

COLUMNS = ["severity", "subject", "finding", "fix"]
EXPIRY_WARNING_DAYS = 30
_CREDENTIALS_DOCS = "https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials"
_CONSENT_DOCS = "https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent"


@dataclass
class _Audit:
    graph: GraphClient
    profile: Profile
    plan: RegistrationPlan
    rows: list[dict[str, str]] = field(default_factory=list)
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))

    def add(self, severity: str, subject: str, finding: str, fix: str = "") -> None:
        self.rows.append({"severity": severity, "subject": subject, "finding": finding, "fix": fix})

    def consent_fix(self, client_id: str) -> str:
        return (
            "An administrator grants consent tenant-wide: open "
            f"{consent_url_for(self.profile, self.plan, client_id)} ({_CONSENT_DOCS})."
        )


# ---- the service principal and its consent --------------------------------------------------------------


def _check_sp(a: _Audit, sp: dict[str, Any]) -> None:
    """https://learn.microsoft.com/graph/api/serviceprincipal-get?view=graph-rest-1.0"""
    subject = "service principal"
    a.add("ok", subject, f"present in this tenant (object id {sp['id']})")
    if sp.get("accountEnabled") is False:
        a.add(
            "fail",
            subject,
            "disabled: every sign-in and token request is refused (AADSTS7000112)",
            "Enterprise applications > the app > Properties: set 'Enabled for users to sign-in' to Yes.",
        )
    else:
        a.add("ok", subject, "enabled for users to sign in")
    if sp.get("appRoleAssignmentRequired"):
        a.add(
            "warn",
            subject,
            "assignment required: only users (or groups) assigned to the app can sign in (AADSTS50105)",
            "Assign every Grooper user under Enterprise applications > Users and groups, or set "
            "'Assignment required' to No.",
        )
    else:
        a.add("ok", subject, "no assignment required: every user of the tenant may sign in")


def _check_consent(a: _Audit, given: dict[str, set], client_id: str) -> None:
    for p in a.plan.permissions:
        key = (p.resource_app_id, p.value, p.type)
        subject = f"consent: {p.resource_name} {p.value} ({p.kind})"
        if p.type == "Role":
            if key in given["roles"]:
                a.add("ok", subject, "granted to the app (application permission)")
            else:
                a.add(
                    "fail",
                    subject,
                    "not granted: app-only tokens will lack this role",
                    a.consent_fix(client_id),
                )
        elif key in given["admin"]:
            a.add("ok", subject, "granted by an administrator for all users")
        elif key in given["user"]:
            a.add(
                "warn",
                subject,
                "consented by some users only: every other user meets a consent prompt or AADSTS65001",
                a.consent_fix(client_id),
            )
        else:
            a.add(
                "fail",
                subject,
                "not consented: sign-ins asking for it get AADSTS65001",
                a.consent_fix(client_id),
            )


def _check_connections(a: _Audit, given: dict[str, set] | None) -> None:
    everything = set().union(*given.values()) if given else set()
    for connection, app_only in a.plan.connections:
        needed = permissions_of(connection, app_only)
        missing = [p.value for p in needed if (p.resource_app_id, p.value, p.type) not in everything]
        subject = f"connection: {connection.key} ({'app-only' if app_only else 'delegated'})"
        if given is None:
            a.add("fail", subject, "would not work: the app has no service principal in this tenant")
        elif missing:
            a.add(
                "fail",
                subject,
                f"would not work: {', '.join(missing)} not consented",
                "See the consent rows.",
            )
        else:
            a.add("ok", subject, "would work: every permission it needs is consented")


# ---- the application object -----------------------------------------------------------------------------


def _expiry(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _check_credential(a: _Audit, kind: str, cred: dict[str, Any]) -> None:
    name = cred.get("displayName") or cred.get("hint") or cred.get("keyId", "")[:8]
    subject = f"{kind}: {name}"
    end = _expiry(cred.get("endDateTime"))
    if end is None:
        a.add("ok", subject, "no expiry date")
        return
    days = (end - a.now).total_seconds() / 86400
    when = end.strftime("%Y-%m-%d")
    renew = (
        f"Add a new {kind} (Certificates & secrets, or create_app again), put it in Grooper, then remove "
        f"this one ({_CREDENTIALS_DOCS})."
    )
    if days < 0:
        a.add("fail", subject, f"expired on {when}: sign-ins with it get AADSTS7000222", renew)
    elif days < EXPIRY_WARNING_DAYS:
        a.add("warn", subject, f"expires on {when}, in {int(days)} day(s)", renew)
    else:
        a.add("ok", subject, f"valid until {when}")


def _check_credentials(a: _Audit, app: dict[str, Any]) -> None:
    secrets = app.get("passwordCredentials") or []
    certificates = app.get("keyCredentials") or []
    for cred in secrets:
        _check_credential(a, "client secret", cred)
    for cred in certificates:
        _check_credential(a, "certificate", cred)
    if not secrets and not certificates:
        a.add(
            "fail",
            "credentials",
            "the app has neither a client secret nor a certificate: Grooper cannot redeem a code or sign in "
            "app-only",
            f"Add a client secret or upload a certificate ({_CREDENTIALS_DOCS}).",
        )


def _check_redirects(a: _Audit, app: dict[str, Any]) -> None:
    delegated = any(not app_only for _, app_only in a.plan.connections)
    for platform, wanted in (
        ("web", a.plan.web_redirect_uris),
        ("publicClient", a.plan.public_client_redirect_uris),
    ):
        have = set((app.get(platform) or {}).get("redirectUris") or [])
        for uri in wanted:
            subject = f"redirect URI ({platform}): {uri}"
            if uri in have:
                a.add("ok", subject, "registered")
            else:
                a.add(
                    "fail" if delegated else "warn",
                    subject,
                    "missing: Grooper's sign-in returning there gets AADSTS50011",
                    f"Authentication > add the {platform} redirect URI {uri} "
                    "(https://learn.microsoft.com/entra/identity-platform/reply-url).",
                )


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def _check_settings(a: _Audit, app: dict[str, Any]) -> None:
    audience = app.get("signInAudience")
    if audience == a.plan.sign_in_audience:
        a.add("ok", "sign-in audience", f"{audience}, as planned")
    else:
        a.add(
            "warn",
            "sign-in audience",
            f"{audience}, the plan says {a.plan.sign_in_audience}",
            "Set signInAudience in the manifest (Authentication > Supported account types).",
        )
    public = bool(app.get("isFallbackPublicClient"))
    if public == a.plan.is_fallback_public_client:
        a.add("ok", "public client flows", _on(public))
    else:
        a.add(
            "warn",
            "public client flows",
            f"{_on(public)}, the plan says {_on(a.plan.is_fallback_public_client)}",
            "Authentication > Advanced settings > Allow public client flows.",
        )


def _check_requested(a: _Audit, app: dict[str, Any]) -> None:
    requested = {
        (e["resourceAppId"].lower(), r["id"].lower(), r["type"])
        for e in app.get("requiredResourceAccess") or []
        for r in e.get("resourceAccess", [])
    }
    for p in a.plan.permissions:
        subject = f"requested: {p.resource_name} {p.value} ({p.kind})"
        if (p.resource_app_id, p.id.lower(), p.type) in requested:
            a.add("ok", subject, "in the app's API permissions")
        else:
            a.add(
                "fail",
                subject,
                "not in the app's API permissions: consent cannot grant it",
                f"API permissions > Add a permission > {p.resource_name} > {p.kind} > {p.value}; then grant "
                "admin consent.",
            )


def _check_owners(a: _Audit, app: dict[str, Any]) -> None:
    """https://learn.microsoft.com/graph/api/application-list-owners?view=graph-rest-1.0"""
    owners = a.graph.list(f"/applications/{app['id']}/owners")
    if owners:
        names = ", ".join(o.get("userPrincipalName") or o.get("displayName") or o["id"] for o in owners)
        a.add("ok", "owners", names)
    else:
        a.add(
            "warn",
            "owners",
            "no owner: nobody but an administrator can renew its secrets",
            "Owners > Add owners: the people who look after Grooper's app.",
        )


# ---- the two kinds of app --------------------------------------------------------------------------------


def _app_by_id(graph: GraphClient, client_id: str) -> dict[str, Any] | None:
    """https://learn.microsoft.com/graph/api/application-list?view=graph-rest-1.0 (``$filter`` on appId)"""
    found = graph.find("/applications", "appId", client_id)
    return found[0] if found else None


def _audit_sp(a: _Audit, client_id: str) -> None:
    sp = service_principal(a.graph, client_id)
    if sp is None:
        a.add(
            "fail",
            "service principal",
            "not in this tenant: nobody has consented to the app yet",
            a.consent_fix(client_id),
        )
        _check_connections(a, None)
        return
    _check_sp(a, sp)
    given = consented(a.graph, sp["id"])
    _check_consent(a, given, client_id)
    _check_connections(a, given)


def _audit_connector(a: _Audit) -> None:
    client_id = connector_client_id(a.profile, a.plan)
    app = _app_by_id(a.graph, client_id)
    if app is not None:  # visible when this tenant is the publisher's (or Graph shows it anyway)
        _check_credentials(a, app)
    _audit_sp(a, client_id)


def _audit_custom(a: _Audit) -> None:
    from .create import find_app

    app = _app_by_id(a.graph, a.plan.client_id) if a.plan.client_id else find_app(a.graph, a.plan.app)
    if app is None:
        a.add(
            "fail",
            "application",
            f"no app registration named {a.plan.app!r} in this tenant",
            "Create it with create_app(profile, plan(...)) or give its client ID.",
        )
        _check_connections(a, None)
        return
    a.add("ok", "application", f"{app['displayName']} (client id {app['appId']})")
    _check_redirects(a, app)
    _check_settings(a, app)
    _check_requested(a, app)
    _check_credentials(a, app)
    _check_owners(a, app)
    _audit_sp(a, app["appId"])


def audit(
    profile: Profile,
    app: str = CONNECTOR_APP,
    connections: Sequence[ConnectionSpec] | None = None,
    *,
    client_id: str | None = None,
    account: Any = None,
) -> pd.DataFrame:
    """The findings for ``app`` in the profile's tenant, as a DataFrame (severity ok/warn/fail, subject,
    finding, fix; text only), against what ``connections`` need (default Grooper's usual set).

    ``client_id``: the app's client ID (the connector's when the profile is not the sandbox; a custom
    app's to find it by ID rather than by name). ``account``: the signed-in administrator's TokenResult.
    """
    import pandas as pd

    the_plan = plan(connections, app=app, cloud=profile.cloud, tenant=profile.tenant, client_id=client_id)
    a = _Audit(GraphClient(profile, account=account), profile, the_plan)
    if the_plan.connector:
        _audit_connector(a)
    else:
        _audit_custom(a)
    return pd.DataFrame(a.rows, columns=COLUMNS, dtype=object).fillna("")
