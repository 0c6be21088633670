"""Contradictory answers are invalid, naming both fields; each rule holds in both directions.

Every rule of `contract.rules` (and of docs/contract.md) has a pair of cases here: one where the
two answers contradict each other, and a near neighbour where they do not.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from ntrk_advisor import evaluate
from ntrk_advisor.contract.case import case_from_data
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.fields import CASE_SPECS
from ntrk_advisor.contract.rules import RULES
from tests.helpers import plain_answer

BASE = {"age_years": 40, "fusion_status": "confirmed"}

CONTRADICTIONS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # rule id: (contradictory answers, a consistent neighbour)
    "resistant_needs_prior": (
        {"setting": "resistant", "prior_trk_inhibitors": []},
        {"setting": "resistant", "prior_trk_inhibitors": ["larotrectinib"]},
    ),
    "resistant_not_naive": (
        {"setting": "resistant", "treatment_phase": "naive"},
        {"setting": "metastatic", "treatment_phase": "naive"},
    ),
    "naive_has_no_prior": (
        {"treatment_phase": "naive", "prior_trk_inhibitors": ["entrectinib"]},
        {"treatment_phase": "naive", "prior_trk_inhibitors": []},
    ),
    "on_inhibitor_needs_prior": (
        {"treatment_phase": "on_trk_inhibitor", "prior_trk_inhibitors": []},
        {"treatment_phase": "on_trk_inhibitor", "prior_trk_inhibitors": ["larotrectinib"]},
    ),
    "naive_has_no_response": (
        {"treatment_phase": "naive", "response": "partial"},
        {"treatment_phase": "naive", "response": "not_assessed"},
    ),
    "naive_has_no_progression": (
        {"treatment_phase": "naive", "progression": "oligo"},
        {"treatment_phase": "naive", "progression": "none"},
    ),
    "naive_has_no_toxicity": (
        {"treatment_phase": "naive", "toxicity": "dose_limiting"},
        {"treatment_phase": "on_trk_inhibitor", "toxicity": "dose_limiting"},
    ),
    "naive_has_no_margin": (
        {"treatment_phase": "naive", "resection_margin": "r0"},
        {"treatment_phase": "post_resection", "resection_margin": "r0"},
    ),
    "naive_has_no_residual": (
        {"treatment_phase": "naive", "residual_disease": "none"},
        {"treatment_phase": "post_resection", "residual_disease": "none"},
    ),
    "mechanism_needs_prior": (
        {"resistance_mechanism": "gatekeeper", "prior_trk_inhibitors": []},
        {"resistance_mechanism": "not_tested", "prior_trk_inhibitors": []},
    ),
    "progression_is_not_none": (
        {"response": "progression", "progression": "none"},
        {"response": "progression", "progression": "widespread"},
    ),
    "plateau_is_not_growth": (
        {"max_response_reached": True, "response": "progression"},
        {"max_response_reached": True, "response": "stable"},
    ),
    "months_need_complete_response": (
        {"complete_response_months": 14, "response": "partial"},
        {"complete_response_months": 14, "response": "complete"},
    ),
    "cns_metastases_false": (
        {"cns_metastases": False, "cns_disease": "symptomatic"},
        {"cns_metastases": True, "cns_disease": "symptomatic"},
    ),
    "cns_metastases_true": (
        {"cns_metastases": True, "cns_disease": "none"},
        {"cns_metastases": False, "cns_disease": "none"},
    ),
    "rai_needs_thyroid": (
        {"rai_status": "rai_avid", "tumor_category": "lung"},
        {"rai_status": "rai_avid", "tumor_category": "thyroid"},
    ),
    "assay_needs_a_test": (
        {"assay": "dna_ngs", "fusion_status": "not_tested"},
        {"assay": "dna_ngs", "fusion_status": "negative"},
    ),
    "infant_tumour_in_adult": (
        {"tumor_category": "infantile_fibrosarcoma", "age_years": 30},
        {"tumor_category": "infantile_fibrosarcoma", "age_years": 0.5},
    ),
}


def test_every_rule_has_a_specification_here() -> None:
    assert sorted(CONTRADICTIONS) == sorted(rule.id for rule in RULES)


@pytest.mark.parametrize("rule", [r for r in RULES], ids=[r.id for r in RULES])
def test_a_contradiction_is_invalid_and_its_error_names_both_fields(rule: Any) -> None:
    answers, _ = CONTRADICTIONS[rule.id]
    with pytest.raises(CaseInvalid) as caught:
        case_from_data({**BASE, **answers})
    (error,) = caught.value.field_errors("en")
    assert error.field == rule.first.field
    assert rule.second.field in error.message
    zh = caught.value.field_errors("zh")[0].message
    assert rule.second.field in zh and "：" in zh  # worded in Chinese, full-width colon


@pytest.mark.parametrize("rule", [r for r in RULES], ids=[r.id for r in RULES])
def test_the_consistent_neighbour_is_valid(rule: Any) -> None:
    _, answers = CONTRADICTIONS[rule.id]
    case_from_data({**BASE, **answers})


def test_a_rule_never_fires_on_a_missing_answer() -> None:
    case_from_data({**BASE, "setting": "resistant"})  # prior inhibitors not given: asked later, never guessed


def test_the_invalid_result_keeps_the_age_group() -> None:
    result = evaluate(
        {"age_years": 5, "fusion_status": "confirmed", "setting": "resistant", "prior_trk_inhibitors": []}
    )
    assert result.status.value == "invalid"
    assert result.age_group is not None and result.age_group.value == "pediatric"
    assert result.to_dict()["age_group"] == "pediatric"


def test_an_invalid_age_leaves_the_age_group_out() -> None:
    result = evaluate({"age_years": -1, "fusion_status": "confirmed"})
    assert "age_group" not in result.to_dict()


def test_version_1_no_brain_metastases_is_read_as_no_cns_disease() -> None:
    case = case_from_data({**BASE, "cns_metastases": False})
    assert case.cns_disease is not None and case.cns_disease.value == "none"


def test_version_1_brain_metastases_leave_the_kind_of_cns_disease_to_be_asked() -> None:
    result = evaluate(
        {**BASE, "setting": "metastatic", "emergency": [], "cns_metastases": True},
    )
    assert result.status.value == "incomplete" and result.missing[0] == "cns_disease"


RULE_FIELDS = sorted({rule.first.field for rule in RULES} | {rule.second.field for rule in RULES})


MONTHS = (0, 0.5, 3, 11.9, 12, 24, 60)
"""Numbers drawn for the rules' numeric answers (months of complete response), around their bounds."""


