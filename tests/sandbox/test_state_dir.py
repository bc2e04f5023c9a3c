"""The state dir belongs to its user, and what is broken in it is named, never silently replaced.

Another local user who may write the state dir could plant ``service.json`` (the next ``connect()``
would send every secret through their proxy, trusting their CA) or a ``service.log`` symlink (a file
of someone else's would be chmod-ed and appended to). The tests play that user: the suite runs as
root, so ``chown nobody`` makes a file or directory "someone else's".
"""

from __future__ import annotations

import json
import os
import pwd
import stat
from pathlib import Path

import pytest

from grooper_nb.sandbox import launcher

NOBODY = pwd.getpwnam("nobody").pw_uid


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


# -- the directory itself ---------------------------------------------------------------------------


def test_a_state_dir_owned_by_another_user_is_refused_naming_it_and_the_fix(own_state_dir: Path) -> None:
    own_state_dir.mkdir(mode=0o700)
    os.chown(own_state_dir, NOBODY, -1)
    with pytest.raises(launcher.SandboxError) as refused:
        launcher.ensure_running(own_state_dir)
    message = str(refused.value)
    assert str(own_state_dir) in message and "owned by" in message
    assert "--state-dir" in message  # the way out: another dir (or chown it back)
    assert not (own_state_dir / "service.json").exists()


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_a_state_dir_others_may_write_is_refused(own_state_dir: Path, mode: int) -> None:
    own_state_dir.mkdir()
    os.chmod(own_state_dir, mode)
    with pytest.raises(launcher.SandboxError) as refused:
        launcher.ensure_running(own_state_dir)
    assert str(own_state_dir) in str(refused.value) and "chmod 700" in str(refused.value)
    assert not (own_state_dir / "service.log").exists()


def test_the_cli_refuses_a_foreign_state_dir_with_exit_1(own_state_dir: Path, sandbox_cli) -> None:
    own_state_dir.mkdir(mode=0o700)
    os.chown(own_state_dir, NOBODY, -1)
    proc = sandbox_cli("status", "--state-dir", str(own_state_dir))
    assert proc.returncode == 1 and str(own_state_dir) in proc.stderr


def test_a_service_log_symlink_is_never_followed(own_state_dir: Path, tmp_path: Path) -> None:
    """A planted ``service.log -> /some/root/file``: the file keeps its mode and its content."""
    victim = tmp_path / "victim.conf"
    victim.write_text("keep me\n")
    os.chmod(victim, 0o644)
    own_state_dir.mkdir(mode=0o700)
    (own_state_dir / "service.log").symlink_to(victim)
    with pytest.raises(launcher.SandboxError) as refused:
        launcher.ensure_running(own_state_dir)
    assert "service.log" in str(refused.value)
    assert _mode(victim) == 0o644 and victim.read_text() == "keep me\n"


def test_every_directory_of_the_state_dir_is_private(own_state_dir: Path) -> None:
    launcher.ensure_running(own_state_dir)
    for folder in ("", "ca", "keys", "apps"):
        assert _mode(own_state_dir / folder) == 0o700, f"{folder or '.'} is {_mode(own_state_dir / folder):o}"


# -- service.json is trusted only as this sandbox wrote it ------------------------------------------


def _tampered(state_dir: Path, **changes) -> dict:
    path = state_dir / "service.json"
    original = json.loads(path.read_text())
    path.write_text(json.dumps({**original, **changes}))
    os.chmod(path, 0o600)
    return original


@pytest.mark.parametrize(
    "changes",
    [
        {"proxy": "http://203.0.113.9:3128"},
        {"proxy": "http://127.0.0.1.evil.example:3128"},
        {"ca_bundle": "/tmp/evil/bundle.pem"},
        {"ca_cert": "/tmp/evil/ca.pem"},
        {"browser_url": "http://203.0.113.9:80"},
    ],
    ids=["proxy-elsewhere", "proxy-lookalike", "bundle-elsewhere", "ca-elsewhere", "browser-elsewhere"],
)
def test_a_service_json_pointing_elsewhere_is_not_trusted(own_state_dir: Path, changes: dict) -> None:
    launcher.ensure_running(own_state_dir)
    original = _tampered(own_state_dir, **changes)
    try:
        with pytest.raises(launcher.SandboxError) as refused:
            launcher.ensure_running(own_state_dir)
        assert "service.json" in str(refused.value)
        assert all(str(v) not in str(refused.value) for v in changes.values())  # no echo of the plant
    finally:
        (own_state_dir / "service.json").write_text(json.dumps(original))  # so teardown stops it


