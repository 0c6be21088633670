"""A validated `Case`, and the one path from raw answers to it, shared by every entry point.

Files, flags, prompts, batch records, scenario files and the library all go through
`case_from_data`: the field table (`fields.CASE_SPECS`) says what each field takes, the cross-field
rules (`rules.RULES`) say which answers contradict each other. A valid record is checked with
dictionary lookups only, because this runs once per batch record.

`Case` lives here, beside its validation, because there must be no way to make one without it:
`Case(...)`, `_make` and `_replace` all validate.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from enum import Enum
from functools import cache
from typing import Any, NamedTuple

from ntrk_advisor.contract.errors import CaseInvalid, Problem
from ntrk_advisor.contract.fields import CASE_SPECS, LEGACY_FIELDS, FieldSpec
from ntrk_advisor.contract.result import json_value
from ntrk_advisor.contract.rules import RULES
from ntrk_advisor.contract.spelling import close_match, closest
from ntrk_advisor.contract.vocabulary import (
    AgeGroup,
    Assay,
    CnsDisease,
    Emergency,
    FusionStatus,
    HighRiskFeature,
    Progression,
    RaiStatus,
    ResectionMargin,
    ResidualDisease,
    ResistanceMechanism,
    Response,
    Setting,
    Toxicity,
    TreatmentPhase,
    TrkInhibitor,
    TumorCategory,
    age_group_of,
)


class _CaseValues(NamedTuple):
    id: str | None = None
    age_years: int | float | None = None
    tumor_type: str | None = None
    fusion_status: FusionStatus | None = None
    setting: Setting | None = None
    treatment_phase: TreatmentPhase | None = None
    response: Response | None = None
    max_response_reached: bool | None = None
    resectable_now: bool | None = None
    resection_margin: ResectionMargin | None = None
    high_risk_features: tuple[HighRiskFeature, ...] | None = None
    progression: Progression | None = None
    emergency: tuple[Emergency, ...] | None = None
    cns_metastases: bool | None = None
    resistance_mechanism: ResistanceMechanism | None = None
    prior_trk_inhibitors: tuple[TrkInhibitor, ...] | None = None
    tumor_category: TumorCategory | None = None
    rai_status: RaiStatus | None = None
    other_driver: bool | None = None
    assay: Assay | None = None
    cns_disease: CnsDisease | None = None
    residual_disease: ResidualDisease | None = None
    toxicity: Toxicity | None = None
    complete_response_months: int | float | None = None
    fit_for_surgery: bool | None = None


CASE_FIELDS: tuple[str, ...] = _CaseValues._fields
"""Case fields in contract order."""

if tuple(CASE_SPECS) != CASE_FIELDS:  # pragma: no cover - a guard for whoever adds a field
    raise AssertionError("the Case fields and the field table (fields.CASE_SPECS) must list the same names")


class Case(_CaseValues):
    """One patient situation: clinical parameters only, never identifiers.

    Every field but `id` and `tumor_type` may be needed by some path; a field that is `None` was
    not given. Whether it is needed is the engine's business, so nothing here is required.

    `Case(setting="early", ...)` validates its keywords exactly as a case file is validated and
    raises `CaseInvalid` naming each bad field. Underneath it is a named tuple, because a batch
    makes one per record; `_make` and `_replace` validate too, so every `Case` is a valid one.
    """

    __slots__ = ()

    def __new__(cls, **answers: Any) -> Case:  # noqa: D102 - documented on the class
        return case_from_data(answers)

    @classmethod
    def _make(cls, iterable: Iterable[Any]) -> Case:  # type: ignore[override]
        """Validate values given in field order (also what `_replace` goes through)."""
        return case_from_data({n: json_value(v) for n, v in zip(CASE_FIELDS, iterable, strict=True)})

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt through validation (for pickling, e.g. to Dask or Spark workers).
        return (case_from_data, (self.answers(),))

    def __repr__(self) -> str:
        given = ", ".join(
            f"{name}={value!r}" for name, value in zip(CASE_FIELDS, self, strict=True) if value is not None
        )
        return f"Case({given})"

    @property
    def age_group(self) -> AgeGroup | None:
        """The contract's age group, or None when the age is not known."""
        return None if self.age_years is None else age_group_of(self.age_years)

    def answers(self) -> dict[str, Any]:
        """The given fields as JSON-ready values (for saving and replaying a case)."""
        return {
            name: json_value(value)
            for name, value in zip(CASE_FIELDS, self, strict=True)
            if value is not None
        }


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
_AGE = _POSITION["age_years"]
_CNS_METASTASES = _POSITION["cns_metastases"]
_CNS_DISEASE = _POSITION["cns_disease"]
_RULE_POSITIONS = tuple(
    (
        rule,
        _POSITION[rule.first.field],
        _POSITION[rule.second.field],
        rule.first.values,
        rule.second.values,
    )
    for rule in RULES
)
"""Per rule: the rule, the places of its two fields, and each field's values when its condition
names some: a set lookup stands for the condition then, and rejects most records before any method
is called (this runs per batch record)."""

