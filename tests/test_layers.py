"""Which way imports point (docs/architecture.md), checked on the source so a wrong import fails here.

The client and the sandbox are two implementations of the same protocols that meet only on the wire;
widgets sit on top and nothing below imports them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "grooper_nb"
SANDBOX = PACKAGE / "sandbox"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every grooper_nb module ``path`` imports, at module level or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {name for name in found if name == "grooper_nb" or name.startswith("grooper_nb.")}


def _sources(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


CLIENT = [p for p in _sources(PACKAGE) if SANDBOX not in p.parents]


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("path", _sources(SANDBOX), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_sandbox_imports_nothing_from_the_client(path):
    foreign = sorted(n for n in _imports(path) if n != "grooper_nb" and not _under(n, "grooper_nb.sandbox"))
    assert foreign == [], f"{path.name} imports client code; the sandbox must speak only the wire"


@pytest.mark.parametrize("path", CLIENT, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_client_reaches_the_sandbox_only_through_the_launcher_in_connect(path):
    used = sorted(n for n in _imports(path) if _under(n, "grooper_nb.sandbox"))
    allowed = {
        "grooper_nb.sandbox.launcher",
        "grooper_nb.sandbox.launcher.ensure_running",
        "grooper_nb.sandbox.launcher.CLIENT_TOKEN_CACHE_DIR",
    }
    if path.name == "profile.py" and path.parent == PACKAGE:
        assert set(used) <= allowed
    else:
        assert used == [], f"{path.name} imports the sandbox; go over HTTPS through the profile instead"


@pytest.mark.parametrize(
    "path", [p for p in CLIENT if PACKAGE / "widgets" not in p.parents and p != PACKAGE / "__init__.py"],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)  # fmt: skip
def test_nothing_below_the_widgets_imports_them(path):
    assert not [n for n in _imports(path) if _under(n, "grooper_nb.widgets")]


@pytest.mark.parametrize("name", ["errors", "http", "connections"])
def test_the_foundations_know_nothing_of_flows_tokens_or_widgets(name):
    root = PACKAGE / name
    paths = _sources(root) if root.is_dir() else [root.with_suffix(".py")]
    above = ("grooper_nb.auth", "grooper_nb.tokens", "grooper_nb.widgets", "grooper_nb.runbook")
    for path in paths:
        assert not [n for n in _imports(path) if any(_under(n, a) for a in above)], path.name


# Identity-host routes: only sandbox/login/ may spell them; the browser listener mounts what it exports.
IDENTITY_ROUTES = re.compile(
    r"oauth2/|/devicelogin|discovery/instance|/userrealm|/adminconsent|openid-configuration|/kerberos|/saml2",
    re.IGNORECASE,
)


@pytest.mark.parametrize(
    "path",
    [p for p in _sources(SANDBOX) if SANDBOX / "login" not in p.parents],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_no_sandbox_module_outside_login_knows_an_identity_route(path):
    hits = [
        line.strip() for line in path.read_text(encoding="utf-8").splitlines() if IDENTITY_ROUTES.search(line)
    ]
    assert hits == []


def test_the_import_scan_sees_imports():
    """The scan itself: a module known to import the launcher and another known to import errors."""
    assert "grooper_nb.sandbox.launcher" in _imports(PACKAGE / "profile.py")
    assert any(_under(n, "grooper_nb.errors") for n in _imports(PACKAGE / "auth" / "_msal.py"))
    assert "grooper_nb.sandbox.store" in _imports(SANDBOX / "process.py") | _imports(SANDBOX / "launcher.py")
