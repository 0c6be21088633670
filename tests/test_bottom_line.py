"""The bottom line: every action in exactly one of do, consider and avoid, strongest first."""

from __future__ import annotations

import json

import pytest

from ntrk_advisor.api import evaluate
from ntrk_advisor.contract.vocabulary import Strength
from ntrk_advisor.render.view import bottom_line, bottom_line_item
from tests.conftest import EXAMPLES
from tests.helpers import OLIGOPROGRESSION

RANK = list(Strength)
CASES = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]


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
    assert {a.action.value for a in line.do} >= {
        "continue_trk",
        "local_ablative_therapy",
        "resistance_testing",  # a lone new lesion is biopsied first (review F8)
        "mdt_review",
    }
    assert [a.action.value for a in line.avoid] == ["next_gen_trk"]
    assert [name for name, _ in line.groups()] == ["do", "avoid"]


def test_an_item_names_the_action_its_strength_and_its_evidence_level_in_either_language() -> None:
    avoid = bottom_line(evaluate(OLIGOPROGRESSION)).avoid[0]
    assert bottom_line_item(avoid, "en").startswith(
        "Next-generation TRK inhibitor · NOT RECOMMENDED · evidence:"
    )
    assert bottom_line_item(avoid, "zh").startswith("新一代TRK抑制剂 · 不推荐 · ")


# --- on the screen ---------------------------------------------------------------------------------

V2 = EXAMPLES.parent / "clinical-v2.jsonl"
ALL_EXAMPLES = CASES + [
    json.loads(line) for line in V2.read_text(encoding="utf-8").splitlines() if line.strip()
]


def screen_lines(case: dict[str, object], lang: str = "en", width: int = 100) -> list[str]:
    import io

    from rich.console import Console

    from ntrk_advisor.pathway.knowledge import default_knowledge_base
    from ntrk_advisor.render.screen import result_screen

    kb = default_knowledge_base()
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(
        result_screen(evaluate(case, lang), kb, lang, tumor_type=case.get("tumor_type"))  # type: ignore[arg-type]
    )
    return out.getvalue().splitlines()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("case", ALL_EXAMPLES, ids=lambda c: str(c.get("id")))
def test_the_bottom_line_is_within_the_first_15_lines_at_100_columns(
    case: dict[str, object], lang: str
) -> None:
    result = evaluate(case, lang)  # type: ignore[arg-type]
    if not result.actions:
        return
    top = "\n".join(screen_lines(case, lang)[:15])
    assert ("Bottom line" if lang == "en" else "结论要点") in top
    for action in result.actions:
        assert bottom_line_item(action, lang)[:25] in top, action.action  # type: ignore[arg-type]


@pytest.mark.parametrize("case", ALL_EXAMPLES, ids=lambda c: str(c.get("id")))
def test_an_avoid_item_is_never_labelled_as_a_step(case: dict[str, object]) -> None:
    from ntrk_advisor.i18n import t

    lines = screen_lines(case)
    for action in bottom_line(evaluate(case)).avoid:
        name = t(f"action.{action.action.value}", "en")
        assert not any("Step" in line and name in line for line in lines), name
        assert any(f"✗ Avoid · {name}" in line for line in lines)
