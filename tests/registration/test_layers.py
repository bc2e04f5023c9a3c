"""Which way the registration package imports.

The plan half (permissions, requirements, plan, commands) is pure client code over the catalogue: it
imports no flow, token, widget or sandbox module, so a plan is built with no tenant and no network. The
tenant half (graph, consent, create, audit, certificate) signs in through the profile's flows; it still
never imports widgets or the sandbox.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "grooper_nb" / "registration"
PURE = ("__init__.py", "permissions.py", "requirements.py", "plan.py", "commands.py")
FORBIDDEN = (
    "grooper_nb.auth",
    "grooper_nb.tokens",
    "grooper_nb.widgets",
    "grooper_nb.sandbox",
    "grooper_nb.profile",
)
NEVER = ("grooper_nb.widgets", "grooper_nb.sandbox")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == f or name.startswith(f + ".") for f in prefixes)


@pytest.mark.parametrize("name", PURE)
def test_the_plan_imports_only_the_catalogue_and_foundations(name):
    assert [n for n in _imports(ROOT / name) if _under(n, FORBIDDEN)] == []


@pytest.mark.parametrize("path", sorted(ROOT.glob("*.py")), ids=lambda p: p.name)
def test_no_registration_module_imports_widgets_or_the_sandbox(path):
    assert [n for n in _imports(path) if _under(n, NEVER)] == []


def test_the_package_loads_no_flow_until_the_tenant_is_reached():
    import subprocess
    import sys

    code = "import sys, grooper_nb.registration; print('grooper_nb.auth.flows' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
