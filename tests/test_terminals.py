"""Terminals as users have them: NO_COLOR, TERM=dumb, 40 columns of Chinese, errors, no TTY at all.

Every run is a real process (`python -m ntrk_advisor`); where a terminal matters it runs in a
pseudo-terminal (pexpect), since rich and prompt_toolkit decide what to emit from the terminal.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from wcwidth import wcswidth

from ntrk_advisor import evaluate
from ntrk_advisor.pathway.knowledge import builtin_source

pexpect = pytest.importorskip("pexpect")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX processes and terminals"),
]

TIMEOUT = 60
CSI = re.compile(r"\x1b\[([0-?]*)[ -/]*([@-~])")
ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
BOX = re.compile(r"[\u2500-\u257f\s]")
"""Box-drawing characters and whitespace: what folding and panels add around a text."""
_COLOUR_PARAMS = {*range(30, 40), *range(40, 50), *range(90, 98), *range(100, 108)}
NO_TTY_HINTS = ("--case", "--no-input", "batch")


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: nothing inherited that changes colour, width, language or tracebacks."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "NO_COLOR",
            "FORCE_COLOR",
            "CLICOLOR_FORCE",
            "TERM",
            "COLUMNS",
            "LINES",
            "NTRK_ADVISOR_LANG",
            "NTRK_ADVISOR_DEBUG",
            "NTRK_ADVISOR_PATHWAYS",
        )
    }
    # A long result at a terminal goes through the pager; `cat` shows all of it without waiting.
    env.update(
        PROMPT_TOOLKIT_NO_CPR="1", PYTHONIOENCODING="utf-8", TMPDIR=str(tmp_path), PAGER="cat", **extra
    )
    return env


def in_terminal(
    args: list[str], env: dict[str, str], cwd: Path, *, columns: int = 100, rows: int = 50, redirect: str = ""
) -> tuple[int, str]:
    """Run the advisor in a pseudo-terminal until it exits: its status and what the terminal got.

    `redirect` (shell syntax, e.g. `< /dev/null`) detaches some streams from the terminal.
    """
    if redirect:
        line = f"exec {shlex.join([sys.executable, '-m', 'ntrk_advisor', *args])} {redirect}"
        command, argv = "/bin/sh", ["-c", line]
    else:
        command, argv = sys.executable, ["-m", "ntrk_advisor", *args]
    child = pexpect.spawn(
        command,
        argv,
        env=env,
        cwd=str(cwd),
        encoding="utf-8",
        codec_errors="strict",
        timeout=TIMEOUT,
        dimensions=(rows, columns),
    )
    try:
        screen = child.read()
    finally:
        child.close()
    assert child.signalstatus is None, f"killed by signal {child.signalstatus}"
    return int(child.exitstatus), screen.replace("\r\n", "\n")


def run(
    args: list[str], env: dict[str, str], cwd: Path, stdin: Any = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    """Run the advisor with no terminal at all (stdin, stdout and stderr are not TTYs)."""
    return subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=str(cwd),
        timeout=TIMEOUT,
        check=False,
    )


def colour_codes(screen: str) -> list[str]:
    """SGR sequences that set a foreground or background colour."""
    found = []
    for params, final in CSI.findall(screen):
        numbers = [int(p) for p in params.split(";") if p.isdigit()]
        if final == "m" and any(n in _COLOUR_PARAMS for n in numbers):
            found.append(params)
    return found


def plain(screen: str) -> str:
    return ANSI.sub("", screen)


@pytest.fixture
def cases(tmp_path: Path, example_cases: dict[str, dict[str, Any]]) -> Iterator[dict[str, Path]]:
    """Each example case as a JSON file in the working directory."""
    paths = {}
    for case_id, case in example_cases.items():
        paths[case_id] = tmp_path / f"{case_id}.json"
        paths[case_id].write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    yield paths


RICH_RUNS = {
    "consult": lambda c: ["consult", "--case", str(c["ex-bleeding"]), "--no-input", "--explain"],
    "consult-invalid": lambda c: ["consult", "--case", str(c["ex-typo"]), "--no-input"],
    "batch-table": lambda c: ["batch", str(c["ex-ihc"]), str(c["ex-incomplete"]), "--no-progress", "-q"],
}


# --- (a) NO_COLOR ---------------------------------------------------------------------------------


@pytest.mark.parametrize("what", sorted(RICH_RUNS))
def test_colour_is_shown_on_a_terminal_without_no_color(
    tmp_path: Path, cases: dict[str, Path], what: str
) -> None:
    """The control for the NO_COLOR tests: the same run does emit styles when allowed to."""
    code, screen = in_terminal(RICH_RUNS[what](cases), environment(tmp_path, TERM="xterm-256color"), tmp_path)
    assert code in (0, 3, 4)
    assert "\x1b[" in screen


@pytest.mark.parametrize("what", sorted(RICH_RUNS))
def test_no_color_removes_every_colour_from_rich_output_on_a_terminal(
    tmp_path: Path, cases: dict[str, Path], what: str
) -> None:
    env = environment(tmp_path, TERM="xterm-256color", NO_COLOR="1")
    code, screen = in_terminal(RICH_RUNS[what](cases), env, tmp_path)
    assert code in (0, 3, 4)
    assert colour_codes(screen) == []
    assert "NTRK" in screen or "case_id" in screen


@pytest.mark.parametrize("what", sorted(RICH_RUNS))
def test_no_color_output_on_a_terminal_has_no_escape_sequence_at_all(
    tmp_path: Path, cases: dict[str, Path], what: str
) -> None:
    env = environment(tmp_path, TERM="xterm-256color", NO_COLOR="1")
    code, screen = in_terminal(RICH_RUNS[what](cases), env, tmp_path)
    assert code in (0, 3, 4)
    assert "\x1b" not in screen, sorted(set(CSI.findall(screen)))


# --- (b) TERM=dumb --------------------------------------------------------------------------------


@pytest.mark.parametrize("what", sorted(RICH_RUNS))
def test_a_dumb_terminal_gets_plain_text_without_cursor_movement(
    tmp_path: Path, cases: dict[str, Path], what: str
) -> None:
    code, screen = in_terminal(RICH_RUNS[what](cases), environment(tmp_path, TERM="dumb"), tmp_path)
    assert code in (0, 3, 4)
    assert "\x1b" not in screen and "\x08" not in screen
    assert "\r" not in screen  # a lone carriage return redraws the line


def test_a_dumb_terminal_still_shows_the_whole_consult_result(
    tmp_path: Path, cases: dict[str, Path], example_cases: dict[str, Any]
) -> None:
    code, screen = in_terminal(
        ["consult", "--case", str(cases["ex-bleeding"]), "--no-input"],
        environment(tmp_path, TERM="dumb"),
        tmp_path,
    )
    assert code == 0
    flat = BOX.sub("", screen)
    result = evaluate(example_cases["ex-bleeding"])
    assert result.status.value == "complete" and result.actions
    for action in result.actions:
        assert BOX.sub("", action.summary) in flat, action.summary
    assert "ex-bleeding" in screen


def test_a_dumb_terminal_gets_no_progress_bar_from_a_long_batch(tmp_path: Path) -> None:
    """Progress goes to stderr only when it is a terminal; a dumb one must not get redraws."""
    cohort = tmp_path / "cohort.jsonl"
    cohort.write_text(
        '{"age_years": 70, "fusion_status": "ihc_only", "emergency": []}\n' * 5000, encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    code, screen = in_terminal(
        ["batch", str(cohort), "--format", "jsonl", "-o", str(out)],
        environment(tmp_path, TERM="dumb"),
        tmp_path,
    )
    assert code == 0
    assert "\x1b" not in screen and "\r" not in screen
    assert "5000" in screen.replace(",", "")  # the summary still came
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5000


# --- (c) 40 columns, Chinese ----------------------------------------------------------------------


def widest(screen: str) -> int:
    return max((max(cell_len(line), wcswidth(line)) for line in plain(screen).split("\n")), default=0)


@pytest.mark.parametrize(
    "case_id",
    ["ex-ifs-arm", "ex-masc-postop", "ex-lung-liver-oligo", "ex-g595r", "ex-ihc", "ex-bleeding"],
)
def test_chinese_consult_folds_within_40_columns_and_keeps_every_word(
    tmp_path: Path, cases: dict[str, Path], example_cases: dict[str, Any], case_id: str
) -> None:
    env = environment(tmp_path, TERM="xterm-256color", COLUMNS="40", LINES="50")
    args = ["consult", "--case", str(cases[case_id]), "--no-input", "--lang", "zh", "--explain"]
    code, screen = in_terminal(args, env, tmp_path, columns=40)
    assert code == 0
    assert widest(screen) <= 40
    text = plain(screen)
    assert "…" not in text
    flat = BOX.sub("", text)
    result = evaluate(example_cases[case_id], "zh")
    assert result.status.value == "complete"
    for action in result.actions:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in action.summary)
        assert BOX.sub("", action.summary) in flat, action.summary
        for bullet in action.rationale:
            assert BOX.sub("", bullet) in flat, bullet
    for caution in result.cautions:
        assert BOX.sub("", caution) in flat, caution


@pytest.mark.parametrize(
    "args",
    [
        ["consult", "--case", "ex-incomplete.json", "--no-input", "--lang", "zh"],
        ["consult", "--case", "ex-typo.json", "--no-input", "--lang", "zh"],
        ["batch", "ex-ihc.json", "ex-typo.json", "ex-incomplete.json", "--lang", "zh", "-q", "--no-progress"],
    ],
    ids=["incomplete", "invalid", "batch-table"],
)
def test_chinese_notes_and_tables_fit_in_40_columns(
    tmp_path: Path, cases: dict[str, Path], args: list[str]
) -> None:
    env = environment(tmp_path, TERM="xterm-256color", COLUMNS="40", LINES="50")
    code, screen = in_terminal(args, env, tmp_path, columns=40)
    assert code in (3, 4)
    assert widest(screen) <= 40
    assert "…" not in plain(screen)


def test_a_batch_table_on_a_terminal_is_not_glued_to_the_progress_bar(
    tmp_path: Path, cases: dict[str, Path]
) -> None:
    code, screen = in_terminal(
        ["batch", "ex-ihc.json", "ex-incomplete.json", "-q"],
        environment(tmp_path, TERM="xterm-256color"),
        tmp_path,
    )
    assert code == 3
    visible = [ANSI.sub("", line.split("\r")[-1]) for line in screen.split("\n")]  # what stays after a \r
    top = [line for line in visible if "case_id" in line]  # the header (the table has no top edge)
    assert len(top) == 1 and top[0].startswith("case_id"), top


# --- (d) errors at the CLI edge -------------------------------------------------------------------


def _not_json(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("age: 3\nfusion: confirmed\n", encoding="utf-8")
    return path


EDGE_ERRORS = {
    "missing-case-file": lambda p, c: ["consult", "--case", str(p / "nope.json"), "--no-input"],
    "case-file-under-a-file": lambda p, c: ["consult", "--case", str(c["ex-ihc"] / "x.json"), "--no-input"],
    "directory-as-case-file": lambda p, c: ["consult", "--case", str(p), "--no-input"],
    "non-json-case-file": lambda p, c: ["consult", "--case", str(_not_json(p)), "--no-input"],
    "batch-missing-file": lambda p, c: ["batch", str(c["ex-ihc"]), str(p / "nope.jsonl")],
    "batch-directory": lambda p, c: ["batch", str(p)],
    "batch-non-json-file": lambda p, c: ["batch", str(_not_json(p))],
    "batch-output-into-missing-directory": lambda p, c: [
        "batch",
        str(c["ex-ihc"]),
        "-o",
        str(p / "no" / "such" / "out.jsonl"),
        "-q",
    ],
    "save-into-missing-directory": lambda p, c: [
        "consult",
        "--case",
        str(c["ex-ihc"]),
        "--no-input",
        "--save",
        str(p / "no" / "case.json"),
    ],
    "save-over-the-case-file": lambda p, c: [
        "consult",
        "--case",
        str(c["ex-ihc"]),
        "--no-input",
        "--save",
        str(c["ex-ihc"]),
    ],
    "batch-output-over-its-input": lambda p, c: ["batch", str(c["ex-ihc"]), "-o", str(c["ex-ihc"]), "-q"],
}
OPTION_ERRORS = {
    "unknown-format-value": ["consult", "--no-input", "--format", "xml"],
    "unknown-lang-value": ["consult", "--no-input", "--lang", "fr"],
    "unknown-batch-format-value": ["batch", "-", "--format", "xlsx"],
    "unknown-option": ["consult", "--colour"],
    "unknown-command": ["advise"],
}


def check_one_line(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode not in (0, 1), (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stderr.endswith("\n") and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("ntrk-advisor: error: "), done.stderr
    assert done.stdout == ""


def check_debug(done: subprocess.CompletedProcess[str], debugged: subprocess.CompletedProcess[str]) -> None:
    """`--debug`: the same exit code and message, after the traceback that led to it."""
    assert debugged.returncode == done.returncode
    assert "Traceback (most recent call last):" in debugged.stderr, debugged.stderr
    assert debugged.stderr.endswith(done.stderr)
    assert debugged.stdout == done.stdout


@pytest.mark.parametrize("name", sorted(EDGE_ERRORS))
def test_every_error_at_the_cli_edge_is_one_line_and_debug_shows_its_traceback(
    tmp_path: Path, cases: dict[str, Path], name: str
) -> None:
    args = EDGE_ERRORS[name](tmp_path, cases)
    before = {p: p.read_bytes() for p in cases.values()}
    done = run(args, environment(tmp_path), tmp_path)
    check_one_line(done)
    assert done.returncode == 2
    check_debug(done, run(["--debug", *args], environment(tmp_path), tmp_path))
    assert {p: p.read_bytes() for p in cases.values()} == before  # no input was touched


def test_an_unreadable_case_file_is_one_line(tmp_path: Path, cases: dict[str, Path]) -> None:
    locked = cases["ex-ihc"]
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads any file: use one that fails on read instead (EIO)
        locked.chmod(0o644)
        locked = Path("/proc/self/mem")
        if not locked.exists():
            pytest.skip("no file here is unreadable for this user")
    try:
        for args in (["consult", "--case", str(locked), "--no-input"], ["batch", str(locked)]):
            done = run(args, environment(tmp_path), tmp_path)
            check_one_line(done)
            assert done.returncode == 2 and f"cannot read case file {locked}: " in done.stderr
            check_debug(done, run(["--debug", *args], environment(tmp_path), tmp_path))
    finally:
        cases["ex-ihc"].chmod(0o644)


@pytest.fixture(scope="session")
def clinic_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid institution copy of the pathways, made by `pathways init` (it passes `pathways check`)."""
    folder = tmp_path_factory.mktemp("clinic") / "pathways"
    done = run(["pathways", "init", str(folder)], environment(folder.parent), folder.parent)
    assert done.returncode == 0, done.stderr
    return folder


