"""The prose of docs/architecture.md, checked against the source: each claim a test can read is read.

A design point that is only written down drifts the first time someone is in a hurry. Each test
here parses the package with `ast` (so a word in a comment or a string never counts, and a call
spelt across lines always does) and names every offending `file:line`.
"""

from __future__ import annotations

import ast
import functools
import sys
from collections.abc import Callable, Iterator, Set
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ntrk_advisor"

STREAMS = {"stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__"}
STREAM_OWNERS = {
    "cli/edge.py",  # the error boundary writes its one line on stderr
    "cli/entry.py",  # the console script, before any environment exists (a closed stream, --version)
    "environment.py",  # reads the process's streams once per command
    "service/logs.py",  # the service's JSON log lines: the worker process's stderr, named in the
    # logging configuration uvicorn hands to every worker it starts (data, so no stream object)
}
ENDERS = {"cli/edge.py", "__main__.py"}  # `__main__` hands the code to the interpreter, nothing more
CLOCK_OWNER = {"environment.py"}
CALENDAR_READERS = {"today", "now", "utcnow"}
TIME_READERS = {"localtime", "gmtime", "ctime", "strftime", "asctime"}


@functools.cache
def sources() -> dict[str, ast.Module]:
    """Every module of the package, parsed, by its path relative to the package."""
    return {
        p.relative_to(PACKAGE).as_posix(): ast.parse(p.read_text(encoding="utf-8"), filename=str(p))
        for p in sorted(PACKAGE.rglob("*.py"))
    }


def dotted(node: ast.expr) -> str:
    """`sys.stdout` for the expression `sys.stdout`, `dt.datetime.now` for that chain; else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def offending(check: Callable[[ast.AST], bool], allowed: Set[str] = frozenset()) -> list[str]:
    """`file:line` of every node `check` accepts, outside the modules `allowed`."""
    return [
        f"{name}:{getattr(node, 'lineno', 0)}"
        for name, tree in sources().items()
        if name not in allowed
        for node in ast.walk(tree)
        if check(node)
    ]


def uses_a_standard_stream(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and dotted(node) in {f"sys.{s}" for s in STREAMS}:
        return True
    if isinstance(node, ast.ImportFrom) and node.module == "sys":
        return any(alias.name in STREAMS for alias in node.names)
    return (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("ext://sys.")
    )


def reads_the_calendar(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = dotted(node.func)
    owner, _, attr = name.rpartition(".")
    if attr in CALENDAR_READERS and owner.split(".")[-1] in {"date", "datetime"}:
        return True
    return owner == "time" and attr in TIME_READERS


def ends_the_process(node: ast.AST) -> bool:
    if isinstance(node, (ast.Attribute, ast.Name)) and dotted(node) in {"sys.exit", "os._exit", "SystemExit"}:
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"exit", "quit"}


def prints(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"


def keeps_process_wide_state(node: ast.AST) -> bool:
    """A `global` statement, or an assignment to an attribute of an imported module of the package."""
    return isinstance(node, ast.Global)


def module_attribute_assignments(tree: ast.Module) -> Iterator[ast.Attribute]:
    """Assignments like `edge.DEBUG = x`, where `edge` names a module of the package."""
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ntrk_advisor"):
            folder = PACKAGE.joinpath(*(node.module or "").split(".")[1:])
            modules |= {
                a.asname or a.name
                for a in node.names
                if (folder / f"{a.name}.py").exists() or (folder / a.name).is_dir()
            }
        elif isinstance(node, ast.Import):
            modules |= {
                a.asname or a.name.split(".")[0] for a in node.names if a.name.startswith("ntrk_advisor")
            }
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in modules
                ):
                    yield target


def test_only_the_edge_the_entry_and_the_environment_touch_the_standard_streams() -> None:
    # docs/architecture.md, "One environment": every stream is the Environment's
    assert offending(uses_a_standard_stream, STREAM_OWNERS) == []


def test_only_the_environment_reads_the_calendar() -> None:
    # docs/architecture.md, "One clock": `Environment.today` and the clocks it hands out
    assert offending(reads_the_calendar, CLOCK_OWNER) == []


def test_only_the_boundary_ends_the_process() -> None:
    # docs/architecture.md, "Errors at the edge": nothing else calls `sys.exit` or raises `SystemExit`
    assert offending(ends_the_process, ENDERS) == []


def test_the_package_never_prints() -> None:
    # every line goes to a stream the Environment names, through a writer or a rich console
    assert offending(prints) == []


def test_no_process_wide_setting_is_kept_between_runs() -> None:
    # docs/architecture.md, "A pure engine": no module rebinds a global or another module's name
    assert offending(keeps_process_wide_state) == []
    rebound = [
        f"{name}:{node.lineno}"
        for name, tree in sources().items()
        if name != "cli/entry.py"  # the console script may stand in for a closed stdout, once
        for node in module_attribute_assignments(tree)
    ]
    assert rebound == []


LIGHT = {
    "ntrk_advisor._version",
    "ntrk_advisor.i18n",
    "ntrk_advisor.errors",
    "ntrk_advisor.exit_codes",
    "ntrk_advisor.environment",
    "ntrk_advisor.contract.vocabulary",
    "ntrk_advisor.practice.vocabulary",
}


def top_level_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, module) of each import run when the module is imported (not in a function, not type-only)."""
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
            yield node.lineno, node.module or ""


