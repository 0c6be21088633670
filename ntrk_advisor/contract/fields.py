"""The field table: what kind of answer each case field takes, its vocabulary and its limits.

Validation, the JSON Schema, the interview's prompts, the command-line flags and the pathway
checks all read this one table, so a rule is written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

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
)

FieldKind = Literal["number", "text", "enum", "bool", "list", "band"]
"""`band`: an age band, named by the knowledge in use (never a case field)."""


@dataclass(frozen=True)
class FieldSpec:
    """The answer type of a field; `values` is the enum for enum and list fields."""

    name: str
    kind: FieldKind
    values: type[Enum] | None = None
    max_length: int | None = None
    """For text: the most characters accepted."""
    minimum: float | None = None
    """For numbers: the smallest value accepted."""
    below: float | None = None
    """For numbers: every value must be below this."""

    def __post_init__(self) -> None:
        # Validation relies on every number being bounded and every text being limited.
        if self.kind == "number" and (self.minimum is None or self.below is None):
            raise ValueError(f"{self.name}: a number field needs minimum and below")
        if self.kind == "text" and self.max_length is None:
            raise ValueError(f"{self.name}: a text field needs max_length")
        if self.kind in ("enum", "list") and self.values is None:
            raise ValueError(f"{self.name}: an {self.kind} field needs its values")

    def choice_keys(self) -> tuple[str, ...]:
        """The keys a question's choices must have, in order."""
        if self.kind == "bool":
            return ("true", "false")
        if self.values is not None:
            return tuple(str(member.value) for member in self.values)
        return ()


FIELD_SPECS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("age_years", "number", minimum=0, below=130),
        FieldSpec("tumor_type", "text", max_length=200),
        FieldSpec("fusion_status", "enum", FusionStatus),
        FieldSpec("setting", "enum", Setting),
        FieldSpec("treatment_phase", "enum", TreatmentPhase),
        FieldSpec("response", "enum", Response),
        FieldSpec("max_response_reached", "bool"),
        FieldSpec("resectable_now", "bool"),
        FieldSpec("resection_margin", "enum", ResectionMargin),
        FieldSpec("high_risk_features", "list", HighRiskFeature),
        FieldSpec("progression", "enum", Progression),
        FieldSpec("emergency", "list", Emergency),
        FieldSpec("cns_metastases", "bool"),
        FieldSpec("resistance_mechanism", "enum", ResistanceMechanism),
        FieldSpec("prior_trk_inhibitors", "list", TrkInhibitor),
        FieldSpec("tumor_category", "enum", TumorCategory),
        FieldSpec("rai_status", "enum", RaiStatus),
        FieldSpec("other_driver", "bool"),
        FieldSpec("assay", "enum", Assay),
        FieldSpec("cns_disease", "enum", CnsDisease),
        FieldSpec("residual_disease", "enum", ResidualDisease),
        FieldSpec("toxicity", "enum", Toxicity),
        FieldSpec("complete_response_months", "number", minimum=0, below=600),
        FieldSpec("fit_for_surgery", "bool"),
    )
}
"""Every case field but `id`, in contract order (version 1's fields, then version 2's)."""

LEGACY_FIELDS: dict[str, str] = {"cns_metastases": "cns_disease"}
"""Version-1 fields still accepted, and the field that now carries their meaning. A pathway never
asks a legacy field; validation turns its answer into the new field's (see `case.py`)."""

ASKABLE_FIELDS: tuple[str, ...] = tuple(
    name for name in FIELD_SPECS if name != "tumor_type" and name not in LEGACY_FIELDS
)
"""Fields a pathway may ask about: not the free-text tumour type (shown, never routed on) and not
a legacy field."""

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "是"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "否"})
"""How a yes/no answer may be typed on the command line or at a prompt (a JSON case file takes
`true` and `false` only)."""

ID_SPEC = FieldSpec("id", "text", max_length=64)
"""The caller's own label for a case: echoed in the result, never asked, never routed on."""

CASE_SPECS: dict[str, FieldSpec] = {"id": ID_SPEC, **FIELD_SPECS}
"""Every case field, in contract order: what validation checks."""

ROUTE_SPECS: dict[str, FieldSpec] = {
    "age_group": FieldSpec("age_group", "enum", AgeGroup),
    "age_band": FieldSpec("age_band", "band"),
}
"""Values derived from the case that a pathway may split on without asking a question (a
`route_on` node may also split on a case field that every path to it has already asked)."""