PATHWAY_YAMLS = sorted(p.name for p in builtin_source().iterdir() if p.name.endswith(".yaml"))


def broken_copy(clinic_copy: Path, tmp_path: Path, emptied: str | None) -> Path:
    """The clinic copy with one file emptied; or, for None, a folder holding one empty yaml only."""
    folder = tmp_path / "broken-pathways"
    if emptied is None:
        folder.mkdir()
        (folder / "diagnostic.yaml").write_text("", encoding="utf-8")
    else:
        shutil.copytree(clinic_copy, folder)
        (folder / emptied).write_text("", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "emptied",
    [
        None,
        *PATHWAY_YAMLS,
    ],
    ids=lambda n: n or "only-one-empty-yaml",
)
def test_a_broken_pathways_dir_is_a_usage_error_and_debug_shows_the_traceback(
    tmp_path: Path, cases: dict[str, Path], clinic_copy: Path, emptied: str | None
) -> None:
    folder = broken_copy(clinic_copy, tmp_path, emptied)
    args = ["--pathways-dir", str(folder), "consult", "--case", str(cases["ex-ihc"]), "--no-input"]
    done = run(args, environment(tmp_path), tmp_path)
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr
    assert done.stderr.startswith("ntrk-advisor: error: ")
    # Names what is wrong: the emptied module, or (in a folder of one file) those that are missing.
    assert (emptied or "knowledge.yaml").removesuffix(".yaml") in done.stderr
    check_debug(done, run(["--debug", *args], environment(tmp_path), tmp_path))


