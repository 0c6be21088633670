"""The compiled tree as Mermaid, Graphviz DOT or JSON: generated from the files, never kept by hand."""

from __future__ import annotations

import dataclasses
import json
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


def _is_own(node: TreeNode, pathway: PathwayName | None) -> bool:
    return pathway is None or node.pathway is pathway


def to_mermaid(kb: KnowledgeBase, pathway: PathwayName | None = None, lang: Lang = "en") -> str:
    """A Mermaid flowchart (renders on GitHub)."""

    def ident(qid: str) -> str:
        return qid.replace(".", "__")

    def text(value: str) -> str:
        return value.replace('"', "#quot;").replace("\n", " ")

    lines = ["flowchart TD"]
    for node in selected_nodes(kb, pathway):
        label = text(f"{node.qid}: {node_label(kb, node, lang)}")
        if not _is_own(node, pathway):
            lines.append(f'  {ident(node.qid)}[/"{label}"/]')
        elif node.kind == "ask":
            lines.append(f'  {ident(node.qid)}{{"{label}"}}')
        elif node.kind == "outcome":
            lines.append(f'  {ident(node.qid)}["{label}"]')
        else:
            lines.append(f'  {ident(node.qid)}(["{label}"])')
    for node in selected_nodes(kb, pathway):
        if not _is_own(node, pathway):
            continue
        for edge in edges_of(node):
            arrow = f'-->|"{text(edge.label)}"|' if edge.label else "-->"
            lines.append(f"  {ident(edge.source)} {arrow} {ident(edge.target)}")
    return "\n".join(lines) + "\n"


def to_dot(kb: KnowledgeBase, pathway: PathwayName | None = None, lang: Lang = "en") -> str:
    """Graphviz DOT."""

    def quote(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    shapes = {"ask": "diamond", "outcome": "box", "add": "box", "route_on": "hexagon"}
    lines = ["digraph ntrk_advisor {", "  rankdir=TB;", "  node [fontsize=10];"]
    for node in selected_nodes(kb, pathway):
        shape = shapes[node.kind] if _is_own(node, pathway) else "parallelogram"
        style = ', style="rounded"' if node.kind == "add" else ""
        label = quote(f"{node.qid}\\n{node_label(kb, node, lang)}")
        lines.append(f"  {quote(node.qid)} [shape={shape}{style}, label={label}];")
    for node in selected_nodes(kb, pathway):
        if not _is_own(node, pathway):
            continue
        for edge in edges_of(node):
            label = f" [label={quote(edge.label)}]" if edge.label else ""
            lines.append(f"  {quote(edge.source)} -> {quote(edge.target)}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_json(kb: KnowledgeBase, pathway: PathwayName | None = None) -> str:
    """The compiled tree: nodes with their kind, field, edges, actions and cautions."""
    nodes = []
    for node in selected_nodes(kb, pathway):
        item: dict[str, Any] = {"id": node.qid, "pathway": node.pathway.value, "kind": node.kind}
        if node.field:
            item["field"] = node.field
        item["edges"] = [{"to": e.target, "when": e.label} for e in edges_of(node)]
        if node.bundle is not None:
            item["actions"] = [
                {
                    "action": kb.statements.statements[a.use].action.value,
                    "strength": a.strength.value,
                    "step": a.step,
                    "statement": a.use,
                }
                for a in node.bundle.actions
            ]
            item["cautions"] = [{"id": c.id, "audience": c.audience.value} for c in node.bundle.cautions]
        nodes.append(item)
    stamp = kb.stamp
    data = {"knowledge": dataclasses.asdict(stamp), "entry": kb.entry.qid, "nodes": nodes}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
