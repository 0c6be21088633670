"""What users of well-liked command-line tools expect: -h, full summaries, examples, completion,
and one spelling of each value accepted everywhere."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ntrk_advisor.contract.vocabulary import PathwayName
from ntrk_advisor.i18n import t
from tests.conftest import CliRun, run_main

COMMANDS = [
    [],
    ["consult"],
    ["batch"],
    ["arguments"],
    ["evidence"],
    ["schema"],
    ["about"],
    ["pathways"],
    *(["pathways", c] for c in ("list", "show", "check", "export", "init")),
    ["practice"],
    *(["practice", c] for c in ("list", "show", "answer", "stats", "export", "reset")),
    ["import"],
    ["import", "fhir"],
    ["serve"],
    ["serve", "feedback"],
]


def help_of(*words: str, flag: str = "--help") -> CliRun:
    return run_main(*words, flag, env={"COLUMNS": "80"})


@pytest.mark.parametrize("words", COMMANDS, ids=lambda w: " ".join(w) or "root")
def test_dash_h_is_help_everywhere(words: list[str]) -> None:
    short, long = help_of(*words, flag="-h"), help_of(*words)
    assert (short.code, long.code) == (0, 0)
    assert short.stdout == long.stdout and "Usage: ntrk-advisor" in short.stdout


@pytest.mark.parametrize("words", COMMANDS, ids=lambda w: " ".join(w) or "root")
def test_every_help_ends_with_examples_that_name_the_command(words: list[str]) -> None:
    text = help_of(*words).stdout
    examples = text.split("Examples:", 1)[1]
    assert f"ntrk-advisor {' '.join(words)}".strip() in examples


@pytest.mark.parametrize(
    "words", [[], ["pathways"], ["practice"], ["import"]], ids=lambda w: " ".join(w) or "root"
)
def test_command_summaries_are_shown_whole_at_80_columns(words: list[str]) -> None:
    commands = help_of(*words).stdout.split("Commands:", 1)[1].split("Examples:", 1)[0]
    assert "..." not in commands
    assert all(len(line) <= 80 for line in commands.splitlines())


def complete(shell: str, words: str) -> str:
    env = {**os.environ, "_NTRK_ADVISOR_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        env.update(COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - (0 if words.endswith(" ") else 1)))
    else:
        env.update(_TYPER_COMPLETE_ARGS=words, _TYPER_COMPLETE_FISH_ACTION="get-args")
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_shell_completes_enum_values_of_options(shell: str) -> None:
    assert "locally_advanced" in complete(shell, "ntrk-advisor practice --pathway lo")
    assert "locally-advanced" in complete(shell, "ntrk-advisor consult --setting lo")
    assert "spinal-cord-compression" in complete(shell, "ntrk-advisor consult --emergency sp")


SCRIPT_MARK = {"bash": "COMPREPLY", "zsh": "compdef", "fish": "complete --command ntrk-advisor"}
"""A line only that shell's completion script holds."""


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_a_script_for_each_shell(shell: str) -> None:
    # Typer detects the shell from the process's ancestors, which differ between a terminal, CI
    # and a test worker; its own switch for tests makes the option take the shell by name instead.
    out = run_main("--show-completion", shell, env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert out.code == 0 and "_NTRK_ADVISOR_COMPLETE" in out.stdout
    assert [name for name, mark in SCRIPT_MARK.items() if mark in out.stdout] == [shell]


@pytest.mark.parametrize(
    "spelling", ["locally-advanced", "locally_advanced", "LOCALLY-ADVANCED", "Locally Advanced"]
)
def test_every_command_takes_the_same_spellings_of_a_value(spelling: str) -> None:
    assert run_main("pathways", "show", spelling).code == 0
    assert run_main("pathways", "export", "--format", "json", "--pathway", spelling).code == 0
    assert run_main("consult", "--setting", spelling, "--no-input", "--format", "json").code == 3


@pytest.mark.parametrize("name", list(PathwayName))
def test_the_pathway_name_the_screen_shows_is_one_the_commands_accept(name: PathwayName) -> None:
    shown = t(f"pathway.{name.value}", "en")
    assert run_main("pathways", "show", shown).code == 0, shown


@pytest.mark.parametrize(
    ("words", "suggestion"),
    [
        (["pathways", "show", "metastatc"], "Did you mean 'metastatic'?"),
        (["pathways", "export", "--format", "dott"], "Did you mean 'dot'?"),
        (["pathways", "export", "--format=dott"], "Did you mean 'dot'?"),
        (["practice", "list", "--format", "tabel"], "Did you mean 'table'?"),
    ],
)
def test_a_mistyped_choice_is_one_line_with_the_closest_value(words: list[str], suggestion: str) -> None:
    out = run_main(*words)
    assert out.code == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and suggestion in out.stderr


def test_a_choice_with_no_near_value_suggests_nothing() -> None:
    out = run_main("consult", "--lang", "fr")
    assert out.code == 2 and "Did you mean" not in out.stderr and "'en', 'zh'" in out.stderr


def test_an_error_is_worded_in_the_language_asked_for() -> None:
    english = run_main("evidence", "nope")
    chinese = run_main("evidence", "nope", "--lang", "zh")
    assert (
        english.stderr
        == "ntrk-advisor: error: no evidence 'nope'; see `ntrk-advisor evidence` for the list\n"
    )
    assert chinese.stderr == "ntrk-advisor：错误：没有证据 'nope'；完整列表见 `ntrk-advisor evidence`\n"
    assert english.code == chinese.code == 2


def test_without_lang_an_error_follows_ntrk_advisor_lang(tmp_path: object) -> None:
    out = run_main("consult", "--case", "/nonexistent/case.json", env={"NTRK_ADVISOR_LANG": "zh_CN.UTF-8"})
    assert out.code == 2 and out.stderr.startswith(
        "ntrk-advisor：错误：无法读取病例文件 /nonexistent/case.json："
    )


def test_every_usage_error_raised_in_the_code_names_a_text_in_both_languages() -> None:
    import ast
    from pathlib import Path

    from ntrk_advisor.i18n import all_texts

    UI = all_texts()
    package = Path(__file__).resolve().parents[1] / "ntrk_advisor"
    keys = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "UsageError" and node.args:
                first = node.args[0]
                # a key, a name holding one, or a call that words the text in the consult's language
                assert not isinstance(first, (ast.JoinedStr, ast.BinOp)), (
                    f"{path}: an English-only UsageError"
                )
                if isinstance(first, ast.Constant):
                    keys.append(first.value)
    assert keys and all(k in UI and set(UI[k]) == {"en", "zh"} for k in keys), [
        k for k in keys if k not in UI
    ]
