"""One path from raw answers to a validated `Case`, shared by files, flags, prompts and batch.

Errors are kept as pydantic reports until a language is known, then worded by `field_errors`,
so the same invalid record reads correctly in English and in Chinese.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from ntrk_advisor.errors import AdvisorError
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.models import CASE_FIELDS, Case, FieldError

CASE_ROOT = "case"
"""The field name used for problems with the record as a whole."""

_UNION_TAGS = frozenset({"int", "float", "str", "bool", "list", "tuple"})


class CaseInvalid(AdvisorError):
    """A case failed validation; keeps each problem so it can be worded in any language."""

    def __init__(self, problems: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        super().__init__(problems)
        self.problems = tuple(problems)

    def field_errors(self, lang: Lang = "en") -> tuple[FieldError, ...]:
        """Each problem as a contract `{field, message}`, in `lang`."""
        return tuple(
            FieldError(field=field, message=_message(kind, ctx, lang)) for field, kind, ctx in self.problems
        )

    def __str__(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" for e in self.field_errors("en"))

    @classmethod
    def whole_record(cls, kind: str, **ctx: Any) -> CaseInvalid:
        """A problem with the record as a whole (not JSON, not an object, too large)."""
        return cls([(CASE_ROOT, kind, ctx)])


def case_from_data(data: object) -> Case:
    """Validate a decoded JSON value (or a dict of answers) into a `Case`."""
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseInvalid(_problems(exc)) from None
    except RecursionError:  # a value nested too deep even to describe in an error message
        raise CaseInvalid.whole_record("too_deep") from None


def case_from_json(text: str | bytes) -> Case:
    """Validate one JSON document into a `Case`; the fast path for JSON Lines."""
    try:
        return Case.model_validate_json(text)
    except RecursionError:
        raise CaseInvalid.whole_record("too_deep") from None
    except ValidationError as exc:
        problems = _problems(exc)
        if problems and problems[0][1] == "json":
            raise CaseInvalid(problems[:1]) from None
        raise CaseInvalid(problems) from None


def merge_answers(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Later layers win; `None` values mean 'not given' and never erase an earlier answer."""
    merged: dict[str, Any] = {}
    for layer in layers:
        if layer:
            merged.update({k: v for k, v in layer.items() if v is not None})
    return merged


def _problems(exc: ValidationError) -> list[tuple[str, str, dict[str, Any]]]:
    seen: set[str] = set()
    problems: list[tuple[str, str, dict[str, Any]]] = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"] if str(part) not in _UNION_TAGS]
        field = ".".join(loc) if loc else CASE_ROOT
        if field in seen:  # a union reports once per member; one message per field is enough
            continue
        seen.add(field)
        kind, ctx = _classify(error, loc)
        problems.append((field, kind, ctx))
    return problems


def _classify(error: Any, loc: list[str]) -> tuple[str, dict[str, Any]]:
    etype: str = error["type"]
    ctx = dict(error.get("ctx") or {})
    if etype == "extra_forbidden":
        close = difflib.get_close_matches(loc[-1] if loc else "", CASE_FIELDS, n=1, cutoff=0.6)
        return "unknown_field", {"suggestion": close[0]} if close else {}
    if etype == "json_invalid":
        return "json", {"detail": ctx.get("error", "")}
    if etype == "model_type":
        return "object", {}
    if etype == "enum":
        return "enum", {"expected": ctx.get("expected", "")}
    if etype in {"int_type", "float_type", "int_parsing", "float_parsing", "int_from_float"}:
        return "number", {}
    if etype in {"bool_type", "bool_parsing"}:
        return "boolean", {}
    if etype == "value_error" and "Unicode" in str(error.get("msg", "")):
        return "unicode", {}
    if etype == "string_type":
        return "string", {}
    if etype in {"list_type", "tuple_type"}:
        return "list", {}
    if etype == "string_too_long":
        return "too_long", {"max_length": ctx.get("max_length")}
    value = error.get("input")
    if isinstance(value, float) and not math.isfinite(value):
        return "finite", {}
    if etype == "greater_than_equal":
        return "ge", {"ge": ctx.get("ge")}
    if etype == "less_than":
        return "lt", {"lt": ctx.get("lt")}
    if etype == "finite_number":
        return "finite", {}
    return "other", {"detail": error.get("msg", etype)}


def _message(kind: str, ctx: dict[str, Any], lang: Lang) -> str:
    if kind == "unknown_field":
        text = t("err.unknown_field", lang)
        if "suggestion" in ctx:
            text += "; " + t("err.did_you_mean", lang, suggestion=ctx["suggestion"])
        return text
    key = {
        "json": "err.json",
        "object": "err.object",
        "too_large": "err.too_large",
        "too_deep": "err.too_deep",
    }.get(kind, f"err.{kind}")
    return t(key, lang, **ctx)


def parse_json_int(digits: str) -> int | float:
    """An integer as JSON allows it: beyond Python's digit limit it is infinitely large, not an error.

    Valid JSON must never be called "not JSON"; an absurd number is then reported by the field.
    """
    if len(digits) > 4000:
        return float("-inf") if digits.startswith("-") else float("inf")
    return int(digits)


def decode_json(text: str | bytes) -> Any:
    """Decode JSON text, raising `CaseInvalid` (field `case`) when it is not JSON."""
    try:
        return json.loads(text, parse_int=parse_json_int)
    except (ValueError, RecursionError) as exc:
        raise CaseInvalid.whole_record("json", detail=str(exc)) from None
