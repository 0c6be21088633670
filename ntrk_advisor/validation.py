"""One path from raw answers to a validated `Case`, shared by files, flags, prompts and batch.

The rules come from the field table (`fields.CASE_SPECS`): what kind of value each field takes,
its vocabulary and its limits. Problems are kept as (field, kind, context) until a language is
known, then worded by `field_errors`, so the same invalid record reads correctly in English and
in Chinese. A valid record is checked with dictionary lookups only: this runs once per batch record.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from ntrk_advisor.errors import AdvisorError
from ntrk_advisor.fields import CASE_SPECS, FieldSpec
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.models import CASE_FIELDS, Case, FieldError

CASE_ROOT = "case"
"""The field name used for problems with the record as a whole."""

Problem = tuple[str, str, dict[str, Any]]
"""(field, kind of problem, context for the message)."""


class CaseInvalid(AdvisorError):
    """A case failed validation; keeps each problem so it can be worded in any language."""

    def __init__(self, problems: Sequence[Problem]) -> None:
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


_POSITION = {name: index for index, name in enumerate(CASE_FIELDS)}
_EMPTY: tuple[None, ...] = (None,) * len(CASE_FIELDS)
_RULES: dict[str, tuple[int, str, FieldSpec, dict[Any, Enum]]] = {
    name: (
        _POSITION[name],
        spec.kind,
        spec,
        {m.value: m for m in spec.values} if spec.values is not None else {},
    )
    for name, spec in CASE_SPECS.items()
}
"""Per field: its place in a `Case`, its kind, its spec, and its canonical spellings."""
_FIELD_COUNT = len(CASE_FIELDS)

_new_case = tuple.__new__


def case_from_data(data: object) -> Case:
    """Validate a decoded JSON value (or a mapping of answers) into a `Case`.

    Raises `CaseInvalid` naming every bad field, in contract order, then every unknown key.
    A well-formed value is accepted by the checks written inline below; anything else goes to
    `_check`, which accepts lenient spellings and words what is wrong.
    """
    if isinstance(data, Case):
        return data
    if not isinstance(data, Mapping):
        raise CaseInvalid.whole_record("object")
    values: list[Any] = list(_EMPTY)
    problems: list[tuple[int, Problem]] = []
    for key, value in data.items():
        rule = _RULES.get(key)
        if rule is None:
            name = _printable(str(key))
            close = difflib.get_close_matches(name, CASE_FIELDS, n=1, cutoff=0.6)
            where = _FIELD_COUNT + len(problems)  # after every field, in the order given
            problems.append((where, (name, "unknown_field", {"suggestion": close[0]} if close else {})))
            continue
        if value is None:
            continue
        position, kind, spec, canonical = rule
        cls = value.__class__
        accepted: Any = None
        if kind == "enum":
            if cls is str:
                accepted = canonical.get(value)
        elif kind == "list":
            if cls is list:
                try:
                    accepted = tuple(map(canonical.__getitem__, value))
                except (KeyError, TypeError):
                    accepted = None
        elif kind == "bool":
            if cls is bool:
                accepted = value
        elif kind == "number":
            if (cls is float or cls is int) and spec.minimum <= value < spec.below:
                accepted = value
        elif cls is str and len(value) <= spec.max_length and value.isascii():  # type: ignore[operator]
            accepted = value
        if accepted is None:
            accepted = _check(spec, value, position, problems)
        values[position] = accepted
    if problems:
        problems.sort(key=lambda p: p[0])
        raise CaseInvalid([problem for _, problem in problems])
    return _new_case(Case, values)


def _check(spec: FieldSpec, value: Any, position: int, problems: list[tuple[int, Problem]]) -> Any:
    """The full check of one value: lenient spellings accepted, anything wrong added to `problems`."""
    if spec.values is not None:
        return _checked_choice(spec, value, problems, position)
    try:
        return _checked(spec, value)
    except _Invalid as exc:
        problems.append((position, (spec.name, exc.kind, exc.ctx)))
        return None


def _printable(text: str) -> str:
    """A key as it can be written back: a lone surrogate (valid as a JSON escape) shown escaped."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


class _Invalid(Exception):
    def __init__(self, kind: str, **ctx: Any) -> None:
        super().__init__(kind)
        self.kind, self.ctx = kind, ctx


def _checked(spec: FieldSpec, value: Any) -> Any:
    """A number, text or yes/no answer as given, or `_Invalid` saying what is wrong with it."""
    if spec.kind == "bool":
        if value is True or value is False:
            return value
        raise _Invalid("boolean")
    if spec.kind == "number":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise _Invalid("number")
        if isinstance(value, float) and not math.isfinite(value):
            raise _Invalid("finite")
        if spec.minimum is not None and value < spec.minimum:
            raise _Invalid("ge", ge=spec.minimum)
        if spec.below is not None and value >= spec.below:
            raise _Invalid("lt", lt=spec.below)
        return value
    if not isinstance(value, str):
        raise _Invalid("string")
    if spec.max_length is not None and len(value) > spec.max_length:
        raise _Invalid("too_long", max_length=spec.max_length)
    if not value.isascii():
        try:
            value.encode("utf-8")  # a lone surrogate: valid as a JSON escape, but no file can carry it
        except UnicodeEncodeError:
            raise _Invalid("unicode") from None
    return value


def _checked_choice(spec: FieldSpec, value: Any, problems: list[tuple[int, Problem]], position: int) -> Any:
    """An enum or list answer matched leniently; each bad value is added to `problems`."""
    assert spec.values is not None
    if spec.kind == "enum":
        member = _member(spec.values, value)
        if member is None:
            problems.append((position, (spec.name, "enum", {"expected": _expected(spec.values)})))
        return member
    if not isinstance(value, (list, tuple)):
        problems.append((position, (spec.name, "list", {})))
        return None
    members = [_member(spec.values, item) for item in value]
    bad = [index for index, member in enumerate(members) if member is None]
    for index in bad:
        problems.append((position, (f"{spec.name}.{index}", "enum", {"expected": _expected(spec.values)})))
    return None if bad else tuple(members)


def _member(values: type[Enum], value: Any) -> Enum | None:
    """The enum member a value names (leniently, see `vocabulary`), or None."""
    if not isinstance(value, str):
        return None
    try:
        return values(value)
    except ValueError:
        return None


def _expected(values: type[Enum]) -> str:
    """The allowed values as a message lists them: 'a', 'b' or 'c'."""
    quoted = [f"'{member.value}'" for member in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def case_from_json(text: str | bytes) -> Case:
    """Validate one JSON document into a `Case` (one batch record, or a case file)."""
    return case_from_data(decode_json(text))


def merge_answers(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Later layers win; `None` values mean 'not given' and never erase an earlier answer."""
    merged: dict[str, Any] = {}
    for layer in layers:
        if layer:
            merged.update({k: v for k, v in layer.items() if v is not None})
    return merged


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


_DECODER = json.JSONDecoder(parse_int=parse_json_int)
"""Made once: `json.loads` with options builds a decoder per call, and batch decodes every record."""


def decode_json(text: str | bytes) -> Any:
    """Decode JSON text (bytes must be UTF-8), raising `CaseInvalid` (field `case`) when it is not JSON."""
    try:
        return _DECODER.decode(text if isinstance(text, str) else text.decode("utf-8"))
    except RecursionError:
        raise CaseInvalid.whole_record("too_deep") from None
    except ValueError as exc:  # not JSON, or not UTF-8
        raise CaseInvalid.whole_record("json", detail=str(exc)) from None
