"""docs/cli.md is the real `--help` of every command, and a test fails when the two drift.

The page is generated, never written by hand: refresh it after a deliberate change with
`NTRK_UPDATE_CLI_DOC=1 pytest tests/test_cli_doc.py` and review the diff. Each help text comes
from the installed entry point in a child process, at a fixed width and without colour, as a user
at a terminal sees it (click wraps help at 80 columns however wide the terminal is).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer

from ntrk_advisor.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "cli.md"
HEADER = (
    "# Command-line reference\n\n"
    "Generated from each command's `--help` (English, no colour); do not edit by hand.\n"
    "`tests/test_cli_doc.py` fails when this page and the tool disagree; refresh it with\n"
    "`NTRK_UPDATE_CLI_DOC=1 .venv/bin/python -m pytest tests/test_cli_doc.py`.\n"
)


def command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand, depth first, in the order `--help` lists them.

    Typer vendors its own click, so groups are recognised by what they do, not by class.
    """
    paths = [prefix]
    if hasattr(command, "list_commands"):
        context = typer.Context(command)
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            if sub is not None and not sub.hidden:
                paths.extend(command_paths(sub, (*prefix, name)))
    return paths


def real_help(path: tuple[str, ...]) -> str:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb", "NTRK_ADVISOR_LANG": "en"}
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", *path, "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return "\n".join(line.rstrip() for line in done.stdout.splitlines()).strip("\n") + "\n"


def generated_page() -> str:
    sections = [HEADER]
    for path in command_paths(typer.main.get_command(app)):
        title = " ".join(("ntrk-advisor", *path))
        sections.append(f"\n## `{title}`\n\n```text\n{real_help(path)}```\n")
    return "".join(sections)


def test_the_cli_reference_is_the_real_help() -> None:
    actual = generated_page()
    if os.environ.get("NTRK_UPDATE_CLI_DOC") == "1":
        PAGE.write_text(actual, encoding="utf-8")
    assert PAGE.read_text(encoding="utf-8") == actual


def test_the_reference_covers_every_command_group() -> None:
    titles = {" ".join(p) for p in command_paths(typer.main.get_command(app))}
    assert {"", "consult", "batch", "pathways", "pathways check", "practice", "evidence"} <= titles
