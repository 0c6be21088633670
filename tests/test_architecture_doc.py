"""docs/architecture.md describes the package as it is: every module mapped, every path real.

A newcomer reads this page first; a page that names a module that no longer exists, or leaves a
new one out, sends them searching. These tests tie the page to the tree so it cannot drift.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ntrk_advisor"
PAGE = ROOT / "docs" / "architecture.md"


def package_modules() -> set[str]:
    """Every module file, as a path relative to the package (top-level `__init__.py` included)."""
    modules = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")}
    return {m for m in modules if m == "__init__.py" or not m.endswith("/__init__.py")}


def module_map_rows(text: str) -> set[str]:
    """The first cell of each row of the page's module map."""
    section = text.split("## Module map", 1)[1]
    return set(re.findall(r"^\| `([^`]+\.py)` \|", section, flags=re.MULTILINE))


def test_the_module_map_names_every_module_and_nothing_else() -> None:
    mapped = module_map_rows(PAGE.read_text(encoding="utf-8"))
    modules = package_modules()
    assert sorted(modules - mapped) == [], "modules missing from docs/architecture.md's module map"
    assert sorted(mapped - modules) == [], "the module map names modules that do not exist"


def test_every_python_path_the_page_names_exists() -> None:
    named = set(re.findall(r"`([\w/]+\.py)`", PAGE.read_text(encoding="utf-8")))
    missing = sorted(n for n in named if not (PACKAGE / n).exists() and not (ROOT / n).exists())
    assert missing == []


def test_the_module_map_reader_sees_rows_and_ignores_other_tables() -> None:
    text = "| layer | `engine.py` |\n## Module map\n| module | job |\n|---|---|\n| `a/b.py` | x |\n"
    assert module_map_rows(text) == {"a/b.py"}
