"""The case and result contract (case-contract.md, version 1) as pydantic models.

`Case` is what every entry point produces after validation; `Result` is what every output format
renders. Field names and key order are the public interface: add, never rename.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
)

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


def _unicode_text(value: str) -> str:
    """Refuse lone surrogates: valid as JSON escapes, but no file or terminal can carry them."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


CaseId = Annotated[str, StringConstraints(max_length=64), AfterValidator(_unicode_text)]
TumorType = Annotated[str, StringConstraints(max_length=200), AfterValidator(_unicode_text)]

AgeYears = Annotated[
    Union[StrictInt, StrictFloat],  # noqa: UP007 - pydantic needs the runtime Union here
    Field(ge=0, lt=130, allow_inf_nan=False),
]


class Case(BaseModel):
    """One patient situation: clinical parameters only, never identifiers.

    Every field but `id` and `tumor_type` may be needed by some path; a field that is `None` was
    not given. Whether it is needed is the engine's business, so nothing here is required.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "description": (
                "An NTRK-advisor case (contract version 1). Enum values match "
                "case-insensitively, and '-' or a space counts as '_'."
            )
        },
    )

    id: CaseId | None = None
    age_years: AgeYears | None = None
    tumor_type: TumorType | None = None
    fusion_status: FusionStatus | None = None
    setting: Setting | None = None
    treatment_phase: TreatmentPhase | None = None
    response: Response | None = None
    max_response_reached: StrictBool | None = None
    resectable_now: StrictBool | None = None
    resection_margin: ResectionMargin | None = None
    high_risk_features: tuple[HighRiskFeature, ...] | None = None
    progression: Progression | None = None
    emergency: tuple[Emergency, ...] | None = None
    cns_metastases: StrictBool | None = None
    resistance_mechanism: ResistanceMechanism | None = None
    prior_trk_inhibitors: tuple[TrkInhibitor, ...] | None = None

    @property
    def age_group(self) -> AgeGroup | None:
        """The contract's age group, or None when the age is not known."""
        return None if self.age_years is None else age_group_of(self.age_years)

    def answers(self) -> dict[str, Any]:
        """The given fields as JSON-ready values (for saving and replaying a case)."""
        return self.model_dump(mode="json", exclude_none=True)


CASE_FIELDS: tuple[str, ...] = tuple(Case.model_fields)
"""Case fields in contract order."""

QUESTION_FIELDS: tuple[str, ...] = tuple(f for f in CASE_FIELDS if f != "id")
"""Fields a pathway may ask about (everything but the caller's identifier)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Action(_Frozen):
    """One step of a recommendation."""

    action: ActionCode
    strength: Strength
    order: int
    summary: str
    rationale: tuple[str, ...]
    arguments: tuple[str, ...]
    evidence: tuple[str, ...]
    # Which arguments each rationale bullet rests on, for renderers; not part of the JSON contract.
    _bullet_arguments: tuple[tuple[str, ...], ...] = PrivateAttr(default=())
    _bullet_evidence: tuple[tuple[str, ...], ...] = PrivateAttr(default=())

    @property
    def bullet_arguments(self) -> tuple[tuple[str, ...], ...]:
        """Per rationale bullet, the argument IDs it rests on (empty when not known)."""
        return self._bullet_arguments

    @property
    def bullet_evidence(self) -> tuple[tuple[str, ...], ...]:
        """Per rationale bullet, the evidence IDs it cites (empty when not known)."""
        return self._bullet_evidence


class FieldError(_Frozen):
    """One validation problem, naming the field it concerns."""

    field: str
    message: str


class TraceStep(_Frozen):
    """A question the path asked, and the answer it used."""

    node: str
    field: str
    answer: Any


class KnowledgeStamp(_Frozen):
    """Which knowledge base produced a result, so advice can be dated and attributed."""

    version: str
    reviewed: str
    source: str
    name: str


class Result(_Frozen):
    """The outcome of evaluating one case, exactly as the contract lays it out."""

    schema_version: str = SCHEMA_VERSION
    case_id: str | None = None
    status: Status
    age_group: AgeGroup | None = None
    pathway: PathwayName | None = None
    actions: tuple[Action, ...] = ()
    cautions: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    errors: tuple[FieldError, ...] = ()
    trace: tuple[TraceStep, ...] = ()
    knowledge: KnowledgeStamp

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object, keys in contract order (`age_group` absent when unknown)."""
        data = self.model_dump(mode="json")
        if data["age_group"] is None:
            del data["age_group"]
        return data
