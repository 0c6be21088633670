"""The clinical model, version 2: every case of examples/clinical-v2.jsonl gets the plan a clinician expects.

The expected plans (tests/expected/clinical-v2.json) were written by hand from the clinical review
and docs/clinical-decisions.md, not copied from the engine's output, so a change in the pathway
files that alters any plan fails here until the expectation is reviewed and changed on purpose.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor import evaluate
from ntrk_advisor.pathway.knowledge import KnowledgeBase

PROJECT = Path(__file__).resolve().parent.parent
CASES = [
    json.loads(line)
    for line in (PROJECT / "examples" / "clinical-v2.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (PROJECT / "tests" / "expected" / "clinical-v2.json").read_text(encoding="utf-8")
)


def plan(result: Any) -> list[str]:
    return [f"{a.action.value}:{a.strength.value}" for a in result.actions]


def test_there_are_at_least_25_cases_and_each_has_an_expectation() -> None:
    assert len(CASES) >= 25
    assert sorted(c["id"] for c in CASES) == sorted(EXPECTED)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_case_gets_the_expected_plan_in_both_languages(
    case: dict[str, Any], lang: str, kb: KnowledgeBase
) -> None:
    result = evaluate(case, lang, kb)  # type: ignore[arg-type]
    assert result.status.value == "complete", (result.missing, result.errors)
    expected = EXPECTED[case["id"]]
    assert result.pathway is not None and result.pathway.value == expected["pathway"]
    assert plan(result) == expected["actions"]
    assert list(result.unused_answers) == expected.get("unused_answers", [])  # nothing dropped silently
    for action in result.actions:
        assert action.summary and action.rationale and (action.arguments or action.evidence)


def test_an_emergency_leads_every_plan_it_appears_in(kb: KnowledgeBase) -> None:
    for case in CASES:
        if case.get("emergency"):
            first = evaluate(case, "en", kb).actions[0]
            assert (first.action.value, first.strength.value, first.order) == (
                "urgent_local_therapy",
                "urgent",
                1,
            )


def test_an_infant_emergency_avoids_radiotherapy_and_starts_the_drug(kb: KnowledgeBase) -> None:
    case = next(c for c in CASES if c["id"] == "v2-infant-airway-locally-advanced")
    urgent = evaluate(case, "en", kb).actions[0]
    text = " ".join([urgent.summary, *urgent.rationale]).lower()
    assert "airway" in text and "radiotherapy" in text
    assert (
        urgent.rationale
        != evaluate(
            {**case, "age_years": 40, "tumor_category": "soft_tissue_sarcoma", "other_driver": False},
            "en",
            kb,
        )
        .actions[0]
        .rationale
    )


def test_after_r1_early_disease_is_re_excised_and_locally_advanced_disease_irradiated_first(
    kb: KnowledgeBase,
) -> None:
    """Review F9: a locally advanced tumour could not be removed without mutilation, so radiotherapy
    comes first and re-excision is only considered; early disease keeps re-excision first."""
    early = {
        "age_years": 50,
        "fusion_status": "confirmed",
        "setting": "early",
        "treatment_phase": "post_resection",
        "emergency": [],
        "resection_margin": "r1",
        "fit_for_surgery": True,
    }
    advanced = {**early, "setting": "locally_advanced", "prior_trk_inhibitors": []}
    assert plan(evaluate(early, "en", kb))[:2] == ["surgery:preferred", "radiotherapy:recommended"]
    assert plan(evaluate(advanced, "en", kb))[:2] == ["radiotherapy:preferred", "surgery:consider"]


def test_an_infant_r1_is_observed_in_both_pathways(kb: KnowledgeBase) -> None:
    case = {
        "age_years": 1,
        "fusion_status": "confirmed",
        "setting": "early",
        "treatment_phase": "post_resection",
        "emergency": [],
        "resection_margin": "r1",
    }
    for setting in ("early", "locally_advanced"):
        result = evaluate({**case, "setting": setting, "prior_trk_inhibitors": []}, "en", kb)
        assert plan(result) == [
            "observation:preferred",
            "adjuvant_trk:individualized",
            "mdt_review:recommended",
        ]
