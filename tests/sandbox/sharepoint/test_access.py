"""Who SharePoint REST lets in: its own token rules (audience per host, certificate-only app tokens),
delegated access per site and OneDrive, and the faults every resource host passes through."""

from __future__ import annotations

import pytest

from grooper_nb.auth import flows
from grooper_nb.errors import sharepoint as sp_errors
from grooper_nb.profile import connect
from grooper_nb.sandbox import faults, launcher
from tests.sandbox.sharepoint.sp_helpers import FINANCE, MY, ROOT, VERBOSE, error_of, props

MEGAN_DRIVE = f"{MY}/personal/megan_bowen_contoso_onmicrosoft_com"
ADELE_DRIVE = f"{MY}/personal/adele_vance_contoso_onmicrosoft_com"
AUDIENCE_EXCEPTION = (
    "Exception of type 'Microsoft.IdentityModel.Tokens.AudienceUriValidationFailedException' was thrown."
)


def test_no_token_is_401_with_sharepoints_challenge(rest, store) -> None:
    resp = rest.get(f"{FINANCE}/_api/web", None)
    assert resp.status_code == 401
    assert error_of(resp)["code"] == "-2147024891, System.UnauthorizedAccessException"
    challenge = resp.headers["WWW-Authenticate"]
    assert challenge.startswith(f'Bearer realm="{store.directory.tenant["id"]}"')
    assert 'client_id="00000003-0000-0ff1-ce00-000000000000"' in challenge


def test_a_graph_token_is_refused_for_its_audience(rest, state_dir) -> None:
    profile = connect(app="Grooper Server-to-Server", sandbox_dir=state_dir, credential="certificate")
    graph = flows.client_credentials(profile, ["https://graph.microsoft.com/.default"], use_cache=False)
    resp = rest.get(f"{FINANCE}/_api/web", graph.access_token.reveal())
    assert resp.status_code == 401
    assert resp.json() == {"error_description": AUDIENCE_EXCEPTION}
    assert resp.headers["x-ms-diagnostics"] == (
        '3000003;reason="Invalid audience Uri \'https://graph.microsoft.com\'.";category="invalid_client"'
    )
    assert resp.headers["WWW-Authenticate"].startswith("Bearer realm=")
    assert sp_errors.from_response(resp).error == "InvalidAudienceUri"


def test_a_token_for_one_host_is_refused_on_the_other(rest, app_token, my_app_token) -> None:
    resp = rest.get(f"{ROOT}/_api/web", my_app_token)
    assert resp.status_code == 401
    assert "Invalid audience Uri 'https://contoso-my.sharepoint.com'." in resp.headers["x-ms-diagnostics"]
    resp = rest.get(f"{MEGAN_DRIVE}/_api/web", app_token)
    assert resp.status_code == 401
    assert "Invalid audience Uri 'https://contoso.sharepoint.com'." in resp.headers["x-ms-diagnostics"]
    assert rest.get(f"{MEGAN_DRIVE}/_api/web", my_app_token).status_code == 200


def test_an_app_only_token_from_a_secret_is_unsupported(rest, app_token_for) -> None:
    secret_token = app_token_for(ROOT, credential="secret")
    resp = rest.get(f"{FINANCE}/_api/web", secret_token, VERBOSE)
    assert resp.status_code == 401
    assert resp.json() == {"error_description": "Unsupported app only token."}
    assert 'reason="Unsupported app only token."' in resp.headers["x-ms-diagnostics"]
    assert sp_errors.from_response(resp).error == "UnsupportedAppOnlyToken"


def test_a_forged_token_is_refused(rest, app_token) -> None:
    head, body, signature = app_token.split(".")
    forged = f"{head}.{body}.{signature[:-4]}AAAA"
    resp = rest.get(f"{FINANCE}/_api/web", forged)
    assert resp.status_code == 401
    assert resp.headers["x-ms-diagnostics"].startswith("3000006;")
    assert resp.json() == {"error_description": "Invalid issuer or signature."}


def test_a_user_reads_the_tenants_sites_and_only_their_own_onedrive(rest, user_token_for) -> None:
    megan = user_token_for("megan.bowen")
    assert props(rest.ok(f"{FINANCE}/_api/web", megan))["Title"] == "Finance"
    assert props(rest.ok(f"{ROOT}/_api/web/currentuser", megan))["UserPrincipalName"].startswith(
        "megan.bowen@"
    )
    megan_my = user_token_for("megan.bowen", MY)
    assert props(rest.ok(f"{MEGAN_DRIVE}/_api/web", megan_my))["Title"] == "Megan Bowen"
    resp = rest.get(f"{ADELE_DRIVE}/_api/web", megan_my, VERBOSE)
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "-2147024891, System.UnauthorizedAccessException"
    assert sp_errors.from_response(resp).error == "AccessDenied"


def test_a_site_path_no_site_has_is_404_even_before_permissions(rest, user_token_for) -> None:
    resp = rest.get(
        f"{MY}/personal/nobody_contoso_onmicrosoft_com/_api/web", user_token_for("megan.bowen", MY)
    )
    assert resp.status_code == 404


def test_a_throttle_fault_is_sharepoints_429_with_retry_after(rest, app_token, state_dir) -> None:
    launcher.set_fault(state_dir, "throttle", host="sharepoint")
    try:
        resp = rest.get(f"{FINANCE}/_api/web", app_token)
        assert resp.status_code == 429
        assert resp.headers["Retry-After"] == str(faults.DEFAULT_RETRY_AFTER)
        assert sp_errors.from_response(resp).error == "TooManyRequests"
    finally:
        launcher.clear_faults(state_dir)
    assert rest.get(f"{FINANCE}/_api/web", app_token).status_code == 200


def test_the_request_log_names_the_sharepoint_host(rest, app_token, state_dir) -> None:
    since = launcher.requests(state_dir)["last"]
    rest.get(f"{FINANCE}/_api/web/lists", app_token)
    entries = launcher.requests(state_dir, host="sharepoint", since=since)["entries"]
    assert [e["path"] for e in entries] == ["/sites/finance/_api/web/lists"]
    assert entries[0]["status"] == 200


@pytest.mark.parametrize("path", ["/_api/web/lists", "/sites/finance/_api/web"])
def test_a_write_method_is_refused_on_a_read_route(rest, app_token, path) -> None:
    resp = rest.call("DELETE", f"{ROOT}{path}", app_token)
    assert resp.status_code in (400, 405) and "odata.error" in resp.json()
