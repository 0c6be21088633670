"""Ask for case fields at a terminal, in the chosen language, with the catalogue's help texts.

Questions, labels and help come from `questions.yaml`; this module only knows how each kind of
field is asked (select, yes/no, checklist, number). It uses `unsafe_ask()` so Ctrl-C and end of
input reach the caller, which keeps the answers given so far.
"""

from __future__ import annotations

import re
from typing import Any

import questionary
from prompt_toolkit import print_formatted_text
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output
from prompt_toolkit.utils import get_cwidth

from ntrk_advisor.contract.fields import FIELD_SPECS, FieldSpec
from ntrk_advisor.contract.result import TraceStep
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.view import answer_label

_DONE = "__done__"


class Interviewer:
    """Asks one field at a time; terminal streams are injectable so tests can drive it."""

    def __init__(
        self, kb: KnowledgeBase, lang: Lang, *, input: Input | None = None, output: Output | None = None
    ) -> None:
        self.kb = kb
        self.lang = lang
        self._io: dict[str, Any] = {}
        if input is not None:
            self._io["input"] = input
        if output is not None:
            self._io["output"] = output

    def ask(self, field: str, current: Any = None) -> Any:
        """Ask for one field and return its answer as a JSON-ready value."""
        question = self.kb.questions.questions[field]
        spec = FIELD_SPECS[field]
        prompt = getattr(question.prompt, self.lang)
        self._say(getattr(question.help, self.lang))
        choices = question.choices or {}
        if spec.kind == "number":

            def valid(text: str) -> bool | str:
                return self._valid_number(spec, text)

            text = questionary.text(
                prompt, default="" if current is None else str(current), validate=valid, **self._io
            ).unsafe_ask()
            return _number(text)
        if spec.kind == "text":
            text = questionary.text(prompt, default=current or "", **self._io).unsafe_ask()
            return text.strip() or None
        if spec.kind == "list":
            selected = set(current or [])
            items = [
                questionary.Choice(getattr(label, self.lang), value=key, checked=key in selected)
                for key, label in choices.items()
            ]
            assert question.none_label is not None
            hint = f"{getattr(question.none_label, self.lang)}: ⏎"
            return list(
                questionary.checkbox(prompt, choices=items, instruction=hint, **self._io).unsafe_ask()
            )
        items = [questionary.Choice(getattr(label, self.lang), value=key) for key, label in choices.items()]
        default_key = None if current is None else str(current).lower()
        default = next((c for c in items if c.value == default_key), None)
        answer = questionary.select(
            prompt, choices=items, default=default, instruction=t("select_hint", self.lang), **self._io
        ).unsafe_ask()
        return answer == "true" if spec.kind == "bool" else answer

    def review(self, trace: tuple[TraceStep, ...]) -> str | None:
        """Show the answers used; return a field the user wants to change, or None when done."""
        items = [questionary.Choice(t("review_done", self.lang), value=_DONE)]
        for step in trace:
            label = getattr(self.kb.questions.questions[step.field].prompt, self.lang)
            items.append(
                questionary.Choice(
                    f"{label}: {self._answer_label(step.field, step.answer)}", value=step.field
                )
            )
        self._say(t("review_title", self.lang))
        choice = questionary.select(
            t("review_prompt", self.lang), choices=items, instruction=t("select_hint", self.lang), **self._io
        ).unsafe_ask()
        return None if choice == _DONE else str(choice)

    def _answer_label(self, field: str, answer: Any) -> str:
        return answer_label(self.kb, field, answer, self.lang)

    def warn(self, text: str) -> None:
        """Show a problem with the answers just given (a contradiction), before asking again."""
        self._say(text)

    def _valid_number(self, spec: FieldSpec, text: str) -> bool | str:
        """A typed number within the field table's limits, or the message saying what they are."""
        assert spec.minimum is not None and spec.below is not None  # the field table demands both
        value = _number(text)
        if value is None or not spec.minimum <= value < spec.below:
            return t("number_invalid", self.lang, minimum=f"{spec.minimum:g}", below=f"{spec.below:g}")
        return True

    def _say(self, text: str) -> None:
        kwargs: dict[str, Any] = {}
        width = 80
        if "output" in self._io:
            kwargs["output"] = self._io["output"]
            try:
                width = self._io["output"].get_size().columns
            except Exception:  # a dummy or detached output: keep the default width
                width = 80
        wrapped = "\n".join(wrap_to_width(text, max(20, width - 1)))
        print_formatted_text(FormattedText([("fg:ansibrightblack", wrapped)]), **kwargs)


_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKENS = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")
"""A space run, one wide (CJK) character, or a run of anything else: the units lines break between."""


_NO_LINE_START = frozenset("，。、；：！？）」』》〉,.;:!?)")


def wrap_to_width(text: str, width: int) -> list[str]:
    """Lines of at most `width` terminal cells: breaks between words, or between Chinese characters.

    `textwrap` counts characters, not cells, and never breaks Chinese (which has no spaces);
    a terminal would then cut lines in the middle of a word.
    """
    tokens = _TOKENS.findall(text)
    lines: list[str] = []
    line = ""
    for token in tokens:
        if token.isspace():
            if line:
                line += " "
            continue
        # Never start a line with closing punctuation (Chinese typesetting forbids it).
        if get_cwidth(line + token) > width and line.strip() and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = ""
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _number(text: str) -> float | int | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return int(value) if value.is_integer() else value