@pytest.mark.parametrize("emptied", [None, "metastatic.yaml"], ids=["only-one-empty-yaml", "metastatic.yaml"])
def test_a_broken_pathways_dir_is_one_line(
    tmp_path: Path, cases: dict[str, Path], clinic_copy: Path, emptied: str | None
) -> None:
    folder = broken_copy(clinic_copy, tmp_path, emptied)
    args = ["--pathways-dir", str(folder), "consult", "--case", str(cases["ex-ihc"]), "--no-input"]
    check_one_line(run(args, environment(tmp_path), tmp_path))


@pytest.mark.parametrize("name", sorted(OPTION_ERRORS))
def test_a_bad_option_or_value_is_one_usage_line_naming_it(tmp_path: Path, name: str) -> None:
    args = OPTION_ERRORS[name]
    done = run(args, environment(tmp_path), tmp_path)
    check_one_line(done)
    assert done.returncode == 2
    assert args[-1] in done.stderr
    debugged = run(["--debug", *args], environment(tmp_path), tmp_path)  # nothing to trace: same line
    assert (debugged.returncode, debugged.stderr) == (2, done.stderr)


def test_the_debug_environment_variable_also_shows_the_traceback(tmp_path: Path) -> None:
    args = ["consult", "--case", str(tmp_path / "nope.json"), "--no-input"]
    done = run(args, environment(tmp_path), tmp_path)
    check_debug(done, run(args, environment(tmp_path, NTRK_ADVISOR_DEBUG="1"), tmp_path))


