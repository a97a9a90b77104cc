"""The package's layering, enforced: imports point one way,

    cli → flows → {store, sources, push, etsy, accounts} → domain → errors, clock

with config beside domain, reports at the bottom (pure models), and the sandbox sealed off
(it speaks Etsy's API from etsy-api.md, never from what the client sends). Also: typer, rich
and click only in cli/; SQL only in store/; nothing with I/O in domain/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "etsysync_cli"

LEAVES = {"errors", "clock", "reports", "logs", "__init__"}
# What each part of the package may import from etsysync_cli, besides itself and LEAVES.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "clock": set(),
    "reports": set(),
    "logs": set(),
    "domain": set(),
    "config": {"domain"},
    "etsy": {"domain", "config"},
    "sources": {"domain", "config", "accounts.credentials"},
    "push": {"domain", "config", "etsy"},
    "store": {"domain", "config", "push.items"},
    "accounts": {"domain", "config", "etsy", "store"},
    "flows": {"domain", "config", "etsy", "sources", "push", "store", "accounts"},
    "cli": {"flows", "config", "domain", "demo", "sandbox"},
    "demo": {"flows", "config", "domain", "accounts", "store", "sandbox"},
    "sandbox": set(),
    "docs": {"cli", "config", "sources", "sandbox", "domain"},  # reads the code it documents
    "__main__": {"cli"},
    "__init__": set(),
}
VIEW_LIBRARIES = {"typer", "rich", "click"}
SQL_LIBRARIES = {"sqlite3", "sqlite_utils"}
IO_LIBRARIES = {
    "os",
    "pathlib",
    "io",
    "socket",
    "subprocess",
    "shutil",
    "tempfile",
    "httpx",
    "keyring",
    "platformdirs",
    "tomllib",
    "threading",
    "time",
    *SQL_LIBRARIES,
}


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found.append((parts[0], path))
    return found


def imports(path: Path) -> list[tuple[str, int]]:
    """Every module name imported (anywhere in the file, functions included), with its line."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append((node.module, node.lineno))
            if node.module == "etsysync_cli":
                names += [(f"etsysync_cli.{a.name}", node.lineno) for a in node.names]
    return names


def ours(name: str) -> str | None:
    """`etsysync_cli.store.links` → `store.links`; None for other packages."""
    if name == "etsysync_cli":
        return None
    return name.removeprefix("etsysync_cli.") if name.startswith("etsysync_cli.") else None


def allowed(part: str, target: str) -> bool:
    top = target.split(".")[0]
    if top == part or top in LEAVES or top == "__version__":
        return True
    return any(target == a or target.startswith(a + ".") or top == a for a in ALLOWED[part])


@pytest.mark.parametrize(("part", "path"), modules(), ids=lambda x: str(x))
def test_imports_point_one_way(part: str, path: Path) -> None:
    assert part in ALLOWED, f"{part} is a new part of the package: give it a rule here"
    for name, line in imports(path):
        target = ours(name)
        if target is not None:
            assert allowed(part, target), f"{path.name}:{line}: {part} must not import {target}"
        top = name.split(".")[0]
        if top in VIEW_LIBRARIES:
            assert part in ("cli", "docs"), f"{path.name}:{line}: {top} outside cli/"
        if top in SQL_LIBRARIES:
            assert part == "store", f"{path.name}:{line}: {top} outside store/"
        if part == "domain":
            assert top not in IO_LIBRARIES, f"{path.name}:{line}: domain/ does I/O ({top})"


@pytest.mark.parametrize(("part", "path"), modules(), ids=lambda x: str(x))
def test_sql_is_written_only_in_the_store(part: str, path: Path) -> None:
    if part in ("store", "sandbox"):
        return  # the sandbox has no SQL either: `.execute(` there would be a bug too
    text = path.read_text(encoding="utf-8")
    assert ".execute(" not in text and ".query(" not in text, f"{path.name} runs SQL"


def test_the_rules_catch_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from etsysync_cli.store.db import Store\nimport rich\n")
    found = [ours(name) for name, _ in imports(bad)]
    assert "store.db" in found
    assert not allowed("domain", "store.db") and not allowed("cli", "store")
    assert allowed("flows", "store.links") and allowed("store", "push.items")
    assert not allowed("store", "push.runner")
