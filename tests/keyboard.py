"""Keystrokes that answer the consult's questions, for the pipe-input and pseudo-terminal tests.

`keys_for` turns one answer into what a user would type at the questionary prompt that
`ntrk_advisor.prompting.interviewer.Interviewer` shows for that field (select, yes/no, checklist, number);
`Keyboard` plays them into a real terminal, waiting for each question's text first.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ntrk_advisor.contract.fields import FIELD_SPECS
from ntrk_advisor.i18n import t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.prompting.steps import choice_order

DOWN = "\x1b[B"
UP = "\x1b[A"
ENTER = "\r"
SPACE = " "
BACKSPACE = "\x7f"
CTRL_C = "\x03"

ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")


def choice_keys(kb: KnowledgeBase, field: str) -> list[str]:
    """The answer keys of a choice question, in the order the prompt lists them."""
    return list(kb.questions.questions[field].choices or {})


def _move(steps: int) -> str:
    return DOWN * steps if steps >= 0 else UP * -steps


def _key(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def shown_order(kb: KnowledgeBase, field: str, answers: Mapping[str, Any] | None = None) -> list[str]:
    """The choice keys in the order the prompt lists them after `answers` (fitting ones first)."""
    return choice_order(field, choice_keys(kb, field), dict(answers or {}))


def keys_for(
    kb: KnowledgeBase, field: str, value: Any, current: Any = None, answers: Mapping[str, Any] | None = None
) -> str:
    """What to type to answer `field` with `value` when the prompt starts at `current`.

    `answers` are those given before: a list starts from the choices that fit them.
    """
    kind = FIELD_SPECS[field].kind
    if kind in ("number", "text"):
        shown = "" if current is None else str(current)
        return BACKSPACE * len(shown) + ("" if value is None else str(value)) + ENTER
    keys = choice_keys(kb, field)
    if kind == "list":
        # The checklist lists "None of these", then the items; ticking one clears the other.
        wanted = {str(v) for v in value}
        ticked = {str(v) for v in current or ()}
        if not wanted:
            return (SPACE if ticked else "") + ENTER
        typed = []
        for key in keys:
            typed.append(DOWN)
            if (key in wanted) != (key in ticked):
                typed.append(SPACE)
        return "".join(typed) + ENTER
    keys = shown_order(kb, field, answers)
    start_on = kb.questions.questions[field].start_on
    start = keys.index(_key(current)) if current is not None else keys.index(start_on) if start_on else 0
    return _move(keys.index(_key(value)) - start) + ENTER


def answer_keys(kb: KnowledgeBase, answers: Mapping[str, Any], fields: Iterable[str]) -> str:
    """Keystrokes answering `fields` one after another from `answers` (prompts start empty)."""
    typed = []
    before: dict[str, Any] = {}
    for field in fields:
        typed.append(keys_for(kb, field, answers[field], answers=before))
        before[field] = answers[field]
    return "".join(typed)


def review_keys(trace_fields: list[str], change: str | None = None) -> str:
    """At the review: pick `change` (a field of the trace), or show the recommendation."""
    if change is None:
        return ENTER
    return DOWN * (trace_fields.index(change) + 1) + ENTER


def prompt_text(kb: KnowledgeBase, field: str, lang: str = "en") -> str:
    """The question text questionary shows for `field`."""
    return str(getattr(kb.questions.questions[field].prompt, lang))


def help_text(kb: KnowledgeBase, field: str, lang: str = "en") -> str:
    """The help text printed before the question for `field`."""
    return str(getattr(kb.questions.questions[field].help, lang))


def review_prompt(lang: str = "en") -> str:
    """The question text of the review step."""
    return t("review_prompt", lang)  # type: ignore[arg-type]


def plain(text: str) -> str:
    """Terminal output without escape sequences and carriage returns."""
    return ANSI.sub("", text).replace("\r", "")


class Keyboard:
    """Types answers into a pexpect child, each after its question has appeared."""

    def __init__(self, child: Any, kb: KnowledgeBase, lang: str = "en") -> None:
        self.child = child
        self.kb = kb
        self.lang = lang
        self.asked: list[str] = []
        self._opening: list[str] | None = None

    def wait_for(self, field: str) -> None:
        """Wait until the question for `field` is on screen (its help text, then the question).

        The help text is printed only when the field is asked, never in the review list, so
        waiting for it first keeps a review line naming the same question from matching.
        """
        if self._opening is None:  # worked out on first use, in the language set by then
            self._opening = [t("case_id_prompt", self.lang), prompt_text(self.kb, "tumor_type", self.lang)]  # type: ignore[arg-type]
        wanted = help_text(self.kb, field, self.lang)[:40]
        while self._opening:  # the optional case ID and tumour type, asked first: Enter skips each
            found = self.child.expect_exact([*self._opening, wanted])
            if found == len(self._opening):
                break
            self._opening.pop(found)  # its answered line repeats the prompt: never match it twice
            self.child.send(ENTER)
        else:
            self.child.expect_exact(wanted)
        self.child.expect_exact(prompt_text(self.kb, field, self.lang))
        self.asked.append(field)

    def answer(
        self, field: str, value: Any, current: Any = None, answers: Mapping[str, Any] | None = None
    ) -> None:
        """Wait for the question for `field`, then type `value` (`answers`: those given before)."""
        self.wait_for(field)
        self.child.send(keys_for(self.kb, field, value, current, answers))

    def answer_all(self, answers: Mapping[str, Any], fields: Iterable[str]) -> None:
        """Answer `fields` in order from `answers`."""
        before: dict[str, Any] = {}
        for field in fields:
            self.answer(field, answers[field], answers=before)
            before[field] = answers[field]

    def review(self, trace_fields: list[str], change: str | None = None) -> None:
        """Wait for the review; change one answer's field, or show the recommendation."""
        self.child.expect_exact(review_prompt(self.lang))
        self.child.send(review_keys(trace_fields, change))

    def interrupt(self, field: str) -> None:
        """Wait for the question for `field`, then press Ctrl-C."""
        self.wait_for(field)
        self.child.send(CTRL_C)


def pty_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a CLI run in a real pseudo-terminal: no user settings, fixed size."""
    env = dict(os.environ)
    for name in ("NTRK_ADVISOR_LANG", "NTRK_ADVISOR_DEBUG", "NO_COLOR"):
        env.pop(name, None)
    env.update(PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", COLUMNS="100", LINES="40", PYTHONIOENCODING="utf-8")
    env.update(PAGER="cat")  # a long result is paged at a terminal: `cat` shows it all without waiting
    env.update(extra)
    return env
