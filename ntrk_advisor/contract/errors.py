"""`CaseInvalid`: a case that failed validation, with every problem kept until it is worded.

Problems are kept as (field, kind, context) until a language is known, then worded by
`field_errors`, so the same invalid record reads correctly in English and in Chinese.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ntrk_advisor.contract.result import FieldError
from ntrk_advisor.errors import AdvisorError
from ntrk_advisor.exit_codes import ExitCode
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.memo import BoundedMemo

CASE_ROOT = "case"
"""The field name used for problems with the record as a whole."""

Problem = tuple[str, str, dict[str, Any]]
"""(field, kind of problem, context for the message)."""


class CaseInvalid(AdvisorError):
    """A case failed validation; keeps each problem so it can be worded in any language.

    `age_years` is the record's age when that field itself was valid, so an invalid result can
    still say whether the rules for adults or for children were meant.

    Every flow turns it into an `invalid` result (exit 4 from a consult, a record in batch, HTTP 422);
    reaching the CLI edge as it is means a flow forgot to, which is a bug (INTERNAL).
    """

    exit_code = ExitCode.INTERNAL

    def __init__(self, problems: Sequence[Problem], age_years: float | None = None) -> None:
        super().__init__(problems)
        self.problems = tuple(problems)
        self.age_years = age_years

    def field_errors(self, lang: Lang = "en") -> tuple[FieldError, ...]:
        """Each problem as a contract `{field, message}`, in `lang`."""
        return tuple(FieldError(field=field, message=message) for field, message in self.messages(lang))

    def messages(self, lang: Lang = "en") -> tuple[tuple[str, str], ...]:
        """Each problem as (field, message) in `lang`: what batch writes, without an object per error."""
        return tuple((field, _message(kind, ctx, lang)) for field, kind, ctx in self.problems)

    def __str__(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" for e in self.field_errors("en"))

    def fields(self) -> set[str]:
        """Every field a problem concerns, both fields of a contradiction included."""
        named = {field.partition(".")[0] for field, _, _ in self.problems}
        return named | {ctx["second"] for _, kind, ctx in self.problems if kind == "contradiction"}

    @classmethod
    def whole_record(cls, kind: str, **ctx: Any) -> CaseInvalid:
        """A problem with the record as a whole (not JSON, not an object, too large)."""
        return cls([(CASE_ROOT, kind, ctx)])


def _message(kind: str, ctx: dict[str, Any], lang: Lang) -> str:
    """A problem worded in `lang`; a contradiction's or a vocabulary's wording is kept once made.

    Their contexts are texts only (the rule, the other answer as shown, the words allowed, a
    suggestion), and invalid records of one source repeat them: a batch words each once.
    """
    if kind != "contradiction" and kind != "enum":
        return _worded(kind, ctx, lang)
    key = (kind, lang, *ctx.items())
    try:
        found = _KEPT.get(key)
    except TypeError:  # pragma: no cover - a context that is not all text: worded each time
        return _worded(kind, ctx, lang)
    if found is None:
        found = _KEPT.keep(key, _worded(kind, ctx, lang))
    return found


_KEPT: BoundedMemo[tuple[Any, ...], str] = BoundedMemo(4096)
"""Wordings kept (at most 4,096, then afresh, so memory stays bounded on any input)."""


def _worded(kind: str, ctx: dict[str, Any], lang: Lang) -> str:
    if kind == "unknown_field":
        text = t("err.unknown_field", lang)
        if "suggestion" in ctx:
            text += "; " + t("err.did_you_mean", lang, suggestion=ctx["suggestion"])
        return text
    if kind == "enum" and "suggestion" in ctx:  # the same "did you mean" as a flag gets
        joiner = "；" if lang == "zh" else "; "
        return t("err.enum", lang, **ctx) + joiner + t("err.did_you_mean", lang, suggestion=ctx["suggestion"])
    if kind == "fhir":  # a Bundle that could not be read: where (a FHIR path) and why
        reason = t(f"fhir.err.{ctx['reason']}", lang, **ctx.get("values", {}))
        return t("fhir.error", lang, where=ctx["where"], reason=reason)
    if kind == "contradiction":
        reason = t(f"rule.{ctx['rule']}", lang)
        return t("err.contradiction", lang, other=ctx["other"], reason=reason)
    return t(f"err.{kind}", lang, **ctx)
