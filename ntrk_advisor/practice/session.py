"""The interactive practice session: vignette, question, graded feedback, running score.

Each answer is recorded the moment it is graded, so Ctrl-C (or the end of input) at any prompt
ends the session with every answer so far kept. Prompts use questionary's `unsafe_ask()` so the
interrupt reaches this loop instead of being swallowed; the terminal streams are injectable, so
tests drive a whole session through prompt_toolkit's pipe input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import questionary
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.output import Output
from rich.console import Console

from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.practice.grading import Feedback, grade
from ntrk_advisor.practice.library import KeyedScenario, ScenarioLibrary
from ntrk_advisor.practice.render import feedback_screen, full_recommendation, verdict_line, vignette_panel
from ntrk_advisor.practice.stats import PATHWAY_ORDER, Tally, tally_by
from ntrk_advisor.practice.store import PracticeStore
from ntrk_advisor.practice.texts import say
from ntrk_advisor.prompting.keys import bind_number_keys, given_streams
from ntrk_advisor.render.wrapping import wrap

CHOICE_INDENT = 6
"""Cells before a choice's text in questionary's list: the pointer (" » ") and the number ("1) ")."""


@dataclass
class SessionReport:
    """What happened in one session: each scenario answered and whether it was right."""

    answered: list[tuple[KeyedScenario, bool]] = field(default_factory=list)
    interrupted: bool = False

    @property
    def score(self) -> Tally:
        """Correct answers out of answers given so far."""
        return Tally(len(self.answered), sum(ok for _, ok in self.answered))

    def by_pathway(self) -> dict[str, Tally]:
        """The session's tallies by pathway, in pathway order."""
        return tally_by(((k.scenario.pathway.value, ok) for k, ok in self.answered), PATHWAY_ORDER)


class Session:
    """Asks a list of scenarios one by one in one language, recording every answer."""

    def __init__(
        self,
        library: ScenarioLibrary,
        store: PracticeStore,
        lang: Lang,
        console: Console,
        *,
        input: Input | None = None,
        output: Output | None = None,
    ) -> None:
        self.library = library
        self.store = store
        self.lang = lang
        self.console = console
        self._io = given_streams(input, output)

    def run(self, scenarios: Sequence[KeyedScenario]) -> SessionReport:
        """Present `scenarios` in order until done, stopped, or interrupted."""
        report = SessionReport()
        kb = self.library.kb
        try:
            for number, keyed in enumerate(scenarios, start=1):
                self.console.print(vignette_panel(keyed, self.lang, (number, len(scenarios))))
                feedback = grade(keyed, self._ask(keyed), self.lang, kb)
                self.store.record(feedback.attempt(kb.stamp.version, self.store.clock))
                report.answered.append((keyed, feedback.correct))
                last = number == len(scenarios)
                self.console.print(feedback_screen(feedback, kb, report.score, full=last))
                if not last and not self._go_on(feedback, report.score):
                    break
        except (KeyboardInterrupt, EOFError):
            report.interrupted = True
        return report

    def _ask(self, keyed: KeyedScenario) -> int:
        """The option chosen: by its number (at once), or with the arrow keys and Enter.

        Each option is wrapped to the terminal's width under its own number (questionary draws
        a choice on one line and cuts off what passes the edge).
        """
        width = self._width() - 1  # the last column left free: no automatic wrap
        choices = [
            questionary.Choice(
                ("\n" + " " * CHOICE_INDENT).join(wrap(option.label(self.lang), width - CHOICE_INDENT)),
                value=index,
            )
            for index, option in enumerate(keyed.scenario.options)
        ]
        prompt = getattr(keyed.scenario.prompt, self.lang)
        keys = "\n".join(wrap(say("answer_keys", self.lang), width))  # on its own lines, under the question
        question = questionary.select(
            prompt,
            choices=choices,
            use_shortcuts=True,
            use_jk_keys=False,
            instruction="\n" + keys,
            **self._io,
        )
        answer_keys(question, choices)
        return int(question.unsafe_ask())

    def _width(self) -> int:
        """Columns of the terminal the questions are drawn on (the console's, when not given)."""
        output = self._io.get("output")
        return int(output.get_size().columns) if output is not None else self.console.width

    def _go_on(self, feedback: Feedback, score: Tally) -> bool:
        """Next scenario or the end; the verdict stands in the prompt, the recommendation behind 3.

        The whole recommendation is long (a screen or more): shown only on request, and the
        prompt, headed by the one-line verdict, is asked again under it, so the verdict is never
        scrolled away before the choice.
        """
        while True:
            choices = [
                questionary.Choice(say("next_scenario", self.lang), value="next"),
                questionary.Choice(say("end_session", self.lang), value="end"),
                questionary.Choice(say("show_full", self.lang), value="full"),
            ]
            question = questionary.select(
                f"{verdict_line(feedback, score)} · {say('continue_prompt', self.lang)}",
                choices=choices,
                use_shortcuts=True,
                use_jk_keys=False,
                # on its own line: the verdict and score already fill most of the prompt's line
                instruction="\n" + "\n".join(wrap(t("select_hint", self.lang), self._width() - 1)),
                **self._io,
            )
            answer_keys(question, choices)
            chosen = question.unsafe_ask()
            if chosen != "full":
                return bool(chosen == "next")
            self.console.print(full_recommendation(feedback, self.library.kb))


def answer_keys(question: questionary.Question, choices: Sequence[questionary.Choice]) -> None:
    """An option's number chooses it and answers at once; the answered line echoes the number.

    questionary's shortcut keys only move the pointer to the option, and Enter then answers.
    Each number key is bound again (the binding added last wins) to do both. On answering, the
    choices' titles become their numbers, so the line questionary leaves on screen reads
    "? What is the best next step? 3" rather than a long option cut off at the edge (the
    feedback quotes the option whole).
    """
    bindings = question.application.key_bindings
    if not isinstance(bindings, KeyBindings):  # pragma: no cover - questionary builds a KeyBindings
        return
    enter = [b for b in bindings.bindings if b.keys == (Keys.ControlM,)][-1].handler

    def answer(event: KeyPressEvent) -> None:
        for number, choice in enumerate(choices, start=1):
            choice.title = str(number)
        enter(event)

    bindings.add(Keys.ControlM, eager=True)(answer)
    bind_number_keys(bindings, len(choices), answer)
