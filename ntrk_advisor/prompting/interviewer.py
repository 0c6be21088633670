"""Ask for case fields at a terminal, in the chosen language, with the catalogue's help texts.

Questions, labels and help come from `questions.yaml`; this module only knows how each kind of
field is asked (select, yes/no, checklist, number, text). It uses `unsafe_ask()` so Ctrl-C and
end of input reach the caller, which keeps the answers given so far.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import questionary
from prompt_toolkit import print_formatted_text
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output

from ntrk_advisor.contract.fields import FIELD_SPECS, ID_SPEC, FieldSpec
from ntrk_advisor.contract.result import TraceStep
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.prompting.checklist import ask_checklist
from ntrk_advisor.render.view import answer_label, labelled
from ntrk_advisor.render.wrapping import wrap

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

    def begin(self) -> None:
        """The first screen: what the tool is, for whom, and the keys."""
        self._say(t("consult_intro", self.lang), style="bold")
        self._say(t("consult_keys", self.lang))

    def ask(self, field: str, current: Any = None, position: tuple[int, int] | None = None) -> Any:
        """Ask for one field and return its answer as a JSON-ready value.

        `position` is (this question's number, about how many the path will ask), shown above it.
        """
        if position is not None:
            self._say(t("question_position", self.lang, number=position[0], about=position[1]), style="bold")
        if field == ID_SPEC.name:
            return self._ask_case_id(current)
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
            assert question.none_label is not None  # the load-time checks demand one
            return ask_checklist(
                prompt,
                [(key, getattr(label, self.lang)) for key, label in choices.items()],
                getattr(question.none_label, self.lang),
                self.lang,
                current=current,
                **self._io,
            )
        items = [questionary.Choice(getattr(label, self.lang), value=key) for key, label in choices.items()]
        default_key = question.start_on if current is None else str(current).lower()
        default = next((c for c in items if c.value == default_key), None)
        answer = questionary.select(
            prompt, choices=items, default=default, instruction=t("select_hint", self.lang), **self._io
        ).unsafe_ask()
        return answer == "true" if spec.kind == "bool" else answer

    def _ask_case_id(self, current: Any) -> str | None:
        """The case's own identifier for the MDT note (optional: Enter skips)."""
        self._say(t("case_id_help", self.lang))
        text = questionary.text(
            t("case_id_prompt", self.lang), default=current or "", **self._io
        ).unsafe_ask()
        return text.strip() or None

    def review(self, trace: tuple[TraceStep, ...], heading: Mapping[str, Any] | None = None) -> str | None:
        """Show the answers used; return a field the user wants to change, or None when done.

        `heading` holds the answers that head the report but no path uses (the case id, the
        tumour type): listed after the path's answers, so they can be corrected here too.
        """
        items = [questionary.Choice(t("review_done", self.lang), value=_DONE)]
        for step in trace:
            label = getattr(self.kb.questions.questions[step.field].prompt, self.lang)
            items.append(
                questionary.Choice(
                    question_and_answer(label, self._answer_label(step.field, step.answer), self.lang),
                    value=step.field,
                )
            )
        for field, value in (heading or {}).items():
            if value is None:
                continue
            label = (
                t("case_id_prompt", self.lang)
                if field == "id"
                else getattr(self.kb.questions.questions[field].prompt, self.lang)
            )
            items.append(questionary.Choice(question_and_answer(label, str(value), self.lang), value=field))
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

    def _say(self, text: str, style: str = "fg:ansibrightblack") -> None:
        kwargs: dict[str, Any] = {}
        width = 80
        if "output" in self._io:
            kwargs["output"] = self._io["output"]
            try:
                width = self._io["output"].get_size().columns
            except Exception:  # a dummy or detached output: keep the default width
                width = 80
        wrapped = "\n".join(wrap_to_width(text, max(20, width - 1)))
        print_formatted_text(FormattedText([(style, wrapped)]), **kwargs)


def question_and_answer(question: str, answer: str, lang: Lang) -> str:
    """`Disease setting: Metastatic`; after a question mark just a space (never "?:" or "？:")."""
    if question.endswith(("?", "？")):
        return f"{question} {answer}"
    return labelled(question, answer, lang)


def wrap_to_width(text: str, width: int) -> list[str]:
    """Lines of at most `width` terminal cells, broken between words or Chinese characters.

    The one wrapping rule of the tool (`render/wrapping.py`), so a help text breaks where a table
    cell would; a blank text gives no line at all.
    """
    return [line for line in wrap(text, width) if line.strip()]


def _number(text: str) -> float | int | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return int(value) if value.is_integer() else value
