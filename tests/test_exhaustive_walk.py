"""Enumerate every combination of answers each path asks; every leaf is a sound recommendation."""

from __future__ import annotations

import pytest

from ntrk_advisor.api import evaluate
from ntrk_advisor.authoring.audit import audit, walk_leaves
from ntrk_advisor.contract.fields import FIELD_SPECS
from ntrk_advisor.contract.vocabulary import ActionCode, PathwayName, Status
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from tests.helpers import all_leaves

pytestmark = pytest.mark.slow  # walks every answer combination


def test_every_answer_combination_reaches_a_cited_recommendation_with_mdt_review(kb: KnowledgeBase) -> None:
    leaves = all_leaves(kb)
    assert len(leaves) > 100
    for number, (answers, result) in enumerate(leaves):
        # the result is about exactly the answers given: each one used, as given, none left over
        assert {s.field: s.answer for s in result.trace} == answers, answers
        assert result.unused_answers == (), answers
        # and each was needed: without it (one field per leaf, in turn) the public API asks for it
        field = list(answers)[number % len(answers)]
        without = evaluate({k: v for k, v in answers.items() if k != field}, "en", kb)
        assert without.status is Status.INCOMPLETE and field in without.missing, (answers, field)
        assert result.status is Status.COMPLETE
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


def test_every_outcome_node_of_every_pathway_is_reached(kb: KnowledgeBase) -> None:
    outcomes = {qid for qid, node in kb.nodes.items() if node.kind == "outcome"}
    assert {leaf.outcome for leaf in walk_leaves(kb)} == outcomes


def test_every_pathway_is_an_end_point_for_some_case(kb: KnowledgeBase) -> None:
    assert {r.pathway for _, r in all_leaves(kb)} == set(PathwayName)


def test_every_question_field_is_asked_somewhere(kb: KnowledgeBase) -> None:
    asked = {s.field for _, r in all_leaves(kb) for s in r.trace}
    assert asked == set(FIELD_SPECS) - {"tumor_type", "cns_metastases"}  # free text; a version-1 field


def test_every_path_asks_about_an_emergency(kb: KnowledgeBase) -> None:
    for answers, result in all_leaves(kb):
        assert "emergency" in [s.field for s in result.trace], answers


def test_the_builtin_pathways_pass_the_audit_with_nothing_unused(kb: KnowledgeBase) -> None:
    report = audit(kb)
    assert [str(p) for p in report.problems] == []
    assert report.texts["en"] == report.texts["zh"] > 300
