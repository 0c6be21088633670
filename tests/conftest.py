from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ntrk_advisor.cli.app import main
from ntrk_advisor.pathway.knowledge import KnowledgeBase, builtin_source, load_knowledge_base
from tests.browser import HOW_TO_RUN, REQUIRE_BROWSER, browser_on_this_machine

PROJECT = Path(__file__).resolve().parent.parent
RESULT_KEYS = (  # the result's keys in the contract's order (docs/contract.md), written from the spec
    "schema_version",
    "case_id",
    "status",
    "age_group",
    "age_band",  # additive: the knowledge's age band (docs/contract.md)
    "pathway",
    "actions",
    "cautions",
    "missing",
    "unused_answers",
    "errors",
    "trace",
    "knowledge",
)


def pytest_configure(config: pytest.Config) -> None:
    """Keep the suite's compiled-knowledge cache away from the user's own cache folder."""
    import tempfile

    os.environ.setdefault("NTRK_ADVISOR_CACHE", tempfile.mkdtemp(prefix="ntrk-advisor-test-cache-"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the browser tests out on a machine that cannot run them (CI requires them instead)."""
    if os.environ.get(REQUIRE_BROWSER) == "1" or not browser_on_this_machine()[1]:
        return
    left_out = [item for item in items if item.get_closest_marker("browser")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("browser")]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The one line that says why the browser tests did not run here, and how to run them."""
    missing = "" if os.environ.get(REQUIRE_BROWSER) == "1" else browser_on_this_machine()[1]
    if missing:
        terminalreporter.write_line(f"browser tests left out ({missing}): {HOW_TO_RUN}")


EXAMPLES = PROJECT / "examples" / "cases.jsonl"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="session")
def example_cases() -> dict[str, dict[str, Any]]:
    cases = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line]
    return {c["id"]: c for c in cases}


@pytest.fixture
def pathways_copy(tmp_path: Path) -> Path:
    """A writable copy of the built-in pathway modules, to break on purpose."""
    target = tmp_path / "pathways"
    shutil.copytree(str(builtin_source()), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


def run_main(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> CliRun:
    """`ntrk-advisor ARGS` in this process, with stdin, stdout, stderr and variables of its own."""
    import sys

    with CliRunner().isolation(input=input, env=env) as (stdout, stderr, _):
        code = main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return CliRun(code, stdout.getvalue().decode("utf-8"), stderr.getvalue().decode("utf-8"))


@pytest.fixture
def run_cli() -> Callable[..., CliRun]:
    """Run the CLI in-process through its real entry point (`cli/app.main`, so the edge decides
    every exit code and message) and capture its streams. Non-interactive paths only."""
    return run_main
