"""`ntrk-advisor consult` typed in a real pseudo-terminal (pexpect), as a user would."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.pathway.knowledge import KnowledgeBase
from tests.helpers import OLIGOPROGRESSION
from tests.keyboard import Keyboard, help_text, plain, prompt_text, pty_env

pexpect = pytest.importorskip("pexpect")

pytestmark = [
    pytest.mark.pty,
    pytest.mark.slow,  # real terminal processes, a second or more each
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
]

TIMEOUT = 20
IFS_FIELDS = ["age_years", "emergency", "fusion_status", "setting", "treatment_phase", "tumor_category"]
INTERRUPTED = re.compile(r"saved to (\S+) \(resume with --case (\S+)\)\.")


def terminal_env(tmp_path: Path) -> dict[str, str]:
    return pty_env(
        tmp_path,
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        TMPDIR=str(tmp_path),  # where an interrupted consult without --save keeps its answers
    )


class Terminal:
    """One program in a pseudo-terminal, with everything it showed kept for later checks."""

    def __init__(self, child: Any, kb: KnowledgeBase) -> None:
        self.child = child
        self.keyboard = Keyboard(child, kb)
        self.log = io.StringIO()
        child.logfile_read = self.log

    def finish(self) -> int:
        """Wait for the program to end; its exit status."""
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.signalstatus is None, f"killed by signal {self.child.signalstatus}"
        return int(self.child.exitstatus)

    @property
    def screen(self) -> str:
        return plain(self.log.getvalue())

    def result_json(self) -> dict[str, Any]:
        """The JSON object printed after the questions."""
        text = self.screen
        start = text.index('{\n  "schema_version"')
        data: dict[str, Any] = json.loads(text[start:])
        return data


@pytest.fixture
def terminal(tmp_path: Path, kb: KnowledgeBase) -> Iterator[Callable[..., Terminal]]:
    """Start `ntrk-advisor ARGS` (or a shell command line) in a pseudo-terminal."""
    started: list[Terminal] = []

    def start(*args: str, shell: str | None = None) -> Terminal:
        if shell is None:
            command, argv = sys.executable, ["-m", "ntrk_advisor", *args]
        else:
            command, argv = "/bin/sh", ["-c", shell]
        child = pexpect.spawn(
            command,
            argv,
            env=terminal_env(tmp_path),
            cwd=str(tmp_path),
            encoding="utf-8",
            codec_errors="replace",
            timeout=TIMEOUT,
            dimensions=(40, 100),
        )
        started.append(Terminal(child, kb))
        return started[-1]

    yield start
    for term in started:
        if term.child.isalive():
            term.child.close(force=True)


def advisor_shell(*args: str) -> str:
    """A shell command line running this interpreter's advisor (for redirections)."""
    return shlex.join([sys.executable, "-m", "ntrk_advisor", *args])


def write_case(tmp_path: Path, case: dict[str, Any], name: str) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return path


