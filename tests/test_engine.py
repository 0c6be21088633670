"""The engine follows the article: each pathway, each handoff, and never a guess."""

from __future__ import annotations

from typing import Any

import pytest

from ntrk_advisor.api import evaluate, evaluate_many
from ntrk_advisor.contract.case import case_from_data, unused_answers
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.result import Result
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.engine import decide
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.pathway.tree import TreeNode
from tests.conftest import RESULT_KEYS
from tests.helpers import all_leaves

ADULT = {"age_years": 50, "fusion_status": "confirmed", "emergency": []}
CHILD = {"age_years": 2, "fusion_status": "confirmed", "emergency": []}
INFANT = {"age_years": 1, "fusion_status": "confirmed", "emergency": []}


def plan(result: Result) -> dict[str, str]:
    """action code -> strength, for compact assertions."""
    return {a.action.value: a.strength.value for a in result.actions}


def run(**answers: Any) -> Result:
    result = evaluate(answers)
    assert result.status is Status.COMPLETE, (result.missing, result.errors)
    return result


# --- diagnostic gate ---------------------------------------------------------------------------


def test_untested_tumour_is_tested_and_standard_care_goes_on() -> None:
    result = run(age_years=60, fusion_status="not_tested", emergency=[])
    assert result.pathway.value == "diagnostic"
    assert plan(result) == {
        "test_for_fusion": "preferred",
        "standard_therapy": "recommended",
        "mdt_review": "recommended",
    }


def test_ihc_positive_only_is_confirmed_molecularly_first() -> None:
    result = run(age_years=70, fusion_status="ihc_only", emergency=[])
    assert plan(result) == {"confirm_fusion": "preferred", "mdt_review": "recommended"}
    assert [s.field for s in result.trace] == ["age_years", "emergency", "fusion_status"]


@pytest.mark.parametrize(
    "answers", [{"fusion_status": "negative", "assay": "rna_ngs"}, {"fusion_status": "non_fusion_alteration"}]
)
def test_no_fusion_means_trk_inhibitor_not_indicated(answers: dict[str, Any]) -> None:
    result = run(age_years=40, emergency=[], **answers)
    assert plan(result)["trk_inhibitor_not_indicated"] == "preferred"
    assert "systemic_trk" not in plan(result)


def test_a_negative_dna_panel_in_a_fusion_rich_infant_tumour_is_retested_first() -> None:
    result = run(
        age_years=0.3,
        emergency=[],
        fusion_status="negative",
        assay="dna_ngs",
        tumor_category="infantile_fibrosarcoma",
    )
    assert result.actions[0].action.value == "test_for_fusion"
    assert plan(result)["test_for_fusion"] == "recommended"


def test_the_gate_asks_nothing_beyond_fusion_status_when_not_confirmed() -> None:
    result = evaluate(
        {
            "age_years": 40,
            "emergency": [],
            "fusion_status": "ihc_only",
            "setting": "metastatic",
            "treatment_phase": "naive",
        }
    )
    assert [s.field for s in result.trace] == ["age_years", "emergency", "fusion_status"]
    assert result.unused_answers == ("setting", "treatment_phase")


@pytest.mark.parametrize(
    "status", ["confirmed", "ihc_only", "not_tested", "non_fusion_alteration", "negative"]
)
def test_an_emergency_leads_whatever_the_fusion_status(status: str) -> None:
    result = evaluate({"age_years": 40, "emergency": ["bleeding"], "fusion_status": status})
    assert result.trace[1].field == "emergency"
    if result.status is Status.COMPLETE:
        assert result.actions[0].action.value == "urgent_local_therapy"


# --- early -------------------------------------------------------------------------------------


def test_early_untreated_disease_goes_to_surgery_when_the_patient_is_fit() -> None:
    result = run(**ADULT, setting="early", treatment_phase="naive", fit_for_surgery=True)
    assert result.pathway.value == "early"
    assert plan(result) == {"surgery": "preferred", "mdt_review": "recommended"}


