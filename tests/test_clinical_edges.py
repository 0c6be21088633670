"""The clinical edges of the second review (findings F1-F13): one specification per finding.

Each test takes the reviewer's own case (clinical-review-2026-12-b, rewritten here as data) and
states the plan a clinician expects, so a change to the pathway files that breaks the rule fails
here. The rules themselves, with their sources, are in docs/clinical-decisions.md (D23-D30).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor import evaluate
from ntrk_advisor.authoring.audit import walk_leaves
from ntrk_advisor.contract.result import Result
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from tests.conftest import PROJECT

ADOLESCENT_STS_R1 = {
    "age_years": 16,
    "tumor_category": "soft_tissue_sarcoma",
    "fusion_status": "confirmed",
    "assay": "rna_ngs",
    "setting": "early",
    "treatment_phase": "post_resection",
    "resection_margin": "r1",
    "high_risk_features": ["high_grade", "large_tumor"],
    "prior_trk_inhibitors": [],
    "emergency": [],
    "other_driver": False,
    "fit_for_surgery": True,
}
ADOLESCENT_SALIVARY = {
    **ADOLESCENT_STS_R1,
    "age_years": 15,
    "tumor_category": "secretory_carcinoma",
    "resection_margin": "r0",
    "high_risk_features": ["high_grade", "nodal_involvement"],
}
ADULT_BRAIN = {
    "age_years": 42,
    "tumor_category": "primary_cns",
    "fusion_status": "confirmed",
    "assay": "rna_ngs",
    "setting": "locally_advanced",
    "treatment_phase": "naive",
    "emergency": [],
    "other_driver": False,
    "fit_for_surgery": True,
}
BRAIN_AND_OLIGO = {
    "age_years": 57,
    "tumor_category": "lung",
    "fusion_status": "confirmed",
    "assay": "rna_ngs",
    "setting": "metastatic",
    "treatment_phase": "on_trk_inhibitor",
    "response": "partial",
    "progression": "oligo",
    "cns_disease": "asymptomatic",
    "prior_trk_inhibitors": ["larotrectinib"],
    "emergency": [],
    "toxicity": "none_or_manageable",
    "other_driver": False,
    "fit_for_surgery": True,
}
ADOLESCENT_FRACTURE = {
    "age_years": 16,
    "tumor_category": "soft_tissue_sarcoma",
    "fusion_status": "confirmed",
    "assay": "rna_ngs",
    "setting": "metastatic",
    "treatment_phase": "on_trk_inhibitor",
    "response": "partial",
    "progression": "oligo",
    "cns_disease": "symptomatic",
    "emergency": ["impending_fracture"],
    "toxicity": "dose_limiting",
    "prior_trk_inhibitors": ["larotrectinib"],
    "other_driver": False,
    "fit_for_surgery": True,
}
THYROID_NEW_LESION = {
    "age_years": 69,
    "tumor_category": "thyroid",
    "rai_status": "rai_refractory",
    "fusion_status": "confirmed",
    "setting": "metastatic",
    "treatment_phase": "on_trk_inhibitor",
    "progression": "oligo",
    "cns_disease": "none",
    "toxicity": "none_or_manageable",
    "emergency": [],
}
LOCALLY_ADVANCED_R1 = {
    "age_years": 46,
    "tumor_category": "soft_tissue_sarcoma",
    "fusion_status": "confirmed",
    "setting": "locally_advanced",
    "treatment_phase": "post_resection",
    "resection_margin": "r1",
    "prior_trk_inhibitors": [],
    "emergency": [],
    "fit_for_surgery": True,
}
ON_TARGET = {
    "age_years": 55,
    "fusion_status": "confirmed",
    "setting": "resistant",
    "progression": "widespread",
    "resistance_mechanism": "solvent_front",
    "prior_trk_inhibitors": ["larotrectinib"],
    "emergency": [],
    "cns_disease": "none",
}


def plan(result: Result) -> list[str]:
    return [f"{a.action.value}:{a.strength.value}" for a in result.actions]


def action(result: Result, code: str) -> Any:
    found = [a for a in result.actions if a.action.value == code]
    assert len(found) == 1, (code, plan(result))
    return found[0]


def words(result: Result) -> str:
    parts = [text for a in result.actions for text in (a.summary, *a.rationale)]
    return " ".join([*parts, *result.cautions])


# --- F1: age bands; adolescents with an adult-type tumour get its own standard ------------------


def test_f1_an_adolescent_sarcoma_left_r1_is_re_excised_or_irradiated_not_observed(kb: KnowledgeBase) -> None:
    result = evaluate(ADOLESCENT_STS_R1, "en", kb)
    assert (result.age_group.value, result.age_band) == ("pediatric", "adolescent")  # type: ignore[union-attr]
    assert plan(result)[:2] == ["surgery:preferred", "radiotherapy:recommended"]
    assert "observation" not in {a.action.value for a in result.actions}
    assert "high_risk_features" not in result.unused_answers and "tumor_category" not in result.unused_answers
    assert "ARST0332" in words(result)


def test_f1_an_adolescent_high_risk_salivary_carcinoma_gets_postoperative_radiotherapy(
    kb: KnowledgeBase,
) -> None:
    result = evaluate(ADOLESCENT_SALIVARY, "en", kb)
    assert plan(result)[0] == "radiotherapy:preferred"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_f1_infant_wording_appears_only_where_it_applies(kb: KnowledgeBase, lang: str) -> None:
    infant = {"en": re.compile(r"\binfant", re.I), "zh": re.compile("婴幼儿|婴儿期")}[lang]
    for case in (ADOLESCENT_STS_R1, ADOLESCENT_SALIVARY, ADOLESCENT_FRACTURE):
        text = words(evaluate(case, lang, kb))  # type: ignore[arg-type]
        assert not infant.search(text.replace("infantile fibrosarcoma", "").replace("婴儿型纤维肉瘤", ""))


def test_f1_infants_and_infantile_tumours_keep_the_infant_rule(kb: KnowledgeBase) -> None:
    infant = evaluate({**ADOLESCENT_STS_R1, "age_years": 1}, "en", kb)
    assert infant.age_band == "infant" and plan(infant)[0] == "observation:preferred"
    ifs = evaluate(
        {**ADOLESCENT_STS_R1, "age_years": 5, "tumor_category": "infantile_fibrosarcoma"}, "en", kb
    )
    assert ifs.age_band == "child" and plan(ifs)[0] == "observation:preferred"


def test_f1_a_child_with_a_low_grade_sarcoma_left_r1_is_observed_as_paediatric_protocols_do(
    kb: KnowledgeBase,
) -> None:
    result = evaluate({**ADOLESCENT_STS_R1, "age_years": 9, "high_risk_features": []}, "en", kb)
    assert plan(result)[0] == "observation:preferred" and "radiotherapy" not in {
        a.action.value for a in result.actions
    }


def test_f1_the_bands_are_knowledge_with_their_source_and_reach_every_format(kb: KnowledgeBase) -> None:
    bands = kb.meta.knowledge.age_bands
    assert bands is not None and bands.evidence == ["ich-e11"]
    assert [(b.id, b.below) for b in bands.bands] == [
        ("infant", 2),
        ("child", 12),
        ("adolescent", 18),
        ("adult", None),
    ]
    data = evaluate(ADOLESCENT_STS_R1, "zh", kb).to_dict()
    assert list(data)[3:5] == ["age_group", "age_band"] and data["age_band"] == "adolescent"


# --- F2: adult primary brain tumours: the standard of care first ----------------------------


def test_f2_an_adult_brain_tumour_gets_surgery_and_chemoradiotherapy_before_a_trk_inhibitor(
    kb: KnowledgeBase,
) -> None:
    result = evaluate(ADULT_BRAIN, "en", kb)
    assert plan(result) == [
        "surgery:recommended",
        "radiotherapy:recommended",
        "systemic_trk:consider",
        "mdt_review:recommended",
    ]
    assert "temozolomide" in action(result, "radiotherapy").summary
    assert any("no satisfactory alternative" in c for c in result.cautions)  # the label's words


def test_f2_a_child_keeps_the_inhibitor_led_route(kb: KnowledgeBase) -> None:
    result = evaluate({**ADULT_BRAIN, "age_years": 0.8}, "en", kb)
    assert plan(result) == ["systemic_trk:recommended", "mdt_review:recommended"]


# --- F3: approvals stated as known -------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_f3_zurletrectinib_is_stated_as_approved_in_china(kb: KnowledgeBase, lang: str) -> None:
    text = words(evaluate(ON_TARGET, lang, kb))  # type: ignore[arg-type]
    assert {"en": "approved in China in December 2025", "zh": "2025年12月在中国获批"}[lang] in text
    assert not re.search("no verified approval|未能核实其批准记录|仅有临床前数据", text)
    entry = kb.evidence.evidence["innocare-2025-zurletrectinib-nmpa"]
    assert entry.company_report and "Company report" in entry.citation


def test_f3_no_text_says_an_approval_was_not_verified(kb: KnowledgeBase) -> None:
    texts = [str(c.text.en) + str(c.text.zh) for c in kb.cautions.cautions.values()]
    texts += [str(b.text.en) + str(b.text.zh) for s in kb.statements.statements.values() for b in s.rationale]
    assert not [t for t in texts if re.search("approval record could be verified|未能核实.{0,12}批准", t)]


# --- F4, F6: one plan -----------------------------------------------------------------------


def test_f4_local_treatment_appears_once_at_the_stronger_strength_naming_both_triggers(
    kb: KnowledgeBase,
) -> None:
    result = evaluate(BRAIN_AND_OLIGO, "en", kb)
    local = action(result, "local_ablative_therapy")
    assert local.strength.value == "preferred" and local.order == 1
    assert (
        "The few progressing sites:" in local.summary
        and "Brain metastases without symptoms:" in local.summary
    )


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_f4_no_walked_plan_names_an_action_twice(kb: KnowledgeBase, lang: str) -> None:
    for leaf in walk_leaves(kb, lang):  # type: ignore[arg-type]
        codes = [a.action for a in leaf.result.actions]
        assert len(codes) == len(set(codes)), (leaf.answers, plan(leaf.result))


def test_f6_toxicity_with_oligoprogression_is_one_coherent_instruction(kb: KnowledgeBase) -> None:
    result = evaluate(ADOLESCENT_FRACTURE, "en", kb)
    assert "manage_toxicity:preferred" in plan(result)
    assert "the same" not in action(result, "continue_trk").summary  # the toxicity step settles the drug
    avoid = action(result, "next_gen_trk")
    assert (
        avoid.strength.value == "not_recommended" and "because a few sites are progressing" in avoid.summary
    )
    assert "intolerance" in avoid.summary and "intolerance" in action(result, "manage_toxicity").summary


def test_f6_without_toxicity_the_no_switch_says_because_of_oligoprogression(kb: KnowledgeBase) -> None:
    avoid = action(evaluate(THYROID_NEW_LESION, "en", kb), "next_gen_trk")
    assert (
        avoid.summary.startswith("Do not switch") and "because a few sites are progressing" in avoid.summary
    )


def test_f6_the_knowledge_keeps_a_table_of_actions_that_cannot_stand_together(kb: KnowledgeBase) -> None:
    conflicts = kb.statements.conflicts
    assert {"hold_for_toxicity_and_keep_the_same_drug", "switch_for_intolerance_and_never_switch"} <= set(
        conflicts
    )
    assert all(c.why.en and c.why.zh for c in conflicts.values())


# --- F5: the emergency named, and its own measures ------------------------------------------


def test_f5_an_impending_fracture_gets_orthopaedic_fixation_and_its_own_caution(kb: KnowledgeBase) -> None:
    result = evaluate(ADOLESCENT_FRACTURE, "en", kb)
    urgent = result.actions[0]
    assert (urgent.action.value, urgent.strength.value, urgent.order) == ("urgent_local_therapy", "urgent", 1)
    assert "orthopaedic" in urgent.summary and "fixation" in urgent.summary
    assert "start the TRK inhibitor at once" not in words(result)
    assert any("Mirels" in c for c in result.cautions)
    assert not any("spinal cord compression" in c.lower() for c in result.cautions)


@pytest.mark.parametrize(
    ("emergency", "named"),
    [
        ("spinal_cord_compression", "dexamethasone"),
        ("bleeding", "embolisation"),
        ("airway_compromise", "airway"),
        ("bowel_obstruction", "obstruction"),
        ("impending_fracture", "fixation"),
    ],
)
def test_f5_each_emergency_is_named_with_what_it_needs(kb: KnowledgeBase, emergency: str, named: str) -> None:
    result = evaluate({**ON_TARGET, "emergency": [emergency]}, "en", kb)
    assert named in result.actions[0].summary


def test_f5_two_emergencies_are_one_urgent_step_naming_both(kb: KnowledgeBase) -> None:
    result = evaluate({**ON_TARGET, "emergency": ["bleeding", "spinal_cord_compression"]}, "zh", kb)
    urgent = [a for a in result.actions if a.action.value == "urgent_local_therapy"]
    assert len(urgent) == 1 and "肿瘤出血：" in urgent[0].summary and "脊髓压迫：" in urgent[0].summary


def test_f5_an_infant_emergency_keeps_the_least_mutilating_means(kb: KnowledgeBase) -> None:
    case = {
        "age_years": 0.5,
        "fusion_status": "confirmed",
        "setting": "metastatic",
        "treatment_phase": "naive",
        "emergency": ["airway_compromise"],
        "cns_disease": "none",
        "tumor_category": "infantile_fibrosarcoma",
    }
    urgent = evaluate(case, "en", kb).actions[0]
    assert "least mutilating" in urgent.summary and "radiotherapy" in urgent.summary


# --- F7: the evidence level says what stands behind the action in this situation ---------------


@pytest.mark.parametrize(
    ("case", "code", "level"),
    [
        (THYROID_NEW_LESION, "local_ablative_therapy", "retrospective"),
        (
            {**ADULT_BRAIN, "age_years": 0.3, "tumor_category": "congenital_mesoblastic_nephroma"},
            "neoadjuvant_trk",
            "retrospective",
        ),
        (
            {**ADULT_BRAIN, "age_years": 0.5, "tumor_category": "infantile_fibrosarcoma"},
            "neoadjuvant_trk",
            "guideline",
        ),
        (
            {**ADULT_BRAIN, "age_years": 17.5, "tumor_category": "soft_tissue_sarcoma"},
            "neoadjuvant_trk",
            "retrospective",
        ),
        (
            {**ADULT_BRAIN, "age_years": 36, "tumor_category": "soft_tissue_sarcoma"},
            "neoadjuvant_trk",
            "case_reports",
        ),
        (
            {**ADULT_BRAIN, "tumor_category": "secretory_carcinoma", "setting": "early"},
            "surgery",
            "guideline",
        ),
    ],
)
def test_f7_the_level_follows_the_situation(
    kb: KnowledgeBase, case: dict[str, Any], code: str, level: str
) -> None:
    assert action(evaluate(case, "en", kb), code).evidence_level.value == level


def test_f7_a_trial_registration_lends_no_evidence_level(kb: KnowledgeBase) -> None:
    entry = kb.evidence.evidence["lantern-nct05783323"]
    assert entry.kind.value == "ongoing_trial" and entry.level is None


def test_f7_the_rule_table_is_in_the_clinical_decisions(kb: KnowledgeBase) -> None:
    text = (PROJECT / "docs" / "clinical-decisions.md").read_text(encoding="utf-8")
    assert "Evidence level by situation" in text and "| local_ablative_therapy" in text


# --- F8, F9 --------------------------------------------------------------------------------


def test_f8_a_lone_new_lesion_is_biopsied_before_it_is_called_resistant(kb: KnowledgeBase) -> None:
    result = evaluate(THYROID_NEW_LESION, "en", kb)
    testing = action(result, "resistance_testing")
    assert testing.strength.value == "recommended" and "second primary" in testing.summary
    assert "most likely reflects a resistant subclone" not in words(result)


def test_f9_locally_advanced_r1_is_irradiated_first_and_re_excision_considered(kb: KnowledgeBase) -> None:
    assert plan(evaluate(LOCALLY_ADVANCED_R1, "en", kb))[:2] == ["radiotherapy:preferred", "surgery:consider"]
    early = {**LOCALLY_ADVANCED_R1, "setting": "early"}
    assert plan(evaluate(early, "en", kb))[:2] == ["surgery:preferred", "radiotherapy:recommended"]


# --- F10: the MDT report is a document the MDT files ----------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "Generated 2026-12-06 09:30 (UTC+08:00)",
                "Draft for MDT discussion",
                "Meeting date",
                "MDT decision",
            ],
        ),
        ("zh", ["生成时间：2026-12-06 09:30 (UTC+08:00)", "供MDT讨论的草稿", "会议日期", "签署人"]),
    ],
)
def test_f10_the_report_says_when_it_was_made_that_it_is_a_draft_and_has_the_mdt_fields(
    kb: KnowledgeBase, lang: str, expected: list[str]
) -> None:
    from ntrk_advisor.render.html_report import render_html

    made = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    result = evaluate({**ADOLESCENT_STS_R1, "cns_disease": "none"}, lang, kb)  # type: ignore[arg-type]
    page = render_html(result, kb, lang, generated=made)  # type: ignore[arg-type]
    for text in expected:
        assert text in page
    unused = re.search(r'<p class="unused">(.*?)</p>', page)
    assert (
        unused is not None and "cns_disease" not in unused.group(1) and "other_driver" not in unused.group(1)
    )
    assert {"en": "Brain disease", "zh": "颅内病变"}[lang] in unused.group(1)


def test_f10_the_contract_says_an_incomplete_result_can_carry_urgent_actions() -> None:
    text = (PROJECT / "docs" / "contract.md").read_text(encoding="utf-8")
    assert "an `incomplete` result" in text and "urgent" in text


# --- F11: references ----------------------------------------------------------------------


PAPER_KINDS = {"randomized", "prospective", "retrospective", "case_reports", "review", "preclinical"}
NO_DOI_FOUND = {"mascarenhas-2025-jco", "selitrectinib-phase1"}
"""Papers whose DOI and PMID could not be checked here: shown as not verified (docs/clinical-decisions.md)."""


def test_f11_every_paper_carries_its_doi_or_pmid(kb: KnowledgeBase) -> None:
    missing = {
        eid
        for eid, e in kb.evidence.evidence.items()
        if e.kind.value in PAPER_KINDS and not (e.doi or e.pmid)
    }
    assert missing == NO_DOI_FOUND
    assert all(
        not kb.evidence.evidence[eid].verified or kb.evidence.evidence[eid].nct for eid in NO_DOI_FOUND
    )


def test_f11_an_id_with_a_year_names_the_year_of_its_paper(kb: KnowledgeBase) -> None:
    wrong = {
        eid: e.year
        for eid, e in kb.evidence.evidence.items()
        if (m := re.search(r"-(19|20)(\d\d)(-|$)", eid)) and int(m.group(1) + m.group(2)) != e.year
    }
    assert wrong == {}


def test_f11_authors_are_named_where_the_source_names_them(kb: KnowledgeBase) -> None:
    for eid in ("hemostatic-rt-2023", "on-trk-registry", "dubois-2018-cancer", "westphalen-2025-ann-oncol"):
        assert "not confirmed" not in kb.evidence.evidence[eid].authors


# --- F12: Chinese ---------------------------------------------------------------------------


def test_f12_the_chinese_residue_is_gone(kb: KnowledgeBase) -> None:
    zh = json.dumps(
        [
            *(p.model_dump(mode="json") for p in kb.pathways.values()),
            kb.statements.model_dump(mode="json"),
            kb.cautions.model_dump(mode="json"),
            kb.arguments.model_dump(mode="json"),
            kb.evidence.model_dump(mode="json"),
        ],
        ensure_ascii=False,
    )
    chinese = "".join(re.findall(r'"zh": "([^"]*)"', zh))
    for residue in ("公认的优先方案", "结构性急症", "扩大使用", "检测panel"):
        assert residue not in chinese
    assert "他雷替尼（taletrectinib）" in chinese


def test_f12_scenario_texts_lose_the_residue_too() -> None:
    scenarios = "".join(
        p.read_text(encoding="utf-8") for p in (PROJECT / "pathways" / "scenarios").glob("*.yaml")
    )
    assert "结构性急症" not in scenarios and "DNA panel" not in re.sub(r'en: "[^"]*"', "", scenarios)


# --- F13: resistance cautions name the drug -------------------------------------------------


def test_f13_bypass_resistance_names_the_matched_drugs(kb: KnowledgeBase) -> None:
    result = evaluate({**ON_TARGET, "resistance_mechanism": "bypass"}, "en", kb)
    text = words(result)
    assert "BRAF plus MEK" in text and "MET inhibitor" in text and "KRAS G12C" in text
    assert "dabrafenib" in text


def test_f13_xdfg_names_type_ii_agents_within_trials(kb: KnowledgeBase) -> None:
    text = words(evaluate({**ON_TARGET, "resistance_mechanism": "xdfg"}, "en", kb))
    assert "type II" in text and "cabozantinib" in text and "pending source verification" not in text


def test_the_review_cases_run_whole_in_batch(tmp_path: Path) -> None:
    from tests.conftest import run_main

    cases = [ADOLESCENT_STS_R1, ADOLESCENT_SALIVARY, ADULT_BRAIN, BRAIN_AND_OLIGO, ADOLESCENT_FRACTURE]
    path = tmp_path / "review.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    out = run_main("batch", str(path), "--format", "jsonl", "--quiet", "--lang", "zh")
    assert out.code == 0
    for line in out.stdout.splitlines():
        result = json.loads(line)
        codes = [a["action"] for a in result["actions"]]
        assert result["status"] == "complete" and len(codes) == len(set(codes))
