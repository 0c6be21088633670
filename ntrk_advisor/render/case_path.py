"""The path one result walked through the pathway tree, with the branches it did not take.

The report draws this (`render.path_svg`). The walk is the engine's own: the answers of the
result's trace are handed to `engine.decide` again, so the nodes passed (questions, silent splits
on the age band or an earlier answer, the steps that add actions, the outcome) are exactly the
ones the engine passed, never routed a second time here. Each node is labelled briefly from the
knowledge's own words in the reader's language: a question's prompt up to its first bracket or
colon, an answer's choice label likewise ("Age in years → 0.5 y"). A case's free text never
appears: answers are shown only as the knowledge words them, or as numbers.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ntrk_advisor.contract.case import case_from_data
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.result import Result, json_value
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.engine import decide
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.pathway.tree import TreeNode

SHORT = 56
"""The most characters of a short label (a longer one ends in an ellipsis)."""
_BRACKET = re.compile(r"\s*[(（]")
_COLON = re.compile(r"\s*[:：]|\s+[—-]\s+")


@dataclass(frozen=True)
class Branch:
    """A way out of a node: where it leads, the answers that take it, and that node's short label."""

    target: str
    when: str
    label: str


@dataclass(frozen=True)
class PathNode:
    """One node the case passed: its kind, its short label, what was taken, and what was not."""

    qid: str
    kind: str
    """`ask`, `route_on`, `add` or `outcome`; `waiting` for the question still unanswered."""
    pathway: str
    label: str
    taken: str
    """The answer given (a question), the branch followed (a split); empty otherwise."""
    others: tuple[Branch, ...]
    """The branches not taken, each drawn one level deep and no further."""
    detail: str = ""
    """For an outcome, its actions; for a question not yet answered, the question in full."""


def short(text: str, limit: int = SHORT) -> str:
    """A short label: `text` up to its first bracket (and colon or dash, if still long), at most `limit`.

    A closing question mark goes too: the tree's labels are names, not questions.
    """
    head = _BRACKET.split(text, maxsplit=1)[0].strip() or text.strip()
    if len(head) > limit * 2 // 3:
        head = _COLON.split(head, maxsplit=1)[0].strip() or head
    head = head.rstrip("?？").strip() or head
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "…"


def replayed_trail(result: Result, kb: KnowledgeBase) -> tuple[TreeNode, ...] | None:
    """The nodes the engine passes for the result's answers, or None when they are not this walk.

    None for a case that was not evaluated, and for a result this knowledge does not walk the same
    way (made by other knowledge): then the report draws only what the trace says.
    """
    if result.status is Status.INVALID:
        return None
    try:
        case = case_from_data({step.field: step.answer for step in result.trace})
    except CaseInvalid:
        return None
    if any(step.field == "" for step in result.trace):
        return None
    decision = decide(case, kb)
    asked = [node.qid for node in decision.trail if node.kind == "ask"]
    waiting = 1 if result.status is Status.INCOMPLETE else 0
    expected = [step.node for step in result.trace] + asked[len(asked) - waiting :]
    if decision.status is not result.status or asked != expected:
        return None
    return decision.trail


def number_text(field: str, value: float, lang: Lang) -> str:
    """A number answer as the tree shows it: an age with its unit, anything else as it is."""
    shown = f"{value:g}" if math.isfinite(value) else "?"
    return t("html.tree_years", lang, value=shown) if field == "age_years" else shown


def answer_short(kb: KnowledgeBase, field: str, answer: Any, lang: Lang) -> str:
    """An answer in the knowledge's own short words; a text the knowledge does not word is `…`."""
    question = kb.questions.questions.get(field)
    choices = (question.choices or {}) if question is not None else {}

    def one(value: Any) -> str:
        if isinstance(value, bool):
            text = choices.get(str(value).lower())
            return short(str(getattr(text, lang))) if text is not None else t("yes" if value else "no", lang)
        if isinstance(value, int | float):
            return number_text(field, float(value), lang)
        text = choices.get(str(value))
        return short(str(getattr(text, lang))) if text is not None else "…"

    if isinstance(answer, list):
        if not answer:
            none = question.none_label if question is not None else None
            return short(str(getattr(none, lang))) if none is not None else t("none", lang)
        return " / ".join(one(value) for value in answer)
    return one(answer)


def node_short(kb: KnowledgeBase, node: TreeNode, lang: Lang) -> str:
    """A node's short label: its question, what it splits on, or the actions it adds."""
    if node.kind == "ask" and node.field:
        return short(kb.prompt(node.field, lang))
    if node.kind == "route_on":
        on = node.splits_on or ""
        if on == "age_band":
            return t("html.tree_age_band", lang)
        if on == "age_group":
            return t("age_group", lang)
        return short(kb.prompt(on, lang))
    names = _actions(kb, node, lang)
    if node.kind == "outcome":
        first = (names[0] if names else "-") + (" …" if len(names) > 1 else "")
        return t("html.outcome", lang) + t("label_sep", lang) + first
    return "+ " + (" · ".join(names) if names else t("cautions", lang))


def _actions(kb: KnowledgeBase, node: TreeNode, lang: Lang) -> list[str]:
    if node.bundle is None:
        return []
    codes = [kb.statements.statements[a.use].action.value for a in node.bundle.actions]
    return [t(f"action.{code}", lang) for code in dict.fromkeys(codes)]