def test_a_patient_unfit_for_the_operation_is_not_sent_to_surgery() -> None:
    result = run(**ADULT, setting="early", treatment_phase="naive", fit_for_surgery=False)
    assert "surgery" not in plan(result)
    assert plan(result)["systemic_trk"] == "recommended"


def test_resected_early_tumour_with_a_major_risk_feature_gets_individualized_adjuvant() -> None:
    result = run(
        **ADULT,
        setting="early",
        treatment_phase="post_resection",
        resection_margin="r0",
        high_risk_features=["high_grade"],
        tumor_category="other",
    )
    assert plan(result) == {
        "observation": "recommended",
        "adjuvant_trk": "individualized",
        "mdt_review": "recommended",
    }
    assert "adjuvant.evidence_gap" in result.actions[1].arguments


def test_a_single_minor_risk_feature_is_not_high_risk() -> None:
    result = run(
        **ADULT,
        setting="early",
        treatment_phase="post_resection",
        resection_margin="r0",
        high_risk_features=["large_tumor"],
    )
    assert plan(result)["adjuvant_trk"] == "not_recommended"


def test_two_minor_risk_features_are_high_risk() -> None:
    result = run(
        **INFANT,
        setting="early",
        treatment_phase="post_resection",
        resection_margin="r0",
        high_risk_features=["large_tumor", "close_margin"],
    )
    assert plan(result)["adjuvant_trk"] == "individualized"


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


def test_adult_r1_is_re_excised_or_irradiated_before_any_adjuvant_inhibitor() -> None:
    result = run(
        **ADULT,
        setting="early",
        treatment_phase="post_resection",
        resection_margin="r1",
        fit_for_surgery=True,
    )
    assert plan(result) == {
        "surgery": "preferred",
        "radiotherapy": "recommended",
        "adjuvant_trk": "individualized",
        "mdt_review": "recommended",
    }
    assert "high_risk_features" not in [s.field for s in result.trace]


def test_infant_r1_is_observed() -> None:
    result = run(**INFANT, setting="early", treatment_phase="post_resection", resection_margin="r1")
    assert plan(result)["observation"] == "preferred" and "radiotherapy" not in plan(result)


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
    result = run(
        **ADULT,
        setting="locally_advanced",
        treatment_phase="naive",
        other_driver=False,
        tumor_category="soft_tissue_sarcoma",
    )
    assert plan(result) == {
        "neoadjuvant_trk": "preferred",
        "surgery_at_max_response": "recommended",
        "mdt_review": "recommended",
    }
    assert [a.order for a in result.actions] == [1, 2, 3]


def test_another_driver_in_an_adult_goes_to_the_molecular_tumour_board() -> None:
    result = run(**ADULT, setting="locally_advanced", treatment_phase="naive", other_driver=True)
    assert plan(result) == {
        "mdt_review": "recommended",
        "standard_therapy": "recommended",
        "systemic_trk": "consider",
    }


def test_children_get_the_pediatric_arguments_for_neoadjuvant_therapy() -> None:
    child = run(
        **CHILD, setting="locally_advanced", treatment_phase="naive", tumor_category="infantile_fibrosarcoma"
    )
    adult = run(
        **ADULT,
        setting="locally_advanced",
        treatment_phase="naive",
        other_driver=False,
        tumor_category="soft_tissue_sarcoma",
    )
    assert "pediatric.neoadjuvant_first" in child.actions[0].arguments
    assert "pediatric.neoadjuvant_first" not in adult.actions[0].arguments
    assert child.age_group.value == "pediatric" and adult.age_group.value == "adult"


def test_still_shrinking_means_continue_and_operate_later() -> None:
    result = run(
        **ADULT,
        setting="locally_advanced",
        treatment_phase="on_trk_inhibitor",
        toxicity="none_or_manageable",
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
        toxicity="none_or_manageable",
        response="partial",
        resectable_now=True,
        max_response_reached=True,
        fit_for_surgery=True,
    )
    assert plan(result)["surgery_at_max_response"] == "preferred"