_new_case = tuple.__new__


SOURCES_KEY = "sources"
"""The key of a derived case (what `import fhir` writes) that maps each answer read from a record to
the resources it came from; a result of such a case carries it too (docs/contract.md)."""


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
            name = printable_key(str(key))
            close = nearest_field(name)
            where = _FIELD_COUNT + len(problems)  # after every field, in the order given
            problems.append((where, (name, "unknown_field", {"suggestion": close} if close else {})))
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
    return case_of_values(values, problems)


def case_of_values(values: list[Any], problems: list[tuple[int, Problem]]) -> Case:
    """The `Case` of field values that each passed their own check, once the answers agree.

    `values` holds one accepted value (or None) per field, in contract order; `problems` what the
    field checks found, each with its place. The cross-field rules add theirs; any problem at all
    raises `CaseInvalid`, in contract order. Shared by `case_from_data` and the record decoder
    (`record_decoder.py`), so a record is judged by the same rules whichever way it was read.
    """
    if values[_CNS_METASTASES] is False and values[_CNS_DISEASE] is None:
        values[_CNS_DISEASE] = CnsDisease.NONE  # version 1's "no brain metastases"
    for contradiction, first, second, first_values, second_values in _RULE_POSITIONS:
        a = values[first]
        if a is None:
            continue
        if first_values is None:
            if not contradiction.first.holds(a):
                continue
        elif a not in first_values:
            continue
        b = values[second]
        if b is None:
            continue
        if b in second_values if second_values is not None else contradiction.second.holds(b):
            other = f"{contradiction.second.field} ({_shown(b)})"
            problems.append(
                (
                    _FIELD_COUNT * 2,
                    (
                        contradiction.first.field,
                        "contradiction",
                        {"rule": contradiction.id, "other": other, "second": contradiction.second.field},
                    ),
                )
            )
    if problems:
        problems.sort(key=lambda p: p[0])
        age = values[_AGE] if not any(p[1][0] == "age_years" for p in problems) else None
        raise CaseInvalid([problem for _, problem in problems], age_years=age)
    return _new_case(Case, values)


def nearest_field(key: str) -> str | None:
    """The field an unknown key most likely meant, as `difflib.get_close_matches` finds it, or None."""
    return close_match(key, CASE_FIELDS)


def _check(spec: FieldSpec, value: Any, position: int, problems: list[tuple[int, Problem]]) -> Any:
    """The full check of one value: lenient spellings accepted, anything wrong added to `problems`."""
    if spec.values is not None:
        return _checked_choice(spec, value, problems, position)
    try:
        return _checked(spec, value)
    except _Invalid as exc:
        problems.append((position, (spec.name, exc.kind, exc.ctx)))
        return None


def printable_key(text: str) -> str:
    """A key as it can be written back in an error, and short.

    A lone surrogate (valid as a JSON escape) is shown escaped, and a long key is cut with its
    length said: an error never echoes a megabyte back.
    """
    if len(text) > _KEY_SHOWN:
        text = f"{text[:_KEY_SHOWN]}… ({len(text)} characters)"
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


