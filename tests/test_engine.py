"""The engine follows the article: each pathway, each handoff, and never a guess."""

from __future__ import annotations

from typing import Any

import pytest

from ntrk_advisor.engine import evaluate, evaluate_many
from ntrk_advisor.models import Result
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.vocabulary import Status
from tests.conftest import RESULT_KEYS

ADULT = {"age_years": 50, "fusion_status": "confirmed"}
CHILD = {"age_years": 2, "fusion_status": "confirmed"}


def plan(result: Result) -> dict[str, str]:
    """action code -> strength, for compact assertions."""
    return {a.action.value: a.strength.value for a in result.actions}


def run(**answers: Any) -> Result:
    result = evaluate(answers)
    assert result.status is Status.COMPLETE, (result.missing, result.errors)
    return result


# --- diagnostic gate ---------------------------------------------------------------------------


def test_untested_tumour_is_tested_before_any_trk_decision() -> None:
    result = run(age_years=60, fusion_status="not_tested")
    assert result.pathway.value == "diagnostic"
    assert plan(result) == {"test_for_fusion": "preferred", "mdt_review": "recommended"}


def test_ihc_positive_only_is_confirmed_molecularly_first() -> None:
    result = run(age_years=70, fusion_status="ihc_only")
    assert plan(result) == {"confirm_fusion": "preferred", "mdt_review": "recommended"}
    assert [s.field for s in result.trace] == ["age_years", "fusion_status"]


@pytest.mark.parametrize("status", ["negative", "non_fusion_alteration"])
def test_no_fusion_means_trk_inhibitor_not_indicated(status: str) -> None:
    result = run(age_years=40, fusion_status=status)
    assert plan(result)["trk_inhibitor_not_indicated"] == "preferred"
    assert "systemic_trk" not in plan(result)


def test_the_gate_asks_nothing_beyond_fusion_status_when_not_confirmed() -> None:
    result = run(age_years=40, fusion_status="negative", setting="metastatic", treatment_phase="naive")
    assert [s.field for s in result.trace] == ["age_years", "fusion_status"]


# --- early -------------------------------------------------------------------------------------


def test_early_untreated_disease_goes_to_surgery() -> None:
    result = run(**ADULT, setting="early", treatment_phase="naive")
    assert result.pathway.value == "early"
    assert plan(result) == {"surgery": "preferred", "mdt_review": "recommended"}


def test_resected_early_tumour_with_high_risk_features_gets_individualized_adjuvant() -> None:
    result = run(
        **ADULT,
        setting="early",
        treatment_phase="post_resection",
        resection_margin="r0",
        high_risk_features=["high_grade"],
    )
    assert plan(result) == {
        "adjuvant_trk": "individualized",
        "observation": "recommended",
        "mdt_review": "recommended",
    }
    assert "adjuvant.evidence_gap" in result.actions[0].arguments


def test_resected_early_tumour_without_risk_features_is_observed_and_adjuvant_not_routine() -> None:
    result = run(
        **ADULT,
        setting="early",
        treatment_phase="post_resection",
        resection_margin="r0",
        high_risk_features=[],
    )
    assert plan(result) == {
        "observation": "preferred",
        "adjuvant_trk": "not_recommended",
        "mdt_review": "recommended",
    }


def test_r1_margin_alone_makes_adjuvant_individualized_without_asking_risk_features() -> None:
    result = run(**ADULT, setting="early", treatment_phase="post_resection", resection_margin="r1")
    assert plan(result)["adjuvant_trk"] == "individualized"
    assert "high_risk_features" not in [s.field for s in result.trace]


def test_early_r2_resection_hands_off_to_locally_advanced() -> None:
    result = run(
        **ADULT,
        setting="early",
        treatment_phase="post_resection",
        resection_margin="r2",
        prior_trk_inhibitors=[],
    )
    assert result.pathway.value == "locally_advanced"
    assert plan(result) == {
        "systemic_trk": "preferred",
        "surgery_at_max_response": "consider",
        "mdt_review": "recommended",
    }


# --- locally advanced --------------------------------------------------------------------------


def test_locally_advanced_untreated_disease_starts_with_a_neoadjuvant_inhibitor() -> None:
    result = run(**ADULT, setting="locally_advanced", treatment_phase="naive")
    assert plan(result) == {
        "neoadjuvant_trk": "preferred",
        "surgery_at_max_response": "recommended",
        "mdt_review": "recommended",
    }
    assert [a.order for a in result.actions] == [1, 2, 3]


def test_children_get_the_pediatric_arguments_for_neoadjuvant_therapy() -> None:
    child = run(**CHILD, setting="locally_advanced", treatment_phase="naive")
    adult = run(**ADULT, setting="locally_advanced", treatment_phase="naive")
    assert "pediatric.neoadjuvant_first" in child.actions[0].arguments
    assert "pediatric.neoadjuvant_first" not in adult.actions[0].arguments
    assert child.age_group.value == "pediatric" and adult.age_group.value == "adult"


