"""`ntrk-advisor practice` in a real pseudo-terminal (pexpect): a session graded, recorded, then in stats."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.practice.library import KeyedScenario, ScenarioLibrary, load_library
from ntrk_advisor.practice.texts import say
from tests.keyboard import CTRL_C, ENTER, plain, pty_env
from tests.test_practice_cli import practice_argv

pexpect = pytest.importorskip("pexpect")

pytestmark = [
    pytest.mark.pty,
    pytest.mark.slow,  # real terminal processes, a second or more each
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
]

TIMEOUT = 30


def terminal_env(tmp_path: Path) -> dict[str, str]:
    return pty_env(tmp_path, NTRK_ADVISOR_HOME=str(tmp_path / "home"))  # never the user's own record


@pytest.fixture(scope="module")
def library(kb: KnowledgeBase) -> ScenarioLibrary:
    return load_library(kb)


class Terminal:
    def __init__(self, child: Any) -> None:
        self.child = child
        self.log = io.StringIO()
        child.logfile_read = self.log

    def answer(self, keyed: KeyedScenario, index: int) -> None:
        """Wait for the scenario's question, then pick option `index` by its number (no Enter)."""
        self.child.expect_exact(keyed.scenario.title.en)
        self.child.expect_exact(keyed.scenario.prompt.en)
        self.child.send(str(index + 1))

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.signalstatus is None, f"killed by signal {self.child.signalstatus}"
        return int(self.child.exitstatus)

    @property
    def screen(self) -> str:
        return " ".join(plain(self.log.getvalue()).replace("│", " ").split())


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    started: list[Terminal] = []

    def start(*args: str) -> Terminal:
        command, *argv = practice_argv(*args)
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
        started.append(Terminal(child))
        return started[-1]

    yield start
    for term in started:
        if term.child.isalive():
            term.child.close(force=True)


def stats_json(db: Path, tmp_path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [*practice_argv("practice", "stats", "--db", str(db), "--format", "json")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=terminal_env(tmp_path),
        timeout=60,
        check=True,
    )
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def test_a_short_session_in_a_terminal_is_graded_recorded_and_then_in_stats(
    terminal: Callable[..., Terminal], library: ScenarioLibrary, tmp_path: Path
) -> None:
    keyed = library.get("la-infant-leg-fibrosarcoma")
    db = tmp_path / "trainee.sqlite3"
    term = terminal("practice", "--scenario", keyed.id, "--db", str(db))
    term.answer(keyed, keyed.key_index)
    assert term.finish() == 0
    screen = term.screen
    assert "✓ Correct" in screen
    assert "The advisor's full recommendation" in screen and "Teaching points" in screen
    assert "Score: 1/1 (100%)" in screen
    assert "Session summary by pathway" in screen and "locally advanced 1 1 100%" in screen

    stats = stats_json(db, tmp_path)
    assert stats["total"] == {"attempts": 1, "correct": 1, "accuracy": 1.0}
    assert stats["by_pathway"] == {"locally_advanced": {"attempts": 1, "correct": 1, "accuracy": 1.0}}
    assert stats["by_age_group"] == {"pediatric": {"attempts": 1, "correct": 1, "accuracy": 1.0}}
    table = subprocess.run(
        practice_argv("practice", "stats", "--db", str(db)),
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=terminal_env(tmp_path),
        timeout=60,
        check=True,
    ).stdout
    assert "Score: 1/1 (100%)" in table and "Current streak: 1 · best streak: 1" in table


def test_ctrl_c_mid_session_exits_130_and_keeps_the_answer_given(
    terminal: Callable[..., Terminal], library: ScenarioLibrary, tmp_path: Path
) -> None:
    first, second = library.get("res-solvent-front"), library.get("met-teen-bleeding-untreated")
    wrong = (first.key_index + 1) % len(first.scenario.options)
    db = tmp_path / "trainee.sqlite3"
    term = terminal("practice", "-s", first.id, "-s", second.id, "--db", str(db))
    term.answer(first, wrong)
    # The one-line verdict stands in the prompt itself, never scrolled away (issue 28, U13).
    term.child.expect_exact(
        f"✗ Not the best answer (the advisor's answer: {first.key_index + 1}) · Score: 0/1"
    )
    term.child.expect_exact("Go on?")
    term.child.send(ENTER)  # next scenario
    term.child.expect_exact(second.scenario.prompt.en)
    term.child.send(CTRL_C)
    assert term.finish() == 130
    assert "✗ Not the best answer" in term.screen
    assert f"Session ended early; 1 answer(s) recorded in {db}." in term.screen
    stats = stats_json(db, tmp_path)
    assert stats["total"] == {"attempts": 1, "correct": 0, "accuracy": 0.0}
    assert stats["weakest"][0]["missed"] == [first.id]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_at_80_columns_every_option_is_shown_whole_and_its_number_answers_at_once(
    library: ScenarioLibrary, tmp_path: Path, lang: str
) -> None:
    keyed = library.get("met-teen-bleeding-untreated")  # an option of 150 characters
    options = [option.label(lang) for option in keyed.scenario.options]  # type: ignore[arg-type]
    assert max(len(o) for o in options) > 80 or lang == "zh"  # zh: 2 cells a character
    db = tmp_path / "trainee.sqlite3"
    command, *argv = practice_argv("practice", "--scenario", keyed.id, "--db", str(db), "--lang", lang)
    child = pexpect.spawn(
        command,
        argv,
        env={**terminal_env(tmp_path), "COLUMNS": "80"},
        cwd=str(tmp_path),
        encoding="utf-8",
        codec_errors="replace",
        timeout=TIMEOUT,
        dimensions=(40, 80),
    )
    term = Terminal(child)
    try:
        child.expect_exact(getattr(keyed.scenario.prompt, lang))
        last = options[-1].split()[-1] if lang == "en" else options[-1][-4:]
        child.expect_exact(last)  # the list is drawn down to its last option
        listed = "".join(plain(term.log.getvalue()).split())
        for option in options:
            assert "".join(option.split()) in listed, option  # whole, never cut at the edge
        assert "".join(say("answer_keys", lang).split()) in listed  # what the keys do
        wrong = (keyed.key_index + 1) % len(options)
        child.send(str(wrong + 1))  # the number alone answers: no Enter
        child.expect_exact(say("incorrect", lang))
        assert term.finish() == 0
    finally:
        if child.isalive():
            child.close(force=True)
    screen = term.screen
    verdict = screen.index(say("incorrect", lang))
    assert verdict < screen.index(say("full_recommendation", lang))  # the verdict first
