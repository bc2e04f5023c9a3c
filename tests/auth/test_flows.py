"""Every flow against the sandbox with real MSAL over real HTTPS: tokens with the right audience and
scopes/roles, and each failure raised as an explained AuthError."""

from __future__ import annotations

import threading
import uuid
import warnings
from urllib.parse import parse_qs, urlsplit

import pytest

from grooper_nb.auth import flows
from grooper_nb.auth.person import sandbox_person
from grooper_nb.auth.scopes import preset_scopes
from grooper_nb.errors.aadsts import CATALOGUE, AuthError
from grooper_nb.http import sandbox_session
from grooper_nb.profile import connect

GRAPH = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXO = "https://outlook.office365.com"
EWS = f"{EXO}/EWS.AccessAsUser.All"


def scp(result) -> set[str]:
    return set((result.claims.get("scp") or "").split())


def assert_explained(err: AuthError, code: int) -> None:
    assert err.code == code, str(err)
    assert err.explanation is CATALOGUE[code]
    assert err.meaning and err.grooper_cause and err.fix
    assert f"AADSTS{code}" in str(err) and err.fix in str(err)
    assert f"error?code={code}" in err._repr_html_()
    assert err.trace_id and err.correlation_id and err.timestamp


def quiet_ropc(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flows.RopcWarning)
        return flows.ropc(*args, **kwargs)


# ---- client credentials --------------------------------------------------------------------------------
def test_client_credentials_with_secret_gets_graph_roles(s2s, s2s_app):
    result = flows.client_credentials(s2s, use_cache=False)  # other tests may have cached one
    assert result.flow == "client_credentials" and result.source == "identity_provider"
    assert result.audience == GRAPH
    assert {"Mail.Read", "Sites.Read.All", "User.Read.All"} <= set(result.claims["roles"])
    assert result.claims["appid"] == s2s_app["client_id"]
    assert result.refresh_token is None and result.account is None
    assert result.expires_in > 0


def test_client_credentials_with_certificate_gets_exchange_roles(s2s_cert):
    result = flows.client_credentials(s2s_cert, [f"{EXO}/.default"])
    assert result.audience == EXO
    assert "full_access_as_app" in result.claims["roles"]
    assert result.claims.get("appidacr") == "2"  # certificate (1 = secret)


def test_client_credentials_reuses_a_token_only_for_the_same_credential(s2s):
    flows.client_credentials(s2s)
    assert flows.client_credentials(s2s).source == "cache"
    assert flows.client_credentials(s2s, use_cache=False).source == "identity_provider"
    wrong = s2s.replace(client_secret="Wrong~secret-value-0123456789abcdefghij")
    with pytest.raises(AuthError) as info:
        flows.client_credentials(wrong)  # not served from the good secret's cache entry
    assert_explained(info.value, 7000215)


def test_wrong_secret_is_explained(s2s):
    with pytest.raises(AuthError) as info:
        flows.client_credentials(
            connect(app="Grooper Server-to-Server", client_secret="Nope~0123456789abcdefghijklmn")
        )
    assert_explained(info.value, 7000215)
    assert "secret's *ID*" in info.value.grooper_cause


def test_expired_secret_is_explained(sandbox):
    with pytest.raises(AuthError) as info:
        flows.client_credentials(connect(credential="expired_secret"))
    assert_explained(info.value, 7000222)
    assert any("expired_client_secret" in h for h in info.value.hints)


def test_unknown_app_is_explained(sandbox):
    profile = connect(client_id=str(uuid.uuid4()), client_secret="Some~secret-0123456789abcdefghijklm")
    with pytest.raises(AuthError) as info:
        flows.client_credentials(profile)
    assert_explained(info.value, 700016)
    assert any(profile.client_id in h for h in info.value.hints)


@pytest.mark.parametrize("tenant", [str(uuid.UUID(int=7)), "fabrikam.onmicrosoft.com"])
def test_wrong_tenant_is_explained(s2s, tenant):
    with pytest.raises(AuthError) as info:
        flows.client_credentials(s2s.replace(tenant=tenant))
    assert_explained(info.value, 90002)


def test_client_credentials_without_default_scope_is_explained(s2s):
    with pytest.raises(AuthError) as info:
        flows.client_credentials(s2s, ["Mail.Read"])
    assert_explained(info.value, 1002012)
    assert any(f"{GRAPH}/.default" in h for h in info.value.hints)


def test_discovery_is_fetched_once_per_profile_not_once_per_call(sandbox):
    profile = connect(app="Grooper Server-to-Server", sandbox_dir=sandbox["state_dir"])
    seen: list[str] = []
    profile.session.hooks["response"].append(lambda resp, *a, **k: seen.append(resp.request.url))
    for _ in range(3):
        flows.client_credentials(profile, use_cache=False)
    discovery = [u for u in seen if "/.well-known/openid-configuration" in u]
    tokens = [u for u in seen if u.endswith("/oauth2/v2.0/token")]
    assert len(discovery) == 1 and len(tokens) == 3, seen