def heavy_top_imports(name: str, tree: ast.Module) -> list[str]:
    allowed = set(sys.stdlib_module_names) | {"typer"}
    return [
        f"{name}:{line}: {module}"
        for line, module in top_level_imports(tree)
        if module.split(".")[0] not in allowed
        and module not in LIGHT
        and not module.startswith("ntrk_advisor.cli")
    ]


def test_the_cli_modules_import_only_typer_the_standard_library_and_light_modules_at_their_top() -> None:
    # docs/architecture.md, "Fast start": each command imports what it needs when it runs
    found = [
        line
        for name, tree in sources().items()
        if name.startswith("cli/")
        for line in heavy_top_imports(name, tree)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("check", "source", "caught"),
    [
        (uses_a_standard_stream, "import sys\nsys.stdout.write('x')\n", True),
        (uses_a_standard_stream, "from sys import stderr\n", True),
        (uses_a_standard_stream, "env.stdout.write('x')\n", False),
        (reads_the_calendar, "import datetime as dt\ndt.datetime.now(dt.timezone.utc)\n", True),
        (reads_the_calendar, "from datetime import date\ndate.today()\n", True),
        (reads_the_calendar, "dt.datetime.fromtimestamp(created)\n", False),
        (ends_the_process, "raise SystemExit(2)\n", True),
        (ends_the_process, "import sys\nsys.exit(1)\n", True),
        (ends_the_process, "raise typer.Exit(2)\n", False),
        (prints, "print('x')\n", True),
        (prints, "console.print('x')\n", False),
        (keeps_process_wide_state, "def f():\n    global DEBUG\n", True),
    ],
)
def test_each_reader_catches_what_it_looks_for_and_nothing_else(
    check: Callable[[ast.AST], bool], source: str, caught: bool
) -> None:
    assert any(check(node) for node in ast.walk(ast.parse(source))) is caught


def test_the_module_attribute_reader_sees_a_rebinding_of_another_module_s_name() -> None:
    tree = ast.parse("from ntrk_advisor.cli import edge\ndef f():\n    edge.DEBUG = True\n    self.x = 1\n")
    assert [dotted(node) for node in module_attribute_assignments(tree)] == ["edge.DEBUG"]


def test_the_light_import_reader_names_a_heavy_module() -> None:
    tree = ast.parse(
        "import typer\nimport json\nfrom rich.table import Table\nfrom ntrk_advisor.engine import decide\n"
    )
    assert heavy_top_imports("cli/x.py", tree) == [
        "cli/x.py:3: rich.table",
        "cli/x.py:4: ntrk_advisor.engine",
    ]
