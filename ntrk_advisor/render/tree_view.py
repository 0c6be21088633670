"""A pathway as a rich tree of questions, branches and outcomes, optionally with one case's path lit."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from rich.tree import Tree

from ntrk_advisor.contract.vocabulary import PathwayName
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.graph import edges_of, node_label
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.pathway.tree import TreeNode


def pathway_tree(kb: KnowledgeBase, pathway: PathwayName, lang: Lang, lit: set[str] | None = None) -> Tree:
    """The tree of one pathway from its entry; handoffs end in a pointer to the other pathway.

    With `lit` (the node ids a case passed), that path is bold and everything else dimmed.
    """
    pfile = kb.pathways[pathway]
    root = kb.nodes[f"{pathway.value}.{pfile.entry}"]
    title = Text(f"{pathway.value}: {getattr(pfile.title, lang)}", style="bold", overflow="fold")
    tree = Tree(title)
    _grow(tree, root, kb, lang, lit, depth=0)
    return tree


def pathway_trees(
    kb: KnowledgeBase, lang: Lang, pathway: PathwayName | None, trail: Sequence[TreeNode] | None = None
) -> list[Tree]:
    """The trees `pathways show` draws: one pathway, all of them, or those a case passed.

    With a case's trail the case's path is lit, and when no pathway is named only the
    pathways it passed through are drawn.
    """
    names = [pathway] if pathway is not None else list(PathwayName)
    lit: set[str] | None = None
    if trail is not None:
        lit = {node.qid for node in trail}
        if pathway is None:
            names = list(dict.fromkeys(node.pathway for node in trail))
    return [pathway_tree(kb, name, lang, lit) for name in names]


def _style(qid: str, lit: set[str] | None, base: str = "") -> str:
    if lit is None:
        return base
    return f"bold green {base}".strip() if qid in lit else "dim"


def _grow(
    parent: Tree, node: TreeNode, kb: KnowledgeBase, lang: Lang, lit: set[str] | None, depth: int
) -> None:
    marker = {"ask": "?", "route_on": "⑂", "add": "+", "outcome": "■"}[node.kind]
    label = Text(
        f"{marker} {node_label(kb, node, lang)}  ",
        overflow="fold",
        style=_style(node.qid, lit, "cyan" if node.kind == "ask" else ""),
    )
    label.append(f"[{node.qid}]", style="dim")
    branch = parent.add(label)
    if node.kind == "outcome" and node.bundle is not None:
        for caution in node.bundle.cautions:
            branch.add(
                Text(
                    f"! {caution.id}"
                    + ("" if (shown := kb.bands.audience_of(caution.bands)) == "all" else f" ({shown})"),
                    style=_style(node.qid, lit, "yellow"),
                    overflow="fold",
                )
            )
        return
    if depth > 40:  # the checks forbid cycles; this only guards a broken tree from recursing forever
        return
    for edge in edges_of(node):
        target = kb.nodes[edge.target]
        if target.pathway is not node.pathway:
            style = _style(edge.target, lit, "magenta")
            text = f"{edge.label} → " if edge.label else "→ "
            branch.add(Text(f"{text}hand off to {edge.target}", style=style, overflow="fold"))
            continue
        holder = branch
        if edge.label:
            taken = lit is None or (node.qid in lit and edge.target in lit)
            holder = branch.add(
                Text(
                    f"= {edge.label}",
                    style="" if taken and lit is None else _style(edge.target if taken else "", lit),
                    overflow="fold",
                )
            )
        _grow(holder, target, kb, lang, lit, depth + 1)
