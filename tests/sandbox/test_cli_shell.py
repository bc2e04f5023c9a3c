"""The CLI as a person uses it from a shell: ``env`` and the way back (``env --unset``), ``users`` for the
sign-in page, a ``--help`` that lists only what a person runs, and a proxy refusal that says how to leave.
"""

from __future__ import annotations

import os
import socket
import subprocess
from urllib.parse import urlsplit

EXPORTED = ("HTTPS_PROXY", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")


def test_env_unset_gives_the_shell_back(sandbox: dict, sandbox_cli) -> None:
    exports = sandbox_cli("env", "--state-dir", sandbox["state_dir"]).stdout
    unset = sandbox_cli("env", "--unset", "--state-dir", sandbox["state_dir"])
    assert unset.returncode == 0, unset.stderr
    assert unset.stdout.startswith("unset ") and all(name in unset.stdout.split() for name in EXPORTED)
    shell = (
        f'{exports}\necho "set:${{HTTPS_PROXY:+yes}}"\n{unset.stdout}\necho "after:${{HTTPS_PROXY:-none}}"\n'
    )
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    child = subprocess.run(
        ["sh", "-c", shell], env=keep, capture_output=True, text=True, timeout=60, check=False
    )
    assert child.returncode == 0, child.stderr
    assert "set:yes" in child.stdout and "after:none" in child.stdout


def test_users_prints_each_seeded_user_with_the_password_and_no_client_secret(
    sandbox: dict, sandbox_cli
) -> None:
    proc = sandbox_cli("users", "--state-dir", sandbox["state_dir"])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:2] == ["upn", "password"]
    for user in sandbox["users"]:
        assert any(user["upn"] in line and user["password"] in line for line in lines[1:]), user["upn"]
    secrets = [a[k] for a in sandbox["apps"] for k in ("client_secret", "expired_client_secret") if a.get(k)]
    assert secrets and not [s for s in secrets if s in proc.stdout]


def test_help_lists_only_the_commands_a_person_runs(sandbox_cli) -> None:
    proc = sandbox_cli("--help")
    assert proc.returncode == 0
    assert "SUPPRESS" not in proc.stdout and "serve" not in proc.stdout
    assert all(command in proc.stdout for command in ("start", "status", "stop", "reset", "env", "users"))


def test_a_refused_host_hears_which_hosts_are_served_and_how_to_leave(sandbox: dict) -> None:
    proxy = urlsplit(sandbox["proxy"])
    with socket.create_connection((proxy.hostname, proxy.port), timeout=10) as sock:
        sock.sendall(b"CONNECT pypi.org:443 HTTP/1.1\r\nHost: pypi.org:443\r\n\r\n")
        answer = b"".join(iter(lambda: sock.recv(65536), b"")).decode()
    assert answer.startswith("HTTP/1.1 403 ")
    assert "login.microsoftonline.com:443" in answer and "graph.microsoft.com:443" in answer
    assert 'eval "$(python -m grooper_nb.sandbox env --unset)"' in answer