def _value_label(kb: KnowledgeBase, node: TreeNode, value: Any, lang: Lang) -> str:
    on = node.field or node.splits_on or ""
    if on == "age_band":
        return kb.bands.label(str(value), lang)
    if on == "age_group":
        return t(f"age.{json_value(value)}", lang)
    return answer_short(kb, on, json_value(value), lang)


def _read(kb: KnowledgeBase, node: TreeNode, result: Result, lang: Lang) -> str:
    """What a split on age read, in words: the case's age band or age group."""
    if node.splits_on == "age_band":
        return kb.bands.label(result.age_band, lang) if result.age_band else ""
    return t(f"age.{result.age_group.value}", lang) if result.age_group else ""


@functools.lru_cache(maxsize=4096)
def branches(kb: KnowledgeBase, node: TreeNode, lang: Lang) -> tuple[Branch, ...]:
    """The node's ways out, one per target, each labelled with the answers that take it.

    Kept per node and language (they depend on the knowledge only), so a batch of reports words
    each branch once.
    """
    grouped: dict[str, list[str]] = {}
    targets: dict[str, TreeNode] = {}

    def add(target: TreeNode, when: str) -> None:
        targets.setdefault(target.qid, target)
        grouped.setdefault(target.qid, [])
        if when:
            grouped[target.qid].append(when)

    for value, target in node.scalar_routes.items():
        add(target, _value_label(kb, node, value, lang))
    field = node.field or node.splits_on or ""
    for condition, target in node.list_routes:
        if condition is None:
            add(target, answer_short(kb, field, [], lang))
        elif isinstance(condition, int):
            add(target, t("html.tree_at_least", lang, count=condition))
        else:
            add(target, " / ".join(sorted(_value_label(kb, node, v, lang) for v in condition)))
    for bound, target in node.number_routes:
        add(target, t("html.tree_below", lang, value=number_text(field, bound, lang)))
    if node.default is not None:
        add(node.default, t("html.tree_otherwise", lang))
    if node.next is not None:
        add(node.next, "")
    return tuple(
        Branch(qid, " / ".join(dict.fromkeys(grouped[qid])), _target_label(kb, node, targets[qid], lang))
        for qid in grouped
    )


def _target_label(kb: KnowledgeBase, here: TreeNode, target: TreeNode, lang: Lang) -> str:
    """A branch's end, one level deep: another pathway by its name, else the node's short label."""
    if target.pathway is not here.pathway:
        return t("html.tree_handoff", lang, pathway=t(f"pathway.{target.pathway.value}", lang))
    return node_short(kb, target, lang)


def case_path(result: Result, kb: KnowledgeBase, lang: Lang) -> list[PathNode]:
    """The nodes to draw, in walking order (none for a case that was not evaluated)."""
    trail = replayed_trail(result, kb)
    if trail is None:
        return _trace_only(result, kb, lang)
    nodes: list[PathNode] = []
    answers = iter(result.trace)
    for index, node in enumerate(trail):
        following = trail[index + 1] if index + 1 < len(trail) else None
        ways = branches(kb, node, lang)
        others = tuple(b for b in ways if following is None or b.target != following.qid)
        taken = next((b.when for b in ways if following is not None and b.target == following.qid), "")
        if node.kind == "ask":
            step = next(answers, None)
            if step is None:  # where an incomplete case stopped
                assert node.field is not None
                nodes.append(
                    PathNode(
                        node.qid,
                        "waiting",
                        node.pathway.value,
                        node_short(kb, node, lang),
                        "",
                        others,
                        kb.prompt(node.field, lang),
                    )
                )
                continue
            taken = answer_short(kb, step.field, step.answer, lang)
        elif node.kind == "route_on" and node.splits_on in ("age_band", "age_group"):
            taken = _read(kb, node, result, lang) or taken  # the band itself, not "otherwise"
        detail = " · ".join(_actions(kb, node, lang)) if node.kind == "outcome" else ""
        label = node_short(kb, node, lang)
        if node.kind == "outcome":
            label = t("html.outcome", lang) + t("label_sep", lang) + t(f"pathway.{node.pathway.value}", lang)
        nodes.append(PathNode(node.qid, node.kind, node.pathway.value, label, taken, others, detail))
    return nodes


def _trace_only(result: Result, kb: KnowledgeBase, lang: Lang) -> list[PathNode]:
    """The questions of a trace this knowledge cannot walk again, in its own short words only."""
    nodes = []
    for step in result.trace:
        try:
            label = short(kb.prompt(step.field, lang))
        except KeyError:
            label = "…"
        pathway = step.node.partition(".")[0]
        answer = answer_short(kb, step.field, step.answer, lang)
        nodes.append(PathNode(step.node, "ask", pathway, label, answer, ()))
    return nodes


def steps_text(nodes: Sequence[PathNode], lang: Lang) -> list[str]:
    """The path as sentences, one per node: the text alternative of the drawing."""
    sep = t("label_sep", lang)
    lines = []
    for node in nodes:
        if node.kind == "waiting":
            lines.append(t("html.not_answered", lang) + sep + node.detail)
        elif node.kind == "outcome":
            lines.append(node.label + (sep + node.detail if node.detail else ""))
        elif node.taken:
            lines.append(f"{node.label} → {node.taken}")
        else:
            lines.append(node.label)
    return lines