def test_still_shrinking_means_continue_and_operate_later() -> None:
    result = run(
        **ADULT,
        setting="locally_advanced",
        treatment_phase="on_trk_inhibitor",
        response="partial",
        resectable_now=True,
        max_response_reached=False,
    )
    assert plan(result)["continue_trk"] == "preferred"
    assert plan(result)["surgery_at_max_response"] == "recommended"


def test_maximal_response_and_resectable_means_operate_now() -> None:
    result = run(
        **CHILD,
        setting="locally_advanced",
        treatment_phase="on_trk_inhibitor",
        response="partial",
        resectable_now=True,
        max_response_reached=True,
    )
    assert plan(result)["surgery_at_max_response"] == "preferred"


def test_unresectable_progression_on_the_inhibitor_hands_off_to_resistance() -> None:
    result = run(
        **ADULT,
        setting="locally_advanced",
        treatment_phase="on_trk_inhibitor",
        response="progression",
        resectable_now=False,
        resistance_mechanism="not_tested",
    )
    assert result.pathway.value == "resistant"
    assert plan(result)["resistance_testing"] == "preferred"


@pytest.mark.parametrize(
    ("margin", "expected"), [("r0", "observation"), ("r1", "continue_trk"), ("r2", "continue_trk")]
)
def test_after_resection_observe_if_r0_and_continue_for_residual_disease(margin: str, expected: str) -> None:
    result = run(
        **ADULT,
        setting="locally_advanced",
        treatment_phase="post_resection",
        resection_margin=margin,
        prior_trk_inhibitors=["larotrectinib"],
    )
    assert plan(result)[expected] == "preferred"


# --- metastatic --------------------------------------------------------------------------------


def test_metastatic_untreated_disease_gets_a_systemic_trk_inhibitor() -> None:
    result = run(**ADULT, setting="metastatic", treatment_phase="naive", emergency=[], cns_metastases=False)
    assert plan(result) == {"systemic_trk": "preferred", "mdt_review": "recommended"}


def test_emergency_gets_urgent_local_therapy_first_and_keeps_the_inhibitor() -> None:
    result = run(
        **ADULT,
        setting="metastatic",
        treatment_phase="on_trk_inhibitor",
        emergency=["bowel_obstruction"],
        cns_metastases=False,
        progression="none",
    )
    assert result.actions[0].action.value == "urgent_local_therapy"
    assert result.actions[0].strength.value == "urgent" and result.actions[0].order == 1
    assert plan(result)["continue_trk"] == "preferred"
    assert all(a.order > 1 for a in result.actions[1:])


def test_oligoprogression_keeps_the_inhibitor_and_adds_local_therapy() -> None:
    result = run(
        **ADULT,
        setting="metastatic",
        treatment_phase="on_trk_inhibitor",
        emergency=[],
        cns_metastases=False,
        progression="oligo",
    )
    assert plan(result)["continue_trk"] == "preferred"
    assert plan(result)["local_ablative_therapy"] == "preferred"
    assert plan(result)["next_gen_trk"] == "not_recommended"
    assert "advanced.continue_plus_local" in {a for x in result.actions for a in x.arguments}


def test_widespread_progression_hands_off_to_resistance() -> None:
    result = run(
        **ADULT,
        setting="metastatic",
        treatment_phase="on_trk_inhibitor",
        emergency=[],
        cns_metastases=False,
        progression="widespread",
        resistance_mechanism="solvent_front",
        prior_trk_inhibitors=["entrectinib"],
    )
    assert result.pathway.value == "resistant"
    assert plan(result)["next_gen_trk"] == "preferred"
    assert [s.node for s in result.trace][-2:] == ["resistant.mechanism", "resistant.prior_inhibitors"]


def test_brain_metastases_add_a_caution_without_changing_the_plan() -> None:
    without = run(**ADULT, setting="metastatic", treatment_phase="naive", emergency=[], cns_metastases=False)
    with_cns = run(**ADULT, setting="metastatic", treatment_phase="naive", emergency=[], cns_metastases=True)
    assert plan(without) == plan(with_cns)
    assert len(with_cns.cautions) == len(without.cautions) + 1


# --- resistance --------------------------------------------------------------------------------


@pytest.mark.parametrize("mechanism", ["solvent_front", "gatekeeper"])
def test_on_target_mutation_gets_a_next_generation_inhibitor(mechanism: str) -> None:
    result = run(
        **ADULT,
        setting="resistant",
        progression="widespread",
        resistance_mechanism=mechanism,
        prior_trk_inhibitors=["larotrectinib"],
    )
    assert plan(result)["next_gen_trk"] == "preferred"


def test_next_generation_inhibitor_already_used_means_a_trial() -> None:
    result = run(
        **ADULT,
        setting="resistant",
        progression="widespread",
        resistance_mechanism="solvent_front",
        prior_trk_inhibitors=["larotrectinib", "repotrectinib"],
    )
    assert plan(result)["clinical_trial"] == "preferred"
    assert "next_gen_trk" not in plan(result)


