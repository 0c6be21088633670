"""One consult: answers from a file, flags and prompts, through one validation, to a result.

The CLI stays a thin layer of options; this module holds the flow (merge, validate, ask what is
missing, review, save, render) and never decides anything clinical: the engine does.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ntrk_advisor.contract.case import Case, case_from_data, merge_answers
from ntrk_advisor.contract.errors import CaseInvalid, Problem
from ntrk_advisor.contract.fields import FALSE_WORDS, FIELD_SPECS, TRUE_WORDS
from ntrk_advisor.contract.result import Result, TraceStep
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.engine import echoable_id, evaluate, invalid_result
from ntrk_advisor.environment import Environment
from ntrk_advisor.errors import ConsultInterrupted, NoTerminalError, UsageError
from ntrk_advisor.files import atomic_output, case_json, read_case_file, same_file, write_atomic
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase, default_knowledge_base
from ntrk_advisor.render.safe_text import shown

if TYPE_CHECKING:
    from ntrk_advisor.fhir.importer import ImportedCase


def flag_answers(raw: dict[str, Any]) -> dict[str, Any]:
    """Command-line strings as case values; what cannot be read is passed on for validation."""
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None:
            continue
        spec = FIELD_SPECS.get(name)
        if spec is not None and spec.kind == "bool" and isinstance(value, str):
            lowered = value.strip().lower()
            value = True if lowered in TRUE_WORDS else False if lowered in FALSE_WORDS else value
        elif spec is not None and spec.kind == "list" and isinstance(value, str):
            items = [v.strip() for v in value.split(",") if v.strip()]
            value = [] if items in ([], ["none"], ["[]"]) else items
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # `--age 61` is 61, as in a case file, not 61.0
        out[name] = value
    return out


OPTIONAL_AT_START = ("id", "tumor_type")
"""Asked first in an interactive consult when not given: they label the note, never the path."""


class Interviewer(Protocol):
    """Whoever answers the questions of a consult: a person at a terminal, or a test."""

    def begin(self) -> None:
        """Show what the tool is and the keys, before the first question."""

    def ask(self, field: str, current: Any = None, position: tuple[int, int] | None = None) -> Any:
        """The answer for `field` as a JSON value (`current` is the answer to change, if any).

        `position` is (this question's number, about how many the path will ask).
        """

    def review(self, trace: tuple[TraceStep, ...]) -> str | None:
        """The field to change after seeing the answers used, or None to accept them."""

    def warn(self, text: str) -> None:
        """Tell the person why an answer cannot be taken."""


class Consultation:
    """Runs one consult in one language against one knowledge base."""

    def __init__(
        self, lang: Lang, knowledge: KnowledgeBase | None = None, env: Environment | None = None
    ) -> None:
        self.lang = lang
        self.kb = knowledge or default_knowledge_base()
        self.env = env or Environment.of_process()
        self.imported: ImportedCase | None = None
        """The FHIR import behind this consult's case file, if it was one."""

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
        self.imported = None
        result, answers = self._run(
            case_file, flags, interactive=interactive, save=save, interviewer=interviewer
        )
        if self.imported is not None:
            result = dataclasses.replace(result, sources=self.imported.sources_for(answers))
        return result, answers

    def _read(self, case_file: Path | None) -> Any:
        """The case file's answers; a FHIR Bundle or a derived case is imported (notes on stderr)."""
        base = read_case_file(case_file) if case_file is not None else {}
        if not (isinstance(base, dict) and ("resourceType" in base or "sources" in base)):
            return base
        from datetime import date

        from ntrk_advisor.fhir.derived import note_lines
        from ntrk_advisor.fhir.elements import FhirError
        from ntrk_advisor.fhir.importer import imported_from

        try:
            self.imported = imported_from(base, today=date.today())
        except FhirError as exc:
            exc.file, exc.lang = str(case_file), self.lang
            raise
        except CaseInvalid:
            return base  # a malformed `sources`: validation says so, naming the key
        if self.imported is None:
            return base
        self.env.stderr.write(note_lines(self.imported.notes, self.lang))
        return dict(self.imported.answers)

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
            base = self._read(case_file)
        except CaseInvalid as exc:  # a key given twice in the file: no answer in it can be trusted
            return invalid_result(exc, self.lang, self.kb, None), {}
        # The file is kept whole (a key given as null is still checked, e.g. a misspelt one);
        # flags add to it and win.
        flagged = merge_answers(flags)
        answers = {**base, **flagged} if isinstance(base, dict) else base
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
                raise UsageError(flag_message(wrong[0], flagged, self.lang)) from None
            notices = [flag_message(problem, flagged, self.lang) for problem in wrong]
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
        answers = case.answers()
        given = set(answers)  # from the case file and flags: kept even if off the final path
        try:
            interviewer.begin()
            for notice in notices:
                interviewer.warn(f"{notice} {t('flag_asked_again', self.lang)}")
            for optional in OPTIONAL_AT_START:  # for the MDT note; Enter skips
                if optional not in answers and (value := interviewer.ask(optional)) is not None:
                    answers[optional] = value
                    case = self._reconciled(answers, optional, given, interviewer)
            result = evaluate(case, self.lang, self.kb)
            asked = 0
            while True:
                while result.status is Status.INCOMPLETE:
                    field = result.missing[0]
                    asked += 1
                    answers[field] = interviewer.ask(field, position=(asked, asked - 1 + len(result.missing)))
                    case = self._reconciled(answers, field, given, interviewer)
                    result = evaluate(case, self.lang, self.kb)
                change = interviewer.review(result.trace)
                if change is None:
                    break
                answers[change] = interviewer.ask(change, answers.get(change))
                case = self._reconciled(answers, change, given, interviewer)
                result = evaluate(case, self.lang, self.kb)
        except (KeyboardInterrupt, EOFError):
            raise ConsultInterrupted(answers) from None
        # An answer typed here that a later change took off the path would be silently reused
        # if the path came back to it: keep only what the final path used.
        on_path = {step.field for step in result.trace}
        kept = {k: v for k, v in answers.items() if k in given or k in on_path}
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
                answers[field] = interviewer.ask(field, answers.get(field))

    def show(
        self,
        result: Result,
        answers: dict[str, Any],
        output_format: str,
        *,
        explain: bool = False,
        page: bool = True,
        output: Path | None = None,
        inputs: tuple[Path, ...] = (),
    ) -> None:
        """Write the result in the chosen format to stdout, or atomically to `output` (never an input).

        On a screen at an interactive terminal a long result goes through the pager (unless
        `page` is off), and the bottom line is printed once more at the end, where the eye is.
        """
        tumor_type = answers.get("tumor_type") if isinstance(answers, dict) else None
        if not isinstance(tumor_type, str):
            tumor_type = None
        if output_format == "pdf":
            from ntrk_advisor.render.html_report import render_html
            from ntrk_advisor.render.pdf import html_to_pdf

            if output is None:
                raise UsageError("usage.pdf_needs_output")
            html = render_html(
                result, self.kb, self.lang, tumor_type=tumor_type, explain=explain, generated=self.env.clock()
            )
            pdf = html_to_pdf(html)
            with atomic_output(output, inputs=inputs, binary=True) as handle:
                handle.write(pdf)
            return
        if output_format == "rich":
            from ntrk_advisor.render import pager
            from ntrk_advisor.render.console import make_console
            from ntrk_advisor.render.screen import bottom_line_box, result_screen

            screen = result_screen(result, self.kb, self.lang, tumor_type=tumor_type, explain=explain)
            if output is not None:
                with atomic_output(output, inputs=inputs) as handle:
                    make_console(self.env, file=handle).print(screen)
                return
            pager.show(screen, self.env, page=page)
            if pager.wants_pager(self.env) and result.actions:
                make_console(self.env).print(bottom_line_box(result, self.lang))
            return
        if output_format == "json":
            from ntrk_advisor.render.json_out import result_json

            text = result_json(result) + "\n"
        elif output_format == "markdown":
            from ntrk_advisor.render.markdown import render_markdown

            text = render_markdown(result, self.kb, self.lang, tumor_type=tumor_type, explain=explain)
        elif output_format == "html":
            from ntrk_advisor.render.html_report import render_html

            text = render_html(
                result, self.kb, self.lang, tumor_type=tumor_type, explain=explain, generated=self.env.clock()
            )
        else:
            raise UsageError("usage.unknown_format", format=output_format)
        if output is None:
            self.env.stdout.write(text)
        else:
            write_atomic(output, text, inputs=inputs)


FLAG_VALUE_KINDS = frozenset(
    {"enum", "boolean", "number", "finite", "ge", "lt", "list", "string", "too_long"}
)
"""Problems with one value on its own (not a contradiction between answers): a typo in a flag."""
FLAG_NAMES = {"age_years": "--age", "id": "--id"}
"""Fields whose flag is not `--` and the field name with dashes."""


def flag_for(field: str) -> str:
    """The `consult` option that sets `field` (`fusion_status` -> `--fusion-status`)."""
    return FLAG_NAMES.get(field, "--" + field.replace("_", "-"))


def field_of_flag(flag: str) -> str:
    """The case field a `consult` option sets (`--fusion-status` -> `fusion_status`)."""
    named = {v: k for k, v in FLAG_NAMES.items()}
    return named.get(flag, flag.removeprefix("--").replace("-", "_"))


def flag_values(field: str) -> list[str]:
    """The values a flag takes, as typed on a command line (`locally-advanced`; yes/no; none)."""
    spec = FIELD_SPECS.get(field)
    if spec is None:
        return []
    if spec.kind == "bool":
        return ["yes", "no"]
    if spec.values is None:
        return []
    values = [member.value.replace("_", "-") for member in spec.values]
    return [*values, "none"] if spec.kind == "list" and "none" not in values else values


def flag_value_problems(exc: CaseInvalid, flagged: Mapping[str, Any]) -> list[Problem]:
    """The problems of `exc` that are a bad value given with a flag, in field order."""
    return [p for p in exc.problems if p[1] in FLAG_VALUE_KINDS and p[0].partition(".")[0] in flagged]


def flag_message(problem: Problem, flagged: Mapping[str, Any], lang: Lang) -> str:
    """`--setting 'metastatc' is not valid; did you mean 'metastatic'? (early, locally-advanced, …)`."""
    import difflib

    path, kind, _ = problem
    field, _, index = path.partition(".")
    value = flagged[field]
    if index and isinstance(value, list):
        value = value[int(index)]
    spec = FIELD_SPECS[field]
    if spec.values is not None and kind == "enum":
        allowed = [member.value for member in spec.values]
        typed = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        close = difflib.get_close_matches(typed, allowed, n=1, cutoff=0.6)
        text = t("flag_invalid", lang, flag=flag_for(field), value=shown(str(value)))
        if close:
            text += t("flag_did_you_mean", lang, suggestion=close[0].replace("_", "-"))
        listed = ("、" if lang == "zh" else ", ").join(v.replace("_", "-") for v in allowed)
        return text + t("flag_allowed", lang, allowed=listed)
    if spec.kind == "bool":
        allowed_words = ", ".join(flag_values(field))  # yes, no
        return t("flag_invalid", lang, flag=flag_for(field), value=shown(str(value))) + t(
            "flag_allowed", lang, allowed=allowed_words
        )
    message = next(e.message for e in CaseInvalid([problem]).field_errors(lang))
    return f"{flag_for(field)} {shown(str(value))}: {message}"


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