def test_client_credentials_need_a_credential(bootstrap):
    with pytest.raises(AuthError, match="secret or certificate"):
        flows.client_credentials(bootstrap)


def test_a_forced_msal_region_does_not_break_flows(s2s, monkeypatch):
    monkeypatch.setenv("MSAL_FORCE_REGION", "westus")
    assert flows.client_credentials(s2s, use_cache=False).audience == GRAPH


def test_an_unreachable_endpoint_is_a_network_error_with_hints(s2s, sandbox):
    offline = s2s.replace(session=sandbox_session("http://127.0.0.1:9", sandbox["ca_bundle"]))
    with pytest.raises(AuthError) as info:
        flows.client_credentials(offline, use_cache=False)
    assert info.value.error == "network_error"
    assert any("sandbox status" in h for h in info.value.hints)


# ---- auth code + PKCE -----------------------------------------------------------------------------------
def test_auth_code_interactive_opens_the_sandbox_page_and_redeems_the_code(grooper, person):
    opened = []

    def browser(url: str) -> None:
        opened.append(url)
        person.sign_in(url, follow_redirect=True)  # the browser posts the code to the loopback listener

    result = flows.auth_code_interactive(grooper, [EWS, "offline_access"], open_browser=browser, timeout=60)
    assert opened[0].startswith(grooper.browser_url + "/")
    assert "login.microsoftonline.com" not in urlsplit(opened[0]).netloc
    assert result.flow == "auth_code" and result.audience == EXO
    assert "EWS.AccessAsUser.All" in scp(result)
    assert result.username == person.upn and result.refresh_token is not None
    assert result.account["username"] == person.upn


def test_auth_code_paste_variant_for_remote_kernels(grooper, person):
    flow = flows.auth_code_start(grooper, preset_scopes("SharePoint (delegated)", grooper))
    assert flow.url.startswith(grooper.browser_url + "/")
    final = person.sign_in(flow.url)  # where the browser ends: http://localhost/?code=...
    assert final.startswith("http://localhost")
    result = flow.finish(final)
    assert result.flow == "auth_code_paste" and result.audience == GRAPH
    assert {"Files.ReadWrite.All", "Sites.ReadWrite.All"} <= scp(result)


def test_pasting_another_sign_ins_url_is_a_state_mismatch(grooper, person):
    first = flows.auth_code_start(grooper, ["User.Read"])
    second = flows.auth_code_start(grooper, ["User.Read"])
    with pytest.raises(AuthError) as info:
        second.finish(person.sign_in(first.url))
    assert info.value.error == "state_mismatch" and info.value.fix


def test_redirect_mismatch_is_explained_before_anyone_opens_the_page(grooper):
    with pytest.raises(AuthError) as info:
        flows.auth_code_start(grooper.replace(redirect_uri="http://127.0.0.1"), ["User.Read"])
    assert_explained(info.value, 50011)
    assert any("127.0.0.1 vs localhost" in h for h in info.value.hints)


def test_unknown_app_on_the_sign_in_page_is_explained(sandbox):
    with pytest.raises(AuthError) as info:
        flows.auth_code_start(connect(client_id=str(uuid.uuid4())), ["User.Read"])
    assert info.value.code == 700016 and info.value.fix


def test_an_interactive_sign_in_can_be_cancelled(grooper):
    flow = flows.AuthCodeFlow(grooper, ["User.Read"], listen=True)
    outcome = []
    waiter = threading.Thread(target=lambda: outcome.append(_catch(flow.wait, 120)))
    waiter.start()
    flow.cancel()
    waiter.join()
    assert isinstance(outcome[0], flows.FlowCancelled) and flow.status == "cancelled"


def _catch(fn, *args):
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - the test inspects it
        return exc


# ---- device code ----------------------------------------------------------------------------------------
def test_device_code_polls_in_the_background_while_this_thread_signs_in(bootstrap, person):
    handle = flows.device_code(bootstrap, ["User.Read"])
    assert handle.status == "pending" and handle.thread.is_alive()
    assert handle.verification_uri == f"{bootstrap.browser_url}/devicelogin"
    assert handle.user_code in handle.message and handle.verification_uri in handle.message
    assert handle.seconds_left() > 0
    # This (test) thread is free: it plays the person while MSAL polls in the handle's thread.
    done = person.enter_device_code(handle.verification_uri, handle.user_code)
    assert "signed in to the Grooper NB Bootstrap application" in done
    result = handle.wait(timeout=120)
    # "User.Read" by short name: Entra names Graph by its app id in aud.
    assert result.flow == "device_code" and result.audience == GRAPH_APP_ID and "User.Read" in scp(result)
    assert result.username == person.upn
    handle.thread.join()
    assert not handle.thread.is_alive() and handle.status == "succeeded"