def test_a_complete_response_is_not_operated_on() -> None:
    result = run(
        **ADULT,
        setting="locally_advanced",
        treatment_phase="on_trk_inhibitor",
        toxicity="none_or_manageable",
        response="complete",
    )
    assert plan(result)["continue_trk"] == "preferred"
    assert plan(result).get("surgery") == "consider" and "surgery_at_max_response" not in plan(result)


@pytest.mark.parametrize(("months", "stop"), [(11.9, False), (12, True), (30, True)])
def test_a_child_may_stop_after_a_complete_response_of_a_year_or_more(months: float, stop: bool) -> None:
    result = run(
        **CHILD,
        setting="locally_advanced",
        treatment_phase="on_trk_inhibitor",
        toxicity="none_or_manageable",
        response="complete",
        complete_response_months=months,
    )
    assert ("planned_discontinuation" in plan(result)) is stop


def test_dose_limiting_toxicity_is_managed_alongside_never_called_resistance() -> None:
    result = run(
        **ADULT,
        setting="locally_advanced",
        treatment_phase="on_trk_inhibitor",
        toxicity="dose_limiting",
        response="partial",
        resectable_now=True,
        max_response_reached=False,
    )
    assert result.pathway.value == "locally_advanced"
    assert result.actions[0].action.value == "manage_toxicity"
    assert result.actions[0].order == result.actions[1].order == 1


