"""The compiled tree as labelled nodes and edges: what the tree view and the exports both draw.

Kept in the knowledge layer (it needs only the compiled tree and the catalogues) so that the
screen's tree view and the authoring exports label every node and edge the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ntrk_advisor.contract.vocabulary import PathwayName
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.pathway.tree import TreeNode


@dataclass(frozen=True)
class Edge:
    """A way from one node to the next, labelled with the answers that take it."""

    source: str
    target: str
    label: str


def _value(value: Any) -> str:
    return str(value.value) if hasattr(value, "value") else str(value).lower()


def edges_of(node: TreeNode) -> list[Edge]:
    """The node's outgoing edges; answers leading to the same node share one edge."""
    grouped: dict[str, list[str]] = {}
    order: list[TreeNode] = []

    def add(target: TreeNode, label: str) -> None:
        if target.qid not in grouped:
            grouped[target.qid] = []
            order.append(target)
        if label:
            grouped[target.qid].append(label)

    for value, target in node.scalar_routes.items():
        add(target, _value(value))
    for condition, target in node.list_routes:
        if condition is None:
            label = "none"
        elif isinstance(condition, int):
            label = f"{condition} or more"
        else:
            label = "any of " + "/".join(sorted(_value(v) for v in condition))
        add(target, label)
    for bound, target in node.number_routes:
        add(target, f"below {bound:g}")
    if node.default is not None:
        add(node.default, "otherwise")
    if node.next is not None:
        add(node.next, "")
    return [Edge(node.qid, t.qid, ", ".join(grouped[t.qid])) for t in order]


def selected_nodes(kb: KnowledgeBase, pathway: PathwayName | None) -> list[TreeNode]:
    """The nodes of one pathway (plus the nodes it hands off to), or of all, in file order."""
    nodes = [n for n in kb.nodes.values() if pathway is None or n.pathway is pathway]
    if pathway is not None:
        names = {n.qid for n in nodes}
        for node in list(nodes):
            for edge in edges_of(node):
                if edge.target not in names:
                    names.add(edge.target)
                    nodes.append(kb.nodes[edge.target])
    return nodes


def node_label(kb: KnowledgeBase, node: TreeNode, lang: Lang = "en") -> str:
    """A short human label: the question asked, or the actions of an outcome."""
    if node.kind == "ask" and node.field:
        return kb.prompt(node.field, lang)
    if node.kind == "route_on":
        return "age group"
    assert node.bundle is not None
    actions = [
        f"{kb.statements.statements[a.use].action.value} ({a.strength.value})" for a in node.bundle.actions
    ]
    cautions = [c.id for c in node.bundle.cautions]
    return "; ".join(actions) if actions else "cautions: " + ", ".join(cautions)