@pytest.mark.parametrize("mechanism", ["xdfg", "bypass"])
def test_xdfg_or_bypass_goes_to_a_trial_and_not_a_next_generation_inhibitor(mechanism: str) -> None:
    result = run(**ADULT, setting="resistant", progression="widespread", resistance_mechanism=mechanism)
    assert plan(result)["clinical_trial"] == "preferred"
    assert plan(result)["chemotherapy"] == "consider"
    assert plan(result)["next_gen_trk"] == "not_recommended"
    assert "prior_trk_inhibitors" not in [s.field for s in result.trace]


def test_unknown_mechanism_is_tested_first() -> None:
    result = run(**ADULT, setting="resistant", progression="widespread", resistance_mechanism="not_tested")
    assert plan(result) == {"resistance_testing": "preferred", "mdt_review": "recommended"}


def test_oligo_resistance_gets_local_therapy_and_keeps_the_drug() -> None:
    result = run(**ADULT, setting="resistant", progression="oligo")
    assert plan(result)["local_ablative_therapy"] == "preferred"
    assert plan(result)["continue_trk"] == "preferred"
    assert "resistance.oligo_local" in result.actions[0].arguments


# --- never guess -------------------------------------------------------------------------------


def test_missing_answer_gives_incomplete_naming_it_and_no_actions() -> None:
    result = evaluate({"age_years": 9, "fusion_status": "confirmed", "setting": "locally_advanced"})
    assert result.status is Status.INCOMPLETE
    assert result.missing == ("treatment_phase",)
    assert result.actions == ()
    assert result.pathway.value == "locally_advanced"


def test_missing_lists_every_field_needed_whatever_the_missing_answers_are() -> None:
    result = evaluate({"fusion_status": "confirmed", "setting": "metastatic", "treatment_phase": "naive"})
    assert result.missing == ("age_years", "emergency", "cns_metastases")
    assert "age_group" not in result.to_dict()
    result = evaluate(
        {
            "age_years": 40,
            "fusion_status": "confirmed",
            "setting": "metastatic",
            "treatment_phase": "on_trk_inhibitor",
        }
    )
    assert result.missing == ("emergency", "cns_metastases", "progression")


def test_missing_is_in_the_order_the_path_asks() -> None:
    result = evaluate({"age_years": 40})
    assert result.missing == ("fusion_status",)
    assert [s.field for s in result.trace] == ["age_years"]


def test_trace_lists_only_the_questions_asked() -> None:
    result = run(
        **ADULT,
        setting="early",
        treatment_phase="naive",
        response="partial",
        cns_metastases=True,
        emergency=["bleeding"],
    )
    assert [s.field for s in result.trace] == ["age_years", "fusion_status", "setting", "treatment_phase"]


def test_unneeded_fields_are_still_validated() -> None:
    result = evaluate({**ADULT, "setting": "early", "treatment_phase": "naive", "response": "great"})
    assert result.status is Status.INVALID
    assert [e.field for e in result.errors] == ["response"]


def test_invalid_case_keeps_its_id_and_has_no_age_group_or_actions() -> None:
    result = evaluate({"id": "x1", "age_years": 200, "fusion_status": "confirmed"})
    assert result.status is Status.INVALID and result.case_id == "x1"
    assert result.actions == () and "age_group" not in result.to_dict()


def test_every_result_carries_the_knowledge_stamp(kb: KnowledgeBase) -> None:
    for answers in ({"age_years": 3}, {"bad": 1}, {**ADULT, "setting": "early", "treatment_phase": "naive"}):
        stamp = evaluate(answers).knowledge
        assert stamp.version == kb.meta.knowledge.version
        assert stamp.reviewed == kb.meta.knowledge.reviewed.isoformat()


def test_chinese_results_translate_texts_but_never_codes() -> None:
    answers = {**CHILD, "setting": "locally_advanced", "treatment_phase": "naive"}
    en, zh = evaluate(answers, "en"), evaluate(answers, "zh")
    assert [a.action for a in en.actions] == [a.action for a in zh.actions]
    assert [a.arguments for a in en.actions] == [a.arguments for a in zh.actions]
    assert en.actions[0].summary != zh.actions[0].summary
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.actions[0].summary)


def test_result_json_keys_follow_the_contract_order() -> None:
    data = run(**ADULT, setting="early", treatment_phase="naive").to_dict()
    assert list(data) == list(RESULT_KEYS)
    assert list(data["actions"][0]) == [
        "action",
        "strength",
        "order",
        "summary",
        "rationale",
        "arguments",
        "evidence",
    ]
    assert data["schema_version"] == "1"


def test_evaluate_many_yields_one_result_per_case_in_order() -> None:
    results = list(evaluate_many([{"id": "a", "age_years": 1}, {"id": "b", "zzz": 1}, {"id": "c"}]))
    assert [(r.case_id, r.status.value) for r in results] == [
        ("a", "incomplete"),
        ("b", "invalid"),
        ("c", "incomplete"),
    ]