def test_unresectable_progression_on_the_inhibitor_hands_off_to_resistance() -> None:
    result = run(
        **ADULT,
        setting="locally_advanced",
        treatment_phase="on_trk_inhibitor",
        toxicity="none_or_manageable",
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

METASTATIC = {**ADULT, "setting": "metastatic", "cns_disease": "none"}


def test_metastatic_untreated_disease_gets_a_systemic_trk_inhibitor() -> None:
    result = run(**METASTATIC, treatment_phase="naive", other_driver=False, tumor_category="lung")
    assert plan(result) == {"systemic_trk": "preferred", "mdt_review": "recommended"}


def test_iodine_avid_thyroid_carcinoma_gets_radioiodine_first() -> None:
    result = run(
        **METASTATIC,
        treatment_phase="naive",
        other_driver=False,
        tumor_category="thyroid",
        rai_status="rai_avid",
    )
    assert result.actions[0].action.value == "standard_therapy" and plan(result)["systemic_trk"] == "consider"


def test_emergency_gets_urgent_local_therapy_first_and_keeps_the_inhibitor() -> None:
    result = run(
        **{**METASTATIC, "emergency": ["bowel_obstruction"]},
        treatment_phase="on_trk_inhibitor",
        toxicity="none_or_manageable",
        progression="none",
    )
    assert result.actions[0].action.value == "urgent_local_therapy"
    assert result.actions[0].strength.value == "urgent" and result.actions[0].order == 1
    assert plan(result)["continue_trk"] == "preferred"
    assert all(a.order > 1 for a in result.actions[1:])


def test_oligoprogression_keeps_the_inhibitor_and_adds_local_therapy() -> None:
    result = run(
        **METASTATIC, treatment_phase="on_trk_inhibitor", toxicity="none_or_manageable", progression="oligo"
    )
    assert plan(result)["continue_trk"] == "preferred"
    assert plan(result)["local_ablative_therapy"] == "preferred"
    assert plan(result)["next_gen_trk"] == "not_recommended"
    assert "advanced.continue_plus_local" in {a for x in result.actions for a in x.arguments}


def test_widespread_progression_hands_off_to_resistance() -> None:
    result = run(
        **METASTATIC,
        treatment_phase="on_trk_inhibitor",
        toxicity="none_or_manageable",
        progression="widespread",
        resistance_mechanism="solvent_front",
        prior_trk_inhibitors=["entrectinib"],
    )
    assert result.pathway.value == "resistant"
    assert plan(result)["next_gen_trk"] == "preferred"
    assert [s.node for s in result.trace][-2:] == ["resistant.mechanism", "resistant.prior_inhibitors"]


@pytest.mark.parametrize(
    ("cns", "local"),
    [("none", None), ("asymptomatic", "consider"), ("symptomatic", "preferred"), ("leptomeningeal", None)],
)
def test_brain_disease_gets_local_therapy_by_symptoms_and_never_for_leptomeningeal_spread(
    cns: str, local: str | None
) -> None:
    result = run(
        **{**METASTATIC, "cns_disease": cns},
        treatment_phase="naive",
        other_driver=False,
        tumor_category="lung",
    )
    assert plan(result).get("local_ablative_therapy") == local
    assert plan(result)["systemic_trk"] == "preferred"
    if cns == "symptomatic":
        assert result.actions[0].action.value == "local_ablative_therapy"
        assert "SBRT" not in result.actions[0].summary


def test_no_visible_disease_after_metastasectomy_is_the_adjuvant_situation() -> None:
    result = run(
        **METASTATIC, treatment_phase="post_resection", residual_disease="none", prior_trk_inhibitors=[]
    )
    assert plan(result)["observation"] == "recommended" and plan(result)["adjuvant_trk"] == "individualized"
    assert "systemic_trk" not in plan(result)


# --- resistance --------------------------------------------------------------------------------

RESISTANT = {**ADULT, "setting": "resistant", "cns_disease": "none", "progression": "widespread"}


@pytest.mark.parametrize("mechanism", ["solvent_front", "gatekeeper"])
def test_on_target_mutation_gets_a_next_generation_inhibitor(mechanism: str) -> None:
    result = run(**RESISTANT, resistance_mechanism=mechanism, prior_trk_inhibitors=["larotrectinib"])
    assert plan(result)["next_gen_trk"] == "preferred"


@pytest.mark.parametrize("drug", ["repotrectinib", "selitrectinib", "zurletrectinib", "taletrectinib"])
def test_any_next_generation_inhibitor_already_used_means_a_trial(drug: str) -> None:
    result = run(
        **RESISTANT, resistance_mechanism="solvent_front", prior_trk_inhibitors=["larotrectinib", drug]
    )
    assert plan(result)["clinical_trial"] == "preferred"
    assert "next_gen_trk" not in plan(result)


def test_an_other_inhibitor_is_never_assumed_to_be_first_generation() -> None:
    result = run(**RESISTANT, resistance_mechanism="solvent_front", prior_trk_inhibitors=["other"])
    assert plan(result)["clinical_trial"] == "preferred" and plan(result)["next_gen_trk"] == "consider"


@pytest.mark.parametrize("mechanism", ["xdfg", "bypass"])
def test_xdfg_or_bypass_goes_to_a_trial_and_not_a_next_generation_inhibitor(mechanism: str) -> None:
    result = run(**RESISTANT, resistance_mechanism=mechanism)
    assert plan(result)["clinical_trial"] == "preferred"
    assert plan(result)["chemotherapy"] == "consider"
    assert plan(result)["next_gen_trk"] == "not_recommended"
    assert "prior_trk_inhibitors" not in [s.field for s in result.trace]


def test_unknown_mechanism_is_tested_first() -> None:
    result = run(**RESISTANT, resistance_mechanism="not_tested")
    assert plan(result) == {"resistance_testing": "preferred", "mdt_review": "recommended"}


def test_oligo_resistance_gets_local_therapy_and_keeps_the_drug() -> None:
    result = run(**{**RESISTANT, "progression": "oligo"})
    assert plan(result)["local_ablative_therapy"] == "preferred"
    assert plan(result)["continue_trk"] == "preferred"
    assert "resistance.oligo_local" in result.actions[0].arguments


def test_an_emergency_during_resistance_leads_the_plan() -> None:
    result = run(
        **{**RESISTANT, "emergency": ["spinal_cord_compression"]},
        resistance_mechanism="solvent_front",
        prior_trk_inhibitors=["larotrectinib"],
    )
    assert (result.actions[0].action.value, result.actions[0].strength.value) == (
        "urgent_local_therapy",
        "urgent",
    )
    assert plan(result)["next_gen_trk"] == "preferred"


# --- never guess -------------------------------------------------------------------------------


def test_missing_answer_gives_incomplete_naming_it_and_no_actions() -> None:
    result = evaluate(
        {"age_years": 9, "emergency": [], "fusion_status": "confirmed", "setting": "locally_advanced"}
    )
    assert result.status is Status.INCOMPLETE
    assert result.missing == ("treatment_phase",)
    assert result.actions == ()
    assert result.pathway.value == "locally_advanced"


def test_missing_lists_every_field_needed_whatever_the_missing_answers_are() -> None:
    result = evaluate({"fusion_status": "confirmed", "setting": "metastatic", "treatment_phase": "naive"})
    assert result.missing == ("age_years", "emergency", "cns_disease")
    assert "age_group" not in result.to_dict()
    result = evaluate(
        {
            "age_years": 40,
            "fusion_status": "confirmed",
            "setting": "metastatic",
            "treatment_phase": "on_trk_inhibitor",
        }
    )
    assert result.missing == ("emergency", "cns_disease", "toxicity", "progression")


def test_missing_is_in_the_order_the_path_asks() -> None:
    result = evaluate({"age_years": 40})
    assert result.missing == ("emergency", "fusion_status")
    assert [s.field for s in result.trace] == ["age_years"]


def test_trace_lists_only_the_questions_asked() -> None:
    result = run(
        **{**ADULT, "emergency": ["bleeding"]},
        setting="early",
        treatment_phase="naive",
        fit_for_surgery=True,
        response="not_assessed",
        cns_metastases=True,
    )
    assert [s.field for s in result.trace] == [
        "age_years",
        "emergency",
        "fusion_status",
        "setting",
        "treatment_phase",
        "fit_for_surgery",
    ]
    assert result.unused_answers == ("response", "cns_metastases")


EARLY_SURGERY = {**ADULT, "setting": "early", "treatment_phase": "naive", "fit_for_surgery": True}
"""A complete path that asks nothing about the brain."""


def test_brain_disease_left_unused_is_reported_whatever_the_case_before_left_unused(
    kb: KnowledgeBase,
) -> None:
    # `cns_metastases: false` stands for the `cns_disease: none` it gives, so one answer is listed;
    # `true` with `asymptomatic` gave both. The memo of unused answers once served the first
    # case's list to the second (same path, same fields given) and dropped `cns_disease`.
    kb.unused_memo.clear()
    legacy = evaluate({**EARLY_SURGERY, "cns_metastases": False}, knowledge=kb)
    both_given = evaluate(
        {**EARLY_SURGERY, "cns_metastases": True, "cns_disease": "asymptomatic"}, knowledge=kb
    )
    legacy_again = evaluate({**EARLY_SURGERY, "cns_metastases": False, "cns_disease": "none"}, knowledge=kb)
    assert legacy.unused_answers == ("cns_metastases",)
    assert both_given.unused_answers == ("cns_metastases", "cns_disease")
    assert legacy_again.unused_answers == ("cns_metastases",)


@pytest.mark.slow  # 25,571 leaves, three ways each, twice: seconds
@pytest.mark.parametrize("first", [False, True])
def test_remembered_unused_answers_are_the_ones_worked_out_for_every_leaf(
    kb: KnowledgeBase, first: bool
) -> None:
    # Every complete path, with each way of giving the brain answers, in two orders: whatever the
    # memo kept from the cases before, each case's unused answers are the ones worked out afresh.
    brain = [{"cns_metastases": False}, {"cns_metastases": True, "cns_disease": "symptomatic"}, {}]
    brain = brain if first else brain[::-1]
    kb.unused_memo.clear()
    for answers, _ in all_leaves(kb):
        for extra in brain:
            if not extra.keys().isdisjoint(answers):
                continue
            try:
                case = case_from_data({**answers, **extra})
            except CaseInvalid:  # answers this path rules out together (a contradiction)
                continue
            decision = decide(case, kb)
            used = {node.field for node in decision.trail if node.field is not None}
            assert decision.unused == unused_answers(case, used), (answers, extra)


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
        assert stamp.edited == kb.meta.knowledge.edited.isoformat()
        # no clinician has signed the built-in knowledge: `reviewed` claims no review, it is the edit date
        assert stamp.reviewed == stamp.edited


def test_chinese_results_translate_texts_but_never_codes() -> None:
    answers = {
        **CHILD,
        "setting": "locally_advanced",
        "treatment_phase": "naive",
        "tumor_category": "infantile_fibrosarcoma",
    }
    en, zh = evaluate(answers, "en"), evaluate(answers, "zh")
    assert [a.action for a in en.actions] == [a.action for a in zh.actions]
    assert [a.arguments for a in en.actions] == [a.arguments for a in zh.actions]
    assert en.actions[0].summary != zh.actions[0].summary
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.actions[0].summary)