_KEY_SHOWN = 64
"""The most characters of an unknown key an error shows."""


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
            problems.append((position, (spec.name, "enum", _enum_context(spec.values, value))))
        return member
    if not isinstance(value, (list, tuple)):
        problems.append((position, (spec.name, "list", {})))
        return None
    members = [_member(spec.values, item) for item in value]
    bad = [index for index, member in enumerate(members) if member is None]
    for index in bad[:_ITEM_ERRORS]:
        problems.append(
            (position, (f"{spec.name}.{index}", "enum", _enum_context(spec.values, value[index])))
        )
    if len(bad) > _ITEM_ERRORS:  # a huge bad list gives a short result, never one error per item
        problems.append((position, (spec.name, "more_bad_items", {"count": len(bad) - _ITEM_ERRORS})))
    return None if bad else tuple(members)


_ITEM_ERRORS = 5
"""At most this many bad list items are named one by one; the rest are counted."""


def _member(values: type[Enum], value: Any) -> Enum | None:
    """The enum member a value names (leniently, see `vocabulary`), or None."""
    if not isinstance(value, str):
        return None
    try:
        return values(value)
    except ValueError:
        return None


def _enum_context(values: type[Enum], value: Any) -> dict[str, Any]:
    """What an "enum" problem says: the values allowed, and the nearest one to a misspelling."""
    context: dict[str, Any] = {"expected": _expected(values)}
    if isinstance(value, str):
        near = closest(value, _words(values))
        if near is not None:
            context["suggestion"] = near
    return context


@cache  # one entry per vocabulary of the contract
def _words(values: type[Enum]) -> tuple[str, ...]:
    """A vocabulary's words, as a misspelling is compared with them."""
    return tuple(str(member.value) for member in values)


@cache  # one entry per vocabulary of the contract
def _expected(values: type[Enum]) -> str:
    """The allowed values as a message lists them: 'a', 'b' or 'c'."""
    quoted = [f"'{member.value}'" for member in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


_ANSWER_POSITIONS = tuple(
    (index, name, LEGACY_FIELDS.get(name, name))
    for index, name in enumerate(CASE_FIELDS)
    if name not in ("id", "tumor_type")
)


def unused_answers(case: Case, used: set[str] | frozenset[str]) -> tuple[str, ...]:
    """The answers a caller gave (not `id` or the free-text tumour type) outside `used`, in field order.

    A legacy field counts as used when its successor is (`cns_metastases` for `cns_disease`), and
    a value validation derived from a legacy field (`cns_metastases: false` gives
    `cns_disease: none`) is not listed twice: the legacy field stands for it. Runs per batch record.
    """
    unused = tuple(
        name
        for index, name, counted_as in _ANSWER_POSITIONS
        if case[index] is not None and counted_as not in used
    )
    if "cns_disease" in unused and case[_CNS_METASTASES] is False and case[_CNS_DISEASE] is CnsDisease.NONE:
        unused = tuple(name for name in unused if name != "cns_disease")
    return unused


_NONES = (None,) * len(CASE_FIELDS)


def answer_pattern(case: Case) -> bytes:
    """All that `unused_answers` reads of a case: which answers it gave, and the legacy exception.

    Two cases with the same pattern leave the same answers unused on any path, so a memo of unused
    answers keyed by it (and the path) gives what `unused_answers` gives. Which fields are given is
    not enough: `cns_metastases: false` with the `cns_disease: none` it stands for lists one answer
    where `cns_metastases: true` with `cns_disease: asymptomatic` lists two.
    """
    given = bytes(map(operator.is_, case, _NONES))  # one byte per field: 1 where it is None
    if case[_CNS_METASTASES] is False and case[_CNS_DISEASE] is CnsDisease.NONE:
        return given + b"\x01"
    return given


def _shown(value: Any) -> str:
    """An answer as a message quotes it: `resistant`, `[]`, `[larotrectinib]`, `true`, `18`."""
    plain = json_value(value)
    if isinstance(plain, list):
        return "[" + ", ".join(plain) + "]"
    if isinstance(plain, bool):
        return "true" if plain else "false"
    return str(plain)
