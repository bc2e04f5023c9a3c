"""plan(): the manifest, Azure CLI, consent URL and Exchange PowerShell for Grooper's app (no tenant)."""

from __future__ import annotations

import shlex
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest

from grooper_nb.clouds import CLOUDS
from grooper_nb.connections import CONNECTIONS
from grooper_nb.registration import CONNECTOR_APP, RegistrationPlan, plan
from grooper_nb.registration.requirements import permissions_of

CLIENT_ID = "6731de76-14a6-49ae-97bc-6eba6914391e"
EXCHANGE = "00000002-0000-0ff1-ce00-000000000000"
GRAPH = "00000003-0000-0000-c000-000000000000"
SHAREPOINT = "00000003-0000-0ff1-ce00-000000000000"


def test_the_connector_plan_is_multi_tenant_and_custom_apps_stay_in_their_tenant():
    connector = plan()
    assert isinstance(connector, RegistrationPlan)
    assert connector.connector and connector.app == CONNECTOR_APP
    assert connector.manifest["signInAudience"] == "AzureADMultipleOrgs"
    custom = plan(app="Grooper (Contoso)")
    assert not custom.connector
    assert custom.manifest["signInAudience"] == "AzureADMyOrg"
    assert plan(app="Grooper (Contoso)", sign_in_audience="AzureADMultipleOrgs").sign_in_audience == (
        "AzureADMultipleOrgs"
    )


def test_the_manifest_groups_permissions_per_resource():
    p = plan(["exchange_ews_delegated", "graph_mail_app", "sharepoint_rest_app", "onedrive"])
    access = p.manifest["requiredResourceAccess"]
    app_ids = [entry["resourceAppId"] for entry in access]
    assert sorted(app_ids) == sorted({EXCHANGE, GRAPH, SHAREPOINT})
    listed = {(e["resourceAppId"], a["id"], a["type"]) for e in access for a in e["resourceAccess"]}
    assert listed == {(q.resource_app_id, q.id, q.type) for q in p.permissions}
    graph = next(e for e in access if e["resourceAppId"] == GRAPH)["resourceAccess"]
    assert {"id": "810c84a8-4a9e-49e6-bf7d-12d183f40d01", "type": "Role"} in graph  # Mail.Read, application
    assert {"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"} in graph  # User.Read, delegated