def test_result_json_keys_follow_the_contract_order() -> None:
    data = run(**ADULT, setting="early", treatment_phase="naive", fit_for_surgery=True).to_dict()
    assert list(data) == list(RESULT_KEYS)
    assert list(data["actions"][0]) == [
        "action",
        "strength",
        "order",
        "summary",
        "rationale",
        "arguments",
        "evidence",
        "evidence_level",
        "review",  # additive (contract, "Review")
    ]
    assert data["schema_version"] == "2"


def test_evaluate_many_yields_one_result_per_case_in_order() -> None:
    results = list(evaluate_many([{"id": "a", "age_years": 1}, {"id": "b", "zzz": 1}, {"id": "c"}]))
    assert [(r.case_id, r.status.value) for r in results] == [
        ("a", "incomplete"),
        ("b", "invalid"),
        ("c", "incomplete"),
    ]


def test_what_is_missing_is_worked_out_once_per_node_however_often_the_pathways_share_it() -> None:
    """Forty questions, each with two answers whose branches meet again at the next: 2**40 paths.

    Walked as a plain tree this never ends; worked out once per node, each node is looked at once
    (a node looked at twice fails at once instead of hanging).
    """
    from ntrk_advisor.contract.case import Case
    from ntrk_advisor.engine import needed_from
    from ntrk_advisor.pathway.tree import TreeNode

    looked_at: set[str] = set()

    class CountedNode(TreeNode):
        def successors(self) -> list[TreeNode]:
            assert self.qid not in looked_at, f"{self.qid} worked out twice"
            looked_at.add(self.qid)
            return super().successors()

    def ask(qid: str, field: str, **routes: TreeNode) -> TreeNode:
        return CountedNode(qid=qid, pathway="early", kind="ask", field=field, scalar_routes=routes)

    node: TreeNode = CountedNode(qid="t.end", pathway="early", kind="outcome")
    for level in range(40):
        left = CountedNode(qid=f"t.l{level}", pathway="early", kind="ask", field="tumor_type", next=node)
        right = CountedNode(qid=f"t.r{level}", pathway="early", kind="ask", field="tumor_type", next=node)
        node = ask(f"t.q{level}", "setting", early=left, metastatic=right)
    assert needed_from(node, Case(), None, None) == ["setting", "tumor_type"]
    assert len(looked_at) == 3 * 40