def by_the_rules(answers: dict[str, Any]) -> list[str]:
    """The contradictions of a set of answers, worked out rule by rule from the rules as written."""
    values = dict(answers)
    if values.get("cns_metastases") is False and "cns_disease" not in values:
        values["cns_disease"] = "none"  # what validation derives from the version-1 answer
    fired = []
    for rule in RULES:
        a, b = values.get(rule.first.field), values.get(rule.second.field)
        if a is None or b is None:
            continue
        if rule.first.holds(_typed(rule.first.field, a)) and rule.second.holds(_typed(rule.second.field, b)):
            fired.append(rule.id)
    return fired


def _typed(name: str, value: Any) -> Any:
    """An answer as validation types it: a vocabulary member, or a tuple of them."""
    spec = CASE_SPECS[name]
    if spec.kind == "enum":
        assert spec.values is not None
        return spec.values(value)
    if spec.kind == "list":
        assert spec.values is not None
        return tuple(spec.values(v) for v in value)
    return value


def test_the_rules_that_fire_are_those_the_rules_name_in_their_order() -> None:
    # Validation looks the rules up by the answer each starts from; whatever answers a case
    # gives, the contradictions it names are those the rules give one by one, in their order.
    rng = random.Random(27)
    seen: set[str] = set()
    for _ in range(5_000):
        names = rng.sample(RULE_FIELDS, rng.randint(1, len(RULE_FIELDS)))
        answers = {name: plain_answer(name, rng, MONTHS) for name in names}
        try:
            case_from_data({**BASE, **answers})
            named: list[str] = []
        except CaseInvalid as exc:
            assert all(kind == "contradiction" for _, kind, _ in exc.problems), exc.problems
            named = [context["rule"] for _, _, context in exc.problems]
        assert named == by_the_rules({**BASE, **answers}), answers
        seen.update(named)
    assert seen == {rule.id for rule in RULES}  # every rule fired somewhere
