"""Walk a validated case through the compiled pathway tree. Pure: no I/O, no clinical facts.

The engine only follows the data: ask a field, take the branch its answer selects, collect the
actions and cautions of the nodes passed, stop at an outcome. When an answer is missing it stops
and names what the path needs, in the order the path would ask, rather than guessing.

A walk yields a small `Decision` (the path taken); `Result` objects and the batch encoder are both
built from it, so there is exactly one place where routing happens.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from ntrk_advisor.contract.case import Case, answer_pattern, case_from_data, unused_answers
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.fields import ID_SPEC
from ntrk_advisor.contract.result import Action, ActionReview, Result, TraceStep, json_value
from ntrk_advisor.contract.vocabulary import (
    ActionCode,
    AgeGroup,
    EvidenceLevel,
    PathwayName,
    ReviewStatus,
    Status,
    Strength,
    age_group_of,
)
from ntrk_advisor.i18n import SENTENCE_SEPARATOR, Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.pathway.tree import TreeNode

__all__ = ["Decision", "decide", "evaluate", "evaluate_many", "invalid_result"]


class Decision(NamedTuple):
    """The path a case took: the nodes passed, the answers used, and what is still missing.

    A named tuple: one is made per case on the batch hot path, and it is three times cheaper to
    build than a frozen dataclass.
    """

    status: Status
    pathway: PathwayName
    age_group: AgeGroup | None
    age_band: str | None
    """The knowledge's age band for the case's age (None when the age is not known)."""
    trail: tuple[TreeNode, ...]
    """Every node passed, in order (ending at the outcome, or at the unanswered question)."""
    answers: tuple[Any, ...]
    """The answers to the questions on the trail, in order."""
    missing: tuple[str, ...]
    unused: tuple[str, ...] = ()
    """Answers the case gave that this path did not use (nor, when incomplete, could use later)."""

    @property
    def asked(self) -> list[tuple[TreeNode, Any]]:
        """Each question asked, with its answer."""
        questions = [n for n in self.trail if n.kind == "ask"]
        return list(zip(questions, self.answers, strict=False))  # the last may be unanswered

    @property
    def contributors(self) -> tuple[TreeNode, ...]:
        """The nodes that added actions or cautions."""
        return tuple(n for n in self.trail if n.kind in ("add", "outcome"))


def decide(case: Case, knowledge: KnowledgeBase) -> Decision:
    """Walk the tree for one validated case (the batch hot path: kept flat on purpose)."""
    age = case.age_years
    age_group = None if age is None else age_group_of(age)
    age_band = None if age is None else knowledge.bands.band_of(age)
    node = knowledge.entry
    trail: list[TreeNode] = []
    answers: list[Any] = []
    while True:
        trail.append(node)
        kind = node.kind
        if kind == "ask":
            value = getattr(case, node.field)  # type: ignore[arg-type]
            if value is None:
                missing = _missing(node, case, age_group, age_band, knowledge)
                path = tuple(trail)
                later = knowledge.fields_from(node)
                unused = unused_answers(case, {n.field for n in path if n.field is not None} | later)
                return Decision(
                    Status.INCOMPLETE,
                    node.pathway,
                    age_group,
                    age_band,
                    path,
                    tuple(answers),
                    missing,
                    unused,
                )
            answers.append(value)
            if node.list_routes or node.number_routes:
                node = node.route(value)
            else:  # inline of TreeNode.route for the common scalar case
                node = node.scalar_routes.get(value) or node.default or node.next or node.route(value)
        elif kind == "route_on":
            on = node.splits_on
            value = age_band if on == "age_band" else age_group if on == "age_group" else getattr(case, on)  # type: ignore[arg-type]
            if node.list_routes or node.number_routes:
                node = node.route(value)
            else:  # inline of TreeNode.route for the common scalar case
                node = node.scalar_routes.get(value) or node.default or node.next or node.route(value)
        elif kind == "outcome":
            path = tuple(trail)
            return Decision(
                Status.COMPLETE,
                node.pathway,
                age_group,
                age_band,
                path,
                tuple(answers),
                (),
                _unused(case, path, knowledge),
            )
        else:
            node = node.next  # type: ignore[assignment]


def _unused(case: Case, path: tuple[TreeNode, ...], knowledge: KnowledgeBase) -> tuple[str, ...]:
    """The answers a complete path did not use, remembered per path and pattern of given fields.

    Batch records of one registry give the same fields again and again, so the answer is looked
    up far more often than worked out (this runs for every batch record). The pattern holds all
    that `unused_answers` reads of the case, so a remembered answer is the one it would give.
    """
    key = (answer_pattern(case), path)
    memo = knowledge.unused_memo
    found = memo.get(key)
    if found is None:
        found = memo.keep(key, unused_answers(case, {n.field for n in path if n.field is not None}))
    return found


def _missing(
    node: TreeNode, case: Case, age_group: AgeGroup | None, age_band: str | None, knowledge: KnowledgeBase
) -> tuple[str, ...]:
    """`needed_from` remembered per node, age band and group, and the answers a walk from it may read.

    Listing what an incomplete case still needs walks every continuation from its node; cases of
    one source leave the same answers out again and again. The key holds every value the walk
    can read, so a remembered list is the one the walk would give.
    """
    key = (node.qid, age_band, age_group, *(getattr(case, name) for name in knowledge.reads_from(node)))
    memo = knowledge.missing_memo
    found = memo.get(key)
    if found is None:
        found = memo.keep(key, tuple(needed_from(node, case, age_group, age_band)))
    return found


def evaluate(case: Case | Mapping[str, Any], lang: Lang, kb: KnowledgeBase) -> Result:
    """Evaluate one case. A mapping is validated first; a bad one gives an `invalid` result."""
    if not isinstance(case, Case):
        try:
            case = case_from_data(case)
        except CaseInvalid as exc:
            return invalid_result(exc, lang, kb, echoable_id(case, exc))
    return build_result(decide(case, kb), case.id, lang, kb)


def evaluate_many(
    cases: Iterable[Case | Mapping[str, Any]], lang: Lang, kb: KnowledgeBase
) -> Iterator[Result]:
    """Evaluate cases lazily, one result per case, in order (suits any size of cohort)."""
    for case in cases:
        yield evaluate(case, lang, kb)


def invalid_result(
    exc: CaseInvalid, lang: Lang, knowledge: KnowledgeBase, case_id: str | None = None
) -> Result:
    """The contract's `invalid` result for a case that failed validation."""
    age = exc.age_years
    return Result(
        case_id=case_id,
        status=Status.INVALID,
        age_group=None if age is None else age_group_of(age),
        age_band=None if age is None else knowledge.bands.band_of(age),
        errors=exc.field_errors(lang),
        knowledge=knowledge.stamp,
    )


