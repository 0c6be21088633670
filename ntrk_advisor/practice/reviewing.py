"""The interactive review of due items: a fresh case per item, graded by the engine, rescheduled.

Like the scenario session (`session.py`), each answer is recorded the moment it is graded, so
Ctrl-C or the end of input at any prompt keeps every answer so far. The item is named only after
the answer, so the vignette does not give away what is being reviewed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import questionary
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output
from rich.console import Console, Group, RenderableType
from rich.panel import Panel

from ntrk_advisor.environment import Clock
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.practice.drawing import DrawnCase, ReviewGrade, draw, grade_drawn, vignette_lines
from ntrk_advisor.practice.items import ItemIndex
from ntrk_advisor.practice.progress_view import item_label, when
from ntrk_advisor.practice.schedule import rating_for, schedule
from ntrk_advisor.practice.session import CHOICE_INDENT, answer_keys
from ntrk_advisor.practice.stats import PATHWAY_ORDER, Tally, as_reviews, tally_by
from ntrk_advisor.practice.store import ItemReview, PracticeStore, now_utc
from ntrk_advisor.practice.texts import say
from ntrk_advisor.prompting.keys import given_streams
from ntrk_advisor.render.rich_blocks import fold
from ntrk_advisor.render.screen import result_screen
from ntrk_advisor.render.wrapping import wrap


@dataclass
class ReviewReport:
    """What happened in one review session: each item asked and whether the answer was the key."""

    answered: list[tuple[str, str, bool]] = field(default_factory=list)
    """(item, pathway, correct) per answer."""
    interrupted: bool = False

    @property
    def score(self) -> Tally:
        """Correct answers out of answers given so far."""
        return Tally(len(self.answered), sum(ok for _, _, ok in self.answered))

    def by_pathway(self) -> dict[str, Tally]:
        """The session's tallies by pathway, in pathway order."""
        return tally_by(((p, ok) for _, p, ok in self.answered), PATHWAY_ORDER)