def test_device_code_handles_an_mfa_user_interactively(bootstrap, mfa_user):
    handle = flows.device_code(bootstrap, ["User.Read"])
    someone = sandbox_person(bootstrap, mfa_user["upn"])
    someone.enter_device_code(handle.verification_uri, handle.user_code)
    assert "mfa-form" in someone.pages
    assert handle.wait(timeout=120).username == mfa_user["upn"]


def test_cancel_stops_msals_polling(bootstrap, person):
    handle = flows.device_code(bootstrap, ["User.Read"])
    handle.cancel()
    handle.thread.join(timeout=60)
    assert not handle.thread.is_alive()  # MSAL's loop returned: no more polling
    assert handle.status == "cancelled" and handle.result is None
    # approving later changes nothing: the page accepts the code, but nobody polls for the token
    assert "signed in" in person.enter_device_code(handle.verification_uri, handle.user_code)
    with pytest.raises(flows.FlowCancelled):
        handle.wait(timeout=1)
    assert handle.result is None


def test_device_code_for_an_app_without_public_client_flows_is_explained(grooper, person):
    handle = flows.device_code(grooper, ["User.Read"])
    person.enter_device_code(handle.verification_uri, handle.user_code)
    with pytest.raises(AuthError) as info:
        handle.wait(timeout=120)
    assert info.value.code == 7000218 and info.value.fix


# ---- ROPC ------------------------------------------------------------------------------------------------
def test_ropc_works_for_a_plain_user_and_warns_that_it_is_legacy(grooper, plain_user):
    with pytest.warns(flows.RopcWarning, match="MFA"):
        result = flows.ropc(grooper, plain_user["upn"], plain_user["password"], [EWS])
    assert result.audience == EXO and "EWS.AccessAsUser.All" in scp(result)


def test_ropc_for_an_mfa_user_is_explained(grooper, mfa_user):
    with pytest.raises(AuthError) as info:
        quiet_ropc(grooper, mfa_user["upn"], mfa_user["password"], [EWS])
    assert_explained(info.value, 50076)
    assert any("device_code()" in h for h in info.value.hints)


def test_ropc_for_a_disabled_user_is_explained(grooper, disabled_user):
    with pytest.raises(AuthError) as info:
        quiet_ropc(grooper, disabled_user["upn"], disabled_user["password"], [EWS])
    assert_explained(info.value, 50057)


def test_missing_consent_is_explained(grooper, plain_user):
    with pytest.raises(AuthError) as info:
        quiet_ropc(grooper, plain_user["upn"], plain_user["password"], [f"{GRAPH}/Mail.Send"])
    assert_explained(info.value, 65001)
    assert "admin_consent_url" in info.value.fix


# ---- on-behalf-of ----------------------------------------------------------------------------------------
def test_on_behalf_of_exchanges_the_users_middle_tier_token_for_graph(
    bootstrap, middle_tier, person, plain_user
):
    handle = flows.device_code(bootstrap, [f"api://{middle_tier.client_id}/access_as_user"])
    person.enter_device_code(handle.verification_uri, handle.user_code)
    user_token = handle.wait(timeout=120)
    assert user_token.audience in (middle_tier.client_id, f"api://{middle_tier.client_id}")
    result = flows.on_behalf_of(middle_tier, user_token, [f"{GRAPH}/User.Read"])
    assert result.flow == "on_behalf_of" and result.audience == GRAPH and "User.Read" in scp(result)
    assert result.claims.get("upn", result.claims.get("unique_name")) == plain_user["upn"]


def test_on_behalf_of_with_an_app_only_token_is_explained(s2s, middle_tier):
    with pytest.raises(AuthError) as info:
        flows.on_behalf_of(middle_tier, flows.client_credentials(s2s), [f"{GRAPH}/User.Read"])
    assert info.value.code in (500131, 7000114, 50013) and info.value.hints


# ---- silent / refresh ------------------------------------------------------------------------------------
def test_silent_uses_the_cache_and_force_refresh_redeems_the_refresh_token(grooper, admin_user):
    first = quiet_ropc(grooper, admin_user["upn"], admin_user["password"], [EWS])
    cached = flows.silent(grooper, [EWS], account=first)
    assert cached.source == "cache" and cached.access_token == first.access_token
    refreshed = flows.silent(grooper, [EWS], username=admin_user["upn"], force_refresh=True)
    assert refreshed.source == "identity_provider" and refreshed.access_token != first.access_token
    # the refresh token is good for the app's other resources too (Graph for SharePoint/OneDrive)
    graph = flows.silent(grooper, [f"{GRAPH}/Files.ReadWrite.All"], username=admin_user["upn"])
    assert graph.audience == GRAPH


