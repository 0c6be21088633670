"""The result contract (docs/contract.md, version 2) as plain, immutable Python types.

`Result` is what every output format renders. Field names and key order are the public interface:
add, never rename. These are deliberately not pydantic models: a batch builds one per record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ntrk_advisor.contract.vocabulary import (
    ActionCode,
    AgeGroup,
    EvidenceLevel,
    PathwayName,
    ReviewStatus,
    Status,
    Strength,
)

SCHEMA_VERSION = "2"


def json_value(value: Any) -> Any:
    """A case value as JSON writes it: enum members by their value, tuples as lists."""
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    return value.value if isinstance(value, Enum) else value


@dataclass(frozen=True, slots=True)
class ReviewerStamp:
    """A reviewer whose signed decision counts now: name, role, and the date of the decision."""

    name: str
    role: str
    date: str

    def to_dict(self) -> dict[str, str]:
        """The contract's JSON object for this reviewer."""
        return {"name": self.name, "role": self.role, "date": self.date}


@dataclass(frozen=True, slots=True)
class ActionReview:
    """Where the statement behind an action stands with its clinician reviewers (additive key)."""

    status: ReviewStatus
    reviewers: tuple[ReviewerStamp, ...]
    """Only those whose stamp counts now."""
    statement: str
    """The statement's stable id (`rec:…`); a merged action names each, joined by `+`."""

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object: status, reviewers, statement."""
        return {
            "status": self.status.value,
            "reviewers": [r.to_dict() for r in self.reviewers],
            "statement": self.statement,
        }


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
    evidence_level: EvidenceLevel = EvidenceLevel.EXPERT_OPINION
    review: ActionReview | None = None
    """The statement's review (None only for an action not made from the knowledge)."""
    bullet_arguments: tuple[tuple[str, ...], ...] = field(default=(), compare=False, repr=False)
    """Per rationale bullet, the argument IDs it rests on (for renderers; not in the JSON)."""
    bullet_evidence: tuple[tuple[str, ...], ...] = field(default=(), compare=False, repr=False)
    """Per rationale bullet, the evidence IDs it cites (for renderers; not in the JSON)."""

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object for this action."""
        data: dict[str, Any] = {
            "action": self.action.value,
            "strength": self.strength.value,
            "order": self.order,
            "summary": self.summary,
            "rationale": list(self.rationale),
            "arguments": list(self.arguments),
            "evidence": list(self.evidence),
            "evidence_level": self.evidence_level.value,
        }
        if self.review is not None:
            data["review"] = self.review.to_dict()
        return data


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
class ReviewCoverage:
    """How many of a knowledge base's statements are approved (signed, counting now), of how many."""

    approved: int
    statements: int
    """Recommendations, cautions and argument paraphrases."""

    def to_dict(self) -> dict[str, int]:
        """The contract's JSON object: approved, statements."""
        return {"approved": self.approved, "statements": self.statements}


@dataclass(frozen=True, slots=True)
class KnowledgeStamp:
    """Which knowledge base produced a result, so advice can be dated and attributed."""

    version: str
    reviewed: str
    """Kept for compatibility: the date of `edited` until every statement is approved, then the
    date of the last approval. It never claims a review that did not happen."""
    source: str
    name: str
    edited: str = ""
    """The date the knowledge was last changed."""
    review: ReviewCoverage = field(default_factory=lambda: ReviewCoverage(0, 0))
    """How many of its statements a clinician reviewer has approved, of how many."""


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of evaluating one case, exactly as the contract lays it out."""

    status: Status
    knowledge: KnowledgeStamp
    case_id: str | None = None
    age_group: AgeGroup | None = None
    age_band: str | None = None
    """The knowledge's age band for the case's age (additive key, absent when the age is unknown)."""
    pathway: PathwayName | None = None
    actions: tuple[Action, ...] = ()
    cautions: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    unused_answers: tuple[str, ...] = ()
    errors: tuple[FieldError, ...] = ()
    trace: tuple[TraceStep, ...] = ()
    schema_version: str = SCHEMA_VERSION
    sources: dict[str, list[str]] | None = None
    """For a case imported from FHIR: per field, the resources its answer came from (additive key,
    absent otherwise)."""

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object, keys in contract order (`age_group` absent when unknown)."""
        data: dict[str, Any] = {
            "schema_version": self.schema_version,
            "case_id": self.case_id,
            "status": self.status.value,
        }
        if self.age_group is not None:
            data["age_group"] = self.age_group.value
        if self.age_band is not None:
            data["age_band"] = self.age_band
        data["pathway"] = None if self.pathway is None else self.pathway.value
        data["actions"] = [action.to_dict() for action in self.actions]
        data["cautions"] = list(self.cautions)
        data["missing"] = list(self.missing)
        data["unused_answers"] = list(self.unused_answers)
        data["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        data["trace"] = [{"node": s.node, "field": s.field, "answer": s.answer} for s in self.trace]
        stamp = self.knowledge
        data["knowledge"] = {
            "version": stamp.version,
            "reviewed": stamp.reviewed,
            "source": stamp.source,
            "name": stamp.name,
            "edited": stamp.edited,
            "review": stamp.review.to_dict(),
        }
        if self.sources is not None:
            data["sources"] = {field: list(refs) for field, refs in self.sources.items()}
        return data