class ReviewSession:
    """Asks one fresh question per item, in one language, recording and rescheduling each."""

    def __init__(
        self,
        index: ItemIndex,
        store: PracticeStore,
        lang: Lang,
        console: Console,
        clock: Clock,
        *,
        input: Input | None = None,
        output: Output | None = None,
    ) -> None:
        self.index = index
        self.store = store
        self.lang = lang
        self.console = console
        self.clock = clock
        self._io = given_streams(input, output)

    def run(self, items: Sequence[str], rng: random.Random) -> ReviewReport:
        """Review `items` in order until done, stopped, or interrupted."""
        report = ReviewReport()
        kb = self.index.kb
        try:
            for number, item in enumerate(items, start=1):
                drawn = draw(self.index, item, rng)
                self.console.print(self._vignette(drawn, (number, len(items))))
                graded = grade_drawn(drawn, self._ask(drawn), kb, self.lang)
                self.store.record_review(self._review(graded))
                pathway = graded.result.pathway.value if graded.result.pathway else ""
                report.answered.append((item, pathway, graded.correct))
                self.console.print(self._feedback(graded, report.score))
                if number < len(items) and not self._go_on():
                    break
        except (KeyboardInterrupt, EOFError):
            report.interrupted = True
        return report

    def confirm(self, question: str) -> bool:
        """A yes/no question at the terminal (yes first)."""
        choices = [
            questionary.Choice(t("yes", self.lang), value=True),
            questionary.Choice(t("no", self.lang), value=False),
        ]
        asked = questionary.select(
            question, choices=choices, instruction=t("select_hint", self.lang), **self._io
        )
        return bool(asked.unsafe_ask())

    def _review(self, graded: ReviewGrade) -> ItemReview:
        drawn = graded.drawn
        return ItemReview(
            item=drawn.item,
            reviewed_at=now_utc(self.clock),
            rating=int(rating_for(graded.correct)),
            correct=graded.correct,
            knowledge_version=self.index.kb.stamp.version,
            pathway=graded.result.pathway.value if graded.result.pathway else None,
            choice=drawn.options[graded.chosen_index].value,
            key=graded.key.value,
            lang=self.lang,
            answers=json.dumps(drawn.answers, sort_keys=True),
        )

    def _vignette(self, drawn: DrawnCase, position: tuple[int, int]) -> Panel:
        lang = self.lang
        lines = [
            say("vignette_intro", lang),
            *(f"• {line}" for line in vignette_lines(drawn, self.index.kb, lang)),
        ]
        return Panel(
            fold("\n".join(lines)),
            title=fold(f"{say('review_title', lang)} {position[0]}/{position[1]}", "bold"),
            title_align="left",
            border_style="cyan",
        )

    def _ask(self, drawn: DrawnCase) -> int:
        """The option chosen: by its number (at once), or with the arrow keys and Enter."""
        width = self._width() - 1
        choices = [
            questionary.Choice(
                ("\n" + " " * CHOICE_INDENT).join(
                    wrap(drawn.option_label(i, self.lang), width - CHOICE_INDENT)
                ),
                value=i,
            )
            for i in range(len(drawn.options))
        ]
        keys = "\n".join(wrap(say("answer_keys", self.lang), width))
        question = questionary.select(
            say(f"ask.{drawn.question.value}", self.lang),
            choices=choices,
            use_shortcuts=True,
            use_jk_keys=False,
            instruction="\n" + keys,
            **self._io,
        )
        answer_keys(question, choices)
        return int(question.unsafe_ask())

    def _feedback(self, graded: ReviewGrade, score: Tally) -> Group:
        lang = self.lang
        kb = self.index.kb
        drawn = graded.drawn
        chosen = f"{graded.chosen_index + 1}. {drawn.option_label(graded.chosen_index, lang)}"
        lines = [fold(f"{say('your_answer', lang)}: {chosen}")]
        if not graded.correct:
            key = f"{graded.key_index + 1}. {drawn.option_label(graded.key_index, lang)}"
            lines.append(fold(f"{say('keyed_answer', lang)}: {key}", "bold"))
        verdict, style, mark = ("correct", "green", "✓") if graded.correct else ("incorrect", "red", "✗")
        parts: list[RenderableType] = [
            Panel(
                Group(*lines),
                title=fold(f"{mark} {say(verdict, lang)}", f"bold {style}"),
                title_align="left",
                border_style=style,
            )
        ]
        item = self.index.items[drawn.item]
        about = item_label(drawn.item, kb, lang)
        text = item.text(kb, lang)
        parts.append(fold(f"{about}: {text}" if text else about, "magenta"))
        mine = [r for r in self.store.reviews() if r.item == drawn.item]
        later = schedule(as_reviews(mine)).get(drawn.item)
        if later is not None:
            days = max(round(later.interval().total_seconds() / 86400), 0)
            parts.append(
                fold(say("next_review", lang, item=about, when=when(later.due, lang), days=days), "cyan")
            )
        parts.append(fold(say("full_recommendation", lang), "bold underline"))
        parts.append(result_screen(graded.result, kb, lang, tumor_type=None))
        parts.append(
            fold(
                say("score", lang, correct=score.correct, answered=score.attempts, percent=score.percent),
                "bold",
            )
        )
        return Group(*parts)

    def _width(self) -> int:
        output = self._io.get("output")
        return int(output.get_size().columns) if output is not None else self.console.width

    def _go_on(self) -> bool:
        choices = [
            questionary.Choice(say("next_item", self.lang), value=True),
            questionary.Choice(say("end_session", self.lang), value=False),
        ]
        question = questionary.select(
            say("continue_prompt", self.lang),
            choices=choices,
            instruction=t("select_hint", self.lang),
            **self._io,
        )
        return bool(question.unsafe_ask())
