"""Verdicts for every Grooper target, on tokens the sandbox really issues through the flows.

Each target has at least one passing and one failing real token, and the failing reason is checked
word for word where the wording is the point.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from grooper_nb.tokens import TARGETS, inspect_token

from .conftest import EXO, GRAPH

GROOPER = "Grooper Azure AD Connector 2021"
S2S = "Grooper Server-to-Server"
MIDDLE = "Grooper Middle-Tier API"


@pytest.fixture(scope="module")
def real(tokens, sbx_profile):
    """name -> TokenReport of a real sandbox token, each from a named flow."""
    sp = f"https://{tokens.sp_host}"
    made = {
        # delegated, Grooper's own app (ROPC for speed; auth code below for SharePoint consent)
        "ews_user": tokens.ropc(GROOPER, [f"{EXO}/EWS.AccessAsUser.All"]),
        "graph_user": tokens.ropc(GROOPER, [f"{GRAPH}/Files.ReadWrite.All", f"{GRAPH}/Sites.ReadWrite.All"]),
        "spo_user": tokens.auth_code(GROOPER, [f"{sp}/AllSites.Read"]),
        "mail_user_obo": tokens.obo([f"{GRAPH}/Mail.Read"]),
        # app-only, server-to-server app
        "graph_app": tokens.client_credentials(S2S, GRAPH),
        "ews_app_secret": tokens.client_credentials(S2S, EXO),
        "spo_app_secret": tokens.client_credentials(S2S, sp),
        "spo_app_cert": tokens.client_credentials(S2S, sp, cert=True),
        "graph_app_no_roles": tokens.client_credentials(MIDDLE, GRAPH),
    }
    return {k: inspect_token(v, sbx_profile) for k, v in made.items()}


def test_every_real_token_is_valid(real):
    for name, report in real.items():
        assert report.validation.status == "valid", (name, report.validation.rejections)


PASSES = [
    ("exchange_ews_delegated", "ews_user"),
    ("exchange_ews_app", "ews_app_secret"),
    ("graph_mail_delegated", "mail_user_obo"),
    ("graph_mail_app", "graph_app"),
    ("sharepoint_graph", "graph_user"),
    ("sharepoint_graph", "graph_app"),
    ("sharepoint_rest_delegated", "spo_user"),
    ("sharepoint_rest_app", "spo_app_cert"),
    ("onedrive", "graph_user"),
]


@pytest.mark.parametrize(("target", "token"), PASSES)
def test_the_right_token_passes(real, target, token):
    v = real[token].verdict(target)
    assert v.ok, str(v)
    assert v.reasons == []


# The sandbox issues no IMAP tokens, so these are signed here with the tenant's own signing key, shaped
# as Entra issues them for Exchange Online's IMAP permissions (a pass needs a verified signature).
FORGED_PASSES = [
    ("imap_delegated", {"aud": "https://outlook.office.com", "scp": "IMAP.AccessAsUser.All"}),
    (
        "imap_app",
        {"aud": "https://outlook.office365.com", "scp": None, "upn": None, "roles": ["IMAP.AccessAsApp"]},
    ),
]


@pytest.mark.parametrize(("target", "overrides"), FORGED_PASSES)
def test_the_right_imap_token_passes(forger, tenant_signer, sbx_profile, target, overrides):
    claims = forger.claims(sbx_profile.tenant_id, **overrides)
    report = inspect_token(tenant_signer(claims), sbx_profile)
    assert report.validation.signature == "verified", report.validation.rejections
    v = report.verdict(target)
    assert v.ok, v


def test_an_ews_token_is_not_an_imap_token(real):
    assert real["ews_user"].verdict("imap_delegated").codes == ["missing_scope"]
    assert real["ews_app_secret"].verdict("imap_app").codes == ["missing_role"]


def test_every_target_has_a_passing_case():
    assert {t for t, _ in PASSES} | {t for t, _ in FORGED_PASSES} == set(TARGETS)


def test_a_graph_token_sent_to_ews_names_the_audience_and_the_scope_to_request(real):
    v = real["graph_user"].verdict("exchange_ews_delegated")
    assert not v.ok
    assert v.codes == ["wrong_audience"]
    assert v.reasons[0].message == (
        "aud is https://graph.microsoft.com but EWS needs https://outlook.office365.com: "
        "request https://outlook.office365.com/EWS.AccessAsUser.All"
    )


def test_an_app_only_exchange_token_is_not_a_delegated_ews_token(real):
    v = real["ews_app_secret"].verdict("exchange_ews_delegated")
    assert v.codes == ["app_only_token"]
    assert "exchange_ews_app" in v.reasons[0].fix


def test_a_delegated_ews_token_is_not_an_app_only_ews_token(real):
    v = real["ews_user"].verdict("exchange_ews_app")
    assert v.codes == ["delegated_token"]
    assert v.reasons[0].fix.endswith("requesting https://outlook.office365.com/.default.")


def test_ews_app_only_passes_with_the_impersonation_note(real):
    v = real["ews_app_secret"].verdict("exchange_ews_app")
    assert v.ok
    assert any("X-AnchorMailbox" in n for n in v.notes)


def test_graph_mail_delegated_without_mail_read_is_a_missing_scope(real):
    v = real["graph_user"].verdict("graph_mail_delegated")
    assert v.codes == ["missing_scope"]
    assert v.reasons[0].message.startswith("scp is '")
    assert "Mail.Read" in v.reasons[0].message
    assert "*Delegated* permission" in v.reasons[0].fix


def test_graph_mail_app_with_a_user_token_is_a_delegated_token(real):
    v = real["mail_user_obo"].verdict("graph_mail_app")
    assert v.codes == ["delegated_token"]


def test_client_credentials_without_application_permissions_has_no_roles(real):
    # The middle tier holds Mail.Read only as a *delegated* permission: the classic mix-up.
    v = real["graph_app_no_roles"].verdict("graph_mail_app")
    assert v.codes == ["no_permissions"]
    assert "*Application* permission" in v.reasons[0].message
    assert "Either scp or roles claim need to be present in the token." in v.reasons[0].message


def test_sharepoint_via_graph_fails_for_an_exchange_token(real):
    v = real["ews_user"].verdict("sharepoint_graph")
    assert v.codes == ["wrong_audience"]
    # the fix names what Grooper's SharePoint connection requests (the LoginPanel preset's scopes)
    assert v.reasons[0].message.endswith(
        "request https://graph.microsoft.com/Files.ReadWrite.All https://graph.microsoft.com/Sites.ReadWrite.All"
    )


def test_a_graph_token_sent_to_sharepoint_rest_names_the_tenants_host(real, tokens):
    v = real["graph_user"].verdict("sharepoint_rest_delegated")
    assert v.codes == ["wrong_audience"]
    assert v.reasons[0].message == (
        f"aud is https://graph.microsoft.com but SharePoint REST needs https://{tokens.sp_host}: "
        f"request https://{tokens.sp_host}/AllSites.Read"
    )


def test_a_sharepoint_token_for_another_tenants_host_fails(tokens, sbx_profile, real):
    raw = tokens.auth_code(GROOPER, [f"https://{tokens.sp_host}/AllSites.Read"])
    report = inspect_token(raw, sbx_profile, sharepoint_host="fabrikam.sharepoint.com")
    v = report.verdict("sharepoint_rest_delegated")
    assert v.codes == ["wrong_sharepoint_host"]
    assert v.reasons[0].message.startswith(
        f"aud is https://{tokens.sp_host} but this tenant's SharePoint is https://fabrikam.sharepoint.com"
    )


def test_secret_based_app_only_token_is_rejected_by_sharepoint_rest(real):
    v = real["spo_app_secret"].verdict("sharepoint_rest_app")
    assert v.codes == ["secret_app_only"]
    assert v.reasons[0].message == (
        "app-only token obtained with a client secret (appidacr=1): SharePoint REST answers "
        "'Unsupported app only token.'; use a certificate"
    )


def test_the_same_secret_app_only_token_is_fine_for_sharepoint_via_graph(tokens, sbx_profile):
    report = inspect_token(tokens.client_credentials(S2S, GRAPH), sbx_profile)
    assert report.client_auth == "client secret"
    assert report.verdict("sharepoint_graph").ok


def test_a_delegated_sharepoint_token_is_not_app_only(real):
    assert real["spo_user"].verdict("sharepoint_rest_app").codes == ["delegated_token"]


def test_onedrive_fails_once_the_token_has_expired(tokens, sbx_profile, real):
    raw = tokens.ropc(GROOPER, [f"{GRAPH}/Files.ReadWrite.All", f"{GRAPH}/Sites.ReadWrite.All"])
    later = real["graph_user"].times.expires_at + timedelta(minutes=30)
    v = inspect_token(raw, sbx_profile, now=later).verdict("onedrive")
    assert v.codes == ["expired"]
    assert "30 min ago" in v.reasons[0].message


def test_onedrive_fails_for_an_exchange_token(real):
    assert real["ews_user"].verdict("onedrive").codes == ["wrong_audience"]


def test_a_token_from_another_tenant_fails_every_target(tokens, new_profile):
    import uuid

    other = new_profile(tenant_id=str(uuid.uuid4()))
    report = inspect_token(tokens.ropc(GROOPER, [f"{EXO}/EWS.AccessAsUser.All"]), other)
    v = report.verdict("exchange_ews_delegated")
    assert v.codes == ["wrong_tenant"]


def test_the_report_lists_which_targets_pass(real):
    assert real["ews_user"].passing_targets() == ["exchange_ews_delegated"]
    assert set(real["graph_app"].passing_targets()) == {"graph_mail_app", "sharepoint_graph", "onedrive"}


def test_a_missing_application_role_names_the_application_permission(forger, sandbox):
    # Pure function: a forged app-only Exchange token whose roles lack full_access_as_app.
    tid = sandbox["tenant"]["id"]
    claims = forger.claims(tid, aud=EXO, scp=None, upn=None, roles=["Mail.Read"], idtyp="app")
    v = inspect_token(forger.rs256(claims), verify=False).verdict("exchange_ews_app")
    assert v.codes == ["missing_role"]
    assert "*Application* permission" in v.reasons[0].fix


def test_an_id_token_is_named_and_fails_every_target(tokens, sbx_profile):
    result = tokens.ropc(GROOPER, [f"{EXO}/EWS.AccessAsUser.All"])
    report = inspect_token(result.id_token, sbx_profile)
    assert report.is_id_token and report.token_type == "ID token"
    assert report.validation.status == "valid"  # a genuine token, just the wrong kind
    assert all(v.codes == ["id_token"] for v in report.verdicts())
    assert not inspect_token(result, sbx_profile).is_id_token


def test_an_unknown_target_is_refused(real):
    with pytest.raises(ValueError, match="Unknown target"):
        real["ews_user"].verdict("pop3")


@pytest.mark.parametrize(
    ("target", "permission", "needed"),
    [
        ("graph_mail_app", "Mail.ReadBasic.All", "Mail.Read"),
        ("graph_mail_app", "Mail.ReadBasic", "Mail.Read"),
        ("graph_mail_delegated", "Mail.ReadBasic", "Mail.Read"),
        ("graph_mail_delegated", "Mail.ReadBasic.Shared", "Mail.Read"),
    ],
)
def test_mail_read_basic_is_not_enough_for_grooper_mail_import(forger, sandbox, target, permission, needed):
    # Pure function: a forged Graph token holding only a ReadBasic permission (bodies and attachments
    # are out of its reach, and Grooper imports exactly those).
    tid = sandbox["tenant"]["id"]
    if target == "graph_mail_app":
        claims = forger.claims(tid, scp=None, upn=None, roles=[permission], idtyp="app", appidacr="2")
    else:
        claims = forger.claims(tid, scp=permission)
    v = inspect_token(forger.rs256(claims), verify=False).verdict(target)
    assert not v.ok and v.codes == ["insufficient_permission"]
    reason = v.reasons[0]
    assert permission in reason.message and needed in reason.message
    assert "attachments" in reason.message and needed in reason.fix


def test_a_sharepoint_target_without_a_known_host_names_no_made_up_host(tokens, new_profile):
    """A profile whose tenant does not tell the SharePoint host: the verdict says so, and the scope it
    suggests is visibly a stand-in, never a host like '{tenant}.sharepoint.com'."""
    profile = new_profile()
    profile.sandbox_info = None  # a real tenant given by GUID: the host is unknown
    report = inspect_token(tokens.client_credentials(S2S, GRAPH), profile)
    assert report.sharepoint_host is None
    v = report.verdict("sharepoint_rest_app")
    text = str(v)
    assert "{tenant}" not in text and "https://<your-tenant>.sharepoint.com/.default" in text
    assert any("GROOPER_NB_SHAREPOINT_HOST" in n for n in v.notes)
