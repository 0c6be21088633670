"""Ask for case fields at a terminal, in the chosen language, with the catalogue's help texts.

Questions, labels and help come from `questions.yaml`; this module only knows how each kind of
field is asked (select, yes/no, checklist, number, text). It uses `unsafe_ask()` so Ctrl-C and
end of input reach the caller, which keeps the answers given so far.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import questionary
from prompt_toolkit import print_formatted_text
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output
from rich.cells import cell_len

from ntrk_advisor.contract.fields import FIELD_SPECS, ID_SPEC, FieldSpec
from ntrk_advisor.contract.result import TraceStep
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.prompting.checklist import ask_checklist
from ntrk_advisor.prompting.keys import add_select_keys, back_bindings, given_streams
from ntrk_advisor.prompting.steps import BACK, Asking, choice_order
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
        self._io = given_streams(input, output)

    def begin(self) -> None:
        """The first screen: what the tool is, for whom, and the keys."""
        self._say(t("consult_intro", self.lang), style="bold")
        self._say(t("consult_keys", self.lang))

    def ask(self, field: str, current: Any = None, asking: Asking | None = None) -> Any:
        """Ask for one field and return its answer as a JSON-ready value, or `BACK`.

        `asking` gives the path so far, drawn as a breadcrumb above the question, and the
        answers given, from which a list starts on the choices that fit them.
        """
        if asking is not None:
            self._say(self.breadcrumb(asking), style="bold")
        if field == ID_SPEC.name:
            return self._ask_case_id(current)
        question = self.kb.questions.questions[field]
        spec = FIELD_SPECS[field]
        prompt = getattr(question.prompt, self.lang)
        self._say(getattr(question.help, self.lang))
        choices = question.choices or {}
        back = back_bindings(left_when_empty_cursor=True)
        if spec.kind == "number":

            def valid(text: str) -> bool | str:
                return self._valid_number(spec, text)

            text = questionary.text(
                prompt,
                default="" if current is None else str(current),
                validate=valid,
                key_bindings=back,
                **self._io,
            ).unsafe_ask()
            return BACK if text is BACK else _number(text)
        if spec.kind == "text":
            text = questionary.text(prompt, default=current or "", key_bindings=back, **self._io).unsafe_ask()
            return BACK if text is BACK else (text.strip() or None)
        if spec.kind == "list":
            assert question.none_label is not None  # the load-time checks demand one
            return ask_checklist(
                prompt,
                [(key, getattr(label, self.lang)) for key, label in choices.items()],
                getattr(question.none_label, self.lang),
                self.lang,
                current=current,
                width=self._width(),
                **self._io,
            )
        order = choice_order(field, list(choices), asking.answers if asking is not None else {})
        items = [questionary.Choice(self._fit(getattr(choices[key], self.lang)), value=key) for key in order]
        if current is not None:
            default_key: str | None = str(current).lower()
        elif question.start_on is not None:
            default_key = question.start_on
        else:
            default_key = order[0] if order else None
        default = next((c for c in items if c.value == default_key), None)
        answer = self._select(prompt, items, default)
        if answer is BACK:
            return BACK
        return answer == "true" if spec.kind == "bool" else answer

    def _select(self, prompt: str, items: Sequence[questionary.Choice], default: Any = None) -> Any:
        """A list whose options carry their numbers: a digit picks one, Esc or ← goes back."""
        question = questionary.select(
            prompt,
            choices=list(items),
            default=default,
            use_shortcuts=len(items) <= 36,
            use_jk_keys=False,
            instruction="\n"
            + "\n".join(wrap_to_width(t("consult_select_hint", self.lang), self._width() - 1)),
            **self._io,
        )
        add_select_keys(question, items)
        return question.unsafe_ask()

    def breadcrumb(self, asking: Asking) -> str:
        """The path so far, one line: `diagnostic ▸ metastatic ▸ Currently on a TRK inhibitor`.

        The sections the path has passed through, then the section it is in now, then the
        answers given in that section; a line too wide for the terminal loses its first crumbs.
        """
        crumbs: list[str] = []
        for step in asking.trace:
            section = step.node.partition(".")[0]
            name = t(f"pathway.{section}", self.lang)
            if name not in crumbs:
                crumbs.append(name)
            if section != "diagnostic" and section == (asking.pathway or section):
                crumbs.append(_short(self._answer_label(step.field, step.answer), 30))
        if asking.pathway is not None and t(f"pathway.{asking.pathway}", self.lang) not in crumbs:
            crumbs.append(t(f"pathway.{asking.pathway}", self.lang))
        if not crumbs:
            crumbs.append(t("pathway.diagnostic", self.lang))
        lead = t("path_so_far", self.lang)
        room = self._width() - 1 - cell_len(lead)
        while len(crumbs) > 1 and cell_len(" ▸ ".join(crumbs)) > room:
            crumbs = ["…", *crumbs[2:]] if crumbs[0] == "…" else ["…", *crumbs[1:]]
        return lead + " ▸ ".join(crumbs)

    def _width(self) -> int:
        """Columns of the terminal the questions are drawn on (80 when it cannot say)."""
        if "output" in self._io:
            try:
                return max(20, int(self._io["output"].get_size().columns))
            except Exception:  # a dummy or detached output: keep the default width
                return 80
        return 80

    def _fit(self, title: str, indent: int = 6) -> str:
        """A choice title shortened with an ellipsis to fit one line (questionary cuts it off)."""
        return _short(title, self._width() - 1 - indent)

    def _ask_case_id(self, current: Any) -> str | None:
        """The case's own identifier for the MDT note (optional: Enter skips)."""
        self._say(t("case_id_help", self.lang))
        text = questionary.text(
            t("case_id_prompt", self.lang),
            default=current or "",
            key_bindings=back_bindings(left_when_empty_cursor=True),
            **self._io,
        ).unsafe_ask()
        return BACK if text is BACK else (text.strip() or None)

    def review(self, trace: tuple[TraceStep, ...], heading: Mapping[str, Any] | None = None) -> Any:
        """Show the answers used; return a field the user wants to change, None when done, or `BACK`.

        `heading` holds the answers that head the report but no path uses (the case id, the
        tumour type): listed after the path's answers, so they can be corrected here too.
        """
        items = [questionary.Choice(t("review_done", self.lang), value=_DONE)]
        for step in trace:
            label = getattr(self.kb.questions.questions[step.field].prompt, self.lang)
            items.append(
                questionary.Choice(
                    self._fit(
                        question_and_answer(label, self._answer_label(step.field, step.answer), self.lang)
                    ),
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
            items.append(
                questionary.Choice(self._fit(question_and_answer(label, str(value), self.lang)), value=field)
            )
        self._say(t("review_title", self.lang))
        choice = self._select(t("review_prompt", self.lang), items)
        if choice is BACK:
            return BACK
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
        if "output" in self._io:
            kwargs["output"] = self._io["output"]
        wrapped = "\n".join(wrap_to_width(text, self._width() - 1))
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


def _short(text: str, width: int) -> str:
    """`text` cut at a word (or a Chinese character) with "…" when wider than `width` cells."""
    if cell_len(text) <= width:
        return text
    lines = wrap(text, max(1, width - 1))
    head = lines[0].rstrip() if lines else ""
    while head and cell_len(head) > width - 1:
        head = head[:-1]
    return head + "…"


def _number(text: str) -> float | int | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return int(value) if value.is_integer() else value