# --- (e) no TTY, answers missing ----------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["consult"],
        ["consult", "--format", "json"],
        ["consult", "--age", "48"],
        ["consult", "--case", "ex-incomplete.json", "--lang", "zh"],
        ["consult", "--case", "-"],
    ],
    ids=["nothing", "json", "flags", "partial-case", "case-on-stdin"],
)
def test_without_a_terminal_missing_answers_exit_2_with_one_line_naming_the_ways_out(
    tmp_path: Path, cases: dict[str, Path], args: list[str]
) -> None:
    piped = '{"age_years": 9, "fusion_status": "confirmed"}' if "-" in args else ""
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", *args],
        input=piped,  # a pipe, never a terminal (empty unless the case comes on stdin)
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment(tmp_path),
        cwd=str(tmp_path),
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    prefix = "ntrk-advisor：错误：" if "zh" in args else "ntrk-advisor: error: "  # in the asked language
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(prefix), done.stderr
    for hint in NO_TTY_HINTS:
        assert hint in done.stderr, hint


def test_with_stdin_redirected_in_a_terminal_missing_answers_are_the_same_one_line(
    tmp_path: Path, cases: dict[str, Path]
) -> None:
    """Output on a terminal is not enough: with nothing to read answers from, nothing is asked."""
    code, screen = in_terminal(
        ["consult", "--case", str(cases["ex-incomplete"])],
        environment(tmp_path, TERM="xterm-256color"),
        tmp_path,
        redirect="< /dev/null",
    )
    assert code == 2
    lines = [line for line in plain(screen).split("\n") if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ntrk-advisor: error: "), lines
    for hint in NO_TTY_HINTS:
        assert hint in lines[0]


def test_without_a_terminal_a_complete_case_is_simply_shown(tmp_path: Path, cases: dict[str, Path]) -> None:
    done = run(
        ["consult", "--case", str(cases["ex-ihc"]), "--format", "json"], environment(tmp_path), tmp_path
    )
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout)["status"] == "complete"
