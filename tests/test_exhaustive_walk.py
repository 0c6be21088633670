"""Enumerate every combination of answers each path asks; every leaf is a sound recommendation."""

from __future__ import annotations

from typing import Any

from ntrk_advisor.engine import evaluate
from ntrk_advisor.fields import FIELD_SPECS
from ntrk_advisor.models import Result
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.validation import case_from_data
from ntrk_advisor.vocabulary import ActionCode, PathwayName, Status


def answer_options(field: str) -> list[Any]:
    spec = FIELD_SPECS[field]
    if spec.kind == "bool":
        return [True, False]
    values = [m.value for m in spec.values or []]
    if spec.kind == "list":
        return [[], *([v] for v in values), values]
    return values


def walk(kb: KnowledgeBase, answers: dict[str, Any], leaves: list[tuple[dict[str, Any], Result]]) -> None:
    result = evaluate(answers, "en", kb)
    assert result.status is not Status.INVALID, (answers, result.errors)
    if result.status is Status.COMPLETE:
        leaves.append((answers, result))
        return
    field = result.missing[0]
    for option in answer_options(field):
        walk(kb, {**answers, field: option}, leaves)


def all_leaves(kb: KnowledgeBase) -> list[tuple[dict[str, Any], Result]]:
    leaves: list[tuple[dict[str, Any], Result]] = []
    for age in (0.5, 45):
        walk(kb, {"age_years": age}, leaves)
    return leaves


def test_every_answer_combination_reaches_a_cited_recommendation_with_mdt_review(kb: KnowledgeBase) -> None:
    leaves = all_leaves(kb)
    print(f"\nexhaustive walk: {len(leaves)} leaves")
    assert len(leaves) > 100
    for answers, result in leaves:
        codes = [a.action for a in result.actions]
        assert ActionCode.MDT_REVIEW in codes, answers
        assert result.missing == () and result.errors == ()
        orders = [a.order for a in result.actions]
        assert orders == sorted(orders) and orders[0] >= 1, answers
        for action in result.actions:
            assert action.arguments or action.evidence, (answers, action.action)
            assert set(action.arguments) <= set(kb.arguments.arguments), answers
            assert set(action.evidence) <= set(kb.evidence.evidence), answers
            assert action.summary and action.rationale, answers
        fields_asked = [s.field for s in result.trace]
        assert len(fields_asked) == len(set(fields_asked)), answers  # never asked twice
        assert set(fields_asked) <= set(answers), answers  # asks only what was needed and given


def outcome_node(kb: KnowledgeBase, answers: dict[str, Any]) -> str:
    """Follow the compiled tree by hand to the outcome node a complete case ends at."""
    case = case_from_data(answers)
    node = kb.entry
    while node.kind != "outcome":
        if node.kind == "ask":
            node = node.route(getattr(case, node.field or ""))
        elif node.kind == "route_on":
            node = node.route(case.age_group)
        else:
            assert node.next is not None
            node = node.next
    return node.qid


def test_every_outcome_node_of_every_pathway_is_reached(kb: KnowledgeBase) -> None:
    outcomes = {qid for qid, node in kb.nodes.items() if node.kind == "outcome"}
    reached = {outcome_node(kb, answers) for answers, _ in all_leaves(kb)}
    assert reached == outcomes


def test_every_pathway_is_an_end_point_for_some_case(kb: KnowledgeBase) -> None:
    assert {r.pathway for _, r in all_leaves(kb)} == set(PathwayName)


def test_every_question_field_is_asked_somewhere(kb: KnowledgeBase) -> None:
    asked = {s.field for _, r in all_leaves(kb) for s in r.trace}
    assert asked == set(FIELD_SPECS) - {"tumor_type"}
