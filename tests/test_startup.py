"""Fast start by rule: `--version` and `--help` never load pydantic, YAML or questionary."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pydantic", "yaml", "questionary", "prompt_toolkit", "ntrk_advisor.models", "ntrk_advisor.engine")


def loaded_modules(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ntrk_advisor", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }


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


def test_version_does_not_even_load_typer() -> None:
    assert not any(m.startswith("typer") for m in loaded_modules("--version"))
