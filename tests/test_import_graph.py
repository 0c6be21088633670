"""The package has no import cycle: a newcomer can read any module after the ones it names.

Every import statement counts, including those inside functions and under `TYPE_CHECKING`: a
lazy import hides a cycle from Python at start-up but not from a reader, and a type-only import
still ties two modules together. The graph is read from the source with `ast`, so nothing is
imported or executed to build it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ntrk_advisor"


def module_names(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package (packages by `__init__`)."""
    names: dict[str, Path] = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        dotted = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        names[dotted] = path
    return names


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's own modules that `name` imports, anywhere in its source."""
    is_package = path.name == "__init__.py"
    here = name if is_package else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in known else target)
    return {m for m in found if m in known and m != name}


def import_graph(package: Path) -> dict[str, set[str]]:
    known = module_names(package)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(import_graph(PACKAGE)) == []


def test_the_graph_sees_the_package_it_checks() -> None:
    graph = import_graph(PACKAGE)
    assert "ntrk_advisor.pathway.knowledge" in graph
    assert "ntrk_advisor.pathway.compiled" in graph["ntrk_advisor.pathway.knowledge"]


@pytest.mark.parametrize(
    "import_line",
    [
        "from pkg import a",
        "from . import a",
        "import pkg.a",
        "def later():\n    from pkg.a import thing\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import thing\n",
    ],
    ids=["absolute", "relative", "plain-import", "inside-a-function", "type-checking-only"],
)
def test_a_planted_cycle_is_found_however_it_is_imported(tmp_path: Path, import_line: str) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import thing\n")
    (package / "b.py").write_text(import_line + "\nthing = 1\n")
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.b"]]


def test_a_chain_without_a_way_back_is_not_a_cycle(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("from pkg.c import thing\n")
    (package / "c.py").write_text("thing = 1\n")
    assert cycles(import_graph(package)) == []