def echoable_id(raw: object, exc: CaseInvalid) -> str | None:
    """The record's own id when it may be echoed: a non-empty string that passed validation."""
    value = raw.get("id") if isinstance(raw, Mapping) else None
    if not isinstance(value, str) or not value or any(field == "id" for field, _, _ in exc.problems):
        return None
    try:
        value.encode("utf-8")  # a lone surrogate can be written as a JSON escape, never as text
    except UnicodeEncodeError:
        return None
    return value if len(value) <= (ID_SPEC.max_length or 0) else None


def build_result(decision: Decision, case_id: str | None, lang: Lang, kb: KnowledgeBase) -> Result:
    """The contract `Result` for a decision, worded in `lang`."""
    actions: list[Action] = []
    cautions: dict[str, None] = {}
    if decision.contributors:
        assert decision.age_band is not None
        actions, cautions = _collect(tuple(decision.contributors), decision.age_band, lang, kb)
    trace = tuple(
        TraceStep(node=node.qid, field=node.field or "", answer=json_value(value))
        for node, value in decision.asked
    )
    return Result(
        case_id=case_id,
        status=decision.status,
        age_group=decision.age_group,
        age_band=decision.age_band,
        pathway=decision.pathway,
        actions=tuple(sorted(actions, key=lambda a: a.order)),  # stable: equal steps keep data order
        cautions=tuple(cautions),
        missing=decision.missing,
        unused_answers=decision.unused,
        trace=trace,
        knowledge=kb.stamp,
    )


