"""The registration package is pure client code over the catalogue: it imports no flow, token, widget or
sandbox module, so a plan is built with no tenant and no network."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "grooper_nb" / "registration"
FORBIDDEN = (
    "grooper_nb.auth",
    "grooper_nb.tokens",
    "grooper_nb.widgets",
    "grooper_nb.sandbox",
    "grooper_nb.profile",
)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted(ROOT.glob("*.py")), ids=lambda p: p.name)
def test_registration_imports_only_the_catalogue_and_foundations(path):
    bad = [n for n in _imports(path) if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]
    assert bad == []
