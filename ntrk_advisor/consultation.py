"""One consult: answers from a file, flags and prompts, through one validation, to a result.

The CLI stays a thin layer of options; this module holds the flow (merge, validate, ask what is
missing, review, save, render) and never decides anything clinical: the engine does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ntrk_advisor.contract.case import Case, case_from_data
from ntrk_advisor.contract.errors import CaseInvalid, Problem
from ntrk_advisor.contract.result import Result, TraceStep
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.engine import echoable_id, evaluate, invalid_result
from ntrk_advisor.environment import Environment
from ntrk_advisor.errors import ConsultInterrupted, NoTerminalError, UsageError
from ntrk_advisor.files import case_json, same_file, write_atomic
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.intake import Answers, read_answers_file
from ntrk_advisor.pathway.knowledge import KnowledgeBase, default_knowledge_base

if TYPE_CHECKING:
    from ntrk_advisor.prompting.steps import Asking

OPTIONAL_AT_START = ("id", "tumor_type")
"""Asked first in an interactive consult when not given: they label the note, never the path."""


class Interviewer(Protocol):
    """Whoever answers the questions of a consult: a person at a terminal, or a test."""

    def begin(self) -> None:
        """Show what the tool is and the keys, before the first question."""

    def ask(self, field: str, current: Any = None, asking: Asking | None = None) -> Any:
        """The answer for `field` as a JSON value (`current` is the answer to change, if any).

        `asking` is the path so far and the answers given; `BACK` means "the previous question".
        """

    def review(self, trace: tuple[TraceStep, ...], heading: Mapping[str, Any] | None = None) -> Any:
        """The field to change after seeing the answers used, None to accept them, or `BACK`.

        `heading` holds the case id and tumour type, which head the report but no path uses.
        """

    def warn(self, text: str) -> None:
        """Tell the person why an answer cannot be taken."""


class Consultation:
    """Runs one consult in one language against one knowledge base."""

    def __init__(
        self,
        lang: Lang,
        knowledge: KnowledgeBase | None,
        env: Environment,
        word_flag: Callable[[Problem, Mapping[str, Any], Lang], str] | None = None,
    ) -> None:
        self.lang = lang
        self.word_flag = word_flag or plain_value_message
        """How a bad value given on the command line is worded (the CLI knows its own flags)."""
        self.kb = knowledge or default_knowledge_base()
        self.env = env
        """The streams, the terminal and the clock of the command (a test hands in its own)."""
        self.intake = Answers({})
        """The answers of this consult's case file as read (a FHIR import carries its sources)."""

    def run(
        self,
        case_file: Path | None,
        flags: dict[str, Any],
        *,
        interactive: bool,
        save: Path | None = None,
        interviewer: Interviewer | None = None,
        output: Path | None = None,
        output_format: str = "rich",
    ) -> tuple[Result, dict[str, Any]]:
        """Produce the result and the answers it used; asks only when `interactive`.

        `output` and `output_format` are where and how `show` will write the result: named here
        only so that a clash with an input or with `save`, or a PDF with nowhere to go, is refused
        before any question, and no answer is typed in vain.

        A case file that is a FHIR Bundle (or a derived case with `sources`) is imported first;
        the result then carries the sources of the answers still as imported.
        """
        if output_format == "pdf" and output is None:
            raise UsageError("usage.pdf_needs_output")
        for target in (save, output):
            if target is not None and case_file is not None and same_file(target, case_file):
                raise UsageError("usage.over_input", path=target)
        if save is not None and output is not None and same_file(save, output):
            raise UsageError("usage.over_saved_case", path=output)
        self.intake = Answers({})
        result, answers = self._run(
            case_file, flags, interactive=interactive, save=save, interviewer=interviewer
        )
        if self.intake.imported:
            result = dataclasses.replace(result, sources=self.intake.sources_for(answers))
        return result, answers

    def _read(self, case_file: Path | None) -> Answers:
        """The case file's answers; a FHIR Bundle or a derived case is imported (notes on stderr).

        `CaseInvalid` when no answer of the file can be trusted: a key given twice, or a derived
        case whose `sources` is malformed.
        """
        if case_file is None:
            return Answers({})
        answers = read_answers_file(
            case_file, today=self.env.today(), lang=self.lang, stdin=self.env.stdin_bytes()
        )
        if answers.notes:
            from ntrk_advisor.fhir.derived import note_lines

            self.env.stderr.write(note_lines(answers.notes, self.lang))
        return answers

    def _run(
        self,
        case_file: Path | None,
        flags: dict[str, Any],
        *,
        interactive: bool,
        save: Path | None = None,
        interviewer: Interviewer | None = None,
    ) -> tuple[Result, dict[str, Any]]:
        try:
            self.intake = self._read(case_file)
        except CaseInvalid as exc:  # a key given twice, a malformed `sources`: nothing to trust
            return invalid_result(exc, self.lang, self.kb, None), {}
        flagged = Answers({}).over(flags).values
        answers = self.intake.over(flagged).values
        inputs = (case_file,) if case_file is not None else ()
        can_ask = interactive and (interviewer is not None or self.env.stdin_is_terminal)
        notices: list[str] = []
        try:
            case = case_from_data(answers)
        except CaseInvalid as exc:
            wrong = flag_value_problems(exc, flagged) if isinstance(answers, dict) else []
            if not wrong:
                return invalid_result(exc, self.lang, self.kb, echoable_id(answers, exc)), {}
            if not can_ask:  # a mistyped flag is the user's to fix: one line, exit 2
                raise UsageError(self.word_flag(wrong[0], flagged, self.lang)) from None
            notices = [self.word_flag(problem, flagged, self.lang) for problem in wrong]
            for field in {problem[0].partition(".")[0] for problem in wrong}:
                answers.pop(field, None)  # asked again instead
            try:
                case = case_from_data(answers)
            except CaseInvalid as again:
                return invalid_result(again, self.lang, self.kb, echoable_id(answers, again)), {}
        result = evaluate(case, self.lang, self.kb)
        if interactive and interviewer is None:
            # Nobody to ask: a complete case is simply shown; an incomplete one is an error.
            if not self.env.stdin_is_terminal:
                if result.status is not Status.COMPLETE:
                    raise NoTerminalError(result.missing)
                interactive = False
            else:
                interviewer = _terminal_interviewer(self.kb, self.lang)
        if interactive and interviewer is not None:
            case, result = self._interview(case, interviewer, notices)
        answers = answers_of(case, answers)
        if save is not None:
            write_atomic(save, case_json(answers), inputs=inputs)
            self.env.stderr.write(t("saved", self.lang, path=save) + "\n")
        return result, answers

    def _interview(
        self, case: Case, interviewer: Interviewer, notices: Sequence[str] = ()
    ) -> tuple[Case, Result]:
        """Ask what the path still needs, then review; Ctrl-C anywhere keeps the answers.

        `notices` are the flags that could not be taken: shown first, their questions asked.
        """
        from ntrk_advisor.prompting.steps import BACK, Asking  # only a consult that asks needs them

        answers = case.answers()
        given = set(answers)  # from the case file and flags: kept even if off the final path
        history: list[str] = []  # the questions answered in this consult, in order: Esc goes back
        ahead: list[str] = []  # questions left by going back, asked again (answer kept) on the way on
        opening = [f for f in OPTIONAL_AT_START if f not in answers]  # for the MDT note; Enter skips
        again: str | None = None  # a question gone back to
        try:
            interviewer.begin()
            for notice in notices:
                interviewer.warn(f"{notice} {t('flag_asked_again', self.lang)}")
            result = evaluate(case, self.lang, self.kb)
            while True:
                on_path = {step.field for step in result.trace}
                ahead = [f for f in ahead if f in on_path or f in OPTIONAL_AT_START]
                if again is not None:
                    field = again
                elif opening:
                    field = opening[0]
                elif ahead:
                    field = ahead.pop()
                elif result.status is Status.INCOMPLETE:
                    field = result.missing[0]
                else:
                    change = interviewer.review(result.trace, {f: answers.get(f) for f in OPTIONAL_AT_START})
                    if change is None:
                        break
                    if change is BACK:
                        again = history.pop() if history else None
                        continue
                    value = interviewer.ask(change, answers.get(change))
                    if value is not BACK:
                        answers[change] = value
                        case = self._reconciled(answers, change, given, interviewer)
                        result = evaluate(case, self.lang, self.kb)
                    continue
                revisit = field == again or field in answers
                asking = Asking(result.trace, result.pathway, dict(answers), can_go_back=bool(history))
                value = interviewer.ask(field, answers.get(field) if revisit else None, asking)
                again = None
                if value is BACK:
                    if history:
                        if revisit:
                            ahead.append(field)
                        again = history.pop()
                    elif revisit:
                        again = field
                    continue
                if field in opening:
                    opening.remove(field)
                history.append(field)
                if value is None and field in OPTIONAL_AT_START:
                    answers.pop(field, None)
                    continue
                answers[field] = value
                case = self._reconciled(answers, field, given, interviewer)
                result = evaluate(case, self.lang, self.kb)
        except (KeyboardInterrupt, EOFError):
            raise ConsultInterrupted(answers) from None
        # An answer typed here that a later change took off the path would be silently reused
        # if the path came back to it: keep only what the final path used, and the case id and
        # tumour type asked at the start, which no path asks but every report is headed by.
        on_path = {step.field for step in result.trace}
        kept = {k: v for k, v in answers.items() if k in given or k in on_path or k in OPTIONAL_AT_START}
        case = case_from_data(kept)
        return case, evaluate(case, self.lang, self.kb)

    def _reconciled(
        self, answers: dict[str, Any], field: str, given: set[str], interviewer: Interviewer
    ) -> Case:
        """The case after `field` was answered; a contradiction is never a crash.

        An earlier answer typed in this consult that the new one contradicts is dropped (the path
        asks it again if it still needs it). A contradiction with an answer from the case file or
        the flags is shown, and `field` is asked again.
        """
        from ntrk_advisor.prompting.steps import BACK

        while True:
            try:
                return case_from_data(answers)
            except CaseInvalid as exc:
                typed_here = (exc.fields() - {field}) - given
                if typed_here:
                    for name in typed_here:
                        answers.pop(name, None)
                    continue
                interviewer.warn("; ".join(f"{e.field}: {e.message}" for e in exc.field_errors(self.lang)))
                value = interviewer.ask(field, answers.get(field))
                if value is not BACK:  # Esc here asks the same question again: it has to be settled
                    answers[field] = value


