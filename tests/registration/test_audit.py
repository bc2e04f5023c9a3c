"""audit against the sandbox's Graph with real tokens: the seeded connector's one expired secret, and a
custom app created here, changed through Graph one way at a time, each change caught with its fix."""

from __future__ import annotations

import datetime as dt

import pytest

from grooper_nb.auth.person import redirect_params, sandbox_person
from grooper_nb.profile import connect
from grooper_nb.registration import audit, create_app, plan
from grooper_nb.registration.audit import COLUMNS
from grooper_nb.registration.graph import GraphClient
from tests.registration.conftest import ropc

CONNECTOR_CONNECTIONS = ["exchange_ews_delegated", "sharepoint_graph", "onedrive"]
CUSTOM_CONNECTIONS = [("graph_mail_app", "app"), "onedrive"]
APP = "Grooper Audit Test"


def _rows(findings, severity):
    return findings[findings.severity == severity]


def _row(findings, subject_start):
    found = findings[findings.subject.str.startswith(subject_start)]
    assert len(found) == 1, findings.to_string()
    return found.iloc[0]


def _when(days: float) -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def graph(bootstrap, admin):
    return GraphClient(bootstrap, account=admin)


@pytest.fixture(scope="module")
def custom(bootstrap, admin):
    return create_app(bootstrap, plan(CUSTOM_CONNECTIONS, app=APP, tenant=bootstrap.tenant), account=admin)


def _audit_custom(bootstrap, admin):
    return audit(bootstrap, APP, CUSTOM_CONNECTIONS, account=admin)


def test_the_seeded_connector_fails_on_its_expired_secret_and_nothing_else(bootstrap, admin):
    findings = audit(bootstrap, connections=CONNECTOR_CONNECTIONS, account=admin)
    assert list(findings.columns) == COLUMNS
    assert not findings.isna().any().any() and all(isinstance(v, str) for v in findings.to_numpy().ravel())
    fails = _rows(findings, "fail")
    assert fails.subject.tolist() == ["client secret: expired secret"], findings.to_string()
    assert "expired on" in fails.iloc[0].finding and "Add a new client secret" in fails.iloc[0].fix
    assert _rows(findings, "warn").empty, findings.to_string()
    assert _row(findings, "connection: onedrive").finding.startswith("would work")


def test_a_connection_the_connector_is_not_consented_for_fails_with_the_consent_url(bootstrap, admin):
    findings = audit(bootstrap, connections=["sharepoint_rest_delegated"], account=admin)
    row = _row(findings, "consent: Office 365 SharePoint Online AllSites.Read")
    assert row.severity == "fail" and "/adminconsent?" in row.fix
    assert _row(findings, "connection: sharepoint_rest_delegated").severity == "fail"


def test_a_custom_app_just_created_passes(bootstrap, admin, custom):
    findings = _audit_custom(bootstrap, admin)
    assert findings.severity.eq("ok").all(), findings.to_string()
    assert _row(findings, "owners").finding  # the administrator who registered it


def test_a_secret_expiring_in_ten_days_is_a_warning(bootstrap, admin, graph, custom):
    body = {"passwordCredential": {"displayName": "ten days", "endDateTime": _when(10)}}
    graph.post(f"/applications/{custom.application_id}/addPassword", body)
    row = _row(_audit_custom(bootstrap, admin), "client secret: ten days")
    assert row.severity == "warn" and "day(s)" in row.finding and "Add a new client secret" in row.fix


def test_an_expired_secret_is_a_failure(bootstrap, admin, graph, custom):
    body = {
        "passwordCredential": {"displayName": "old", "startDateTime": _when(-40), "endDateTime": _when(-3)}
    }
    graph.post(f"/applications/{custom.application_id}/addPassword", body)
    row = _row(_audit_custom(bootstrap, admin), "client secret: old")
    assert row.severity == "fail" and "expired on" in row.finding


def test_a_removed_redirect_uri_is_a_failure(bootstrap, admin, graph, custom):
    graph.patch(f"/applications/{custom.application_id}", {"web": {"redirectUris": []}})
    row = _row(_audit_custom(bootstrap, admin), "redirect URI (web): http://localhost")
    assert row.severity == "fail" and "AADSTS50011" in row.finding and "http://localhost" in row.fix


def test_a_permission_no_longer_requested_is_a_failure(bootstrap, admin, graph, custom):
    app = graph.get(f"/applications/{custom.application_id}")
    mail_read_role = "810c84a8-4a9e-49e6-bf7d-12d183f40d01"
    kept = [
        {**e, "resourceAccess": [r for r in e["resourceAccess"] if r["id"] != mail_read_role]}
        for e in app["requiredResourceAccess"]
    ]
    graph.patch(f"/applications/{custom.application_id}", {"requiredResourceAccess": kept})
    row = _row(_audit_custom(bootstrap, admin), "requested: Microsoft Graph Mail.Read (application)")
    assert row.severity == "fail" and "API permissions" in row.fix


def test_revoked_consent_is_a_failure_for_each_permission_and_connection(bootstrap, admin, graph, custom):
    sp = custom.service_principal_id
    for grant in graph.find("/oauth2PermissionGrants", "clientId", sp):
        graph.delete(f"/oauth2PermissionGrants/{grant['id']}")
    for assignment in graph.list(f"/servicePrincipals/{sp}/appRoleAssignments"):
        graph.delete(f"/servicePrincipals/{assignment['resourceId']}/appRoleAssignedTo/{assignment['id']}")
    findings = _audit_custom(bootstrap, admin)
    for subject in ("consent: Microsoft Graph Mail.Read", "consent: Microsoft Graph Files.ReadWrite.All"):
        row = _row(findings, subject)
        assert row.severity == "fail" and custom.app_id in row.fix and "/adminconsent?" in row.fix
    assert _row(findings, "connection: graph_mail_app").severity == "fail"
    assert _row(findings, "connection: onedrive").severity == "fail"


def test_an_unconsented_connector_has_no_service_principal_until_its_admin_consent(unconsented):
    boot = connect(app="Grooper NB Bootstrap", sandbox_dir=unconsented["state_dir"])
    user = next(u for u in unconsented["users"] if "Global Administrator" in u["directory_roles"])
    signed_in = ropc(boot, user)
    before = create_app(boot, plan(tenant=boot.tenant), account=signed_in)
    assert before.service_principal_id is None and before.consent == "waiting for consent"
    row = _row(audit(boot, connections=CONNECTOR_CONNECTIONS, account=signed_in), "service principal")
    assert row.severity == "fail" and before.consent_url in row.fix
    person = sandbox_person(boot, directory_roles=["Global Administrator"])
    assert redirect_params(person.sign_in(before.consent_url))["admin_consent"] == "True"
    after = create_app(boot, plan(tenant=boot.tenant), account=signed_in)
    assert after.service_principal_id and after.found == ("service principal",)
    findings = audit(boot, connections=CONNECTOR_CONNECTIONS, account=signed_in)
    # The connector's application object (and its expired secret) is the publisher's: the customer's audit
    # sees the service principal and its consent, and those are clean.
    assert _rows(findings, "fail").empty, findings.to_string()
