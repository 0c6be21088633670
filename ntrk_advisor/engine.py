"""Walk a validated case through the compiled pathway tree. Pure: no I/O, no clinical facts.

The engine only follows the data: ask a field, take the branch its answer selects, collect the
actions and cautions of the nodes passed, stop at an outcome. When an answer is missing it stops
and names what the path needs, in the order the path would ask, rather than guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import Enum
from typing import Any

from ntrk_advisor.i18n import Lang
from ntrk_advisor.models import Action, Case, Result, TraceStep
from ntrk_advisor.pathway.knowledge import KnowledgeBase, default_knowledge_base
from ntrk_advisor.pathway.schema import Audience, Bundle
from ntrk_advisor.pathway.tree import TreeNode
from ntrk_advisor.validation import CaseInvalid, case_from_data
from ntrk_advisor.vocabulary import AgeGroup, PathwayName, Status

__all__ = ["evaluate", "evaluate_many", "invalid_result"]


def evaluate(
    case: Case | Mapping[str, Any], lang: Lang = "en", knowledge: KnowledgeBase | None = None
) -> Result:
    """Evaluate one case. A mapping is validated first; a bad one gives an `invalid` result."""
    kb = knowledge or default_knowledge_base()
    if not isinstance(case, Case):
        try:
            case = case_from_data(case)
        except CaseInvalid as exc:
            raw_id = case.get("id") if isinstance(case, Mapping) else None
            return invalid_result(exc, lang, kb, raw_id if isinstance(raw_id, str) else None)
    return _Walk(kb, lang).run(case)


def evaluate_many(
    cases: Iterable[Case | Mapping[str, Any]], lang: Lang = "en", knowledge: KnowledgeBase | None = None
) -> Iterator[Result]:
    """Evaluate cases lazily, one result per case, in order (suits any size of cohort)."""
    kb = knowledge or default_knowledge_base()
    for case in cases:
        yield evaluate(case, lang, kb)


def invalid_result(
    exc: CaseInvalid, lang: Lang, knowledge: KnowledgeBase, case_id: str | None = None
) -> Result:
    """The contract's `invalid` result for a case that failed validation."""
    return Result(
        case_id=case_id[:64] if case_id else None,
        status=Status.INVALID,
        errors=exc.field_errors(lang),
        knowledge=knowledge.stamp,
    )


def _json_answer(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_json_answer(v) for v in value]
    return value


class _Walk:
    """One evaluation; holds the knowledge base and language so helpers stay small."""

    def __init__(self, kb: KnowledgeBase, lang: Lang) -> None:
        self.kb = kb
        self.lang = lang

    def run(self, case: Case) -> Result:
        age_group = case.age_group
        node = self.kb.entry
        trace: list[TraceStep] = []
        actions: list[Action] = []
        cautions: dict[str, None] = {}
        offset = 0
        while True:
            if node.kind == "ask":
                assert node.field is not None
                value = getattr(case, node.field)
                if value is None:
                    missing = needed_from(node, case, age_group)
                    return self._result(
                        case, Status.INCOMPLETE, node.pathway, age_group, actions, cautions, trace, missing
                    )
                trace.append(TraceStep(node=node.qid, field=node.field, answer=_json_answer(value)))
                node = node.route(value)
            elif node.kind == "route_on":
                node = node.route(age_group)
            else:
                assert node.bundle is not None and age_group is not None
                offset = self._collect(node.bundle, age_group, offset, actions, cautions)
                if node.kind == "outcome":
                    return self._result(
                        case, Status.COMPLETE, node.pathway, age_group, actions, cautions, trace, ()
                    )
                assert node.next is not None
                node = node.next

    def _collect(
        self,
        bundle: Bundle,
        age_group: AgeGroup,
        offset: int,
        actions: list[Action],
        cautions: dict[str, None],
    ) -> int:
        """Add a node's actions (steps shifted past earlier nodes') and cautions; new offset."""
        last = offset
        for ref in bundle.actions:
            statement = self.kb.statement(ref.use, self.lang, age_group)
            action = Action(
                action=self.kb.statements.statements[ref.use].action,
                strength=ref.strength,
                order=offset + ref.step,
                summary=statement.summary,
                rationale=statement.rationale,
                arguments=statement.arguments,
                evidence=statement.evidence,
            )
            action._bullet_arguments = statement.bullet_arguments
            action._bullet_evidence = statement.bullet_evidence
            actions.append(action)
            last = max(last, action.order)
        audience = Audience(age_group.value)
        for caution in bundle.cautions:
            if caution.audience in (Audience.ALL, audience):
                text = getattr(self.kb.cautions.cautions[caution.id].text, self.lang)
                cautions[text] = None
        return last

    def _result(
        self,
        case: Case,
        status: Status,
        pathway: PathwayName,
        age_group: AgeGroup | None,
        actions: list[Action],
        cautions: dict[str, None],
        trace: list[TraceStep],
        missing: Iterable[str],
    ) -> Result:
        ordered = sorted(actions, key=lambda a: a.order)  # stable: equal steps keep data order
        return Result(
            case_id=case.id,
            status=status,
            age_group=age_group,
            pathway=pathway,
            actions=tuple(ordered),
            cautions=tuple(cautions),
            missing=tuple(missing),
            trace=tuple(trace),
            knowledge=self.kb.stamp,
        )


def needed_from(node: TreeNode, case: Case, age_group: AgeGroup | None) -> list[str]:
    """Fields still missing that every continuation from `node` would ask, in asking order.

    The first is the unanswered question at `node`; the rest are those needed whatever the
    missing answers turn out to be, so a caller can supply them all at once without any guess.
    """
    if node.kind == "outcome":
        return []
    if node.kind == "ask":
        assert node.field is not None
        value = getattr(case, node.field)
        if value is not None:
            return needed_from(node.route(value), case, age_group)
        after = _common([needed_from(n, case, age_group) for n in node.successors()])
        return [node.field, *(f for f in after if f != node.field)]
    if node.kind == "route_on" and age_group is not None:
        return needed_from(node.route(age_group), case, age_group)
    return _common([needed_from(n, case, age_group) for n in node.successors()])


def _common(paths: list[list[str]]) -> list[str]:
    if not paths:
        return []
    rest = [set(p) for p in paths[1:]]
    return [f for f in paths[0] if all(f in s for s in rest)]