def test_grants_and_role_assignments_follow_the_permissions():
    p = plan(["exchange_ews_delegated", "graph_mail_app"])
    assert p.delegated_grants == {EXCHANGE: "EWS.AccessAsUser.All", GRAPH: "offline_access"}
    assert p.app_role_assignments == [(GRAPH, "810c84a8-4a9e-49e6-bf7d-12d183f40d01")]


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_redirect_uris_and_the_consent_url_follow_the_cloud(cloud):
    c = CLOUDS[cloud]
    p = plan(cloud=cloud, client_id=CLIENT_ID, tenant="contoso.example")
    assert p.manifest["web"] == {"redirectUris": ["http://localhost"]}
    assert p.manifest["publicClient"] == {
        "redirectUris": [f"https://{c.authority_host}/common/oauth2/nativeclient"]
    }
    url = urlsplit(p.consent_url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{c.authority_url}/contoso.example/adminconsent"
    assert parse_qs(url.query) == {"client_id": [CLIENT_ID], "redirect_uri": ["http://localhost"]}


def test_the_consent_url_defaults_to_organizations_and_waits_for_a_client_id():
    assert "/organizations/adminconsent?" in plan(client_id=CLIENT_ID).consent_url
    waiting = plan()
    assert waiting.consent_url is None
    assert any(m.startswith("client_id") for m in waiting.missing)
    assert "client_id=" in waiting._repr_html_()


def test_redirect_uris_can_be_given_per_platform():
    p = plan(
        redirect_uris={"web": ["https://grooper.contoso.com/oauth"], "publicClient": []}, client_id=CLIENT_ID
    )
    assert p.manifest["web"]["redirectUris"] == ["https://grooper.contoso.com/oauth"]
    assert p.manifest["publicClient"]["redirectUris"] == []
    assert "redirect_uri=https%3A%2F%2Fgrooper.contoso.com%2Foauth" in p.consent_url
    assert plan(redirect_uris=["http://127.0.0.1:8400/"]).web_redirect_uris == ("http://127.0.0.1:8400/",)


def test_public_client_flows_are_off_unless_asked():
    assert plan().manifest["isFallbackPublicClient"] is False
    assert plan(app="Grooper (Contoso)", public_client=True).manifest["isFallbackPublicClient"] is True


# ---- Azure CLI ----------------------------------------------------------------------------------------


def _argv(line: str) -> list[str]:
    return shlex.split(line)


def test_a_custom_app_is_created_given_its_permissions_a_service_principal_and_consent():
    name = "Grooper (O'Brien & Co)"
    p = plan(["exchange_ews_delegated", "graph_mail_app"], app=name, public_client=True)
    lines = p.az_commands
    create = _argv(lines[0].removeprefix("APP_ID=$(").removesuffix(")"))
    assert create[:4] == ["az", "ad", "app", "create"]
    assert create[create.index("--display-name") + 1] == name
    assert create[create.index("--sign-in-audience") + 1] == "AzureADMyOrg"
    assert create[create.index("--web-redirect-uris") + 1] == "http://localhost"
    assert create[create.index("--is-fallback-public-client") + 1] == "true"
    adds = [_argv(line) for line in lines if line.startswith("az ad app permission add")]
    by_api = {a[a.index("--api") + 1]: a[a.index("--api-permissions") + 1 :] for a in adds}
    assert by_api == {
        EXCHANGE: ["3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5=Scope"],
        GRAPH: ["7427e0e9-2fba-42fe-b0c0-848c9e6a8182=Scope", "810c84a8-4a9e-49e6-bf7d-12d183f40d01=Role"],
    }
    assert lines[-2:] == [
        'az ad sp create --id "$APP_ID"',
        'az ad app permission admin-consent --id "$APP_ID"',
    ]


def test_the_azure_cli_script_is_valid_bash():
    for p in (
        plan(app="Grooper 'quoted' $(name)"),
        plan(),
        plan(app="x", client_id=CLIENT_ID, cloud="china"),
    ):
        result = subprocess.run(
            ["bash", "-n"], input=p.az_script, text=True, capture_output=True, check=False
        )
        assert result.returncode == 0, result.stderr


def test_a_known_client_id_updates_the_app_instead_of_creating_another():
    lines = plan(app="Grooper (Contoso)", client_id=CLIENT_ID).az_commands
    assert lines[0] == f"APP_ID={CLIENT_ID}"
    assert lines[1].startswith('az ad app update --id "$APP_ID" --sign-in-audience AzureADMyOrg')
    assert not any("az ad app create" in line for line in lines)


def test_the_connector_gets_only_a_service_principal_and_the_consent_url():
    lines = plan(client_id=CLIENT_ID).az_commands
    assert lines == [f"APP_ID={CLIENT_ID}", 'az ad sp create --id "$APP_ID"']


@pytest.mark.parametrize(("cloud", "name"), [("usgov", "AzureUSGovernment"), ("china", "AzureChinaCloud")])
def test_a_national_cloud_switches_the_cli_first(cloud, name):
    assert plan(app="Grooper", cloud=cloud).az_commands[0] == f"az cloud set --name {name}"
    assert not plan(app="Grooper").az_commands[0].startswith("az cloud set")


# ---- Exchange Online PowerShell -----------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(k for k, c in CONNECTIONS.items() if c.api == "EWS"))
def test_ews_connections_get_the_ews_application_allow_list(key):
    script = plan([key], client_id=CLIENT_ID).exchange_powershell["ews_allow_list"]
    assert f"$AppId = '{CLIENT_ID}'" in script
    assert "Set-OrganizationConfig -EwsEnabled $true -EwsAllowedAppIDs ($ids -join ',')" in script
    assert "Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy" in script


def test_connections_without_ews_get_no_ews_allow_list():
    assert (
        "ews_allow_list"
        not in plan(["sharepoint_graph", "onedrive", "graph_mail_delegated"]).exchange_powershell
    )


@pytest.mark.parametrize("key", ["graph_mail_app", "exchange_ews_app"])
def test_app_only_mail_is_limited_to_a_group_of_mailboxes(key):
    p = plan([key], client_id=CLIENT_ID, mailbox_group="grooper-mail@contoso.com")
    script = p.exchange_powershell["mailbox_access_policy"]
    assert "$Group = 'grooper-mail@contoso.com'" in script
    assert "New-ApplicationAccessPolicy -AppId $AppId -PolicyScopeGroupId $Group" in script
    assert "-AccessRight RestrictAccess" in script
    assert not p.missing


def test_delegated_mail_needs_no_access_policy_and_a_missing_group_is_reported():
    assert "mailbox_access_policy" not in plan(["graph_mail_delegated"]).exchange_powershell
    assert any(m.startswith("mailbox_group") for m in plan(["graph_mail_app"], client_id=CLIENT_ID).missing)


def test_powershell_quotes_values_safely():
    script = plan(
        ["graph_mail_app"], client_id=CLIENT_ID, mailbox_group="O'Brien's mailboxes"
    ).exchange_powershell
    assert "$Group = 'O''Brien''s mailboxes'" in script["mailbox_access_policy"]


def test_imap_app_only_registers_the_service_principal_in_exchange():
    script = plan(["imap_app"], client_id=CLIENT_ID).exchange_powershell["imap_service_principal"]
    assert "New-ServicePrincipal -AppId $AppId -ServiceId $ServiceId" in script
    assert "Add-MailboxPermission" in script


def test_sharepoint_app_only_says_a_certificate_is_required():
    notes = " ".join(plan(["sharepoint_rest_app"]).notes)
    assert "certificate" in notes
    assert CONNECTIONS["sharepoint_rest_app"].secret_refusal in notes
    assert "certificate" not in " ".join(plan(["sharepoint_rest_delegated"]).notes)


def test_unconfirmed_ids_are_named_with_the_command_that_checks_them():
    notes = plan(["imap_app"]).notes
    assert any("IMAP.AccessAsApp" in n and "UNCONFIRMED" in n and "az ad sp show" in n for n in notes)


def test_the_plan_derives_from_the_catalogue():
    p = plan(["onedrive", ("sharepoint_graph", "app")])
    assert p.connection_keys == (("onedrive", False), ("sharepoint_graph", True))
    expected = [
        *permissions_of(CONNECTIONS["onedrive"], False),
        *permissions_of(CONNECTIONS["sharepoint_graph"], True),
    ]
    assert set(p.permissions) == set(expected)


# ---- notebooks --------------------------------------------------------------------------------------


def test_the_notebook_view_shows_every_part_escaped():
    p = plan(["exchange_ews_delegated", "graph_mail_app"], app="<b>Grooper</b>", client_id=CLIENT_ID)
    page = p._repr_html_()
    assert "&lt;b&gt;Grooper&lt;/b&gt;" in page and "<b>Grooper</b>" not in page
    for part in (
        "requiredResourceAccess",
        "az ad app permission add",
        "EwsAllowedAppIDs",
        "New-ApplicationAccessPolicy",
    ):
        assert part in page
    assert p.consent_url.replace("&", "&amp;") in page


# ---- bad input ------------------------------------------------------------------------------------------


def test_a_malformed_client_id_says_what_to_paste_instead():
    with pytest.raises(ValueError, match=r"client_id 'Grooper' is not a GUID.*Application \(client\) ID"):
        plan(client_id="Grooper")
    with pytest.raises(ValueError, match="not a GUID") as info:
        plan(client_id="Xq8Q~abcdefghijklmnopqrstuvwxyz0123456789")
    assert "abcdefghijklmnopqrstuvwxyz" not in str(info.value)  # a secret pasted by mistake is never echoed
    assert plan(client_id="{" + CLIENT_ID.upper() + "}").client_id == CLIENT_ID


def test_a_malformed_tenant_says_what_to_use():
    with pytest.raises(ValueError, match="neither a tenant ID"):
        plan(tenant="contoso tenant")
    assert plan(tenant="Contoso.OnMicrosoft.com").tenant == "contoso.onmicrosoft.com"


@pytest.mark.parametrize(
    ("uri", "why"),
    [
        ("http://grooper.contoso.com/oauth", "http:// only for localhost"),
        ("ftp://localhost/", "http:// only for localhost"),
        ("https://grooper.contoso.com/oauth#done", "fragment"),
        ("", "empty"),
    ],
)
def test_a_redirect_uri_entra_refuses_is_an_error(uri, why):
    with pytest.raises(ValueError, match=why):
        plan(redirect_uris=[uri])


def test_unknown_names_are_errors_that_list_the_choices():
    with pytest.raises(ValueError, match="exchange_ews_delegated"):
        plan(["ews"])
    with pytest.raises(ValueError, match="Unknown cloud"):
        plan(cloud="mars")
    with pytest.raises(ValueError, match="'web' and 'publicClient'"):
        plan(redirect_uris={"spa": ["https://x.example"]})
    with pytest.raises(ValueError, match="display name"):
        plan(app="  ")
    with pytest.raises(ValueError, match="AzureADMyOrg, AzureADMultipleOrgs"):
        plan(sign_in_audience="MultiTenant")