def test_what_an_incomplete_case_still_needs_is_the_same_remembered_as_worked_out(kb: KnowledgeBase) -> None:
    """The engine remembers `needed_from` per node and the answers it may read (issue 27): a case that
    differs only in an answer the walk reads must not get another case's list."""
    import random

    from ntrk_advisor.contract.case import case_from_data
    from ntrk_advisor.contract.errors import CaseInvalid
    from ntrk_advisor.engine import decide, needed_from

    rng = random.Random(5)
    choices: dict[str, list[Any]] = {
        "age_years": [0.5, 3, 17, 30, 70],
        "fusion_status": ["confirmed", "ihc_only", "not_tested"],
        "setting": ["early", "locally_advanced", "metastatic", "resistant"],
        "treatment_phase": ["naive", "on_trk_inhibitor", "post_resection"],
        "response": ["complete", "partial", "stable", "progression"],
        "tumor_category": ["infantile_fibrosarcoma", "thyroid", "lung", "other"],
        "emergency": [[]],
        "progression": ["none", "oligo", "widespread"],
        "resectable_now": [True, False],
    }
    kb.missing_memo.clear()
    checked = 0
    for _ in range(1000):
        answers = {k: rng.choice(v) for k, v in choices.items() if rng.random() < 0.6}
        try:
            case = case_from_data(answers)
        except CaseInvalid:
            continue
        decision = decide(case, kb)
        if decision.status is Status.INCOMPLETE:
            fresh = needed_from(decision.trail[-1], case, decision.age_group, decision.age_band)
            assert decision.missing == tuple(fresh), answers
            checked += 1
    assert checked > 150 and len(kb.missing_memo) < checked  # many cases, and the memo was used


