"""The claim catalogue (Microsoft's access-token claims reference) and audience names."""

from __future__ import annotations

import pytest

from grooper_nb.tokens.claims import CATALOGUE, explain, resolve_audience

# Every claim of the access-token and ID-token claims references
# (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference), copied here so
# the check pins down the catalogue's coverage.
REFERENCE_21_CLAIMS = frozenset(
    """
    acct acr acrs aio alg amr app_displayname appid appidacr aud auth_time azp azpacr cnf ctry email exp
    family_name given_name groups hasgroups iat idp idtyp in_corp ipaddr iss kid login_hint name nbf nonce
    oid onprem_sid platf preferred_username puid pwd_exp pwd_url rh roles scp sid sub tenant_ctry
    tenant_region_scope tid typ unique_name upn uti ver wids xms_cc xms_edov xms_ftd xms_idrel xms_pdl xms_pl
    xms_st xms_tcdt xms_tpl
    """.split()
)


def test_every_claim_of_the_reference_table_is_explained():
    known = {name for (_, name) in CATALOGUE}
    missing = REFERENCE_21_CLAIMS - known
    assert not missing, f"reference claims without an explanation: {sorted(missing)}"


@pytest.mark.parametrize(
    ("value", "word"),
    [("0", "public client"), ("1", "client secret"), ("2", "certificate")],
)
def test_client_authentication_values_are_translated(value, word):
    assert word in explain("appidacr", value)
    assert word in explain("azpacr", value)


def test_directory_role_ids_and_auth_methods_are_named():
    assert "Global Administrator" in explain("wids", ["62e90394-69f5-4237-9190-012177145e10"])
    assert "multi-factor" in explain("amr", ["pwd", "mfa"])


def test_an_unknown_claim_says_so():
    assert "Not in the claim catalogue" in explain("x_custom_claim", 1)


@pytest.mark.parametrize(
    ("aud", "kind", "host"),
    [
        ("https://graph.microsoft.com", "graph", None),
        ("https://graph.microsoft.com/", "graph", None),
        ("00000003-0000-0000-c000-000000000000", "graph", None),
        ("https://graph.microsoft.us", "graph", None),
        ("https://outlook.office365.com", "exchange", None),
        ("https://outlook.office.com", "exchange", None),
        ("00000002-0000-0ff1-ce00-000000000000", "exchange", None),
        ("https://contoso.sharepoint.com", "sharepoint", "contoso.sharepoint.com"),
        ("https://contoso-my.sharepoint.com/", "sharepoint", "contoso-my.sharepoint.com"),
        (
            "00000003-0000-0ff1-ce00-000000000000/contoso.sharepoint.com@72f988bf-86f1-41af-91ab-2d7cd011db47",
            "sharepoint",
            "contoso.sharepoint.com",
        ),
        ("00000003-0000-0ff1-ce00-000000000000", "sharepoint", None),
        ("https://graph.windows.net", "aad_graph", None),
        ("api://5f1c0d3e-0000-4000-8000-000000000001", "custom", None),
        ("5f1c0d3e-0000-4000-8000-000000000001", "custom", None),
        (None, "missing", None),
    ],
)
def test_audiences_resolve_to_a_named_resource(aud, kind, host):
    a = resolve_audience(aud)
    assert a.kind == kind
    assert a.host == host
