"""What practice schedules: the article's arguments and the pathways' outcome nodes, with their cases.

An item is named `argument:<id>` or `outcome:<pathway.node>`. The cases that reach an item are the
end points of the walk `pathways check` audits (`ntrk_advisor.walk`): an outcome is reached by the
cases that end there, an argument by the cases whose plan cites it. Nothing here is written by
hand, so a change of the knowledge changes what is practised with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ntrk_advisor.engine import Decision
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase

ARGUMENT = "argument"
OUTCOME = "outcome"


@dataclass(frozen=True)
class Item:
    """One thing a trainee should hold: an article argument or an outcome of a pathway."""

    id: str
    kind: str
    key: str
    """The argument's ID, or the outcome node's `pathway.node`."""

    def label(self, kb: KnowledgeBase, lang: Lang) -> str:
        """A short name: the argument's ID and section, or the outcome's pathway and node."""
        if self.kind == ARGUMENT:
            return f"{self.key} ({kb.arguments.arguments[self.key].section})"
        pathway, _, node = self.key.partition(".")
        return f"{t(f'pathway.{pathway}', lang)} · {node}"

    def text(self, kb: KnowledgeBase, lang: Lang) -> str | None:
        """The argument's words in `lang` (None for an outcome, which the pathway names)."""
        if self.kind == ARGUMENT:
            return str(getattr(kb.arguments.arguments[self.key].text, lang))
        return None


def item_id(kind: str, key: str) -> str:
    """`argument:limits.bulk`, `outcome:early.upfront_surgery`."""
    return f"{kind}:{key}"


def all_items(kb: KnowledgeBase) -> list[Item]:
    """Every item: the arguments in catalogue order, then the outcome nodes in pathway order."""
    arguments = [Item(item_id(ARGUMENT, a), ARGUMENT, a) for a in kb.arguments.arguments]
    outcomes = [Item(item_id(OUTCOME, q), OUTCOME, q) for q, n in kb.nodes.items() if n.kind == "outcome"]
    return arguments + outcomes


@dataclass(frozen=True)
class EndPoint:
    """One end point of the walk: the answers, the decision, and the items it reaches."""

    answers: dict[str, Any]
    decision: Decision
    items: frozenset[str]


class ItemIndex:
    """The items of a knowledge base, and for each the end points of the walk that reach it."""

    def __init__(self, kb: KnowledgeBase, ends: Sequence[EndPoint]) -> None:
        self.kb = kb
        self.ends = tuple(ends)
        reach: dict[str, list[int]] = {}
        for number, end in enumerate(self.ends):
            for item in end.items:
                reach.setdefault(item, []).append(number)
        self._reach = reach
        self.items = {i.id: i for i in all_items(kb) if i.id in reach}
        """The items some walked case reaches (an item none reaches cannot be asked)."""

    @classmethod
    def of(cls, kb: KnowledgeBase) -> ItemIndex:
        """Walk every combination once and note what each end point reaches."""
        from ntrk_advisor.walk import walk_decisions

        cited: dict[tuple[str, str], tuple[str, ...]] = {}

        def arguments(use: str, band: str) -> tuple[str, ...]:
            if (use, band) not in cited:  # the statement as worded for the band cites these
                cited[use, band] = tuple(kb.statement(use, "en", band).arguments)
            return cited[use, band]

        ends = []
        for answers, decision in walk_decisions(kb):
            band = decision.age_band or ""
            reached = {item_id(OUTCOME, decision.trail[-1].qid)}
            for node in decision.contributors:
                for ref in node.bundle.actions if node.bundle else ():
                    reached.update(item_id(ARGUMENT, a) for a in arguments(ref.use, band))
            ends.append(EndPoint(answers, decision, frozenset(reached)))
        return cls(kb, ends)

    def reaching(self, item: str) -> list[EndPoint]:
        """The walked end points that reach `item`, in walk order (none for an unknown item)."""
        return [self.ends[n] for n in self._reach.get(item, ())]

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items.values())
