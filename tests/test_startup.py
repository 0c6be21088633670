"""Fast start by rule: `--version` and `--help` never load pydantic, YAML or questionary. Once the
knowledge is cached, a non-interactive consult in any format and a batch load none of them
either, and the machine-readable runs do not load rich."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import loaded_modules

HEAVY = (
    "pydantic",
    "yaml",
    "questionary",
    "prompt_toolkit",
    "ntrk_advisor.contract.case",
    "ntrk_advisor.engine",
)


def test_importing_the_cli_module_loads_no_heavy_module() -> None:
    code = f"import sys, ntrk_advisor.cli.app; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("consult", "--help"), ("batch", "--help")])
def test_version_and_help_load_no_heavy_module(args: tuple[str, ...]) -> None:
    modules = loaded_modules(*args)
    assert "ntrk_advisor" in modules or args == ("--version",)
    assert (
        sorted(
            m
            for m in modules
            if m.split(".")[0] in {"pydantic", "yaml", "questionary", "prompt_toolkit"} or m in HEAVY
        )
        == []
    )


COMMAND_MODULES = (
    "ntrk_advisor.cli.consult",
    "ntrk_advisor.cli.batch",
    "ntrk_advisor.cli.pathways",
    "ntrk_advisor.cli.practice",
    "ntrk_advisor.cli.practice_records",
    "ntrk_advisor.cli.info",
    "ntrk_advisor.cli.import_fhir",
    "ntrk_advisor.cli.serve",
)


def test_the_root_help_lists_every_command_so_builds_them_all() -> None:
    modules = loaded_modules("--help")
    assert sorted(m for m in COMMAND_MODULES if m not in modules) == []


def test_version_does_not_even_load_typer() -> None:
    assert not any(m.startswith("typer") for m in loaded_modules("--version"))


CASE = {
    "age_years": 0.5,
    "fusion_status": "confirmed",
    "setting": "locally_advanced",
    "treatment_phase": "naive",
    "emergency": [],
    "tumor_category": "infantile_fibrosarcoma",
}
CACHED_RUNS = {
    "consult json": ("consult", "--case", "{case}", "--no-input", "--format", "json"),
    "consult json zh": ("consult", "--case", "{case}", "--no-input", "--format", "json", "--lang", "zh"),
    "batch jsonl": ("batch", "{case}", "--format", "jsonl", "--quiet", "--no-progress"),
    "consult screen": ("consult", "--case", "{case}", "--no-input"),
    "consult markdown zh": (
        "consult",
        "--case",
        "{case}",
        "--no-input",
        "--format",
        "markdown",
        "--lang",
        "zh",
    ),
}


@pytest.mark.parametrize("run", sorted(CACHED_RUNS))
def test_runs_without_questions_on_cached_knowledge_load_no_heavy_module(run: str, tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE), encoding="utf-8")
    env = {**os.environ, "NTRK_ADVISOR_CACHE": str(tmp_path / "cache")}
    env.pop("NTRK_ADVISOR_NO_CACHE", None)
    args = [a.format(case=case) for a in CACHED_RUNS[run]]
    first = loaded_modules(*args, env=env)  # builds and caches the knowledge
    assert "yaml" in first and "pydantic" in first
    modules = loaded_modules(*args, env=env)
    heavy = {"pydantic", "pydantic_core", "yaml", "questionary", "prompt_toolkit"}
    if "json" in run:
        heavy.add("rich")
    assert sorted(m for m in modules if m.split(".")[0] in heavy) == []
    assert "ntrk_advisor.engine" in modules
    # cli/lazy_group.py: only the command that runs is built, so no other command's module is loaded
    assert [m for m in COMMAND_MODULES if m in modules] == [f"ntrk_advisor.cli.{args[0]}"]
