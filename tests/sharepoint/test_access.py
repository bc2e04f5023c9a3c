"""access_check against the sandbox with real tokens: each identity tried on the Finance site through
Graph and through SharePoint REST, and each refusal explained (secret vs certificate, wrong host,
Sites.Selected without a grant, a missing site)."""

from __future__ import annotations

import pytest

from grooper_nb.errors import SharePointError
from grooper_nb.registration.graph import GraphClient
from grooper_nb.sharepoint import SharePoint, access_check
from grooper_nb.sharepoint.access import COLUMNS, token_facts
from grooper_nb.sharepoint.auth import rest_provider
from grooper_nb.sharepoint.rest import RestSharePoint
from tests.sharepoint.conftest import FINANCE


def _by_api(table) -> dict:
    assert list(table.columns) == COLUMNS
    return {row["api"]: row for _, row in table.iterrows()}


def test_certificate_app_only_reads_through_both(cert_app):
    rows = _by_api(access_check(cert_app, FINANCE))
    assert rows["graph"]["ok"] and rows["rest"]["ok"], rows
    assert (
        rows["rest"]["credential"] == "certificate" and rows["rest"]["identity"] == "app-only (certificate)"
    )
    assert "contoso.sharepoint.com" in rows["rest"]["audience"]


def test_secret_app_only_reads_through_graph_and_rest_says_exactly_why_not(secret_app):
    rows = _by_api(access_check(secret_app, FINANCE))
    assert rows["graph"]["ok"]
    rest = rows["rest"]
    assert not rest["ok"] and rest["status"] == 401 and rest["error"] == "UnsupportedAppOnlyToken"
    assert "client secret (appidacr=1)" in rest["explanation"] and "certificate" in rest["fix"]
    assert rest["docs"].startswith("https://learn.microsoft.com/")


def test_the_raw_rest_rejection_of_a_secret_token(secret_app):
    with pytest.raises(SharePointError) as caught:
        SharePoint(secret_app, "rest").site(FINANCE)
    err = caught.value
    assert err.status == 401 and err.error == "UnsupportedAppOnlyToken"
    assert "Unsupported app only token" in (err.description + (err.diagnostics or ""))


def test_a_token_for_the_onedrive_host_is_refused_by_the_sites_host(cert_app):
    rest = RestSharePoint(
        cert_app.session, lambda _host: rest_provider(cert_app, "contoso-my.sharepoint.com")
    )
    with pytest.raises(SharePointError) as caught:
        rest.site(FINANCE)
    assert caught.value.status == 401 and caught.value.error == "InvalidAudienceUri"
    row = _by_api(access_check(cert_app, FINANCE, apis=("rest",), token_host="contoso-my.sharepoint.com"))[
        "rest"
    ]
    assert not row["ok"] and "contoso-my.sharepoint.com" in row["explanation"]
    assert row["fix"] == "Request the token for https://contoso.sharepoint.com/.default."


def test_a_site_that_does_not_exist(cert_app):
    rows = _by_api(access_check(cert_app, "https://contoso.sharepoint.com/sites/no-such-site"))
    for api in ("graph", "rest"):
        assert rows[api]["status"] == 404 and not rows[api]["ok"]
        assert "There is no site at" in rows[api]["explanation"]


def test_delegated_reads_through_both(delegated_app, delegated, member):
    rows = _by_api(access_check(delegated_app, FINANCE, account=delegated))
    assert rows["graph"]["ok"] and rows["rest"]["ok"], rows
    assert rows["rest"]["identity"].startswith(f"delegated: {member['upn']}")


def test_sites_selected_without_then_with_a_grant(selected_app, full_control_app, cert_app):
    before = _by_api(access_check(selected_app, FINANCE))
    for api in ("graph", "rest"):
        assert before[api]["status"] == 403 and not before[api]["ok"], before[api].to_dict()
        assert "only Sites.Selected" in before[api]["explanation"] and "/permissions" in before[api]["fix"]
    site = SharePoint(cert_app, "graph").site(FINANCE)
    granted = GraphClient(full_control_app).post(
        f"/sites/{site.graph_id}/permissions",
        {
            "roles": ["read"],
            "grantedToIdentities": [
                {"application": {"id": selected_app.client_id, "displayName": "Sites.Selected test"}}
            ],
        },
    )
    assert granted["roles"] == ["read"]
    after = _by_api(access_check(selected_app, FINANCE))
    assert after["graph"]["ok"] and after["rest"]["ok"], after
    other = _by_api(access_check(selected_app, "https://contoso.sharepoint.com/sites/intranet"))
    assert other["graph"]["status"] == 403  # the grant is for Finance only


def test_token_facts_read_the_credential_kind(cert_app, secret_app):
    from grooper_nb.auth import flows

    for profile, kind in ((cert_app, "certificate"), (secret_app, "client secret")):
        token = flows.client_credentials(
            profile, ["https://graph.microsoft.com/.default"]
        ).access_token.reveal()
        facts = token_facts(token)
        assert facts.app_only and facts.credential == kind and "Sites.Read.All" in facts.roles


def test_no_token_reaches_the_table_or_a_repr(cert_app, secret_app):
    from grooper_nb.auth import flows

    table = access_check(secret_app, FINANCE)
    text = table.to_string() + repr(SharePoint(secret_app, "rest")) + repr(SharePoint(cert_app, "graph"))
    for profile, resource in (
        (secret_app, "https://graph.microsoft.com"),
        (cert_app, "https://contoso.sharepoint.com"),
    ):
        token = flows.client_credentials(profile, [f"{resource}/.default"]).access_token.reveal()
        assert token not in text and token[:40] not in text
    assert not any(s.reveal() in text for s in secret_app.secrets())
