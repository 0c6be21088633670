"""The case and result contract (case-contract.md, version 1) as plain, immutable Python types.

`Case` is what validation produces and the engine reads; `Result` is what every output format
renders. Field names and key order are the public interface: add, never rename.

These are deliberately not pydantic models. A quick consult builds one case and one result, and
importing pydantic and building its models would cost more than the whole rest of the run; a batch
builds one of each per record. The rules a case must obey live in one place, `validation.py`, and
every entry point (files, flags, prompts, batch, the library) goes through them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

from ntrk_advisor.vocabulary import (
    ActionCode,
    AgeGroup,
    Emergency,
    FusionStatus,
    HighRiskFeature,
    PathwayName,
    Progression,
    ResectionMargin,
    ResistanceMechanism,
    Response,
    Setting,
    Status,
    Strength,
    TreatmentPhase,
    TrkInhibitor,
    age_group_of,
)

SCHEMA_VERSION = "1"


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


class Case(_CaseValues):
    """One patient situation: clinical parameters only, never identifiers.

    Every field but `id` and `tumor_type` may be needed by some path; a field that is `None` was
    not given. Whether it is needed is the engine's business, so nothing here is required.

    `Case(setting="early", ...)` validates its keywords exactly as a case file is validated and
    raises `CaseInvalid` naming each bad field. Underneath it is a named tuple, because a batch
    makes one per record.
    """

    __slots__ = ()

    def __new__(cls, **answers: Any) -> Case:  # noqa: D102 - documented on the class
        from ntrk_advisor.validation import case_from_data

        return case_from_data(answers)

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild from the checked values (for pickling, e.g. to Dask or Spark workers).
        return (_rebuild_case, (tuple(self),))

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


def _rebuild_case(values: tuple[Any, ...]) -> Case:
    return tuple.__new__(Case, values)


def json_value(value: Any) -> Any:
    """A case value as JSON writes it: enum members by their value, tuples as lists."""
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    return value.value if isinstance(value, Enum) else value


CASE_FIELDS: tuple[str, ...] = _CaseValues._fields
"""Case fields in contract order."""

QUESTION_FIELDS: tuple[str, ...] = tuple(f for f in CASE_FIELDS if f != "id")
"""Fields a pathway may ask about (everything but the caller's identifier)."""


@dataclass(frozen=True, slots=True)
class Action:
    """One step of a recommendation."""

    action: ActionCode
    strength: Strength
    order: int
    summary: str
    rationale: tuple[str, ...]
    arguments: tuple[str, ...]
    evidence: tuple[str, ...]
    bullet_arguments: tuple[tuple[str, ...], ...] = field(default=(), compare=False, repr=False)
    """Per rationale bullet, the argument IDs it rests on (for renderers; not in the JSON)."""
    bullet_evidence: tuple[tuple[str, ...], ...] = field(default=(), compare=False, repr=False)
    """Per rationale bullet, the evidence IDs it cites (for renderers; not in the JSON)."""

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object for this action."""
        return {
            "action": self.action.value,
            "strength": self.strength.value,
            "order": self.order,
            "summary": self.summary,
            "rationale": list(self.rationale),
            "arguments": list(self.arguments),
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class FieldError:
    """One validation problem, naming the field it concerns."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class TraceStep:
    """A question the path asked, and the answer it used (as its JSON value)."""

    node: str
    field: str
    answer: Any


@dataclass(frozen=True, slots=True)
class KnowledgeStamp:
    """Which knowledge base produced a result, so advice can be dated and attributed."""

    version: str
    reviewed: str
    source: str
    name: str


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of evaluating one case, exactly as the contract lays it out."""

    status: Status
    knowledge: KnowledgeStamp
    case_id: str | None = None
    age_group: AgeGroup | None = None
    pathway: PathwayName | None = None
    actions: tuple[Action, ...] = ()
    cautions: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    errors: tuple[FieldError, ...] = ()
    trace: tuple[TraceStep, ...] = ()
    schema_version: str = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object, keys in contract order (`age_group` absent when unknown)."""
        data: dict[str, Any] = {
            "schema_version": self.schema_version,
            "case_id": self.case_id,
            "status": self.status.value,
        }
        if self.age_group is not None:
            data["age_group"] = self.age_group.value
        data["pathway"] = None if self.pathway is None else self.pathway.value
        data["actions"] = [action.to_dict() for action in self.actions]
        data["cautions"] = list(self.cautions)
        data["missing"] = list(self.missing)
        data["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        data["trace"] = [{"node": s.node, "field": s.field, "answer": s.answer} for s in self.trace]
        stamp = self.knowledge
        data["knowledge"] = {
            "version": stamp.version,
            "reviewed": stamp.reviewed,
            "source": stamp.source,
            "name": stamp.name,
        }
        return data
