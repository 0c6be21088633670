"""The compiled tree as Mermaid, Graphviz DOT or JSON: generated from the files, never kept by hand."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ntrk_advisor.contract.vocabulary import PathwayName
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.graph import edges_of, node_label, selected_nodes
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.pathway.tree import TreeNode


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


def dot_string(*lines: str) -> str:
    r"""A DOT quoted string holding `lines`, joined by DOT's own line break (the two characters `\n`).

    Inside DOT quotes only `"` and the backslash need escaping; a line break in the text itself
    becomes `\n` too, so one label can never run into the next statement.
    """

    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")

    return '"' + "\\n".join(escaped(line) for line in lines) + '"'


def to_dot(kb: KnowledgeBase, pathway: PathwayName | None = None, lang: Lang = "en") -> str:
    """Graphviz DOT; each label is the node's ID over its question or actions (a real DOT line break)."""
    shapes = {"ask": "diamond", "outcome": "box", "add": "box", "route_on": "hexagon"}
    lines = ["digraph ntrk_advisor {", "  rankdir=TB;", "  node [fontsize=10];"]
    for node in selected_nodes(kb, pathway):
        shape = shapes[node.kind] if _is_own(node, pathway) else "parallelogram"
        style = ', style="rounded"' if node.kind == "add" else ""
        label = dot_string(node.qid, node_label(kb, node, lang))
        lines.append(f"  {dot_string(node.qid)} [shape={shape}{style}, label={label}];")
    for node in selected_nodes(kb, pathway):
        if not _is_own(node, pathway):
            continue
        for edge in edges_of(node):
            label = f" [label={dot_string(edge.label)}]" if edge.label else ""
            lines.append(f"  {dot_string(edge.source)} -> {dot_string(edge.target)}{label};")
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
            item["cautions"] = [
                {"id": c.id, "audience": kb.bands.audience_of(c.bands)} for c in node.bundle.cautions
            ]
        nodes.append(item)
    stamp = kb.stamp
    data = {"knowledge": dataclasses.asdict(stamp), "entry": kb.entry.qid, "nodes": nodes}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


EXPORT_FORMATS = ("mermaid", "dot", "json")


def export_text(kb: KnowledgeBase, output_format: str, pathway: PathwayName | None, lang: Lang) -> str:
    """The tree in one of `EXPORT_FORMATS` (JSON carries codes only, so it has no language)."""
    if output_format == "mermaid":
        return to_mermaid(kb, pathway, lang)
    if output_format == "dot":
        return to_dot(kb, pathway, lang)
    return to_json(kb, pathway)
