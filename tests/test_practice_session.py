"""The interactive session driven through prompt_toolkit's pipe input, in-process.

Keys are typed ahead and the pipe closed, so a test that types too little ends the session
(end of input) instead of hanging. The right answers come from the engine-derived keys.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.practice.library import KeyedScenario, ScenarioLibrary, load_library
from ntrk_advisor.practice.render import summary_screen
from ntrk_advisor.practice.session import Session, SessionReport
from ntrk_advisor.practice.stats import Tally
from ntrk_advisor.practice.store import Attempt, PracticeStore

DOWN = "\x1b[B"
ENTER = "\r"
CTRL_C = "\x03"
NEXT = ENTER  # "Next scenario" is the first choice
END = DOWN + ENTER

IDS = ["met-bowel-obstruction-responding", "la-infant-leg-fibrosarcoma", "res-xdfg-avoid"]


@pytest.fixture(scope="module")
def library(kb: KnowledgeBase) -> ScenarioLibrary:
    return load_library(kb)


@dataclass
class Run:
    report: SessionReport
    attempts: list[Attempt]
    screen: str


@pytest.fixture
def session(library: ScenarioLibrary, tmp_path: Path) -> Callable[..., Run]:
    def run(keys: str, ids: list[str], lang: Lang = "en") -> Run:
        out = io.StringIO()
        console = Console(file=out, width=100, color_system=None)
        with create_pipe_input() as pipe, PracticeStore(tmp_path / "practice.sqlite3") as store:
            pipe.send_text(keys)
            pipe.close()
            scenarios = [library.get(i) for i in ids]
            report = Session(library, store, lang, console, input=pipe, output=DummyOutput()).run(scenarios)
            attempts = store.attempts()
        return Run(report, attempts, out.getvalue())

    return run


def pick(keyed: KeyedScenario, index: int, *, by_number: bool = False) -> str:
    """Keys choosing option `index`: arrows and Enter, or its number alone (which answers at once)."""
    return str(index + 1) if by_number else DOWN * index + ENTER


def wrong(keyed: KeyedScenario) -> int:
    return next(i for i in range(len(keyed.scenario.options)) if i != keyed.key_index)


def flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


def test_a_whole_session_is_graded_recorded_and_explained(
    session: Callable[..., Run], library: ScenarioLibrary, kb: KnowledgeBase
) -> None:
    first, second, third = (library.get(i) for i in IDS)
    miss = wrong(second)
    keys = (
        pick(first, first.key_index)
        + "3"  # the full recommendation, then "Go on?" again
        + NEXT
        + pick(second, miss, by_number=True)
        + NEXT
        + pick(third, third.key_index, by_number=True)
    )
    done = session(keys, IDS)
    assert [(k.id, ok) for k, ok in done.report.answered] == [(IDS[0], True), (IDS[1], False), (IDS[2], True)]
    assert not done.report.interrupted
    assert [
        (a.scenario_id, a.correct, a.lang, a.scenario_version, a.knowledge_version) for a in done.attempts
    ] == [
        (IDS[0], True, "en", first.scenario.version, kb.stamp.version),
        (IDS[1], False, "en", second.scenario.version, kb.stamp.version),
        (IDS[2], True, "en", third.scenario.version, kb.stamp.version),
    ]
    assert [a.choice for a in done.attempts] == [
        first.key.action.value,
        second.scenario.options[miss].action.value,
        third.key.action.value,
    ]
    screen = flat(done.screen)
    for number, keyed in enumerate((first, second, third), start=1):
        assert f"Scenario {number}/3 · {keyed.scenario.title.en}" in screen
        assert flat(keyed.scenario.vignette.en)[:60] in screen
        for point in keyed.scenario.teaching_points:
            assert flat(point.text.en)[:50] in screen
            assert ", ".join(point.arguments) in screen
    # The miss: the keyed answer, why the choice is weaker, with its argument IDs.
    chosen = second.scenario.options[miss]
    assert chosen.why_weaker is not None
    assert f"The advisor's answer (from its recommendation for this case): {second.key_index + 1}." in screen
    assert flat(chosen.why_weaker.en)[:60] in screen
    assert ", ".join(chosen.arguments) in screen
    # The advisor's full recommendation, as the consult shows it: behind a key between scenarios
    # (asked for after the first), shown at once after the last one (no prompt follows it).
    assert screen.count("The advisor's full recommendation") == 2

    assert "Case: met-bowel-obstruction-responding · Status: complete" in screen
    assert "Urgent: act on these first" in screen
    # Verdicts and the running score.
    assert screen.count("✓ Correct") == 2 and screen.count("✗ Not the best answer") == 1
    scores = [screen.find(s) for s in ("Score: 1/1 (100%)", "Score: 1/2 (50%)", "Score: 2/3 (67%)")]
    assert -1 not in scores and scores == sorted(scores)  # each shown, in order


def test_the_session_summary_is_by_pathway(session: Callable[..., Run], library: ScenarioLibrary) -> None:
    first, second, third = (library.get(i) for i in IDS)
    keys = (
        pick(first, wrong(first))
        + NEXT
        + pick(second, second.key_index)
        + NEXT
        + pick(third, third.key_index)
    )
    report = session(keys, IDS).report
    assert report.by_pathway() == {
        "locally_advanced": Tally(1, 1),
        "metastatic": Tally(1, 0),
        "resistant": Tally(1, 1),
    }
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(summary_screen(report.by_pathway(), "en"))
    lines = [" ".join(line.replace("│", " ").split()) for line in out.getvalue().splitlines()]
    assert "Session summary by pathway" in lines[0]
    assert "locally advanced 1 1 100%" in lines
    assert "metastatic 1 0 0%" in lines
    assert "total 3 2 67%" in lines


def test_ending_the_session_after_one_scenario_keeps_that_answer(
    session: Callable[..., Run], library: ScenarioLibrary
) -> None:
    first = library.get(IDS[0])
    done = session(pick(first, first.key_index) + END, IDS)
    assert len(done.report.answered) == 1 and not done.report.interrupted
    assert [a.scenario_id for a in done.attempts] == [IDS[0]]


@pytest.mark.parametrize("after", ["question", "go-on"])
def test_ctrl_c_ends_the_session_keeping_the_answers_already_recorded(
    session: Callable[..., Run], library: ScenarioLibrary, after: str
) -> None:
    first = library.get(IDS[0])
    keys = pick(first, first.key_index) + (NEXT + CTRL_C if after == "question" else CTRL_C)
    done = session(keys + "1" + ENTER, IDS)  # keys after Ctrl-C are never read
    assert done.report.interrupted
    assert [(a.scenario_id, a.correct) for a in done.attempts] == [(IDS[0], True)]


def test_ctrl_c_at_the_first_question_records_nothing(session: Callable[..., Run]) -> None:
    done = session(CTRL_C, IDS)
    assert done.report.interrupted and done.attempts == [] and done.report.answered == []


def test_end_of_input_ends_the_session_like_ctrl_c(
    session: Callable[..., Run], library: ScenarioLibrary
) -> None:
    first = library.get(IDS[0])
    done = session(pick(first, first.key_index), IDS)  # then the pipe is closed
    assert done.report.interrupted
    assert len(done.attempts) == 1


def test_a_chinese_session_speaks_chinese(session: Callable[..., Run], library: ScenarioLibrary) -> None:
    keyed = library.get("la-infant-leg-fibrosarcoma")
    done = session(pick(keyed, keyed.key_index), [keyed.id], lang="zh")
    screen = flat(done.screen)
    assert "回答正确" in screen and "学习要点" in screen and "得分：1/1(100%)" in screen
    assert flat(keyed.scenario.vignette.zh)[:20] in screen
    assert "建议" in screen  # the advisor's recommendation, in Chinese
    assert done.attempts[0].lang == "zh"


def test_the_summary_writes_large_counts_as_the_batch_summary_does() -> None:
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(
        summary_screen({"metastatic": Tally(1200, 1100), "early": Tally(40, 10)}, "en")
    )
    lines = [" ".join(line.replace("│", " ").split()) for line in out.getvalue().splitlines()]
    assert "metastatic 1,200 1,100 92%" in lines and "total 1,240 1,110 90%" in lines


def test_an_options_number_alone_answers_without_enter(
    session: Callable[..., Run], library: ScenarioLibrary
) -> None:
    keyed = library.get(IDS[1])
    miss = wrong(keyed)
    done = session(str(miss + 1), [keyed.id])  # the number, then the input ends: no Enter typed
    assert [(k.id, ok) for k, ok in done.report.answered] == [(keyed.id, False)]
    assert not done.report.interrupted
    assert [a.choice for a in done.attempts] == [keyed.scenario.options[miss].action.value]
    screen = flat(done.screen)
    assert screen.index("✗ Not the best answer") < screen.index("The advisor's full recommendation")


# --- the verdict next to "Go on?", the full recommendation behind a key (issue 28, U13) -------

SHOW_FULL = "3"  # the third choice of "Go on?": the advisor's full recommendation


@pytest.mark.slow  # three short sessions (about a second and a half)
def test_between_scenarios_the_full_recommendation_waits_behind_a_key(
    session: Callable[..., Run], library: ScenarioLibrary
) -> None:
    first, second = (library.get(i) for i in IDS[:2])
    heading = "The advisor's full recommendation"
    done = session(pick(first, wrong(first)) + END, IDS[:2])
    assert heading not in done.screen  # not shown unless asked for
    assert "✗ Not the best answer" in done.screen
    shown = session(pick(first, wrong(first)) + SHOW_FULL + END, IDS[:2])
    assert shown.screen.count(heading) == 1
    assert [k.id for k, _ in shown.report.answered] == [first.id]  # the prompt was asked again: End
    last = session(pick(first, first.key_index) + NEXT + pick(second, second.key_index), IDS[:2])
    assert last.screen.count(heading) == 1  # after the last scenario, no prompt: shown at once


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "✗ Not the best answer (the advisor's answer: {n}) · Score: 0/1 (0%)"),
        ("zh", "✗ 并非最佳答案（决策助手的答案：{n}） · 得分：0/1(0%)"),
    ],
)
def test_the_verdict_line_says_right_or_not_the_advisors_answer_and_the_score(
    library: ScenarioLibrary, kb: KnowledgeBase, lang: Lang, expected: str
) -> None:
    from ntrk_advisor.practice.grading import grade
    from ntrk_advisor.practice.render import verdict_line

    keyed = library.get(IDS[0])
    feedback = grade(keyed, wrong(keyed), lang, kb)
    assert verdict_line(feedback, Tally(1, 0)) == expected.format(n=keyed.key_index + 1)
    right = grade(keyed, keyed.key_index, lang, kb)
    assert verdict_line(right).startswith("✓ ")
