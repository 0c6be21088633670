"""The layer rule of docs/architecture.md: a module imports only from its own group or from below.

Layers, lowest first. Groups in the same layer are independent of each other (batch, practice,
consults and the authoring tools never borrow from one another), so each can change alone.
Every import counts, lazy and type-only ones included (the graph of `test_import_graph`).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_import_graph import PACKAGE, import_graph

LAYERS: list[tuple[str, frozenset[str]]] = [
    ("words", frozenset({"_version", "i18n", "exit_codes"})),
    ("process", frozenset({"errors", "environment", "memo"})),
    ("contract", frozenset({"contract"})),
    ("files", frozenset({"files"})),
    ("fhir", frozenset({"fhir"})),
    ("intake", frozenset({"intake"})),
    ("knowledge", frozenset({"pathway"})),
    ("engine", frozenset({"engine"})),
    ("library", frozenset({"api", "schemas", "walk"})),
    ("package", frozenset({"ntrk_advisor"})),
    ("outputs", frozenset({"render"})),
    ("interaction", frozenset({"prompting"})),
    ("flows", frozenset({"consultation", "batch", "practice", "authoring"})),
    ("service", frozenset({"service"})),
    ("cli", frozenset({"cli"})),
    ("entry", frozenset({"__main__"})),
]
ARCHITECTURE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def group_of(module: str) -> str:
    """`ntrk_advisor.pathway.tree` -> `pathway`; the package itself is `ntrk_advisor`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def layer_of(group: str) -> int:
    for level, (_, groups) in enumerate(LAYERS):
        if group in groups:
            return level
    raise AssertionError(f"{group} is in no layer: add it to LAYERS and to docs/architecture.md")


def test_every_group_of_the_package_has_a_layer() -> None:
    for module in import_graph(PACKAGE):
        layer_of(group_of(module))


def test_no_module_imports_from_a_higher_layer_or_a_neighbour() -> None:
    wrong = []
    for module, imported in import_graph(PACKAGE).items():
        here = group_of(module)
        for target in imported:
            there = group_of(target)
            if there != here and layer_of(there) >= layer_of(here):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_the_engine_does_no_io_and_loads_nothing() -> None:
    source = (PACKAGE / "engine.py").read_text(encoding="utf-8")
    for name in (
        "open(",
        "import os",
        "pathlib",
        "default_knowledge_base",
        "load_knowledge_base",
        "compiled_cache",
        "ntrk_advisor.files",
        "sys.std",
    ):
        assert name not in source, name


def test_the_architecture_page_states_the_same_layers() -> None:
    page = ARCHITECTURE.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| ([a-z]+) \| ([^|]+) \|", page, flags=re.MULTILINE)
    stated = [(name, frozenset(re.findall(r"`([\w_]+)`", groups))) for _, name, groups in rows]
    assert stated == LAYERS
