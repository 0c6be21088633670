"""The report's tree marks exactly the path the engine took: bold where it went, grey where it did not.

The drawing is read back as XML: every node and edge carries its node ids and `taken` or `other`.
For a case, the bold nodes (in document order) must be the engine's trail, the bold edges each step
of it, and the grey edges every other way out of a node on the trail, one level deep. The quick
suite checks the examples and incomplete cases cut from them; the slow test checks every answer
combination `pathways check` walks.
"""

from __future__ import annotations

import itertools
import json
from typing import Any
from xml.etree import ElementTree

import pytest

from ntrk_advisor.api import evaluate
from ntrk_advisor.authoring.audit import walk_leaves
from ntrk_advisor.contract.case import case_from_data
from ntrk_advisor.contract.result import Result
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.engine import decide
from ntrk_advisor.i18n import LANGS, Lang
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.pathway.tree import TreeNode
from ntrk_advisor.render.path_svg import GREY, OTHER_STROKE, TAKEN_STROKE, path_svg
from tests.conftest import PROJECT

SVG = "{http://www.w3.org/2000/svg}"
EXAMPLES = [
    json.loads(line)
    for name in ("cases.jsonl", "clinical-v2.jsonl")
    for line in (PROJECT / "examples" / name).read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def drawn(svg: str) -> tuple[list[str], list[tuple[str, str]], set[tuple[str, str]], ElementTree.Element]:
    """The bold nodes in order, the bold edges in order, and the grey edges of a drawing."""
    root = ElementTree.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))

    def classes(e: ElementTree.Element) -> list[str]:
        return (e.get("class") or "").split()

    nodes = [str(g.get("data-node")) for g in root.iter(f"{SVG}g") if "taken" in classes(g)]
    edges = [e for e in root.iter(f"{SVG}path") if "edge" in classes(e)]
    bold = [(str(e.get("data-from")), str(e.get("data-to"))) for e in edges if "taken" in classes(e)]
    grey = {(str(e.get("data-from")), str(e.get("data-to"))) for e in edges if "other" in classes(e)}
    for edge in edges:  # bold and grey are what a reader sees, not only class names
        width = float(edge.get("stroke-width") or 0)
        assert width == (TAKEN_STROKE if "taken" in classes(edge) else OTHER_STROKE)
        assert ("taken" in classes(edge)) == (edge.get("stroke") != GREY)
    for group in root.iter(f"{SVG}g"):
        if "taken" in classes(group):
            [rect] = group.findall(f"{SVG}rect")
            assert float(rect.get("stroke-width") or 0) == TAKEN_STROKE
    return nodes, bold, grey, root


def assert_marks_the_trail(
    result: Result, trail: tuple[TreeNode, ...], kb: KnowledgeBase, lang: Lang
) -> None:
    nodes, bold, grey, _ = drawn(path_svg(result, kb, lang))
    qids = [node.qid for node in trail]
    assert nodes == qids
    assert bold == list(itertools.pairwise(qids))
    following = dict(itertools.pairwise(qids))
    assert grey == {
        (node.qid, other.qid)
        for node in trail
        for other in node.successors()
        if other.qid != following.get(node.qid)
    }
    asked = [node.qid for node in trail if node.kind == "ask"]
    assert asked[: len(result.trace)] == [step.node for step in result.trace]  # the engine's own trace
    assert trail[0] is kb.entry
    if result.status is Status.COMPLETE:
        assert trail[-1].kind == "outcome" and trail[-1].pathway is result.pathway


def original_trail(answers: dict[str, Any], kb: KnowledgeBase) -> tuple[TreeNode, ...]:
    """The trail the engine walks for the case as given (not rebuilt from its trace)."""
    return decide(case_from_data({k: v for k, v in answers.items() if k != "id"}), kb).trail


@pytest.mark.parametrize("lang", LANGS)
def test_the_examples_are_drawn_along_the_engines_trail(kb: KnowledgeBase, lang: Lang) -> None:
    for case in EXAMPLES:
        result = evaluate(case, lang, kb)
        if result.status is Status.INVALID:
            nodes, bold, grey, _root = drawn(path_svg(result, kb, lang))
            assert nodes == [] and bold == [] and grey == set()
            continue
        assert_marks_the_trail(result, original_trail(case, kb), kb, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_an_incomplete_case_ends_at_its_unanswered_question_in_bold(kb: KnowledgeBase, lang: Lang) -> None:
    for case in EXAMPLES[:12]:
        result = evaluate(case, lang, kb)
        if result.status is not Status.COMPLETE:
            continue
        cut = {k: v for k, v in case.items() if k != result.trace[-1].field}
        shorter = evaluate(cut, lang, kb)
        assert shorter.status is Status.INCOMPLETE
        trail = original_trail(cut, kb)
        assert_marks_the_trail(shorter, trail, kb, lang)
        _, _, _, root = drawn(path_svg(shorter, kb, lang))
        waiting = [g for g in root.iter(f"{SVG}g") if "waiting" in (g.get("class") or "").split()]
        assert [g.get("data-node") for g in waiting] == [trail[-1].qid]


@pytest.mark.slow
def test_every_walked_combination_is_drawn_along_exactly_its_path(kb: KnowledgeBase) -> None:
    leaves = list(walk_leaves(kb))
    assert len(leaves) > 1000
    for number, leaf in enumerate(leaves):
        trail = original_trail(leaf.answers, kb)
        assert_marks_the_trail(leaf.result, trail, kb, "en")
        if number % 10 == 0:  # in Chinese too
            assert_marks_the_trail(evaluate(leaf.answers, "zh", kb), trail, kb, "zh")
        if number % 25 == 0:  # and, cut short, it stops at the question left unanswered
            cut = {k: v for k, v in leaf.answers.items() if k != leaf.result.trace[-1].field}
            assert_marks_the_trail(evaluate(cut, "en", kb), original_trail(cut, kb), kb, "en")
