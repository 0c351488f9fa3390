"""
The packages keep to their seams: read from the imports, not taken on trust.

The chat's rules (``twisted_chat.core``) must run without a reactor, a front
end or a storage backend, so that a new front end, hub or store changes
nothing in them.  The README's layout names every module the tree holds.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "twisted_chat"

#: What the chat's rules may never import, even for a type: front ends, sessions, the
#: hub, backends, and what wires them together.
FORBIDDEN = ("twisted_chat.telnet", "twisted_chat.web", "twisted_chat.gui",
             "twisted_chat.store.sqlite", "twisted_chat.store.postgresql",
             "twisted_chat.store.accounts", "twisted_chat.session", "twisted_chat.hub",
             "twisted_chat.tap", "twisted_chat.service", "twisted_chat.listeners")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> tuple[list[str], list[str]]:
    """The modules ``path`` imports when it runs, and those it imports only for type checking."""
    tree = ast.parse(path.read_text(), str(path))
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" \
        else module_name(path)
    running: list[str] = []
    typing: list[str] = []

    def visit(node: ast.AST, into: list[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test) in (
                    "TYPE_CHECKING", "typing.TYPE_CHECKING"):
                for statement in child.body:
                    visit_statement(statement, typing)
                for statement in child.orelse:
                    visit_statement(statement, into)
                continue
            visit_statement(child, into)

    def visit_statement(node: ast.AST, into: list[str]) -> None:
        if isinstance(node, ast.Import):
            into.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            into.append(base)
            into.extend(f"{base}.{alias.name}" for alias in node.names)
        else:
            visit(node, into)

    visit(tree, running)
    return running, typing


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


CORE = sorted((PACKAGE / "core").glob("*.py"))


@pytest.mark.parametrize("path", CORE, ids=lambda path: path.name)
def test_core_imports_no_reactor_front_end_or_backend(path: Path) -> None:
    """
    A module of the rules imports nothing from twisted.internet when it runs
    (a Deferred is only ever a type there), and no front end, session, hub
    or storage backend at all.
    """
    running, typing = imports(path)
    assert [name for name in running if within(name, ("twisted.internet",))] == []
    assert [name for name in running + typing if within(name, FORBIDDEN)] == []


def test_the_import_reader_sees_what_it_must() -> None:
    """The reader finds imports in functions, and tells type-only ones apart."""
    running, typing = imports(PACKAGE / "tap.py")
    assert "twisted.internet.reactor" in running  # imported inside a function
    running, typing = imports(PACKAGE / "core" / "chat.py")
    assert "twisted.internet.defer.Deferred" in typing
    assert "twisted.internet.defer.Deferred" not in running


def test_core_runs_without_the_reactor_side() -> None:
    """Importing every module of the rules loads no twisted.internet module at all."""
    names = [module_name(path) for path in CORE]
    script = ("import sys\n" + "".join(f"import {name}\n" for name in names)
              + "print(sorted(m for m in sys.modules if m.startswith('twisted.internet')))")
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, cwd=ROOT)
    assert found.stdout.strip() == "[]"


def test_no_test_imports_a_helper_by_a_second_name() -> None:
    """One import root: helpers load once, as tests.*, never as bare harness or conftest."""
    bare = []
    for path in (ROOT / "tests").rglob("*.py"):
        running, typing = imports(path)
        bare += [f"{path.name}: {name}" for name in running + typing
                 if name.split(".")[0] in ("harness", "conftest", "processes", "fakes")]
    assert bare == []


def test_readme_layout_names_every_module() -> None:
    """README.rst's layout has one line for each package and module of the tree."""
    readme = (ROOT / "README.rst").read_text()
    layout = readme.split("\nLayout\n", 1)[1].split("\n\n", 2)[1:]
    listed = "\n".join(layout)
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.name == "__main__.py":
            continue
        entry = f"{relative.parent}/" if relative.name == "__init__.py" else relative.name
        if relative.name == "__init__.py" and relative.parent == Path("."):
            continue
        if entry not in listed:
            missing.append(str(relative))
    assert missing == []