def no_input_json(path: Path, tmp_path: Path) -> dict[str, Any]:
    """`consult --case PATH --no-input --format json` in a plain subprocess (exit 0 required)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ntrk_advisor",
            "consult",
            "--case",
            str(path),
            "--no-input",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=terminal_env(tmp_path),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def same_advice(a: dict[str, Any], b: dict[str, Any]) -> None:
    for key in ("status", "pathway", "age_group", "actions", "cautions", "trace"):
        assert a.get(key) == b.get(key), key


def clinical(case: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in case.items() if k not in ("id", "tumor_type")}


def test_whole_consult_typed_in_a_terminal_matches_the_non_interactive_result(
    terminal: Callable[..., Terminal], example_cases: dict[str, Any], tmp_path: Path
) -> None:
    example = example_cases["ex-ifs-arm"]
    term = terminal("consult", "--format", "json")
    term.keyboard.answer_all(example, IFS_FIELDS)
    term.keyboard.review(IFS_FIELDS)  # "Show the recommendation"
    assert term.finish() == 0
    assert term.keyboard.asked == IFS_FIELDS
    got = term.result_json()
    expected = no_input_json(write_case(tmp_path, example, "ex-ifs-arm.json"), tmp_path)
    assert (got["status"], got["pathway"]) == ("complete", "locally_advanced")
    same_advice(got, expected)
    assert got["case_id"] is None and expected["case_id"] == "ex-ifs-arm"
    # The review listed every answer with its label before the result.
    assert "Disease setting: Locally advanced: unresectable, or surgery mutilating" in term.screen


@pytest.mark.parametrize("with_flags", [True, False], ids=["id-and-tumour-by-flags", "all-typed"])
def test_answers_typed_with_save_are_written_as_the_example_case(
    terminal: Callable[..., Terminal], example_cases: dict[str, Any], tmp_path: Path, with_flags: bool
) -> None:
    example = example_cases["ex-ifs-arm"]
    saved = tmp_path / "answered.json"
    flags = ["--id", example["id"], "--tumor-type", example["tumor_type"]] if with_flags else []
    term = terminal("consult", "--format", "json", "--save", str(saved), *flags)
    term.keyboard.answer_all(example, IFS_FIELDS)
    term.keyboard.review(IFS_FIELDS)
    assert term.finish() == 0
    assert f"Case saved to {saved}" in term.screen
    written = json.loads(saved.read_text(encoding="utf-8"))
    assert written == (example if with_flags else clinical(example))
    assert list(written) == [k for k in example if k in written]  # contract field order
    assert term.result_json()["case_id"] == (example["id"] if with_flags else None)


def test_ctrl_c_exits_130_with_one_line_naming_the_saved_answers_which_resume_with_case(
    terminal: Callable[..., Terminal], example_cases: dict[str, Any], kb: KnowledgeBase, tmp_path: Path
) -> None:
    example = example_cases["ex-ifs-arm"]
    err = tmp_path / "stderr.txt"
    term = terminal(shell=f"exec {advisor_shell('consult', '--format', 'json')} 2> {shlex.quote(str(err))}")
    term.keyboard.answer_all(example, ["age_years", "emergency", "fusion_status"])
    term.keyboard.interrupt("setting")
    assert term.finish() == 130
    lines = err.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1, lines
    found = INTERRUPTED.search(lines[0])
    assert found is not None, lines[0]
    assert found.group(1) == found.group(2)
    kept = Path(found.group(1))
    assert kept.parent == tmp_path  # a temporary file, since no --save was given
    kept_answers = {"age_years": 0.5, "emergency": [], "fusion_status": "confirmed"}
    assert json.loads(kept.read_text(encoding="utf-8")) == kept_answers
    assert '"schema_version"' not in term.screen  # no result after an interrupt

    resumed = terminal("consult", "--case", str(kept), "--format", "json")
    resumed.keyboard.answer_all(example, ["setting", "treatment_phase", "tumor_category"])
    resumed.keyboard.review(IFS_FIELDS)
    assert resumed.finish() == 0
    assert resumed.keyboard.asked == ["setting", "treatment_phase", "tumor_category"]
    before_review = resumed.screen.split("Review your answers")[0]
    for field in (
        "age_years",
        "emergency",
        "fusion_status",
    ):  # answered before the interrupt: not asked again
        assert help_text(kb, field)[:40] not in before_review
        assert prompt_text(kb, field) not in before_review
    same_advice(resumed.result_json(), no_input_json(write_case(tmp_path, example, "ex.json"), tmp_path))
    assert json.loads(kept.read_text(encoding="utf-8")) == kept_answers


def test_ctrl_c_with_save_keeps_the_answers_in_the_save_file(
    terminal: Callable[..., Terminal], example_cases: dict[str, Any], tmp_path: Path
) -> None:
    saved = tmp_path / "partial.json"
    term = terminal("consult", "--format", "json", "--save", str(saved))
    term.keyboard.answer_all(example_cases["ex-ifs-arm"], ["age_years", "emergency"])
    term.keyboard.interrupt("fusion_status")
    assert term.finish() == 130
    assert term.screen.count("Consult interrupted") == 1
    assert f"saved to {saved} (resume with --case {saved})" in term.screen
    assert json.loads(saved.read_text(encoding="utf-8")) == {"age_years": 0.5, "emergency": []}


def test_with_stdout_redirected_questions_stay_on_the_terminal_and_the_file_holds_only_the_json(
    terminal: Callable[..., Terminal], example_cases: dict[str, Any], tmp_path: Path
) -> None:
    example = example_cases["ex-ifs-arm"]
    out = tmp_path / "out.json"
    term = terminal(shell=f"exec {advisor_shell('consult', '--format', 'json')} > {shlex.quote(str(out))}")
    term.keyboard.answer_all(example, IFS_FIELDS)  # each question was seen on the terminal
    term.keyboard.review(IFS_FIELDS)
    assert term.finish() == 0
    text = out.read_text(encoding="utf-8")
    data = json.loads(text)  # the whole file is one JSON object: no prompts, no escapes
    assert isinstance(data, dict)
    assert "\x1b" not in text
    same_advice(data, no_input_json(write_case(tmp_path, example, "ex.json"), tmp_path))
    assert '"schema_version"' not in term.screen  # the result went to the file only
    assert help_text(term.keyboard.kb, "setting")[:40] in term.screen


def test_save_over_the_case_file_is_refused_before_any_question_is_shown(
    terminal: Callable[..., Terminal], kb: KnowledgeBase, tmp_path: Path
) -> None:
    partial = write_case(tmp_path, {"age_years": 0.5, "fusion_status": "confirmed"}, "partial.json")
    before = partial.read_bytes()
    term = terminal("consult", "--case", str(partial), "--save", str(partial), "--format", "json")
    assert term.finish() == 2
    assert prompt_text(kb, "setting") not in term.screen
    assert [line for line in term.screen.splitlines() if line.strip()] == [
        f"ntrk-advisor: error: refusing to write over an input file: {partial}"
    ]
    assert partial.read_bytes() == before


# --- safe answers (the emergency checklist) and the first screen ---------------------------------

EMERGENCY_PROMPT = "Structural emergencies needing local treatment now"


def interrupted_answers(term: Terminal, err: Path) -> dict[str, Any]:
    """The answers an interrupted consult kept, read from the file its stderr line names."""
    assert term.finish() == 130
    found = re.search(r"(/\S+?\.json)", err.read_text(encoding="utf-8"))  # either language
    assert found is not None, err.read_text(encoding="utf-8")
    kept: dict[str, Any] = json.loads(Path(found.group(1)).read_text(encoding="utf-8"))
    return kept


def test_the_first_screen_says_what_the_tool_is_for_whom_and_the_keys(
    terminal: Callable[..., Terminal],
) -> None:
    term = terminal("consult")
    term.child.expect_exact("Case ID for the MDT note (optional; Enter skips)")
    first_screen = " ".join(term.screen.split())  # as read, whatever the line breaks
    assert "It supports, and never replaces, the MDT; not for patients." in first_screen
    assert "a number picks · ↑↓ move · Space ticks · Enter confirms · Esc or ← goes back" in first_screen
    assert "Ctrl-C stops and keeps your answers" in first_screen
    term.child.sendcontrol("c")
    assert term.finish() == 130


def test_enter_on_a_highlighted_emergency_records_that_emergency_never_none(
    terminal: Callable[..., Terminal], tmp_path: Path
) -> None:
    err = tmp_path / "stderr.txt"
    term = terminal(
        shell=f"exec {advisor_shell('consult', '--id', 'c1', '--tumor-type', 't', '--age', '62')} 2> {err}"
    )
    term.child.expect_exact(EMERGENCY_PROMPT)
    term.child.send("\x1b[B" * 3 + "\r")  # past "None of these" to spinal cord compression; Enter
    term.child.expect_exact("Ticked: Spinal cord compression. Press Enter again to record it")
    term.child.send("\r")
    term.keyboard.interrupt("fusion_status")
    assert interrupted_answers(term, err)["emergency"] == ["spinal_cord_compression"]
    assert f"? {EMERGENCY_PROMPT} Spinal cord compression\n" in term.screen  # the echo names it


def test_none_of_these_is_a_choice_of_its_own_and_records_an_empty_list(
    terminal: Callable[..., Terminal], tmp_path: Path
) -> None:
    err = tmp_path / "stderr.txt"
    term = terminal(
        shell=f"exec {advisor_shell('consult', '--id', 'c1', '--tumor-type', 't', '--age', '62')} 2> {err}"
    )
    term.child.expect_exact(EMERGENCY_PROMPT)
    term.child.expect_exact("None of these")
    term.child.send("\r")  # "None of these" is the first item, where the cursor starts
    term.keyboard.interrupt("fusion_status")
    assert interrupted_answers(term, err)["emergency"] == []
    assert f"? {EMERGENCY_PROMPT} None of these\n" in term.screen


def test_the_chinese_checklist_echoes_in_chinese(terminal: Callable[..., Terminal], tmp_path: Path) -> None:
    err = tmp_path / "stderr.txt"
    args = ("consult", "--lang", "zh", "--id", "c1", "--tumor-type", "t", "--age", "62")
    term = terminal(shell=f"exec {advisor_shell(*args)} 2> {err}")
    term.child.expect_exact("需要立即局部处理的肿瘤占位相关急症")
    term.child.expect_exact("空格键勾选")
    term.child.send("\x1b[B\x1b[B \x1b[B \r")  # tick bleeding and spinal cord compression
    term.child.expect_exact("NTRK融合检测结果")
    term.child.sendcontrol("c")
    assert interrupted_answers(term, err)["emergency"] == ["bleeding", "spinal_cord_compression"]
    assert "? 需要立即局部处理的肿瘤占位相关急症 肿瘤出血、脊髓压迫\n" in term.screen


def test_yes_no_questions_start_on_the_conservative_answer(kb: KnowledgeBase) -> None:
    for field in ("max_response_reached", "resectable_now", "fit_for_surgery"):
        assert kb.questions.questions[field].start_on == "false", field


# --- a long result through the pager -----------------------------------------------------------


def paged_run(
    terminal: Callable[..., Terminal], tmp_path: Path, *extra: str, pipe: str = ""
) -> tuple[Terminal, Path]:
    case = write_case(tmp_path, OLIGOPROGRESSION, "oligo.json")
    paged = tmp_path / "paged.txt"
    pager = shlex.quote(f"sh -c 'cat > {paged}'")
    command = advisor_shell("consult", "--case", str(case), "--no-input", *extra)
    term = terminal(shell=f"PAGER={pager} {command}{pipe}")
    assert term.finish() == 0
    return term, paged


def test_a_long_result_at_a_terminal_goes_through_the_pager_then_the_bottom_line_is_repeated(
    terminal: Callable[..., Terminal], tmp_path: Path
) -> None:
    term, paged = paged_run(terminal, tmp_path)
    text = plain(paged.read_text(encoding="utf-8"))
    assert "Bottom line" in text and "Step 1a · Continue the TRK inhibitor" in text and "References" in text
    after = term.screen
    assert "Step 1a · Continue the TRK inhibitor" not in after  # the details went to the pager
    assert "Bottom line" in after and "Next-generation TRK inhibitor · NOT RECOMMENDED" in after


def test_no_pager_prints_everything_and_still_ends_on_the_bottom_line(
    terminal: Callable[..., Terminal], tmp_path: Path
) -> None:
    term, paged = paged_run(terminal, tmp_path, "--no-pager")
    assert not paged.exists()
    screen = term.screen
    assert "Step 1a · Continue the TRK inhibitor" in screen
    assert screen.rindex("Bottom line") > screen.rindex("References")


def test_piped_output_is_never_paged_and_never_repeats_the_bottom_line(
    terminal: Callable[..., Terminal], tmp_path: Path
) -> None:
    term, paged = paged_run(terminal, tmp_path, pipe=" | cat")
    assert not paged.exists()
    assert term.screen.count("Bottom line") == 1


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Consult interrupted; nothing was answered, so nothing was saved."),
        ("zh", "会诊已中断；尚未回答任何问题，因此未保存任何内容。"),
    ],
)
def test_ctrl_c_at_the_first_question_saves_nothing_and_says_so(
    terminal: Callable[..., Terminal], tmp_path: Path, lang: str, said: str
) -> None:
    before = sorted(tmp_path.iterdir())
    term = terminal("consult", "--format", "json", "--lang", lang)
    term.keyboard.lang = lang
    term.keyboard.interrupt("age_years")
    assert term.finish() == 130
    lines = [line for line in term.screen.splitlines() if line.strip()]
    assert lines[-1] == said
    assert "saved to" not in term.screen
    assert sorted(tmp_path.iterdir()) == before  # no empty {} file in the temporary folder