def _collect(
    contributors: tuple[TreeNode, ...], band: str, lang: Lang, kb: KnowledgeBase
) -> tuple[list[Action], dict[str, None]]:
    """Actions (steps shifted past earlier nodes', one per action code) and cautions of the contributors."""
    parts: list[tuple[Action, str | None]] = []
    cautions: dict[str, None] = {}
    offset = 0  # the last step so far: the next contributor's steps count from here
    start = 0  # where the previous contributor's steps were counted from (for `together`)
    memo = kb.parts_memo
    for node in contributors:
        bundle = node.bundle
        assert bundle is not None
        if not bundle.together:
            start = offset
        key = (node, band, lang, start)
        found = memo.get(key)
        if found is None:
            found = memo.keep(key, _node_part(node, band, lang, start, kb))
        node_parts, last_step, node_cautions = found
        parts += node_parts
        if not bundle.alongside and last_step > offset:
            offset = last_step
        for caution in node_cautions:
            cautions[caution] = None
    return one_per_action(parts, lang), cautions


def _node_part(
    node: TreeNode, band: str, lang: Lang, start: int, kb: KnowledgeBase
) -> tuple[tuple[tuple[Action, str | None], ...], int, tuple[str, ...]]:
    """One contributor's actions (with their statements' topics), its last step, and its cautions.

    They depend only on the node, the band, the language and the step its actions count from, and
    are the same frozen objects every time: a result no longer builds each action anew.
    """
    assert node.bundle is not None
    parts = []
    last = start - 1  # no action: no step to move the offset to
    for ref in node.bundle.actions:
        statement = kb.statement(ref.use, lang, band)
        action = Action(
            action=statement.action,
            strength=ref.strength,
            order=start + ref.step,
            summary=statement.summary,
            rationale=statement.rationale,
            arguments=statement.arguments,
            evidence=statement.evidence,
            evidence_level=ref.level_for(band) or statement.evidence_level,
            review=kb.review_of(ref.use),
            bullet_arguments=statement.bullet_arguments,
            bullet_evidence=statement.bullet_evidence,
        )
        parts.append((action, statement.topic))
        last = max(last, action.order)
    cautions = tuple(kb.caution(c.id, lang) for c in node.bundle.cautions if band in c.bands)
    return tuple(parts), last, cautions


def one_per_action(parts: list[tuple[Action, str | None]], lang: Lang) -> list[Action]:
    """Merge the actions that share a code into one, so a plan names each action once.

    Two branches of a walk can propose the same action (radiosurgery for a brain metastasis, and
    local treatment of the progressing sites). The merged action takes the stronger strength and
    the earlier step, keeps the reasons, arguments and references of both, and names each part by
    its statement's topic. A "do" and a "do not" of one action are never merged: no plan may hold
    both, and `pathways check` proves none does.
    """
    groups: dict[tuple[ActionCode, bool], list[int]] = {}
    for index, (action, _) in enumerate(parts):
        groups.setdefault((action.action, action.strength is Strength.NOT_RECOMMENDED), []).append(index)
    if len(groups) == len(parts):
        return [action for action, _ in parts]
    merged: list[Action] = []
    for indexes in groups.values():
        if len(indexes) == 1:
            merged.append(parts[indexes[0]][0])
        else:
            merged.append(_merge([parts[i] for i in indexes], lang))
    return merged


