"""A fresh case per review (practice/items.py, drawing.py): from the walk, reaching the item, keyed by the engine."""

from __future__ import annotations

import itertools
import random

import pytest

from ntrk_advisor.contract.vocabulary import Strength
from ntrk_advisor.engine import decide, evaluate
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.practice.drawing import DrawnCase, draw, grade_drawn, reaches, vignette_lines
from ntrk_advisor.practice.errors import NothingToDraw
from ntrk_advisor.practice.items import ARGUMENT, OUTCOME, EndPoint, ItemIndex, all_items, item_id
from ntrk_advisor.practice.keying import derive_key
from ntrk_advisor.practice.vocabulary import QuestionKind
from ntrk_advisor.walk import walk_decisions


@pytest.fixture(scope="module")
def index(kb: KnowledgeBase) -> ItemIndex:
    """The index over the walk's first end points: enough items for quick tests (the full one is slow)."""
    points = []
    for answers, decision in itertools.islice(walk_decisions(kb), 400):  # the first end points
        result = evaluate(answers, "en", kb)
        reached = {item_id(OUTCOME, decision.trail[-1].qid)}
        reached |= {item_id(ARGUMENT, a) for action in result.actions for a in action.arguments}
        points.append(EndPoint(answers, decision, frozenset(reached)))
    return ItemIndex(kb, points)


def some_items(index: ItemIndex) -> list[str]:
    outcomes = [i for i in index.items if i.startswith(OUTCOME)][:4]
    arguments = [i for i in index.items if i.startswith(ARGUMENT)][:4]
    return outcomes + arguments


def test_the_items_are_the_arguments_and_the_outcome_nodes(kb: KnowledgeBase) -> None:
    items = all_items(kb)
    arguments = [i.key for i in items if i.kind == ARGUMENT]
    outcomes = [i.key for i in items if i.kind == OUTCOME]
    assert arguments == list(kb.arguments.arguments)
    assert outcomes == [q for q, n in kb.nodes.items() if n.kind == "outcome"]
    assert all(i.id == f"{i.kind}:{i.key}" for i in items)


def test_the_drawn_case_reaches_the_item_by_the_engine(index: ItemIndex, kb: KnowledgeBase) -> None:
    for item in some_items(index):
        drawn = draw(index, item, random.Random(7))
        decision = decide(drawn.case, kb)
        kind, _, key = item.partition(":")
        if kind == OUTCOME:
            assert decision.trail[-1].qid == key
        else:
            result = evaluate(drawn.case, "en", kb)
            assert any(key in action.arguments for action in result.actions), item
        assert reaches(drawn.case, item, kb)


def test_the_drawn_case_is_one_the_walk_reaches_with_an_age_in_the_same_band(
    index: ItemIndex, kb: KnowledgeBase
) -> None:
    item = some_items(index)[0]
    drawn = draw(index, item, random.Random(3))
    walked = [e.answers for e in index.reaching(item)]
    without_age = {k: v for k, v in drawn.answers.items() if k != "age_years"}
    assert any({k: v for k, v in w.items() if k != "age_years"} == without_age for w in walked)
    band = kb.bands.band_of(drawn.answers["age_years"])
    assert any(kb.bands.band_of(w["age_years"]) == band for w in walked if w.keys() == drawn.answers.keys())


def test_a_seed_draws_the_same_case_and_options(index: ItemIndex) -> None:
    item = some_items(index)[1]
    first = draw(index, item, random.Random(11))
    again = draw(index, item, random.Random(11))
    assert first == again
    others = {draw(index, item, random.Random(seed)).answers["age_years"] for seed in range(12)}
    assert len(others) > 1  # fresh cases: the draw really varies with the seed


def test_the_key_is_the_engines_and_only_the_key_is_graded_right(index: ItemIndex, kb: KnowledgeBase) -> None:
    for item in some_items(index):
        drawn = draw(index, item, random.Random(5))
        key = derive_key(drawn.question, evaluate(drawn.case, "en", kb))
        assert key is not None and key.action in drawn.options
        grades = [grade_drawn(drawn, i, kb, "en") for i in range(len(drawn.options))]
        assert [g.correct for g in grades] == [code is key.action for code in drawn.options]
        assert all(g.key is key.action for g in grades)


def test_no_other_option_is_one_the_engine_also_gives_in_the_same_sense(
    index: ItemIndex, kb: KnowledgeBase
) -> None:
    for seed, item in enumerate(some_items(index)):
        drawn = draw(index, item, random.Random(seed))
        result = evaluate(drawn.case, "en", kb)
        key = derive_key(drawn.question, result)
        assert key is not None
        advised = {a.action for a in result.actions if a.strength is not Strength.NOT_RECOMMENDED}
        for code in drawn.options:
            if code is key.action:
                continue
            if drawn.question is QuestionKind.NEXT_STEP:
                assert code not in advised, (item, code)
            else:
                assert code in advised, (item, code)


def test_the_vignette_is_worded_in_the_trainees_language(index: ItemIndex, kb: KnowledgeBase) -> None:
    drawn = draw(index, some_items(index)[0], random.Random(2))
    en = vignette_lines(drawn, kb, "en")
    zh = vignette_lines(drawn, kb, "zh")
    assert len(en) == len(zh) >= 2
    assert en[0].startswith("Age: ") and zh[0].startswith("年龄：")
    assert all("：" in line and ": " not in line for line in zh)
    assert drawn.option_label(0, "zh") != drawn.option_label(0, "en")


def test_an_item_no_walked_case_reaches_cannot_be_drawn(index: ItemIndex) -> None:
    with pytest.raises(NothingToDraw) as caught:
        draw(index, "argument:no.such", random.Random(0))
    assert "argument:no.such" in caught.value.worded("en") and "argument:no.such" in caught.value.worded("zh")


@pytest.mark.slow
def test_every_item_of_the_full_walk_can_be_drawn_and_is_reached(kb: KnowledgeBase) -> None:
    full = ItemIndex.of(kb)
    assert set(full.items) == {i.id for i in all_items(kb)}
    for number, item in enumerate(full.items):
        drawn: DrawnCase = draw(full, item, random.Random(number))
        assert reaches(drawn.case, item, kb)