def test_the_nodes_a_walk_keeps_per_node_are_the_nodes_each_leads_to(kb: KnowledgeBase) -> None:
    """`next_nodes` is kept once asked (the walk of an incomplete case reads it per node visited);
    on a loaded knowledge base it must be exactly `successors()`, node for node and in order."""
    seen: set[int] = set()
    todo = [kb.entry]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        assert list(node.next_nodes) == node.successors(), node.qid
        todo.extend(node.successors())
    assert len(seen) > 50


def _needed_by_the_book(
    node: TreeNode, case: Any, age_group: Any, age_band: str | None, known: dict[int, list[str]]
) -> list[str]:
    """What an incomplete case needs, worked out node by node as the contract words it (a reference)."""
    if id(node) in known:
        return known[id(node)]

    def common(paths: list[list[str]]) -> list[str]:
        return [f for f in paths[0] if all(f in p for p in paths[1:])] if paths else []

    def each(nodes: list[TreeNode]) -> list[list[str]]:
        return [_needed_by_the_book(n, case, age_group, age_band, known) for n in nodes]

    if node.kind == "outcome":
        found: list[str] = []
    elif node.kind == "ask" and getattr(case, node.field or "") is None:
        found = [node.field or "", *(f for f in common(each(node.successors())) if f != node.field)]
    elif node.kind == "ask":
        found = each([node.route(getattr(case, node.field or ""))])[0]
    elif node.kind == "route_on":
        on = node.splits_on or ""
        value = age_band if on == "age_band" else age_group if on == "age_group" else getattr(case, on)
        found = common(each(node.successors())) if value is None else each([node.route(value)])[0]
    else:
        found = common(each(node.successors()))
    known[id(node)] = found
    return found


def test_what_an_incomplete_case_needs_is_what_every_continuation_asks(kb: KnowledgeBase) -> None:
    """`needed_from` follows given answers without remembering them; from every node, the same lists
    as the reference worked out node by node."""
    import random

    from ntrk_advisor.contract.case import case_from_data
    from ntrk_advisor.contract.errors import CaseInvalid
    from ntrk_advisor.contract.fields import CASE_SPECS
    from ntrk_advisor.engine import needed_from

    rng = random.Random(29)
    words = {name: [m.value for m in spec.values] for name, spec in CASE_SPECS.items() if spec.kind == "enum"}
    flags = [name for name, spec in CASE_SPECS.items() if spec.kind == "bool"]
    checked = 0
    while checked < 120:
        answers: dict[str, Any] = {k: rng.choice(v) for k, v in words.items() if rng.random() < 0.5}
        answers |= {flag: rng.random() < 0.5 for flag in flags if rng.random() < 0.5}
        if rng.random() < 0.8:
            answers["age_years"] = rng.choice([0.3, 1.5, 9, 15, 17.9, 18, 40, 80])
        if rng.random() < 0.5:
            answers["emergency"] = []
        try:
            case = case_from_data(answers)
        except CaseInvalid:
            continue
        band = None if case.age_years is None else kb.bands.band_of(case.age_years)
        for node in kb.nodes.values():
            expected = _needed_by_the_book(node, case, case.age_group, band, {})
            assert needed_from(node, case, case.age_group, band) == expected, (node.qid, answers)
        checked += 1
