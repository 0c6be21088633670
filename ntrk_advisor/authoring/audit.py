"""Deeper checks than loading: walk every combination of answers, and find what nothing uses.

Loading proves the files are well formed and linked; the audit proves every end point is reached
with an MDT review and cited arguments, and lists catalogue entries no pathway uses. Both
`pathways check` and the test suite run it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ntrk_advisor.contract.case import case_from_data
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.fields import ASKABLE_FIELDS, FIELD_SPECS
from ntrk_advisor.contract.vocabulary import ActionCode, Strength
from ntrk_advisor.engine import decide
from ntrk_advisor.errors import PathwayProblem
from ntrk_advisor.i18n import LANGS
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.pathway.schema import PlanSelector, Statement, Text
from ntrk_advisor.walk import Leaf, ages_of, answer_options, walk_leaves

__all__ = ["AuditReport", "Leaf", "ages_of", "answer_options", "audit", "walk_leaves"]


@dataclass
class AuditReport:
    """What the audit found."""

    leaves: list[Leaf] = field(default_factory=list)
    problems: list[PathwayProblem] = field(default_factory=list)
    texts: dict[str, int] = field(default_factory=dict)
    """Number of user-facing texts present per language."""


def audit(kb: KnowledgeBase) -> AuditReport:
    """Walk every leaf and look for unused catalogue entries."""
    report = AuditReport(leaves=walk_leaves(kb))
    reached = {leaf.outcome for leaf in report.leaves}
    always = kb.meta.knowledge.every_path_asks
    reported: set[tuple[str, str, str]] = set()
    for leaf in report.leaves:
        pathway, _, node = leaf.outcome.partition(".")
        fname = f"{pathway}.yaml"
        if ActionCode.MDT_REVIEW not in {a.action for a in leaf.result.actions}:
            report.problems.append(PathwayProblem(fname, node, f"leaf without mdt_review for {leaf.answers}"))
        asked = {step.field for step in leaf.result.trace}
        for name in always:
            if name not in asked:
                report.problems.append(
                    PathwayProblem(fname, node, f"a path ends here without asking {name} for {leaf.answers}")
                )
        report.problems += _silently_ignored(kb, leaf, fname, node)
        for action in leaf.result.actions:
            if not action.arguments and not action.evidence:
                report.problems.append(
                    PathwayProblem(fname, node, f"{action.action.value} cites no argument and no evidence")
                )
        for problem in one_plan_problems(kb, leaf, fname, node):
            key = (problem.file, problem.node, problem.message.split(" for {")[0].split(" (")[0])
            if key not in reported:  # one line per rule and node, with the first case that breaks it
                reported.add(key)
                report.problems.append(problem)
    for qid, tree_node in kb.nodes.items():
        if tree_node.kind == "outcome" and qid not in reached:
            pathway, _, name = qid.partition(".")
            report.problems.append(PathwayProblem(f"{pathway}.yaml", name, "outcome never reached"))
    report.problems += unused(kb)
    report.texts = count_texts(kb)
    return report


def one_plan_problems(kb: KnowledgeBase, leaf: Leaf, fname: str, node: str) -> list[PathwayProblem]:
    """One plan: no action twice, no "do" and "do not" of one action, no pair the knowledge forbids.

    Statements of one action on one path are merged into one action by the engine; each must then
    have a topic to name its part. What cannot be merged (a "do" beside a "do not") and the pairs of
    `conflicts` in recommendations.yaml are problems of the knowledge, named here with the answers.
    """
    problems: list[PathwayProblem] = []
    planned = [
        (ref.use, kb.statements.statements[ref.use], ref.strength)
        for contributor in leaf.decision.contributors
        for ref in (contributor.bundle.actions if contributor.bundle else ())
    ]
    codes = [a.action for a in leaf.result.actions]
    for code in {c for c in codes if codes.count(c) > 1}:
        message = f"'{code.value}' both recommended and advised against for {leaf.answers}"
        problems.append(PathwayProblem(fname, node, message))
    by_action: dict[tuple[ActionCode, bool], list[str]] = {}
    for use, statement, strength in planned:
        by_action.setdefault((statement.action, strength is Strength.NOT_RECOMMENDED), []).append(use)
    for uses in by_action.values():
        untitled = [u for u in uses if kb.statements.statements[u].topic is None]
        if len(uses) > 1 and untitled:
            problems.append(
                PathwayProblem(
                    fname,
                    node,
                    f"{', '.join(uses)} meet in one plan and merge into one action; give "
                    f"{', '.join(untitled)} a topic to name its part ({leaf.answers})",
                )
            )
    for conflict_id, conflict in kb.statements.conflicts.items():
        first, second = conflict.between
        left = [use for use, statement, strength in planned if _selects(first, use, statement, strength)]
        right = [use for use, statement, strength in planned if _selects(second, use, statement, strength)]
        if any(a != b for a in left for b in right):
            problems.append(
                PathwayProblem(
                    fname,
                    node,
                    f"conflict '{conflict_id}': {', '.join(left)} and {', '.join(right)} in one plan "
                    f"for {leaf.answers}",
                )
            )
    return problems


def _selects(side: PlanSelector, use: str, statement: Statement, strength: Strength) -> bool:
    if side.strengths and strength not in side.strengths:
        return False
    if side.statements:
        return use in side.statements
    return statement.action in side.actions


def _silently_ignored(kb: KnowledgeBase, leaf: Leaf, fname: str, node: str) -> list[PathwayProblem]:
    """Give the leaf's case every other field too: each must show, as used or as unused.

    The oracle is the trace (the questions asked), not the engine's own bookkeeping, so a field
    the engine forgot to report would be found here.
    """
    extra = {}
    for name in ASKABLE_FIELDS:
        if name not in leaf.answers:
            options = answer_options(name, kb)
            extra[name] = options[-1] if FIELD_SPECS[name].kind == "list" else options[0]
    try:
        case = case_from_data({**extra, **leaf.answers})
    except CaseInvalid:  # the extras contradict this path's answers: try them one at a time
        cases = []
        for name, value in extra.items():
            try:
                cases.append(case_from_data({**leaf.answers, name: value}))
            except CaseInvalid:
                continue
    else:
        cases = [case]
    problems = []
    for candidate in cases:
        decision = decide(candidate, kb)  # the questions asked are the trace's, without wording it
        shown = {node.field for node, _ in decision.asked} | set(decision.unused)
        for name in set(candidate.answers()) - shown - {"id", "tumor_type"}:
            problems.append(PathwayProblem(fname, node, f"the answer '{name}' is dropped without a word"))
    return problems


def unused(kb: KnowledgeBase) -> list[PathwayProblem]:
    """Statements, cautions, arguments, evidence and questions that nothing refers to."""
    statements: set[str] = set()
    cautions: set[str] = set()
    asked: set[str] = set()
    for pfile in kb.pathways.values():
        for node in pfile.nodes.values():
            bundle = node.add or node.outcome
            if bundle is not None:
                statements |= {a.use for a in bundle.actions}
                cautions |= {c.id for c in bundle.cautions}
            if node.ask:
                asked.add(node.ask)
    arguments: set[str] = set()
    evidence: set[str] = set()
    for statement_id in statements & set(kb.statements.statements):
        statement = kb.statements.statements[statement_id]
        evidence |= set(statement.evidence)
        for bullet in statement.rationale:
            arguments |= set(bullet.arguments)
            evidence |= set(bullet.evidence)
    for caution_id in cautions & set(kb.cautions.cautions):
        evidence |= set(kb.cautions.cautions[caution_id].evidence)
    bands = kb.meta.knowledge.age_bands
    if bands is not None:
        evidence |= set(bands.evidence)
    found = []
    for file, kind, known, used in (
        ("recommendations.yaml", "statement", kb.statements.statements, statements),
        ("cautions.yaml", "caution", kb.cautions.cautions, cautions),
        ("arguments.yaml", "argument", kb.arguments.arguments, arguments),
        ("evidence.yaml", "evidence", kb.evidence.evidence, evidence),
    ):
        found += [PathwayProblem(file, i, f"unused {kind}: nothing cites it") for i in known if i not in used]
    found += [
        PathwayProblem("questions.yaml", q, "unused question: no pathway asks it")
        for q in kb.questions.questions
        if q in ASKABLE_FIELDS and q not in asked
    ]
    return found


def count_texts(kb: KnowledgeBase) -> dict[str, int]:
    """How many user-facing texts each language has (loading already demands both)."""
    counts: dict[str, int] = dict.fromkeys(LANGS, 0)

    def visit(value: Any) -> None:
        if isinstance(value, Text):
            for lang in LANGS:
                counts[lang] += bool(getattr(value, lang).strip())
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                visit(getattr(value, name))
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)

    for part in (
        kb.meta,
        kb.questions,
        kb.arguments,
        kb.evidence,
        kb.cautions,
        kb.statements,
        *kb.pathways.values(),
    ):
        visit(part)
    return counts
