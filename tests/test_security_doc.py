"""docs/security.md names, for each promise, the tests that keep it: every one it names exists.

A renamed or deleted test would otherwise leave a promise standing with nothing behind it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PAGE = PROJECT / "docs" / "security.md"


def suite_functions() -> dict[str, set[str]]:
    """Every test function of the suite, by file (relative to the project)."""
    found: dict[str, set[str]] = {}
    for path in sorted((PROJECT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
        }
        found[path.relative_to(PROJECT).as_posix()] = names
    return found


def test_every_file_and_test_the_security_page_names_exists() -> None:
    functions = suite_functions()
    every_test = set().union(*functions.values())
    text = PAGE.read_text(encoding="utf-8")
    missing = []
    for file, name in re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?", text):
        if file not in functions and not (PROJECT / file).exists():
            missing.append(file)
        elif name and name not in functions.get(file, set()):
            missing.append(f"{file}::{name}")
    for name in re.findall(r"`(test_\w+)", text):
        if name not in every_test:
            missing.append(name)
    assert missing == []


def test_the_check_sees_a_test_that_does_not_exist() -> None:
    functions = suite_functions()
    assert (
        "test_every_file_and_test_the_security_page_names_exists" in functions["tests/test_security_doc.py"]
    )
    assert "test_no_such_promise_kept" not in set().union(*functions.values())