FLAG_VALUE_KINDS = frozenset(
    {"enum", "boolean", "number", "finite", "ge", "lt", "list", "string", "too_long"}
)
"""Problems with one value on its own (not a contradiction between answers): a typo in a flag."""


def flag_value_problems(exc: CaseInvalid, flagged: Mapping[str, Any]) -> list[Problem]:
    """The problems of `exc` that are a bad value given with a flag, in field order."""
    return [p for p in exc.problems if p[1] in FLAG_VALUE_KINDS and p[0].partition(".")[0] in flagged]


def plain_value_message(problem: Problem, given: Mapping[str, Any], lang: Lang) -> str:
    """`age_years: must be a number`: a bad given value, in the validation's own words."""
    message = next(e.message for e in CaseInvalid([problem]).field_errors(lang))
    return f"{problem[0]}: {message}"


def answers_of(case: Case, fallback: Any) -> dict[str, Any]:
    """The case's answers as JSON values (the raw answers when validation never succeeded)."""
    if isinstance(case, Case):
        return case.answers()
    return dict(fallback) if isinstance(fallback, dict) else {}


def save_interrupted(answers: dict[str, Any], save: Path | None, inputs: tuple[Path, ...]) -> Path | None:
    """Keep the answers of an interrupted consult where it can be resumed with --case.

    None when there is nothing to keep (Ctrl-C at the first question, with no case file or flags):
    no empty `{}` file is left behind. Without `--save` the answers go to a new file in the
    temporary folder, readable by the user only (0600, whatever the umask: others can list that
    folder); with `--save` they go where asked, with the mode any output gets (`files.atomic_output`).
    """
    if not answers:
        return None
    private = save is None
    if save is None:
        import tempfile  # only an interrupted consult without --save needs it

        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed at once, kept on disk
            prefix="ntrk-consult-", suffix=".json", delete=False
        )
        handle.close()
        save = Path(handle.name)
    write_atomic(save, case_json(answers), inputs=inputs, private=private)
    return save


def _terminal_interviewer(kb: KnowledgeBase, lang: Lang) -> Interviewer:
    from prompt_toolkit.output import create_output

    from ntrk_advisor.prompting.interviewer import Interviewer

    # Questions go to the terminal even when stdout is redirected to a file.
    return Interviewer(kb, lang, output=create_output(always_prefer_tty=True))