def test_silent_without_a_cached_account_says_sign_in_first(s2s):
    with pytest.raises(AuthError) as info:
        flows.silent(s2s, [EWS], username="nobody@contoso.onmicrosoft.com")
    assert info.value.error == "no_cached_token" and "interactive" in info.value.fix


# ---- admin consent ---------------------------------------------------------------------------------------
def test_admin_consent_url_is_a_sandbox_page_an_admin_can_complete(grooper, admin_user):
    url = flows.admin_consent_url(grooper, state="xyz")
    assert url.startswith(f"{grooper.browser_url}/{grooper.tenant}/adminconsent?")
    assert parse_qs(urlsplit(url).query)["client_id"] == [grooper.client_id]
    v2 = flows.admin_consent_url(grooper, [f"{EXO}/.default"])
    assert f"/{grooper.tenant}/v2.0/adminconsent?" in v2 and "scope=" in v2
    final = sandbox_person(grooper, admin_user["upn"]).sign_in(url)
    query = parse_qs(urlsplit(final).query)
    assert query.get("admin_consent") == ["True"] and query.get("state") == ["xyz"]


# ---- a request that names no API is refused here, whatever the cache holds -----------------------------
def assert_no_scope_error(err: AuthError, example: str) -> None:
    assert err.error == "invalid_scope" and err.code is None, str(err)
    assert example in " ".join(err.hints)
    assert "Not in the catalogue" not in str(err) and "error page" not in err.fix


@pytest.mark.parametrize("empty", [[], None, "", ["openid", "offline_access"]], ids=repr)
def test_client_credentials_without_a_scope_is_refused_even_with_a_cached_token(s2s, empty):
    flows.client_credentials(s2s, f"{EXO}/.default")  # an Exchange token now sits in the app-only cache
    with pytest.raises(AuthError) as info:
        flows.client_credentials(s2s, empty)
    assert_no_scope_error(info.value, f"{GRAPH}/.default")


@pytest.mark.parametrize("empty", [[], None, ""], ids=repr)
def test_obo_and_ropc_without_a_scope_are_refused(bootstrap, middle_tier, grooper, plain_user, empty):
    user_token = quiet_ropc(bootstrap, plain_user["upn"], plain_user["password"], [
        f"api://{middle_tier.client_id}/access_as_user"])  # fmt: skip
    with pytest.raises(AuthError) as info:
        flows.on_behalf_of(middle_tier, user_token, empty)
    assert_no_scope_error(info.value, "User.Read")
    with pytest.raises(AuthError) as info:
        quiet_ropc(grooper, plain_user["upn"], plain_user["password"], empty)
    assert_no_scope_error(info.value, "User.Read")


def test_on_behalf_of_without_a_user_token_says_which_token_to_pass(middle_tier):
    with pytest.raises(AuthError) as info:
        flows.on_behalf_of(middle_tier, None, ["User.Read"])
    assert info.value.error == "invalid_request" and "access_as_user" in " ".join(info.value.hints)


def test_a_failing_device_code_callback_is_logged_not_swallowed(bootstrap, person, caplog):
    handle = flows.device_code(bootstrap, ["User.Read"])
    seen = []

    def broken(h):
        raise RuntimeError("widget gone")

    handle.add_done_callback(broken)
    handle.add_done_callback(seen.append)  # later callbacks still run
    person.enter_device_code(handle)
    with caplog.at_level("ERROR", logger="grooper_nb.auth.device_code"):
        handle.wait(timeout=60)
    assert seen == [handle]
    record = next(r for r in caplog.records if r.name == "grooper_nb.auth.device_code")
    assert "done-callback" in record.getMessage() and record.exc_info[0] is RuntimeError


def test_finishing_a_succeeded_auth_code_flow_again_returns_the_same_result(grooper, person):
    flow = flows.auth_code_start(grooper, ["User.Read"])
    final_url = person.sign_in(flow.url)
    first = flow.finish(final_url)
    assert flow.finish(final_url) is first  # the code is not redeemed twice
    assert flow.status == "succeeded" and flow.error is None


def test_auth_code_interactive_explains_a_browser_that_cannot_be_opened(grooper):
    import webbrowser

    def broken(url):
        raise webbrowser.Error("could not locate runnable browser")

    with pytest.raises(AuthError) as info:
        flows.auth_code_interactive(grooper, ["User.Read"], open_browser=broken, timeout=5)
    assert info.value.error == "no_browser" and "auth_code_start" in " ".join(info.value.hints)
