"""The knowledge's plan rules: age bands, silent splits, one action per code, conflicts, levels.

Each rule is the data's to state and the engine's and the checks' to apply: a copy of the pathways
that breaks one fails loading or `pathways check` with a line naming the file and the node, and the
built-ins pass (tests/test_clinical_edges.py holds the clinical side).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor import evaluate
from ntrk_advisor.authoring.audit import audit
from ntrk_advisor.pathway.knowledge import KnowledgeBase, load_knowledge_base
from tests.test_pathway_checks import edit, problems

METASTATIC_OLIGO = {
    "age_years": 60,
    "fusion_status": "confirmed",
    "setting": "metastatic",
    "treatment_phase": "on_trk_inhibitor",
    "progression": "oligo",
    "cns_disease": "none",
    "toxicity": "none_or_manageable",
    "emergency": [],
}


def renamed(folder: Path) -> KnowledgeBase:
    edit(folder, "knowledge.yaml", lambda d: d["knowledge"].update(name="Test copy"))
    return load_knowledge_base(folder)


def audit_lines(folder: Path) -> list[str]:
    return [str(p) for p in audit(renamed(folder)).problems]


def outcome(data: dict[str, Any], node: str) -> list[dict[str, Any]]:
    return data["nodes"][node]["outcome"]["actions"]  # type: ignore[no-any-return]


# --- age bands ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "band", "group"),
    [
        (0, "infant", "pediatric"),
        (1.99, "infant", "pediatric"),
        (2, "child", "pediatric"),
        (11.99, "child", "pediatric"),
        (12, "adolescent", "pediatric"),
        (17.99, "adolescent", "pediatric"),
        (18, "adult", "adult"),
        (129, "adult", "adult"),
    ],
)
def test_an_age_falls_in_one_band_and_the_band_in_one_contract_group(
    kb: KnowledgeBase, age: float, band: str, group: str
) -> None:
    assert kb.bands.band_of(age) == band and kb.bands.group_of(band).value == group
    result = evaluate(
        {"age_years": age, "fusion_status": "negative", "assay": "rna_ngs", "emergency": []}, "en", kb
    )
    assert (result.age_band, result.age_group.value) == (band, group)  # type: ignore[union-attr]


def test_an_invalid_result_keeps_the_band_of_a_valid_age(kb: KnowledgeBase) -> None:
    result = evaluate({"age_years": 13, "fusion_status": "nonsense"}, "en", kb)
    assert result.status.value == "invalid" and result.age_band == "adolescent"


def test_a_copy_without_bands_has_the_contract_groups_as_its_bands(pathways_copy: Path) -> None:
    edit(pathways_copy, "knowledge.yaml", lambda d: d["knowledge"].pop("age_bands"))
    for name in ("early.yaml", "locally_advanced.yaml", "diagnostic.yaml"):
        text = (pathways_copy / name).read_text(encoding="utf-8")
        assert "age_band" in text  # the built-ins route on bands, so this copy must fail to load
    assert any("unknown audience 'infant'" in p for p in problems(pathways_copy))


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([{"id": "young", "below": 20}, {"id": "old"}], "must end at 18"),
        (
            [{"id": "a", "below": 12}, {"id": "b", "below": 2}, {"id": "c", "below": 18}, {"id": "d"}],
            "increase",
        ),
        ([{"id": "a", "below": 18}, {"id": "a"}], "must differ"),
        ([{"id": "adult", "below": 18}, {"id": "grown"}], "adult age group"),
    ],
)
def test_bands_that_straddle_the_contract_or_repeat_are_refused(
    pathways_copy: Path, bands: list[dict[str, Any]], message: str
) -> None:
    label = {"en": "x", "zh": "甲"}

    def change(data: Any) -> None:
        data["knowledge"]["age_bands"]["bands"] = [{**b, "label": dict(label)} for b in bands]

    edit(pathways_copy, "knowledge.yaml", change)
    assert any(message in p for p in problems(pathways_copy)), problems(pathways_copy)


def test_an_audience_naming_no_band_is_refused(pathways_copy: Path) -> None:
    def change(data: Any) -> None:
        data["statements"]["surgery.re_excision"]["rationale"][0]["audience"] = ["teenager"]

    edit(pathways_copy, "recommendations.yaml", change)
    assert any("unknown audience 'teenager'" in p for p in problems(pathways_copy))


def test_every_band_must_see_a_reason_for_each_statement(pathways_copy: Path) -> None:
    def change(data: Any) -> None:
        for bullet in data["statements"]["chemotherapy.resistance"]["rationale"]:
            bullet["audience"] = "adult"

    edit(pathways_copy, "recommendations.yaml", change)
    found = problems(pathways_copy)
    assert any(
        "chemotherapy.resistance: has no rationale shown for the age band 'infant'" in p for p in found
    )


# --- silent splits --------------------------------------------------------------------------


def test_a_split_on_a_field_not_yet_asked_is_refused(pathways_copy: Path) -> None:
    def change(data: Any) -> None:
        data["nodes"]["phase"] = {
            "route_on": "toxicity",
            "branches": [
                {"when": ["dose_limiting"], "goto": "toxicity"},
                {"when": ["none_or_manageable"], "goto": "margin"},
                {"otherwise": True, "goto": "fitness"},
            ],
        }

    edit(pathways_copy, "early.yaml", change)
    assert any(
        "early.yaml:phase: routes on 'toxicity' before every path has asked it" in p
        for p in problems(pathways_copy)
    )


def test_a_split_on_an_answer_asks_nothing_and_leaves_no_trace(kb: KnowledgeBase) -> None:
    result = evaluate({**METASTATIC_OLIGO, "emergency": ["bleeding", "impending_fracture"]}, "en", kb)
    fields = [step.field for step in result.trace]
    assert fields.count("emergency") == 1


# --- one action per code, together, conflicts --------------------------------------------


def test_two_emergencies_share_the_first_step_and_the_plan_follows(kb: KnowledgeBase) -> None:
    result = evaluate({**METASTATIC_OLIGO, "emergency": ["bleeding", "impending_fracture"]}, "en", kb)
    orders = [(a.action.value, a.order) for a in result.actions]
    assert orders[0] == ("urgent_local_therapy", 1)
    assert min(order for code, order in orders if code != "urgent_local_therapy") == 2


def test_merged_parts_keep_every_reason_and_reference_once(kb: KnowledgeBase) -> None:
    two = evaluate({**METASTATIC_OLIGO, "cns_disease": "asymptomatic"}, "en", kb)
    one = evaluate(METASTATIC_OLIGO, "en", kb)
    merged = next(a for a in two.actions if a.action.value == "local_ablative_therapy")
    alone = next(a for a in one.actions if a.action.value == "local_ablative_therapy")
    assert set(alone.rationale) < set(merged.rationale) and len(set(merged.rationale)) == len(
        merged.rationale
    )
    assert set(alone.evidence) <= set(merged.evidence) and len(set(merged.evidence)) == len(merged.evidence)
    assert len(merged.bullet_evidence) == len(merged.rationale)


@pytest.mark.slow  # walks every leaf of the knowledge
def test_a_merge_without_topics_is_a_problem_of_the_knowledge(pathways_copy: Path) -> None:
    edit(
        pathways_copy,
        "recommendations.yaml",
        lambda d: d["statements"]["local_ablative_therapy.brain_asymptomatic"].pop("topic"),
    )
    found = audit_lines(pathways_copy)
    assert any(
        "meet in one plan and merge into one action; give local_ablative_therapy.brain_asymptomatic a topic"
        in p
        for p in found
    )


@pytest.mark.slow  # walks every leaf of the knowledge
def test_a_do_and_a_do_not_of_one_action_in_one_plan_is_a_problem(pathways_copy: Path) -> None:
    def change(data: Any) -> None:
        outcome(data, "oligoprogression").append(
            {"use": "next_gen_trk.on_target_mutation", "strength": "consider", "step": 2}
        )

    edit(pathways_copy, "metastatic.yaml", change)
    found = audit_lines(pathways_copy)
    assert any("'next_gen_trk' both recommended and advised against" in p for p in found)
    assert any("conflict 'continue_and_switch'" in p for p in found)


@pytest.mark.slow  # walks every leaf of the knowledge
def test_a_listed_conflict_is_found_on_the_first_case_that_joins_it(pathways_copy: Path) -> None:
    def change(data: Any) -> None:
        actions = outcome(data, "oligoprogression_with_toxicity")
        actions[0] = {"use": "continue_trk.oligoprogression", "strength": "preferred", "step": 1}

    edit(pathways_copy, "metastatic.yaml", change)
    found = audit_lines(pathways_copy)
    line = next(p for p in found if "conflict 'hold_for_toxicity_and_keep_the_same_drug'" in p)
    assert (
        line.startswith("metastatic.yaml:oligoprogression_with_toxicity:")
        and "manage_toxicity.dose_limiting" in line
    )


def test_a_conflict_naming_an_unknown_statement_is_refused(pathways_copy: Path) -> None:
    def change(data: Any) -> None:
        data["conflicts"]["continue_and_switch"]["between"][0] = {"statements": ["continue_trk.nowhere"]}

    edit(pathways_copy, "recommendations.yaml", change)
    assert any("unknown statement 'continue_trk.nowhere'" in p for p in problems(pathways_copy))


@pytest.mark.slow  # walks every leaf of the knowledge
def test_the_builtins_hold_no_duplicate_no_do_and_do_not_and_no_listed_pair(kb: KnowledgeBase) -> None:
    lines = [str(p) for p in audit(kb).problems]
    assert not [
        p for p in lines if "conflict" in p or "both recommended" in p or "merge into one action" in p
    ]


# --- evidence levels by situation ---------------------------------------------------------


def test_a_level_stronger_than_what_is_cited_is_refused(pathways_copy: Path) -> None:
    def change(data: Any) -> None:
        outcome(data, "oligoprogression")[1]["level"] = "label"  # it cites a guideline at best

    edit(pathways_copy, "metastatic.yaml", change)
    found = problems(pathways_copy)
    assert any(
        "metastatic.yaml:oligoprogression: 'local_ablative_therapy.oligoprogression': level 'label' is stronger"
        in p
        for p in found
    )


def test_a_level_names_bands_or_groups_and_a_band_wins_over_its_group(pathways_copy: Path) -> None:
    def change(data: Any) -> None:
        outcome(data, "neoadjuvant")[0]["level"] = {
            "pediatric": "retrospective",
            "adolescent": "case_reports",
            "adult": "case_reports",
        }

    edit(pathways_copy, "locally_advanced.yaml", change)
    kb = renamed(pathways_copy)
    case = {
        "fusion_status": "confirmed",
        "setting": "locally_advanced",
        "treatment_phase": "naive",
        "emergency": [],
        "tumor_category": "soft_tissue_sarcoma",
        "other_driver": False,
    }
    levels = {
        age: next(
            a
            for a in evaluate({**case, "age_years": age}, "en", kb).actions
            if a.action.value == "neoadjuvant_trk"
        ).evidence_level.value
        for age in (5, 15)
    }
    assert levels == {5: "retrospective", 15: "case_reports"}
