"""The notebook-facing helpers: which app (app_profile), what happened (outcome_table), every token
against every Grooper connection (verdict_matrix), and a check whose failure says what to do (check).

Tokens come from the run's sandbox through real MSAL; nothing is faked.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import grooper_nb
from grooper_nb import (
    AuthError,
    CheckFailed,
    app_profile,
    check,
    client_credentials,
    connect,
    inspect_token,
    outcome_table,
    ropc,
    token_table,
    verdict_matrix,
)
from grooper_nb.auth.flows import RopcWarning
from grooper_nb.tokens.verdict import TARGETS

CONNECTOR = "Grooper Azure AD Connector 2021"
S2S = "Grooper Server-to-Server"


# --------------------------------------------------------------------------------------------------
# app_profile


def test_in_the_sandbox_an_app_is_a_seeded_app_by_name(sandbox):
    profile = app_profile(True, S2S, credential="certificate")
    assert profile.is_sandbox and profile.app_name == S2S
    assert profile.credential_kind == "certificate"
    assert app_profile(True, None).app_name == CONNECTOR  # no name: Grooper's connector app


def test_a_profile_decides_sandbox_or_real_tenant_like_the_flag(sandbox):
    sandbox_profile = connect(CONNECTOR)
    assert app_profile(sandbox_profile, S2S).client_id == connect(S2S).client_id


def test_against_a_real_tenant_an_app_is_its_env_file(sandbox, sandbox_env, s2s_app, tmp_path):
    """The "real tenant" is the sandbox reached through its proxy and CA in the environment, so the
    profile built from the .env file gets a real token."""
    env_file = tmp_path / "s2s.env"
    env_file.write_text(
        f"GROOPER_NB_TENANT={sandbox['tenant']['domain']}\n"
        f"GROOPER_NB_CLIENT_ID={s2s_app['client_id']}\n"
        f"GROOPER_NB_CLIENT_SECRET={s2s_app['client_secret']}\n"
    )
    profile = app_profile(False, env_file)
    assert not profile.is_sandbox and profile.client_id == s2s_app["client_id"]
    token = client_credentials(profile, f"{profile.cloud.graph_url}/.default")
    assert token.claims["appid"] == s2s_app["client_id"]


@pytest.mark.parametrize("app", [None, S2S, "no-such-file.env"])
def test_against_a_real_tenant_without_an_env_file_there_is_no_app(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative name that is not a file here
    assert app_profile(False, app) is None


# --------------------------------------------------------------------------------------------------
# outcome_table


@pytest.fixture(scope="module")
def outcomes(sandbox, plain_user):
    s2s = connect(S2S)
    app_token = client_credentials(s2s, f"{s2s.cloud.graph_url}/.default")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RopcWarning)
        user_token = ropc(connect(CONNECTOR), plain_user["upn"], plain_user["password"], ["User.Read"])
    with pytest.raises(AuthError) as info:
        client_credentials(s2s.replace(client_secret="this-is-not-the-secret-value"))
    return [
        ("app token", app_token, "token"),
        ("user token", user_token, "token"),
        ("wrong secret", info.value, "AADSTS7000215"),
        ("consent", "URL built", "URL built"),
    ]


def test_outcome_table_has_one_row_per_step_with_what_was_expected_and_what_happened(outcomes):
    table = outcome_table(outcomes)
    assert list(table.index) == ["app token", "user token", "wrong secret", "consent"]
    columns = ["expected", "outcome", "audience", "permissions", "user", "source", "meaning"]
    assert list(table.columns) == columns
    assert (table["outcome"] == table["expected"]).all()


def test_a_token_row_shows_audience_permissions_user_and_source(outcomes):
    table = outcome_table(outcomes)
    app, user = table.loc["app token"], table.loc["user token"]
    assert app["audience"] == "https://graph.microsoft.com" and "Mail.Read" in app["permissions"]
    assert app["user"] == "—" and app["source"] in ("cache", "identity_provider")  # app-only: no user
    assert "User.Read" in user["permissions"].split() and "@" in user["user"]  # scp: every consented scope


def test_an_error_row_shows_the_code_and_its_meaning(outcomes):
    row = outcome_table(outcomes).loc["wrong secret"]
    assert row["outcome"] == "AADSTS7000215" and "secret" in row["meaning"].lower()
    assert row["audience"] == row["permissions"] == "—"


def test_cells_that_do_not_apply_show_a_dash_not_nan(outcomes):
    table = outcome_table(outcomes)
    assert not table.isna().any().any()
    assert "NaN" not in table.to_string() and "nan" not in table.to_html()
    assert (table.loc["consent", ["audience", "permissions", "user", "source", "meaning"]] == "—").all()


def test_no_token_shows_in_the_outcome_table(outcomes):
    from tests.leak_scan import JWT_RE, leaked, tokens_of

    table = outcome_table(outcomes)
    shown = table.to_string() + table.to_html()
    assert not JWT_RE.search(shown)
    assert leaked(tokens_of(outcomes[0][1]) | tokens_of(outcomes[1][1]), shown) == []


def test_token_table_shows_each_tokens_summary_masked_with_a_dash_where_nothing_applies(outcomes):
    app_token, user_token = outcomes[0][1], outcomes[1][1]
    table = token_table({"app": app_token, "user": user_token})
    assert list(table.index) == ["app", "user"] and "audience" in table.columns
    assert table.loc["app", "user"] == "—" and table.loc["user", "roles"] == "—"
    assert table.loc["app", "refresh_token"] == "—"  # client credentials never returns one
    assert not table.isna().any().any() and "NaN" not in table.to_string()
    from tests.leak_scan import JWT_RE

    assert not JWT_RE.search(table.to_string() + table.to_html())


def test_an_empty_run_gives_an_empty_table_with_the_columns():
    table = outcome_table([])
    assert table.empty and "outcome" in table.columns


# --------------------------------------------------------------------------------------------------
# verdict_matrix


@pytest.fixture(scope="module")
def reports(sandbox):
    s2s_secret, s2s_cert = connect(S2S, credential="secret"), connect(S2S, credential="certificate")
    spo = f"https://{s2s_secret.require_sharepoint_host()}/.default"
    return {
        "EWS app": inspect_token(
            client_credentials(s2s_secret, f"{s2s_secret.cloud.exchange_url}/.default"), s2s_secret
        ),
        "SPO app, secret": inspect_token(client_credentials(s2s_secret, spo), s2s_secret),
        "SPO app, cert": inspect_token(client_credentials(s2s_cert, spo), s2s_cert),
        "skipped": None,
    }


def test_verdict_matrix_has_a_row_per_connection_type_and_a_column_per_token(reports):
    matrix = verdict_matrix(reports)
    assert list(matrix.columns) == ["EWS app", "SPO app, secret", "SPO app, cert"]  # None is left out
    assert list(matrix.index) == [t.title for t in TARGETS.values()]


def test_a_cell_is_pass_or_fail_with_the_verdicts_reason_codes(reports):
    matrix = verdict_matrix(reports)
    assert matrix.loc["SharePoint REST, app-only", "SPO app, cert"] == "PASS"
    assert matrix.loc["SharePoint REST, app-only", "SPO app, secret"] == "fail: secret_app_only"
    codes = reports["EWS app"].verdict("exchange_ews_delegated").codes
    assert matrix.loc["Exchange via EWS, delegated", "EWS app"] == "fail: " + ", ".join(codes)


def test_the_matrix_agrees_with_each_reports_own_verdicts(reports):
    matrix = verdict_matrix(reports)
    for label, report in reports.items():
        if report is not None:
            assert [v.ok for v in report.verdicts()] == list(matrix[label] == "PASS")


# --------------------------------------------------------------------------------------------------
# check


def test_a_check_that_holds_says_nothing():
    assert check(True, "never shown") is None
    check([1], "a truthy value holds too")


def test_a_failed_check_is_an_assertion_error_whose_message_is_what_to_do():
    message = "The token cache is readable by others: chmod 600 it."
    with pytest.raises(AssertionError) as info:
        check(False, message)
    assert isinstance(info.value, CheckFailed)
    assert str(info.value) == message


def test_a_failed_check_can_show_a_detail_after_its_message():
    with pytest.raises(CheckFailed) as info:
        check([], "These steps failed:", pd.DataFrame({"outcome": ["AADSTS50076"]}))
    assert str(info.value).startswith("These steps failed:\n") and "AADSTS50076" in str(info.value)


def test_in_jupyter_a_failed_check_shows_its_message_not_a_stack():
    failure = CheckFailed("Grant admin consent <here> & retry.")
    lines = failure._render_traceback_()
    assert len(lines) == 1 and "Grant admin consent <here> & retry." in lines[0]
    assert "&lt;here&gt; &amp; retry" in failure._repr_html_()


def test_a_failed_check_in_a_kernel_shows_the_message_as_its_traceback(tmp_path):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from grooper_nb import check\ncheck(1 == 2, 'Do this: fix it.')")]
    with pytest.raises(CellExecutionError):
        NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    (error,) = nb.cells[0].outputs
    assert error.ename == "CheckFailed" and error.evalue == "Do this: fix it."
    assert len(error.traceback) == 1 and "Do this: fix it." in error.traceback[0]


# --------------------------------------------------------------------------------------------------
# what notebooks import


def test_notebooks_find_the_helpers_at_the_top_level_lazily():
    for name in ("app_profile", "outcome_table", "verdict_matrix", "check", "CheckFailed", "JWT_RE"):
        assert name in grooper_nb.__all__ and name in dir(grooper_nb)


def test_no_notebook_imports_a_private_module():
    import re

    from tests.notebook_runs import NOTEBOOKS

    private = re.compile(r"\bgrooper_nb(\.\w+)*\._\w+")
    for path in NOTEBOOKS:
        assert not private.search(path.read_text(encoding="utf-8")), path.name


# --------------------------------------------------------------------------------------------------
# wrapped tables and credentials in words


def test_wrapped_shows_every_value_whole_wrapping_and_a_dash_for_missing():
    long_text = "How the client app authenticated: " + "a long explanation " * 20
    frame = pd.DataFrame(
        {"claim": ["appidacr", "roles"], "meaning": [long_text, None], "n": [1.0, float("nan")]}
    )
    shown = grooper_nb.wrapped(frame).to_html()
    assert long_text.strip().replace(":", ":<wbr>") in shown  # whole, not cut at max_colwidth with "..."
    assert (
        "white-space: normal" in shown and "overflow-wrap: break-word" in shown and "max-width: 100%" in shown
    )
    assert ">nan<" not in shown.replace(" ", "") and "—" in shown
    assert grooper_nb.wrapped(pd.DataFrame({"x": ["<b>bold</b>"]})).to_html().count("<b>bold</b>") == 0


def test_app_credentials_says_which_credentials_an_app_holds_in_words():
    from grooper_nb import app_credentials

    assert (
        app_credentials({"client_secret": "s", "certificate_pem": "/c.pem"}) == "client secret, certificate"
    )
    assert app_credentials({"client_secret": "s", "certificate_pem": None}) == "client secret"
    assert app_credentials({"client_secret": None, "certificate_pem": float("nan")}) == "none"
    row = pd.DataFrame([{"client_secret": None, "certificate_pem": "/c.pem"}, {"client_secret": "s"}]).iloc[1]
    assert app_credentials(row) == "client secret"  # pandas 3 stores the missing certificate as nan
