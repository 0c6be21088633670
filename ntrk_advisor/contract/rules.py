"""Cross-field rules: answers that each pass on their own but contradict each other.

A contradiction makes the case `invalid`, with one error on the rule's first field naming the
other and saying why, because advice built on a contradiction is advice on a case that does not
exist. The rules are data: each is two conditions that must not hold together. A condition holds
only when its field was given, so a missing answer never triggers a rule. `docs/contract.md` lists
every rule; `test_contract_rules.py` proves each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ntrk_advisor.contract.vocabulary import (
    CnsDisease,
    FusionStatus,
    Progression,
    ResistanceMechanism,
    Response,
    Setting,
    Toxicity,
    TreatmentPhase,
    TumorCategory,
)


@dataclass(frozen=True)
class Condition:
    """What a field's answer must be for a rule to apply.

    Exactly one of: `values` (the answer is one of these), `empty` (a list answer is empty, or
    not), `at_least` (a number is this or more), or none of them (any answer at all).
    """

    field: str
    values: frozenset[Any] | None = None
    empty: bool | None = None
    at_least: float | None = None

    def holds(self, value: Any) -> bool:
        """Whether a given (non-missing) answer meets the condition."""
        if self.values is not None:
            return value in self.values
        if self.empty is not None:
            return (len(value) == 0) is self.empty
        if self.at_least is not None:
            return bool(value >= self.at_least)
        return True


@dataclass(frozen=True)
class Rule:
    """Two conditions that contradict each other; `id` names the reason's text (`rule.<id>`)."""

    id: str
    first: Condition
    second: Condition


def _is(field: str, *values: Any) -> Condition:
    return Condition(field, values=frozenset(values))


_ANY_PRIOR = Condition("prior_trk_inhibitors", empty=False)
_NO_PRIOR = Condition("prior_trk_inhibitors", empty=True)
_NAIVE = _is("treatment_phase", TreatmentPhase.NAIVE)

RULES: tuple[Rule, ...] = (
    Rule("resistant_needs_prior", _is("setting", Setting.RESISTANT), _NO_PRIOR),
    Rule("resistant_not_naive", _is("setting", Setting.RESISTANT), _NAIVE),
    Rule("naive_has_no_prior", _NAIVE, _ANY_PRIOR),
    Rule("on_inhibitor_needs_prior", _is("treatment_phase", TreatmentPhase.ON_TRK_INHIBITOR), _NO_PRIOR),
    Rule(
        "naive_has_no_response",
        _NAIVE,
        _is("response", Response.COMPLETE, Response.PARTIAL, Response.STABLE, Response.PROGRESSION),
    ),
    Rule("naive_has_no_progression", _NAIVE, _is("progression", Progression.OLIGO, Progression.WIDESPREAD)),
    Rule("naive_has_no_toxicity", _NAIVE, _is("toxicity", Toxicity.DOSE_LIMITING)),
    Rule("naive_has_no_margin", _NAIVE, Condition("resection_margin")),
    Rule("naive_has_no_residual", _NAIVE, Condition("residual_disease")),
    Rule(
        "mechanism_needs_prior",
        _is(
            "resistance_mechanism",
            ResistanceMechanism.SOLVENT_FRONT,
            ResistanceMechanism.GATEKEEPER,
            ResistanceMechanism.XDFG,
            ResistanceMechanism.BYPASS,
        ),
        _NO_PRIOR,
    ),
    Rule(
        "progression_is_not_none", _is("response", Response.PROGRESSION), _is("progression", Progression.NONE)
    ),
    Rule("plateau_is_not_growth", _is("max_response_reached", True), _is("response", Response.PROGRESSION)),
    Rule(
        "months_need_complete_response",
        Condition("complete_response_months"),
        _is("response", Response.PARTIAL, Response.STABLE, Response.PROGRESSION, Response.NOT_ASSESSED),
    ),
    Rule(
        "cns_metastases_false",
        _is("cns_metastases", False),
        _is("cns_disease", CnsDisease.ASYMPTOMATIC, CnsDisease.SYMPTOMATIC, CnsDisease.LEPTOMENINGEAL),
    ),
    Rule("cns_metastases_true", _is("cns_metastases", True), _is("cns_disease", CnsDisease.NONE)),
    Rule(
        "rai_needs_thyroid",
        Condition("rai_status"),
        _is("tumor_category", *(c for c in TumorCategory if c is not TumorCategory.THYROID)),
    ),
    Rule("assay_needs_a_test", Condition("assay"), _is("fusion_status", FusionStatus.NOT_TESTED)),
    Rule(
        "infant_tumour_in_adult",
        _is(
            "tumor_category",
            TumorCategory.INFANTILE_FIBROSARCOMA,
            TumorCategory.CONGENITAL_MESOBLASTIC_NEPHROMA,
        ),
        Condition("age_years", at_least=18),
    ),
)
"""Every cross-field rule, in the order their errors are reported."""
