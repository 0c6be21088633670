"""The bottom line: every action in exactly one of do, consider and avoid, strongest first."""

from __future__ import annotations

import json

import pytest

from ntrk_advisor.api import evaluate
from ntrk_advisor.contract.vocabulary import Strength
from ntrk_advisor.render.view import bottom_line, bottom_line_item
from tests.conftest import EXAMPLES

RANK = list(Strength)
CASES = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
OLIGOPROGRESSION = {
    "age_years": 62,
    "fusion_status": "confirmed",
    "setting": "metastatic",
    "treatment_phase": "on_trk_inhibitor",
    "emergency": [],
    "cns_disease": "none",
    "progression": "oligo",
    "toxicity": "none_or_manageable",
}


@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c.get("id")))
def test_every_action_is_in_exactly_one_group(case: dict[str, object]) -> None:
    result = evaluate(case)
    line = bottom_line(result)
    grouped = [*line.do, *line.consider, *line.avoid]
    assert sorted(map(id, grouped)) == sorted(map(id, result.actions))
    assert all(a.strength in (Strength.URGENT, Strength.PREFERRED, Strength.RECOMMENDED) for a in line.do)
    assert all(a.strength in (Strength.CONSIDER, Strength.INDIVIDUALIZED) for a in line.consider)
    assert all(a.strength is Strength.NOT_RECOMMENDED for a in line.avoid)


@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c.get("id")))
def test_do_runs_strongest_first_then_in_plan_order(case: dict[str, object]) -> None:
    do = bottom_line(evaluate(case)).do
    keys = [(RANK.index(a.strength), a.order) for a in do]
    assert keys == sorted(keys)


def test_oligoprogression_keeps_the_drug_treats_the_sites_and_avoids_switching() -> None:
    line = bottom_line(evaluate(OLIGOPROGRESSION))
    assert {a.action.value for a in line.do} >= {"continue_trk", "local_ablative_therapy", "mdt_review"}
    assert [a.action.value for a in line.avoid] == ["next_gen_trk"]
    assert [name for name, _ in line.groups()] == ["do", "consider", "avoid"]


def test_an_item_names_the_action_its_strength_and_its_evidence_level_in_either_language() -> None:
    avoid = bottom_line(evaluate(OLIGOPROGRESSION)).avoid[0]
    assert bottom_line_item(avoid, "en").startswith(
        "Next-generation TRK inhibitor · NOT RECOMMENDED · evidence:"
    )
    assert bottom_line_item(avoid, "zh").startswith("新一代TRK抑制剂 · 不推荐 · ")