_STRENGTH_RANK = {strength: rank for rank, strength in enumerate(Strength)}
_LEVEL_RANK = {level: rank for rank, level in enumerate(EvidenceLevel)}


def _merge(parts: list[tuple[Action, str | None]], lang: Lang) -> Action:
    ranked = sorted(parts, key=lambda part: (_STRENGTH_RANK[part[0].strength], part[0].order))
    first = ranked[0][0]
    summaries = [
        action.summary if topic is None else t("plan.merged_part", lang, topic=topic, summary=action.summary)
        for action, topic in ranked
    ]
    rationale: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for action, _ in ranked:
        for text, args, refs in zip(
            action.rationale, action.bullet_arguments, action.bullet_evidence, strict=False
        ):
            rationale.setdefault(text, (args, refs))
    return Action(
        action=first.action,
        strength=first.strength,
        order=min(action.order for action, _ in parts),
        summary=SENTENCE_SEPARATOR[lang].join(summaries),
        rationale=tuple(rationale),
        arguments=tuple(dict.fromkeys(a for action, _ in ranked for a in action.arguments)),
        evidence=tuple(dict.fromkeys(e for action, _ in ranked for e in action.evidence)),
        evidence_level=min((action.evidence_level for action, _ in parts), key=_LEVEL_RANK.__getitem__),
        review=merged_review([action.review for action, _ in ranked]),
        bullet_arguments=tuple(args for args, _ in rationale.values()),
        bullet_evidence=tuple(refs for _, refs in rationale.values()),
    )


_REVIEW_RANK = {status: rank for rank, status in enumerate(ReviewStatus)}


def merged_review(reviews: list[ActionReview | None]) -> ActionReview | None:
    """The review of a merged action: as good as its least reviewed part, naming every statement."""
    known = [r for r in reviews if r is not None]
    if not known:
        return None
    status = min((r.status for r in known), key=_REVIEW_RANK.__getitem__)
    reviewers = dict.fromkeys(s for r in known if r.status is status for s in r.reviewers)
    return ActionReview(status, tuple(reviewers), "+".join(dict.fromkeys(r.statement for r in known)))


def needed_from(node: TreeNode, case: Case, age_group: AgeGroup | None, age_band: str | None) -> list[str]:
    """Fields still missing that every continuation from `node` would ask, in asking order.

    The first is the unanswered question at `node`; the rest are those needed whatever the
    missing answers turn out to be, so a caller can supply them all at once without any guess.
    The pathways share sub-trees, so each node where the walk must branch (a missing answer) is
    worked out once per call: walked as a plain tree, a case missing its first answers visits the
    shared parts thousands of times. Between such nodes the given answers are simply followed.
    """
    known: dict[int, list[str]] = {}

    def from_node(node: TreeNode) -> list[str]:
        # Follow the given answers first: a stretch without a choice needs no remembering.
        while True:
            kind = node.kind
            if kind == "outcome":
                return []
            if kind == "ask":
                value = getattr(case, node.field)  # type: ignore[arg-type]
            elif kind == "route_on":
                on = node.splits_on
                if on == "age_band":
                    value = age_band
                elif on == "age_group":
                    value = age_group
                else:
                    value = getattr(case, on or "")
            else:
                following = node.next_nodes
                if len(following) != 1:
                    break
                node = following[0]
                continue
            if value is None:
                break
            node = node.route(value)
        found = known.get(id(node))
        if found is None:
            after = _common([from_node(n) for n in node.next_nodes])
            if node.kind == "ask":
                assert node.field is not None
                after = [node.field, *(f for f in after if f != node.field)]
            found = known[id(node)] = after
        return found

    return list(from_node(node))


def _common(paths: list[list[str]]) -> list[str]:
    if not paths:
        return []
    rest = [set(p) for p in paths[1:]]
    return [f for f in paths[0] if all(f in s for s in rest)]
