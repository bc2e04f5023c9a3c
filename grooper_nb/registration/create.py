"""Carry out a registration plan through Microsoft Graph: :func:`create_app`.

For a custom app, :func:`create_app` finds the app by its display name or creates it from
``plan.manifest``, creates its service principal, adds a client secret (and optionally a self-signed
certificate), and grants admin consent when the caller may; it is safe to run again: an app that is
already there is reported (with what differs from the plan) and never duplicated::

    from grooper_nb.registration import create_app, plan
    result = create_app(admin, plan(["graph_mail_app"], app="Grooper (Contoso)"), account=signed_in,
                        write_env="grooper.env")
    result                    # what was created, what was found, drift, consent; the secret masked

For Grooper's own connector no app is created: its application object lives in its publisher's tenant,
and an administrator's consent is what creates its service principal here. :func:`create_app` then
returns the admin-consent URL, or the service principal once consent has been given
(https://learn.microsoft.com/entra/identity-platform/application-model).

The caller is a signed-in administrator (a delegated Graph token with Application.ReadWrite.All,
AppRoleAssignment.ReadWrite.All and DelegatedPermissionGrant.ReadWrite.All, e.g. through the bootstrap
client) or an app with those application permissions. A caller without them gets the explained
``403 Authorization_RequestDenied``; a caller who may create the app but not grant consent gets the
admin-consent URL to pass on.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grooper_nb._redact import Secret
from grooper_nb.errors.graph import GraphError

from . import commands
from .certificate import generate_certificate, write_private
from .consent import grant_admin_consent, service_principal
from .graph import GraphClient
from .plan import RegistrationPlan

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.profile import Profile

__all__ = ["Registration", "consent_url_for", "create_app", "drift", "find_app"]


@dataclass(frozen=True)
class Registration:
    """What :func:`create_app` did: ids, what it ``created`` and what it ``found``, how the app differs
    from the plan (``drift``), and the consent state (``consent``: granted | already granted |
    needs an administrator | waiting for consent | not requested), with the URL when consent is pending.

    ``secret`` is the new client secret's value (a :class:`~grooper_nb._redact.Secret`, shown masked;
    ``secret.reveal()`` is the only way to it): store it now, Graph never shows it again."""

    app: str
    connector: bool
    app_id: str | None
    application_id: str | None
    service_principal_id: str | None
    created: tuple[str, ...] = ()
    found: tuple[str, ...] = ()
    drift: tuple[str, ...] = ()
    consent: str = "not requested"
    granted: tuple[str, ...] = ()
    consent_url: str | None = None
    secret: Secret | None = field(default=None, repr=False)
    secret_expires: str | None = None
    certificate_path: Path | None = None
    certificate_thumbprint: str | None = None
    env_file: Path | None = None

    def summary(self) -> dict[str, str]:
        """Displayable facts (the secret masked)."""
        rows = {
            "app": f"{self.app} ({'Grooper connector' if self.connector else 'custom app'})",
            "application (client) id": self.app_id or "—",
            "application object id": self.application_id or "—",
            "service principal id": self.service_principal_id or "—",
            "created": ", ".join(self.created) or "nothing",
            "found": ", ".join(self.found) or "nothing",
            "drift from the plan": " | ".join(self.drift) or "none",
            "consent": self.consent,
            "granted now": " | ".join(self.granted) or "—",
            "admin-consent URL": self.consent_url or "—",
            "client secret": f"{self.secret} (expires {self.secret_expires})" if self.secret else "—",
            "certificate": f"{self.certificate_path} ({self.certificate_thumbprint})"
            if self.certificate_path
            else "—",
            ".env file": str(self.env_file) if self.env_file else "—",
        }
        return rows

    def _repr_html_(self) -> str:
        cell = "<tr><th style='text-align:left'>{}</th><td style='white-space:pre-wrap'>{}</td></tr>"
        body = "".join(cell.format(html.escape(k), html.escape(v)) for k, v in self.summary().items())
        return f"<h4>Registration</h4><table>{body}</table>"


# ---- finding and comparing -------------------------------------------------------------------------------


def find_app(graph: GraphClient, display_name: str) -> dict[str, Any] | None:
    """The application named ``display_name``; a ValueError when several share the name
    (https://learn.microsoft.com/graph/api/application-list?view=graph-rest-1.0)."""
    apps = graph.find("/applications", "displayName", display_name)
    if len(apps) > 1:
        ids = ", ".join(a["appId"] for a in apps)
        raise ValueError(
            f"{len(apps)} applications are named {display_name!r} ({ids}): rename or delete all but one, or "
            "pass plan(client_id=...) for the one Grooper uses."
        )
    return apps[0] if apps else None


def _access(entries: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (e["resourceAppId"].lower(), a["id"].lower(), a["type"])
        for e in entries or []
        for a in e.get("resourceAccess", [])
    }


def drift(app: dict[str, Any], plan: RegistrationPlan) -> tuple[str, ...]:
    """How ``app`` (Graph's application object) differs from the plan's manifest, one line per property."""
    out = []
    for platform, wanted in (
        ("web", plan.web_redirect_uris),
        ("publicClient", plan.public_client_redirect_uris),
    ):
        have = set((app.get(platform) or {}).get("redirectUris") or [])
        missing = [u for u in wanted if u not in have]
        if missing:
            out.append(f"{platform} redirect URIs lack {', '.join(missing)}")
    if app.get("signInAudience") != plan.sign_in_audience:
        out.append(f"signInAudience is {app.get('signInAudience')}, the plan says {plan.sign_in_audience}")
    planned = _access(plan.required_resource_access)
    have = _access(app.get("requiredResourceAccess") or [])
    by_id = {(p.resource_app_id, p.id.lower(), p.type): p for p in plan.permissions}
    missing = [f"{by_id[k].value} ({by_id[k].kind})" for k in sorted(planned - have)]
    if missing:
        out.append(f"requiredResourceAccess lacks {', '.join(missing)}")
    extra = len(have - planned)
    if extra:
        out.append(f"requiredResourceAccess asks for {extra} permission(s) the plan does not")
    return tuple(out)


def consent_url_for(profile: Profile, plan: RegistrationPlan, client_id: str) -> str:
    """The tenant-wide admin-consent URL for ``client_id`` in the profile's tenant and cloud, as a person
    opens it (:func:`~grooper_nb.registration.commands.admin_consent_url`)."""
    url = commands.admin_consent_url(
        cloud=profile.cloud,
        tenant=plan.tenant or profile.tenant,
        client_id=client_id,
        redirect_uri=plan.redirect_uri,
    )
    return profile.person_url(url)


# ---- the steps -------------------------------------------------------------------------------------------


@dataclass
class _Run:
    graph: GraphClient
    profile: Profile
    plan: RegistrationPlan
    created: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


def _application(run: _Run) -> dict[str, Any]:
    """The plan's app, found by name, else created from the manifest
    (https://learn.microsoft.com/graph/api/application-post-applications?view=graph-rest-1.0)."""
    app = find_app(run.graph, run.plan.app)
    if app is not None:
        run.found.append("application")
        run.values["drift"] = drift(app, run.plan)
        return app
    app = run.graph.post("/applications", run.plan.manifest)
    run.created.append("application")
    return app


def _service_principal(run: _Run, app_id: str) -> dict[str, Any]:
    """The app's service principal in the tenant, found or created
    (https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals?view=graph-rest-1.0)."""
    sp = service_principal(run.graph, app_id)
    if sp is not None:
        run.found.append("service principal")
        return sp
    sp = run.graph.post("/servicePrincipals", {"appId": app_id})
    run.created.append("service principal")
    return sp


def _has_live_secret(app: dict[str, Any]) -> bool:
    now = dt.datetime.now(dt.timezone.utc)
    return any(_when(c.get("endDateTime")) > now for c in app.get("passwordCredentials") or [])


def _when(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _secret(run: _Run, app: dict[str, Any], days: int) -> None:
    """https://learn.microsoft.com/graph/api/application-addpassword?view=graph-rest-1.0"""
    end = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)
    body = {
        "passwordCredential": {
            "displayName": "grooper-nb",
            "endDateTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    }
    answer = run.graph.post(f"/applications/{app['id']}/addPassword", body)
    run.values["secret"] = Secret(answer["secretText"], label="client secret")
    run.values["secret_expires"] = answer.get("endDateTime") or body["passwordCredential"]["endDateTime"]
    run.created.append("client secret")


def _certificate(run: _Run, app: dict[str, Any], target: str | os.PathLike | bool, env: Path | None) -> None:
    """Upload a new self-signed certificate as the app's first key: ``PATCH keyCredentials``
    (https://learn.microsoft.com/graph/api/application-update?view=graph-rest-1.0); a later one needs
    ``addKey`` and a proof of the current key (https://learn.microsoft.com/graph/api/application-addkey)."""
    if app.get("keyCredentials"):
        run.found.append("certificate")
        return
    if target is True:
        target = (env.parent if env else Path.cwd()) / "grooper-app.pem"
    cert = generate_certificate(Path(target), run.plan.app)
    run.graph.patch(f"/applications/{app['id']}", {"keyCredentials": [cert.key_credential("grooper-nb")]})
    run.values["certificate_path"] = cert.path
    run.values["certificate_thumbprint"] = cert.thumbprint
    run.created.append("certificate")


def _consent(run: _Run, sp: dict[str, Any], app_id: str) -> None:
    try:
        granted = grant_admin_consent(run.graph, sp, run.plan)
    except GraphError as exc:
        if exc.status != 403:
            raise
        run.values["consent"] = "needs an administrator"
        run.values["consent_url"] = consent_url_for(run.profile, run.plan, app_id)
        return
    run.values["granted"] = tuple(granted)
    run.values["consent"] = "granted" if granted else "already granted"


def write_env_file(path: str | os.PathLike, profile: Profile, client_id: str, values: dict[str, Any]) -> Path:
    """The ``GROOPER_NB_*`` settings :func:`~grooper_nb.profile.connect` reads, in a 0600 file."""
    lines = [
        f"GROOPER_NB_TENANT={profile.tenant_id or profile.tenant}",
        f"GROOPER_NB_CLIENT_ID={client_id}",
    ]
    if values.get("secret"):
        lines.append(f"GROOPER_NB_CLIENT_SECRET={values['secret'].reveal()}")
    if values.get("certificate_path"):
        lines.append(f"GROOPER_NB_CERTIFICATE={values['certificate_path']}")
    if profile.cloud.name != "global":
        lines.append(f"GROOPER_NB_CLOUD={profile.cloud.name}")
    target = Path(path)
    write_private(target, ("\n".join(lines) + "\n").encode("utf-8"))
    return target


# ---- the entry point -------------------------------------------------------------------------------------


def _connector(graph: GraphClient, profile: Profile, plan: RegistrationPlan) -> Registration:
    client_id = connector_client_id(profile, plan)
    sp = service_principal(graph, client_id)
    url = consent_url_for(profile, plan, client_id)
    return Registration(
        app=plan.app,
        connector=True,
        app_id=client_id,
        application_id=None,
        service_principal_id=sp["id"] if sp else None,
        found=("service principal",) if sp else (),
        consent="service principal present (consent given)" if sp else "waiting for consent",
        consent_url=url,
    )


def connector_client_id(profile: Profile, plan: RegistrationPlan) -> str:
    """The connector's client ID: the plan's, else the sandbox's seeded connector."""
    if plan.client_id:
        return plan.client_id
    info = profile.sandbox_info
    app = info.app(plan.app) if info else None
    if app is None:
        raise ValueError(
            f"The client ID of {plan.app!r} is not known: pass plan(client_id=...) with the Application "
            "(client) ID Grooper publishes for its connector."
        )
    return app.client_id


def create_app(
    profile: Profile,
    plan: RegistrationPlan,
    *,
    secret_expiry_days: int | None = 180,
    write_env: str | os.PathLike | None = None,
    certificate: bool | str | os.PathLike = False,
    grant_consent: bool = True,
    account: Any = None,
) -> Registration:
    """Find or create the app ``plan`` describes, as the administrator signed in on ``profile``.

    ``secret_expiry_days``: add a client secret valid that long when the app is new or has no live
    secret (None: no secret). ``write_env``: a ``.env`` file (0600) with the tenant, client ID and the new
    secret (or certificate), ready for ``connect(env_file=...)``. ``certificate``: True or a path: a
    self-signed certificate as the app's first key. ``grant_consent``: grant the plan's permissions
    tenant-wide (else, or when the caller may not, the result carries the admin-consent URL).
    ``account``: the administrator's sign-in (a TokenResult) when the cache holds several.
    """
    graph = GraphClient(profile, account=account)
    if plan.connector:
        return _connector(graph, profile, plan)
    run = _Run(graph, profile, plan)
    app = _application(run)
    sp = _service_principal(run, app["appId"])
    if secret_expiry_days is not None and ("application" in run.created or not _has_live_secret(app)):
        _secret(run, app, secret_expiry_days)
    env = Path(write_env) if write_env else None
    if certificate:
        _certificate(run, app, certificate, env)
    if grant_consent:
        _consent(run, sp, app["appId"])
    else:
        run.values["consent_url"] = consent_url_for(profile, plan, app["appId"])
    if env is not None and (run.values.get("secret") or run.values.get("certificate_path")):
        run.values["env_file"] = write_env_file(env, profile, app["appId"], run.values)
    return Registration(
        app=plan.app,
        connector=False,
        app_id=app["appId"],
        application_id=app["id"],
        service_principal_id=sp["id"],
        created=tuple(run.created),
        found=tuple(run.found),
        **run.values,
    )
