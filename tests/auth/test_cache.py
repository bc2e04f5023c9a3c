"""The persistent token cache: private file, accounts without tokens, clear, reuse by a second process."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from grooper_nb.auth import cache as token_cache
from grooper_nb.auth import flows
from grooper_nb.profile import connect

REPO = Path(__file__).resolve().parents[2]
EWS = "https://outlook.office365.com/EWS.AccessAsUser.All"
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def sign_in(profile, user) -> flows.TokenResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flows.RopcWarning)
        return flows.ropc(profile, user["upn"], user["password"], [EWS])


@posix_only
def test_cache_file_is_created_0600_in_a_0700_directory(tmp_path, sandbox, plain_user):
    path = tmp_path / "new-dir" / "cache.json"
    profile = connect(token_cache=path)
    sign_in(profile, plain_user)
    assert path.exists()
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert not list(path.parent.glob(".token-cache-*"))  # the atomic-write temp file is gone


@posix_only
def test_a_cache_file_readable_by_others_is_tightened_with_a_warning(tmp_path):
    path = tmp_path / "cache.json"
    path.write_text("{}")
    os.chmod(path, 0o644)
    with pytest.warns(UserWarning, match="tightened to 0600"):
        token_cache.PersistentTokenCache(path)
    assert mode(path) == 0o600


def test_accounts_lists_who_signed_in_without_any_token(tmp_path, sandbox, plain_user):
    path = tmp_path / "cache.json"
    result = sign_in(connect(token_cache=path), plain_user)
    rows = token_cache.accounts(path)
    assert token_cache.accounts(connect(token_cache=path)) == rows  # a profile names its own file
    assert [r["username"] for r in rows] == [plain_user["upn"]]
    assert rows[0]["has_refresh_token"] is True
    assert EWS in rows[0]["scopes"]
    text = repr(rows) + token_cache.accounts(path, as_frame=True).to_string()
    assert result.access_token.reveal() not in text
    assert result.refresh_token.reveal() not in text


def test_clear_forgets_everything_and_keeps_the_file_private(tmp_path, sandbox, plain_user):
    path = tmp_path / "cache.json"
    profile = connect(token_cache=path)
    sign_in(profile, plain_user)
    token_cache.clear(path)
    assert token_cache.accounts(path) == []
    if os.name == "posix":
        assert mode(path) == 0o600
    with pytest.raises(flows.AuthError) as info:
        flows.silent(profile, [EWS])
    assert info.value.error == "no_cached_token"


SECOND_PROCESS = """
import json, sys
from grooper_nb.profile import connect
from grooper_nb.auth import flows
profile = connect(token_cache=sys.argv[1])
result = flows.silent(profile, [sys.argv[2]])
print(json.dumps({"flow": result.flow, "source": result.source, "user": result.username,
                  "aud": result.audience}))
"""


def test_a_second_process_reuses_the_cache_silently(tmp_path, sandbox, plain_user):
    path = tmp_path / "cache.json"
    first = sign_in(connect(token_cache=path), plain_user)
    proc = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, str(path), EWS],
        capture_output=True, text=True, timeout=120, cwd=REPO, env=dict(os.environ), check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out == {
        "flow": "silent",
        "source": "cache",
        "user": plain_user["upn"],
        "aud": "https://outlook.office365.com",
    }
    assert first.access_token.reveal() not in proc.stdout + proc.stderr


def test_refresh_in_another_process_is_seen_here(tmp_path, sandbox, plain_user):
    """Kernel A signs in, kernel B refreshes (new tokens written), kernel A then reads B's tokens."""
    path = tmp_path / "cache.json"
    profile = connect(token_cache=path)
    sign_in(profile, plain_user)
    code = SECOND_PROCESS.replace("[sys.argv[2]])", "[sys.argv[2]], force_refresh=True)")
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path), EWS],
        capture_output=True, text=True, timeout=120, cwd=REPO, env=dict(os.environ), check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["source"] == "identity_provider"
    on_disk = json.loads(path.read_text())["AccessToken"]
    again = flows.silent(profile, [EWS])
    assert again.source == "cache"
    assert again.access_token.reveal() in {entry["secret"] for entry in on_disk.values()}


@posix_only
def test_the_default_cache_gets_its_own_0700_directory_inside_a_shared_cache_dir(tmp_path, monkeypatch):
    """~/.cache/grooper-nb is shared with the sandbox and may be 0755; the tokens get a private subdir."""
    monkeypatch.delenv("GROOPER_NB_TOKEN_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    shared = tmp_path / "grooper-nb"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    path = token_cache.default_cache_path()
    assert path.parent == shared / "tokens"
    token_cache.PersistentTokenCache(path).clear()  # writes the (empty) file
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert mode(shared) == 0o755  # not ours alone: left as it is
    os.chmod(path.parent, 0o755)  # e.g. made by an older version or by hand
    token_cache.PersistentTokenCache(path).clear()
    assert mode(path.parent) == 0o700


@posix_only
def test_a_custom_cache_location_in_an_existing_shared_directory_keeps_that_directory(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    token_cache.PersistentTokenCache(shared / "cache.json").clear()
    assert mode(shared) == 0o755 and mode(shared / "cache.json") == 0o600


def test_a_sandbox_profile_keeps_its_tokens_in_its_state_dir(sandbox, plain_user):
    profile = connect()
    state_dir = Path(sandbox["state_dir"])
    assert profile.cache_path.is_relative_to(state_dir)
    sign_in(profile, plain_user)
    assert profile.cache_path.exists()
    if os.name == "posix":
        assert mode(profile.cache_path) == 0o600 and mode(profile.cache_path.parent) == 0o700
    real = connect(
        tenant=sandbox["tenant"]["domain"],
        client_id=sandbox["apps"][0]["client_id"],
        sandbox=False,
        env_file=False,
    )
    assert not real.cache_path.is_relative_to(state_dir)


def test_the_token_cache_location_is_read_from_a_dotenv_file(tmp_path, monkeypatch):
    monkeypatch.delenv("GROOPER_NB_TOKEN_CACHE", raising=False)
    for key in [k for k in os.environ if k.startswith("GROOPER_NB_") and k != "GROOPER_NB_SANDBOX_DIR"]:
        monkeypatch.delenv(key)
    env_file = tmp_path / ".env"
    env_file.write_text(
        "GROOPER_NB_TENANT=contoso.onmicrosoft.com\n"
        "GROOPER_NB_CLIENT_ID=11111111-2222-3333-4444-555555555555\n"
        f"GROOPER_NB_TOKEN_CACHE={tmp_path / 'tokens' / 'cache.json'}\n"
    )
    assert connect(env_file=env_file).cache_path == tmp_path / "tokens" / "cache.json"
