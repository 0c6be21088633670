"""At 80 columns nothing is broken in the middle of a word (issue 28, U11, U12, U16).

The result's panel titles are never cut, two actions at one step read "Step 1a" and "Step 1b",
the prompts' hints and ticked messages wrap between words, a review line too long for the
terminal ends in "…", and `--help` never splits a value at its hyphen.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from ntrk_advisor.api import evaluate
from ntrk_advisor.contract.fields import FIELD_SPECS
from ntrk_advisor.i18n import t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.prompting.interviewer import Interviewer, _short
from ntrk_advisor.render.html_report import render_html
from ntrk_advisor.render.markdown import render_markdown
from ntrk_advisor.render.screen import result_screen
from tests.helpers import OLIGOPROGRESSION

LANGS = ["en", "zh"]


def screen(kb: KnowledgeBase, lang: str, width: int = 80) -> str:
    console = Console(width=width, color_system=None, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(result_screen(evaluate(OLIGOPROGRESSION, lang, kb), kb, lang))  # type: ignore[arg-type]
    return console.export_text()


@pytest.mark.parametrize("lang", LANGS)
def test_panel_titles_at_80_columns_are_whole(kb: KnowledgeBase, lang: str) -> None:
    result = evaluate(OLIGOPROGRESSION, lang, kb)  # type: ignore[arg-type]
    names = {t(f"action.{a.action.value}", lang) for a in result.actions}  # type: ignore[arg-type]
    titles = [line for line in screen(kb, lang).splitlines() if line.startswith("╭─ ")]
    steps = [line.removeprefix("╭─ ").rstrip("─╮").rstrip() for line in titles if " · " in line]
    assert len(steps) == len(result.actions)
    for title in steps:
        # The title is the step and the action's name, whole: nothing after it to be cut off.
        assert title.split(" · ", 1)[1] in names, title


@pytest.mark.parametrize("lang", LANGS)
def test_two_actions_at_one_step_read_1a_and_1b_never_two_step_1(kb: KnowledgeBase, lang: str) -> None:
    step = t("step", lang)  # type: ignore[arg-type]
    text = screen(kb, lang)
    numbers = re.findall(rf"╭─ {step} (\w+) ·", text)
    assert numbers[:2] == ["1a", "1b"], numbers
    assert len(numbers) == len(set(numbers))
    markdown = render_markdown(evaluate(OLIGOPROGRESSION, lang, kb), kb, lang)  # type: ignore[arg-type]
    assert f"{step} 1a ·" in markdown and f"{step} 1b ·" in markdown
    assert f"{step} 1 ·" not in markdown
    generated = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.timezone.utc)
    report = render_html(evaluate(OLIGOPROGRESSION, lang, kb), kb, lang, generated=generated)  # type: ignore[arg-type]
    assert f">{step} 1a · <" in report and f">{step} 1b · <" in report
    assert f">{step} 1 · <" not in report


def test_a_single_action_at_its_step_keeps_its_plain_number(kb: KnowledgeBase) -> None:
    one = {"age_years": 0.5, "emergency": [], "fusion_status": "not_tested", "assay": "rna_ngs"}
    text = screen(kb, "en")
    assert "Step 2 · MDT review" in text
    assert "1a" not in screen_of(kb, one)


def screen_of(kb: KnowledgeBase, case: dict[str, object]) -> str:
    console = Console(width=80, color_system=None, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(result_screen(evaluate(case, "en", kb), kb, "en"))
    return console.export_text()


class Narrow(DummyOutput):
    """A terminal output 80 (or `columns`) wide."""

    def __init__(self, columns: int = 80) -> None:
        self.columns = columns

    def get_size(self) -> Size:
        return Size(rows=40, columns=self.columns)


def test_a_review_line_too_long_for_the_terminal_ends_in_an_ellipsis_at_a_word() -> None:
    text = "Resistance mechanism: Solvent-front mutation (e.g. TRKA G595R, TRKC G623R)"
    cut = _short(text, 40)
    assert cut.endswith("…") and len(cut) <= 40
    assert text.startswith(cut[:-1].rstrip())
    assert cut[:-1].rstrip().split()[-1] in text.split()  # the last word shown is whole
    assert _short("短" * 50, 21).endswith("…")
    assert _short("fits", 10) == "fits"


@pytest.mark.parametrize("lang", LANGS)
def test_hints_wrap_between_words_at_80_columns(kb: KnowledgeBase, lang: str) -> None:
    from ntrk_advisor.prompting.interviewer import wrap_to_width

    for key, kwargs in (
        ("checklist_hint", {"none": "None of these"}),
        ("checklist_ticked", {"item": "Spinal cord compression"}),
        ("select_hint", {}),
        ("consult_select_hint", {}),
        ("consult_keys", {}),
    ):
        text = t(key, lang, **kwargs)  # type: ignore[arg-type]
        lines = wrap_to_width(text, 77)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        if lang == "en":
            words = set(text.split())
            for line in lines:
                assert set(line.split()) <= words, line  # every piece is a whole word


def help_text(width: int) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", "consult", "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={"COLUMNS": str(width), "TERM": "dumb", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        timeout=60,
        check=True,
    )
    return done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("width", [80, 100])
def test_help_never_breaks_a_value_at_its_hyphen(width: int) -> None:
    text = help_text(width)
    hyphenated = {
        v.replace("_", "-")
        for spec in FIELD_SPECS.values()
        if spec.values is not None
        for v in (m.value for m in spec.values)
        if "_" in v
    }
    lines = [line.strip(" │") for line in text.splitlines()]
    broken = [line for line in lines if re.search(r"[a-z]-$", line)]
    assert broken == []  # a line ending in "word-" is a value split at its hyphen
    words = set(" ".join(lines).replace(",", " ").replace(".", " ").split())
    for value in sorted(hyphenated):
        assert value in words, value


def test_interviewer_measures_its_terminal() -> None:
    assert Interviewer.__init__  # the width comes from the output given
    from ntrk_advisor.pathway.knowledge import default_knowledge_base

    assert Interviewer(default_knowledge_base(), "en", output=Narrow(60))._width() == 60