@pytest.mark.parametrize("how", ["owner", "mode"])
def test_a_service_json_of_another_owner_or_readable_by_others_is_not_trusted(
    own_state_dir: Path, how: str
) -> None:
    launcher.ensure_running(own_state_dir)
    path = own_state_dir / "service.json"
    if how == "owner":
        os.chown(path, NOBODY, -1)
    else:
        os.chmod(path, 0o644)
    try:
        with pytest.raises(launcher.SandboxError, match=r"service\.json"):
            launcher.status(own_state_dir)
    finally:
        os.chown(path, os.geteuid(), -1)
        os.chmod(path, 0o600)


# -- reset and broken files -------------------------------------------------------------------------


def test_reset_removes_the_client_token_cache_of_that_sandbox(own_state_dir: Path) -> None:
    """A sandbox profile keeps its tokens in ``<state dir>/client-token-cache/`` (``Profile.cache_path``);
    after a reset they were signed by a wiped key, so ``silent()`` must not serve them."""
    launcher.ensure_running(own_state_dir)
    cache = own_state_dir / "client-token-cache" / "token-cache.json"
    cache.parent.mkdir(mode=0o700)
    cache.write_text('{"AccessToken": {"k": {"secret": "eyJ.signed.by-the-old-key"}}}')
    launcher.reset(own_state_dir)
    assert not cache.exists()


def _start_stop(state_dir: Path) -> None:
    launcher.ensure_running(state_dir)
    launcher.stop(state_dir)


@pytest.mark.parametrize("name", ["ca/ca.pem", "ca/server.pem", "keys/signing-1.key.pem"])
def test_a_garbage_pem_is_named(own_state_dir: Path, name: str) -> None:
    _start_stop(own_state_dir)
    (own_state_dir / name).write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n")
    if name == "ca/server.pem":  # a server certificate is ours to remake: no error, a new one
        launcher.ensure_running(own_state_dir)
        assert b"not base64" not in (own_state_dir / name).read_bytes()
        return
    with pytest.raises(launcher.SandboxError) as refused:
        launcher.ensure_running(own_state_dir)
    assert str(own_state_dir / name) in str(refused.value)


def test_a_corrupt_tenant_database_says_to_run_reset(own_state_dir: Path) -> None:
    _start_stop(own_state_dir)
    for suffix in ("-wal", "-shm"):
        (own_state_dir / f"tenant.db{suffix}").unlink(missing_ok=True)
    (own_state_dir / "tenant.db").write_bytes(b"this is not an SQLite file" * 100)
    with pytest.raises(launcher.SandboxError) as refused:
        launcher.ensure_running(own_state_dir)
    assert "tenant.db" in str(refused.value) and "reset" in str(refused.value)
    launcher.reset(own_state_dir)  # and reset does mend it
    assert launcher.status(own_state_dir) is not None


def test_a_deleted_ca_key_is_an_error_not_a_silent_new_ca(own_state_dir: Path) -> None:
    _start_stop(own_state_dir)
    ca_pem = (own_state_dir / "ca" / "ca.pem").read_bytes()
    (own_state_dir / "ca" / "ca-key.pem").unlink()
    with pytest.raises(launcher.SandboxError) as refused:
        launcher.ensure_running(own_state_dir)
    assert "ca-key.pem" in str(refused.value) and "missing" in str(refused.value)
    assert (own_state_dir / "ca" / "ca.pem").read_bytes() == ca_pem
    assert not (own_state_dir / "ca" / "ca-key.pem").exists()


def test_after_a_reset_a_new_profile_gets_a_token_signed_by_the_new_key(own_state_dir, monkeypatch):
    """The whole way round: a cached app-only token from before ``reset`` is not served afterwards, and a
    signed-in user's tokens are gone with the cache file."""
    import warnings

    from grooper_nb import client_credentials, connect, inspect_token, ropc
    from grooper_nb.auth.cache import accounts

    monkeypatch.delenv("GROOPER_NB_TOKEN_CACHE", raising=False)  # the sandbox's own cache, as a person has
    exchange = "https://outlook.office365.com/.default"
    before = client_credentials(connect("Grooper Server-to-Server", sandbox_dir=own_state_dir), exchange)
    bootstrap = connect("Grooper NB Bootstrap", sandbox_dir=own_state_dir)
    user = bootstrap.sandbox_user()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ROPC's deprecation warning: the quickest way to sign a user in
        ropc(bootstrap, user["upn"], user["password"], ["User.Read"])
    assert accounts(bootstrap)
    launcher.reset(own_state_dir)
    assert accounts(connect("Grooper NB Bootstrap", sandbox_dir=own_state_dir)) == []
    profile = connect("Grooper Server-to-Server", sandbox_dir=own_state_dir)
    after = client_credentials(profile, exchange)
    assert after.source != "cache"
    report = inspect_token(after, profile)
    assert report.validation.signature_verified, report.validation
    assert inspect_token(before, profile).validation.signature_verified is False
