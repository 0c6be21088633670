"""Every combination of answers the pathways can be given: the walk `pathways check` audits.

The walk answers each question the path asks, every way worth trying, until every path ends in
an outcome. The authoring audit checks what each end point says; practice draws its fresh cases
from the same end points, so a trainee is only ever shown a case the audit has walked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ntrk_advisor.contract.case import Case, case_from_data
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.fields import FIELD_SPECS
from ntrk_advisor.contract.result import Result
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.engine import Decision, build_result, decide
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.knowledge import KnowledgeBase


def ages_of(kb: KnowledgeBase) -> tuple[float, ...]:
    """One age per age band (its youngest): the only distinction age makes to routing and wording."""
    return tuple(kb.bands.lower_bound(band) for band in kb.bands.ids)


@dataclass(frozen=True)
class Leaf:
    """One complete end point of the walk: the answers given, the path taken, the result."""

    answers: dict[str, Any]
    decision: Decision
    result: Result

    @property
    def outcome(self) -> str:
        """The outcome node reached (`pathway.node`)."""
        return self.decision.trail[-1].qid


def answer_options(field_name: str, kb: KnowledgeBase | None = None) -> list[Any]:
    """Every answer worth trying for a field: each value; for lists none, each one, and all.

    For a number, the smallest value and each bound the pathways branch on (so every branch is
    taken); that needs the knowledge base.
    """
    spec = FIELD_SPECS[field_name]
    if spec.kind == "bool":
        return [True, False]
    if spec.kind == "number":
        bounds = (
            set()
            if kb is None
            else {b for n in kb.nodes.values() if n.field == field_name for b, _ in n.number_routes}
        )
        return [spec.minimum, *sorted(bounds)]
    values = [m.value for m in spec.values or []]
    if spec.kind == "list":
        return [[], *([v] for v in values), values]
    return values


def walk_states(kb: KnowledgeBase) -> Iterator[tuple[dict[str, Any], Case, Decision]]:
    """Every answer set the walk visits, the partial ones included, with its case and decision.

    In a fixed order (age band, then the answers in the order the questions offer them). An
    incomplete decision is followed by its next question answered every way worth trying. Answer
    combinations that contradict each other (see `contract.rules`) are invalid cases, not states,
    and are passed over.
    """
    for age in ages_of(kb):
        pending: list[dict[str, Any]] = [{"age_years": age}]
        while pending:
            answers = pending.pop()
            try:
                case = case_from_data(answers)
            except CaseInvalid:
                continue
            decision = decide(case, kb)
            yield answers, case, decision
            if decision.status is not Status.COMPLETE:
                field_name = decision.missing[0]
                options = answer_options(field_name, kb)
                pending.extend({**answers, field_name: o} for o in reversed(options))


def walk_decisions(kb: KnowledgeBase) -> Iterator[tuple[dict[str, Any], Decision]]:
    """Each complete decision reachable by answering every question the path asks, every way.

    Yields the answers and the engine's decision, in the order of `walk_states`.
    """
    for answers, _, decision in walk_states(kb):
        if decision.status is Status.COMPLETE:
            yield answers, decision


def walk_leaves(kb: KnowledgeBase, lang: Lang = "en") -> list[Leaf]:
    """Every complete result reachable by answering each question the path asks, every way."""
    return [
        Leaf(answers, decision, build_result(decision, None, lang, kb))
        for answers, decision in walk_decisions(kb)
    ]
