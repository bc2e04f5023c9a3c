"""Profile validation, credentials (PEM/PFX), settings loading and the sandbox profile's HTTP session."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from grooper_nb._redact import Secret
from grooper_nb.profile import (
    CertificateCredential,
    Profile,
    ProfileError,
    SecretCredential,
    connect,
    load_settings,
)

GOOD_SECRET = "Xq8~Zz1abcdefghijklmnopqrstuvwxyz0123456"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
TENANT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def make_cert(tmp_path, *, days_valid=(-1, 365), key=None, name="grooper-test"):
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days_valid[0]))
        .not_valid_after(now + dt.timedelta(days=days_valid[1]))
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / f"{name}.crt.pem").write_bytes(cert_pem)
    (tmp_path / f"{name}.key.pem").write_bytes(key_pem)
    (tmp_path / f"{name}.pem").write_bytes(cert_pem + key_pem)
    pfx = pkcs12.serialize_key_and_certificates(
        name.encode(), key, cert, None, serialization.BestAvailableEncryption(b"pfx-pass")
    )
    (tmp_path / f"{name}.pfx").write_bytes(pfx)
    return cert, key


# ---- secrets --------------------------------------------------------------------------------------
def test_a_guid_pasted_as_secret_is_recognised_as_the_secret_id():
    with pytest.raises(ProfileError, match="that is the secret's ID, not its value"):
        SecretCredential(str(uuid.uuid4()))


def test_secret_errors_never_echo_the_secret():
    for bad in (" " + GOOD_SECRET, ""):
        with pytest.raises(ProfileError) as info:
            SecretCredential(bad)
        assert GOOD_SECRET not in str(info.value)


def test_secret_credential_masks_itself():
    cred = SecretCredential(GOOD_SECRET)
    assert GOOD_SECRET not in repr(cred) and GOOD_SECRET not in str(cred)
    assert cred.for_msal() == GOOD_SECRET
    profile = Profile(tenant=TENANT_ID, client_id=CLIENT_ID, credential=cred)
    assert GOOD_SECRET not in repr(profile) and GOOD_SECRET not in profile._repr_html_()
    assert GOOD_SECRET not in repr(profile.summary())


# ---- certificates ------------------------------------------------------------------------------------
def test_certificate_from_separate_pem_files(tmp_path):
    cert, _ = make_cert(tmp_path)
    cred = CertificateCredential.from_pem(
        tmp_path / "grooper-test.crt.pem", tmp_path / "grooper-test.key.pem"
    )
    assert cred.thumbprint == cert.fingerprint(hashes.SHA1()).hex().upper()
    msal_cred = cred.for_msal()
    assert "PRIVATE KEY" in msal_cred["private_key"] and "CERTIFICATE" in msal_cred["public_certificate"]
    assert "PRIVATE KEY" not in repr(cred)


def test_certificate_from_combined_pem_and_from_pfx(tmp_path):
    cert, _ = make_cert(tmp_path)
    combined = CertificateCredential.from_file(tmp_path / "grooper-test.pem")
    pfx = CertificateCredential.from_file(tmp_path / "grooper-test.pfx", password=Secret("pfx-pass"))
    assert combined.thumbprint == pfx.thumbprint == cert.fingerprint(hashes.SHA1()).hex().upper()


def test_pfx_with_wrong_passphrase_is_explained(tmp_path):
    make_cert(tmp_path)
    with pytest.raises(ProfileError, match="wrong passphrase"):
        CertificateCredential.from_file(tmp_path / "grooper-test.pfx", password="nope")


def test_encrypted_pem_key_needs_its_password(tmp_path):
    _, key = make_cert(tmp_path)
    enc = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"key-pass"),
    )  # fmt: skip
    (tmp_path / "enc.key.pem").write_bytes(enc)
    with pytest.raises(ProfileError, match="encrypted"):
        CertificateCredential.from_pem(tmp_path / "grooper-test.crt.pem", tmp_path / "enc.key.pem")
    ok = CertificateCredential.from_pem(
        tmp_path / "grooper-test.crt.pem", tmp_path / "enc.key.pem", "key-pass"
    )
    assert ok.thumbprint


def test_certificate_not_matching_its_key_is_refused(tmp_path):
    make_cert(tmp_path, name="a")
    make_cert(tmp_path, name="b")
    with pytest.raises(ProfileError, match="does not match its private key"):
        CertificateCredential.from_pem(tmp_path / "a.crt.pem", tmp_path / "b.key.pem")


def test_expired_certificate_is_refused(tmp_path):
    make_cert(tmp_path, days_valid=(-30, -1), name="old")
    with pytest.raises(ProfileError, match="expired on"):
        CertificateCredential.from_file(tmp_path / "old.pem")


def test_not_yet_valid_certificate_is_refused(tmp_path):
    make_cert(tmp_path, days_valid=(2, 30), name="future")
    with pytest.raises(ProfileError, match="not valid before"):
        CertificateCredential.from_file(tmp_path / "future.pem")


def test_non_rsa_key_is_refused(tmp_path):
    make_cert(tmp_path, key=ec.generate_private_key(ec.SECP256R1()), name="ec")
    with pytest.raises(ProfileError, match="RSA"):
        CertificateCredential.from_file(tmp_path / "ec.pem")


# ---- settings: .env and GROOPER_NB_* -----------------------------------------------------------------
def _clear_env(monkeypatch):
    for k in list(os.environ):
        if k.startswith("GROOPER_NB_") and k not in ("GROOPER_NB_SANDBOX_DIR", "GROOPER_NB_TOKEN_CACHE"):
            monkeypatch.delenv(k)


def test_real_tenant_from_a_dotenv_file_without_touching_os_environ(tmp_path, monkeypatch):
    _clear_env(monkeypatch)
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"GROOPER_NB_TENANT=contoso.onmicrosoft.us\nGROOPER_NB_CLIENT_ID={CLIENT_ID}\n"
        f"GROOPER_NB_CLIENT_SECRET={GOOD_SECRET}\nGROOPER_NB_CLOUD=usgov\n"
        "GROOPER_NB_REDIRECT_URI=http://localhost:8400\n"
    )
    before = dict(os.environ)
    profile = connect(env_file=env_file)
    assert dict(os.environ) == before
    assert not profile.is_sandbox
    assert profile.tenant == "contoso.onmicrosoft.us"
    assert profile.authority == "https://login.microsoftonline.us/contoso.onmicrosoft.us"
    assert profile.redirect_uri == "http://localhost:8400"
    assert profile.credential.for_msal() == GOOD_SECRET
    assert profile.session.trust_env  # a real tenant keeps the user's proxy/CA settings
    assert GOOD_SECRET not in repr(profile)


def test_an_explicit_env_file_overrides_the_environment_and_keywords_override_both(tmp_path, monkeypatch):
    _clear_env(monkeypatch)
    env_file = tmp_path / ".env"
    env_file.write_text(f"GROOPER_NB_TENANT=a.onmicrosoft.com\nGROOPER_NB_CLIENT_ID={CLIENT_ID}\n")
    monkeypatch.setenv("GROOPER_NB_TENANT", "b.onmicrosoft.com")
    monkeypatch.setenv("GROOPER_NB_REDIRECT_URI", "http://localhost:8400")
    assert load_settings(env_file)["GROOPER_NB_TENANT"] == "a.onmicrosoft.com"
    profile = connect(env_file=env_file)
    assert profile.tenant == "a.onmicrosoft.com"  # the file asked for wins
    assert profile.redirect_uri == "http://localhost:8400"  # what it does not set still comes through
    assert connect(env_file=env_file, tenant=TENANT_ID).tenant == TENANT_ID


def test_the_environment_overrides_a_dotenv_file_found_on_its_own(tmp_path, monkeypatch):
    _clear_env(monkeypatch)
    (tmp_path / ".env").write_text(f"GROOPER_NB_TENANT=a.onmicrosoft.com\nGROOPER_NB_CLIENT_ID={CLIENT_ID}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GROOPER_NB_TENANT", "b.onmicrosoft.com")
    assert connect().tenant == "b.onmicrosoft.com"


# A real tenant configured half-way must not turn into the sandbox without a word.
REAL_TENANT_SETTINGS = {
    "GROOPER_NB_CLIENT_ID": CLIENT_ID,
    "GROOPER_NB_CLIENT_SECRET": GOOD_SECRET,
    "GROOPER_NB_CERTIFICATE": "/nowhere/grooper.pfx",
    "GROOPER_NB_CERTIFICATE_PASSWORD": "pfx-pass",
    "GROOPER_NB_PRIVATE_KEY": "/nowhere/grooper-key.pem",
    "GROOPER_NB_CLOUD": "usgov",
    "GROOPER_NB_REDIRECT_URI": "http://localhost:8400",
    "GROOPER_NB_SHAREPOINT_HOST": "contoso.sharepoint.com",
}


@pytest.mark.parametrize("name", REAL_TENANT_SETTINGS)
def test_a_real_tenant_setting_without_a_tenant_is_an_error_not_the_sandbox(monkeypatch, name):
    _clear_env(monkeypatch)
    monkeypatch.setenv(name, REAL_TENANT_SETTINGS[name])
    with pytest.raises(ProfileError) as info:
        connect(env_file=False)
    message = str(info.value)
    assert "GROOPER_NB_TENANT" in message and name in message
    assert "sandbox=True" in message  # how to get the sandbox anyway
    assert GOOD_SECRET not in message and "pfx-pass" not in message


@pytest.mark.parametrize("misspelled", ["GROOPER_NB_TENNANT", "GROOPER_NB_TENANT_ID", "GROOPER_NB_TENAT"])
def test_a_misspelled_tenant_setting_names_the_setting_it_should_be(monkeypatch, misspelled):
    _clear_env(monkeypatch)
    monkeypatch.setenv(misspelled, "contoso.onmicrosoft.com")
    monkeypatch.setenv("GROOPER_NB_CLIENT_ID", CLIENT_ID)
    with pytest.raises(ProfileError, match=f"{misspelled}.*did you mean GROOPER_NB_TENANT"):
        connect(env_file=False)
    monkeypatch.delenv("GROOPER_NB_CLIENT_ID")
    with pytest.raises(ProfileError, match=f"{misspelled}.*did you mean GROOPER_NB_TENANT"):
        connect(env_file=False)  # on its own, too: it was meant to name a tenant


def test_a_half_configured_dotenv_file_is_named(tmp_path, monkeypatch):
    _clear_env(monkeypatch)
    env_file = tmp_path / "grooper.env"
    env_file.write_text(f"GROOPER_NB_CLIENT_ID={CLIENT_ID}\nGROOPER_NB_CLIENT_SECRET={GOOD_SECRET}\n")
    with pytest.raises(ProfileError) as info:
        connect(env_file=env_file)
    assert "GROOPER_NB_TENANT" in str(info.value) and str(env_file) in str(info.value)
    assert GOOD_SECRET not in str(info.value)


def test_an_empty_tenant_setting_is_an_error_not_the_sandbox(monkeypatch):
    _clear_env(monkeypatch)
    monkeypatch.setenv("GROOPER_NB_TENANT", "")
    monkeypatch.setenv("GROOPER_NB_CLIENT_ID", CLIENT_ID)
    with pytest.raises(ProfileError, match="GROOPER_NB_TENANT"):
        connect(env_file=False)


def test_settings_about_the_sandbox_or_the_cache_still_mean_the_sandbox(sandbox, tmp_path, monkeypatch):
    _clear_env(monkeypatch)
    monkeypatch.setenv("GROOPER_NB_SANDBOX_DIR", sandbox["state_dir"])
    monkeypatch.setenv("GROOPER_NB_TOKEN_CACHE", str(tmp_path / "cache.json"))
    monkeypatch.setenv("GROOPER_NB_CHROMIUM", "/usr/bin/chromium")  # not a setting of connect()
    assert connect(env_file=False).is_sandbox


def test_choosing_the_sandbox_explicitly_ignores_real_tenant_settings(sandbox, monkeypatch):
    _clear_env(monkeypatch)
    monkeypatch.setenv("GROOPER_NB_CLIENT_ID", CLIENT_ID)
    assert connect(sandbox=True, env_file=False).is_sandbox
    assert connect("Grooper Server-to-Server", env_file=False).app_name == "Grooper Server-to-Server"


def test_certificate_from_settings(tmp_path, monkeypatch):
    _clear_env(monkeypatch)
    make_cert(tmp_path)
    monkeypatch.setenv("GROOPER_NB_TENANT", TENANT_ID)
    monkeypatch.setenv("GROOPER_NB_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("GROOPER_NB_CERTIFICATE", str(tmp_path / "grooper-test.pfx"))
    monkeypatch.setenv("GROOPER_NB_CERTIFICATE_PASSWORD", "pfx-pass")
    profile = connect(env_file=False)
    assert profile.credential_kind == "certificate"
    assert "pfx-pass" not in repr(profile)
    monkeypatch.setenv("GROOPER_NB_CLIENT_SECRET", GOOD_SECRET)
    with pytest.raises(ProfileError, match="Both a client secret and a certificate"):
        connect(env_file=False)
    assert connect(env_file=False, credential="secret").credential_kind == "secret"


def test_missing_client_id_names_the_variable(monkeypatch):
    _clear_env(monkeypatch)
    with pytest.raises(ProfileError, match="GROOPER_NB_CLIENT_ID"):
        connect(tenant=TENANT_ID, env_file=False)


# ---- person_url ----------------------------------------------------------------------------------------
def test_person_url_maps_sandbox_login_urls_to_the_browser_url_only():
    base = {"tenant": TENANT_ID, "client_id": CLIENT_ID}
    sandbox = Profile(**base, is_sandbox=True, browser_url="http://127.0.0.1:5555")
    real = Profile(**base)
    url = f"https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/authorize?client_id=x&scope=a+b"
    assert (
        sandbox.person_url(url)
        == f"http://127.0.0.1:5555/{TENANT_ID}/oauth2/v2.0/authorize?client_id=x&scope=a+b"
    )
    assert real.person_url(url) == url
    assert sandbox.person_url("https://graph.microsoft.com/v1.0/me") == "https://graph.microsoft.com/v1.0/me"


# ---- sandbox profiles ----------------------------------------------------------------------------------
def test_connect_without_tenant_gives_the_sandbox_grooper_app(sandbox, grooper_app, monkeypatch):
    _clear_env(monkeypatch)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/bundle.pem")
    before = dict(os.environ)
    profile = connect(env_file=False)
    assert dict(os.environ) == before
    assert profile.is_sandbox and profile.app_name == "Grooper Azure AD Connector 2021"
    assert profile.client_id == grooper_app["client_id"]
    assert profile.tenant == profile.tenant_id == sandbox["tenant"]["id"]
    assert profile.browser_url == sandbox["browser_url"].rstrip("/")
    s = profile.session
    assert (
        s.trust_env is False and s.verify == sandbox["ca_bundle"] and s.proxies == {"https": sandbox["proxy"]}
    )
    assert profile.registered_redirect_uris == tuple(grooper_app["redirect_uris"])
    assert isinstance(profile.sandbox_info["users"][0]["password"], Secret)
    assert grooper_app["client_secret"] not in repr(profile)
    assert grooper_app["client_secret"] not in repr(profile.sandbox_info)


def test_connect_picks_the_seeded_credential(s2s_app, bootstrap_app):
    assert connect(app="Grooper Server-to-Server").credential_kind == "secret"
    cert = connect(app="Grooper Server-to-Server", credential="certificate")
    assert cert.credential.thumbprint == s2s_app["certificate_thumbprint"]
    assert connect(app="Grooper NB Bootstrap").credential is None
    with pytest.raises(ProfileError, match="No seeded app"):
        connect(app="No Such App")


def test_sandbox_users_are_found_by_name_or_trait(sandbox):
    profile = connect()
    assert profile.sandbox_user("diego.siciliani")["mfa_required"] is True
    assert profile.sandbox_user(enabled=False)["upn"].startswith("johanna")
    assert profile.sandbox_user()["enabled"] is True


def test_the_sandbox_facts_are_typed_and_still_read_like_the_start_json(sandbox, s2s_app):
    import pandas as pd

    from grooper_nb.sandbox_info import SandboxApp, SandboxInfo, SandboxUser

    profile = connect(app="Grooper Server-to-Server")
    info = profile.sandbox_info
    assert isinstance(info, SandboxInfo)
    assert info.tenant.id == info["tenant"]["id"] == sandbox["tenant"]["id"]
    assert info.proxy == sandbox["proxy"] and info.ca_bundle == sandbox["ca_bundle"]
    assert Path(info.state_dir) == Path(sandbox["state_dir"])
    app = profile.sandbox_app()
    assert isinstance(app, SandboxApp) and app.name == app["name"] == "Grooper Server-to-Server"
    assert isinstance(app.client_secret, Secret) and app.client_secret.reveal() == s2s_app["client_secret"]
    assert app.get("no such key") is None and "certificate_thumbprint" in app
    user = profile.sandbox_user(mfa_required=True)
    assert isinstance(user, SandboxUser) and user.mfa_required and user["upn"] == user.upn
    admin = profile.sandbox_user(directory_roles=["Global Administrator"])  # a JSON list matches
    assert "Global Administrator" in admin.directory_roles
    table = pd.DataFrame(info.users)[["upn", "enabled", "mfa_required", "has_mailbox"]]
    assert len(table) == len(sandbox["users"])
    shown = repr(info) + repr(pd.DataFrame(info.users))
    assert s2s_app["client_secret"] not in shown
    assert all(u["password"] not in shown for u in sandbox["users"])


def test_a_profile_given_the_start_json_types_it(sandbox):
    from grooper_nb.sandbox_info import SandboxInfo

    base = connect()
    again = Profile(tenant=base.tenant, client_id=base.client_id, is_sandbox=True, sandbox_info=sandbox)
    assert isinstance(again.sandbox_info, SandboxInfo)
    assert again.app_name == "Grooper Azure AD Connector 2021"
    assert isinstance(again.sandbox_info.users[0].password, Secret)


# ---- a secret in the wrong place ------------------------------------------------------------------------
PASTED = "Xq8Q~s3cr3tValue-0123456789abcdefghijklmn"  # an Entra secret value's shape (contains ~)


@pytest.mark.parametrize(
    "setting",
    ["GROOPER_NB_CLIENT_ID", "GROOPER_NB_TENANT", "GROOPER_NB_CERTIFICATE", "GROOPER_NB_REDIRECT_URI"],
)
def test_a_secret_pasted_into_another_setting_is_masked_and_named_as_such(setting, monkeypatch):
    _clear_env(monkeypatch)
    monkeypatch.setenv("GROOPER_NB_TENANT", TENANT_ID)
    monkeypatch.setenv("GROOPER_NB_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv(setting, PASTED)
    with pytest.raises(ProfileError) as info:
        connect(env_file=False)
    message = str(info.value)
    assert PASTED not in message and PASTED[5:] not in message
    assert "Xq8Q…(41 chars)" in message and "looks like a secret value" in message and "~" in message


def test_an_empty_client_secret_is_an_error_not_a_public_client(tmp_path, monkeypatch):
    _clear_env(monkeypatch)
    real = {"tenant": TENANT_ID, "client_id": CLIENT_ID, "env_file": False}
    with pytest.raises(ProfileError, match="client secret is empty"):
        connect(**real, client_secret="")
    env_file = tmp_path / ".env"
    env_file.write_text(f"GROOPER_NB_TENANT={TENANT_ID}\nGROOPER_NB_CLIENT_ID={CLIENT_ID}\n")
    monkeypatch.setenv("GROOPER_NB_CLIENT_SECRET", "")
    with pytest.raises(ProfileError, match="client secret is empty"):
        connect(env_file=env_file)
    env_file.write_text(env_file.read_text() + "GROOPER_NB_CLIENT_SECRET=\n")
    monkeypatch.delenv("GROOPER_NB_CLIENT_SECRET")
    with pytest.raises(ProfileError, match="client secret is empty"):
        connect(env_file=env_file)
    assert connect(env_file=env_file, credential="none").credential is None  # said explicitly: fine


@pytest.mark.parametrize("braced", ["{%s}", "{ %s }"])
def test_a_secret_id_with_braces_is_recognised_as_the_secret_id(braced):
    with pytest.raises(ProfileError, match="that is the secret's ID, not its value"):
        SecretCredential(braced % uuid.uuid4())


def test_a_quoted_secret_is_refused():
    with pytest.raises(ProfileError, match="wrapped in quotes") as info:
        SecretCredential(f"'{GOOD_SECRET}'")
    assert GOOD_SECRET not in str(info.value)


def test_an_unknown_cloud_is_a_profile_error_and_get_cloud_stays_a_value_error(monkeypatch):
    from grooper_nb.clouds import get_cloud

    _clear_env(monkeypatch)
    with pytest.raises(ProfileError, match=r"Unknown cloud 'azure-germany'.*GROOPER_NB_CLOUD"):
        connect(tenant=TENANT_ID, client_id=CLIENT_ID, cloud="azure-germany", env_file=False)
    with pytest.raises(ValueError, match="Unknown cloud") as info:
        get_cloud("azure-germany")
    assert not isinstance(info.value, ProfileError)


def test_a_public_certificate_alone_is_named_as_such(tmp_path):
    cert, _key = make_cert(tmp_path)
    der = tmp_path / "grooper.cer"
    der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    with pytest.raises(ProfileError, match=r"public certificate only.*pfx"):
        CertificateCredential.from_file(der)
    with pytest.raises(ProfileError, match=r"public certificate only.*GROOPER_NB_PRIVATE_KEY"):
        CertificateCredential.from_file(tmp_path / "grooper-test.crt.pem")
    with pytest.raises(ProfileError, match="is a directory"):
        CertificateCredential.from_file(tmp_path)


def test_credentials_live_in_their_own_module_and_the_profile_re_exports_them():
    import grooper_nb.credentials as credentials
    import grooper_nb.profile as profile

    assert profile.SecretCredential is credentials.SecretCredential
    assert profile.CertificateCredential is credentials.CertificateCredential
    assert profile.ProfileError is credentials.ProfileError


def test_settings_and_sessions_live_in_their_own_modules_and_the_profile_re_exports_them():
    import grooper_nb.http as http
    import grooper_nb.profile as profile
    import grooper_nb.settings as settings

    assert profile.load_settings is settings.load_settings
    assert profile.validate_tenant is settings.validate_tenant
    assert profile.validate_client_id is settings.validate_client_id
    assert profile.ProfileSession is http.ProfileSession
    assert profile.sandbox_session is http.sandbox_session


# ---- derived facts follow replace() ---------------------------------------------------------------------
def test_replace_derives_tenant_id_and_app_facts_again(sandbox, grooper_app, s2s_app):
    grooper, s2s = connect(), connect(app="Grooper Server-to-Server")
    other = str(uuid.uuid4())
    assert grooper.replace(tenant=other).tenant_id == other
    assert grooper.replace(tenant="fabrikam.onmicrosoft.com").tenant_id is None
    assert grooper.replace(tenant=sandbox["tenant"]["domain"]).tenant_id == sandbox["tenant"]["id"]
    swapped = s2s.replace(client_id=grooper_app["client_id"])
    assert swapped.app_name == "Grooper Azure AD Connector 2021"
    assert swapped.registered_redirect_uris == tuple(grooper_app["redirect_uris"])
    assert swapped.public_client is grooper_app["public_client"]
    unknown = s2s.replace(client_id=str(uuid.uuid4()))
    assert unknown.app_name is None and unknown.registered_redirect_uris is None


def test_a_token_judged_against_a_replaced_tenant_is_the_wrong_tenant(sandbox):
    from grooper_nb.auth import flows
    from grooper_nb.tokens import inspect_token

    s2s = connect(app="Grooper Server-to-Server")
    token = flows.client_credentials(s2s)
    assert inspect_token(token, s2s).validation.ok
    other = s2s.replace(tenant=str(uuid.uuid4()))
    assert "wrong_tenant" in inspect_token(token, other).validation.reasons


def test_redirect_hints_use_the_replaced_apps_registration(sandbox, grooper_app):
    from grooper_nb.auth import flows
    from grooper_nb.errors.aadsts import AuthError

    swapped = connect(app="Grooper Server-to-Server").replace(
        client_id=grooper_app["client_id"], redirect_uri="http://localhost/callback"
    )
    with pytest.raises(AuthError) as info:
        flows.auth_code_start(swapped, ["User.Read"])
    registered = " ".join(info.value.hints)
    assert all(uri in registered for uri in grooper_app["redirect_uris"])


# ---- the SharePoint host ------------------------------------------------------------------------------
def test_sharepoint_host_comes_from_one_place(sandbox, monkeypatch, tmp_path):
    from grooper_nb.auth.scopes import preset_scopes

    _clear_env(monkeypatch)
    grooper = connect()
    assert grooper.sharepoint_host == sandbox["tenant"]["sharepoint_host"]
    assert grooper.replace(tenant="fabrikam.onmicrosoft.com").sharepoint_host == "fabrikam.sharepoint.com"

    def real(tenant, **kw):
        return connect(tenant=tenant, client_id=CLIENT_ID, client_secret=GOOD_SECRET, env_file=False, **kw)

    assert real("contoso.onmicrosoft.com").sharepoint_host == "contoso.sharepoint.com"
    assert real("contoso.onmicrosoft.us", cloud="usgov").sharepoint_host == "contoso.sharepoint.us"
    for unknowable in (TENANT_ID, "contoso.com", "fabrikam.co.uk"):
        p = real(unknowable)
        assert p.sharepoint_host is None
        with pytest.raises(ProfileError, match="GROOPER_NB_SHAREPOINT_HOST"):
            preset_scopes("Server-to-server SharePoint", p)
    assert real(TENANT_ID, sharepoint_host="https://contoso.sharepoint.com/").sharepoint_host == (
        "contoso.sharepoint.com"
    )
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"GROOPER_NB_TENANT={TENANT_ID}\nGROOPER_NB_CLIENT_ID={CLIENT_ID}\n"
        "GROOPER_NB_SHAREPOINT_HOST=tailspin.sharepoint.com\n"
    )
    p = connect(env_file=env_file)
    assert preset_scopes("Server-to-server SharePoint", p) == ["https://tailspin.sharepoint.com/.default"]
    with pytest.raises(ProfileError, match="not a host name"):
        real(TENANT_ID, sharepoint_host="not a host")
