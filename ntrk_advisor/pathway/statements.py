"""Every clinical statement of a knowledge base, with a stable id and a hash of its content.

A statement is what a clinician reads and signs off: each recommendation (`recommendations.yaml`),
each caution and each argument paraphrase. Its id is its kind and its key (`rec:surgery.early_definitive`,
`caution:ihc_not_diagnostic`, `arg:neoadjuvant.downstaging`); its hash covers everything a reader of
it would see or rely on, so that any such change voids a review:

- its texts in both languages (summary, rationale, topic; a caution's or argument's text), with
  the age bands each bullet is shown to;
- the action, the evidence level per age band, and the references it cites, each with its full
  bibliographic entry (a changed DOI or summary of a cited work is a changed statement);
- every place that uses it, with the strength, step and situational evidence level given there;
- the conditions that reach it: every branch (question, answer, next node) on any route from the
  diagnostic gate to a place that uses it, and the age bands' bounds.

A statement reached from several places is hashed once, over all of them. The content is hashed as
canonical JSON (keys sorted, texts in Unicode NFC with runs of white space made one space), so
re-indenting a file, folding a line or quoting a text differently changes nothing.

This module imports neither YAML nor pydantic: it reads validated catalogues and the compiled
tree, and runs only when the knowledge is compiled (never for a cached consult).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from ntrk_advisor.contract.vocabulary import EvidenceLevel, PathwayName

if TYPE_CHECKING:
    from ntrk_advisor.pathway.age_bands import BandTable
    from ntrk_advisor.pathway.catalogues import Catalogues
    from ntrk_advisor.pathway.tree import TreeNode

SCHEME = "ntrk-advisor statement 1"
"""Named in every hashed content, so a change of what is hashed can never match an old hash."""

KINDS = {"rec": "recommendations.yaml", "caution": "cautions.yaml", "arg": "arguments.yaml"}
"""Statement kinds (the id's prefix) and the file each lives in."""


@dataclass(frozen=True)
class StatementInfo:
    """One statement: its id, where it lives and is used, who last edited it, and its content hash."""

    id: str
    kind: str
    """`rec`, `caution` or `arg`."""
    key: str
    """Its key in its file (`surgery.early_definitive`)."""
    hash: str
    """`sha256:` and the hex digest of its canonical content."""
    author: str
    """Who last changed it (`edited_by`, else the knowledge's `developer`)."""
    places: tuple[str, ...]
    """The nodes that use it (`early.upfront_surgery`); for an argument, those of the statements citing it."""
    pathways: tuple[PathwayName, ...]
    """The pathways of those places (empty for a statement nothing uses)."""

    @property
    def file(self) -> str:
        """The file it is written in."""
        return KINDS[self.kind]


def statement_id(kind: str, key: str) -> str:
    """The stable id of a statement: `rec:…`, `caution:…` or `arg:…`."""
    return f"{kind}:{key}"


def statements_of(
    c: Catalogues,
    nodes: Mapping[str, TreeNode],
    bands: BandTable,
    levels: Mapping[tuple[str, str], EvidenceLevel],
) -> dict[str, StatementInfo]:
    """Every statement of the catalogues, by id, in file order (recommendations, cautions, arguments).

    `levels` is each recommendation's evidence level per age band, as its wording shows it.
    """
    parents = _incoming(nodes)
    bounds = [[band, bands.bounds[i] if i < len(bands.bounds) else None] for i, band in enumerate(bands.ids)]
    developer = c.meta.knowledge.developer
    works = c.evidence.evidence
    rec_places: dict[str, list[TreeNode]] = {}
    caution_places: dict[str, list[tuple[TreeNode, frozenset[str]]]] = {}
    for node in nodes.values():
        if node.bundle is None:
            continue
        for ref in node.bundle.actions:
            rec_places.setdefault(ref.use, []).append(node)
        for caution_ref in node.bundle.cautions:
            caution_places.setdefault(caution_ref.id, []).append((node, caution_ref.bands))

    out: dict[str, StatementInfo] = {}
    argument_places: dict[str, set[str]] = {}
    for key, statement in c.statements.statements.items():
        places = rec_places.get(key, [])
        uses = []
        for node in places:
            assert node.bundle is not None
            for ref in node.bundle.actions:
                if ref.use == key:
                    by_band = [[band, level.value] for band, level in ref.levels]
                    uses.append(
                        {
                            "node": node.qid,
                            "strength": ref.strength.value,
                            "step": ref.step,
                            "levels": by_band,
                        }
                    )
        cited: dict[str, None] = dict.fromkeys(statement.evidence)
        for bullet in statement.rationale:
            cited.update(dict.fromkeys(bullet.evidence))
            for argument_id in bullet.arguments:
                argument_places.setdefault(argument_id, set()).update(n.qid for n in places)
        levels_by_band = {band: levels[(key, band)].value for band in bands.ids}
        content: dict[str, Any] = {
            "action": statement.action.value,
            "summary": _text(statement.summary),
            "topic": None if statement.topic is None else _text(statement.topic),
            "rationale": [
                {
                    "text": _text(b.text),
                    "arguments": list(b.arguments),
                    "evidence": list(b.evidence),
                    "shown_to": sorted(bands.members(b.audience)),
                }
                for b in statement.rationale
            ],
            "evidence": list(statement.evidence),
            "evidence_level": levels_by_band,
            "citations": {eid: _work(works.get(eid)) for eid in cited},
            "uses": sorted(uses, key=lambda u: (u["node"], u["step"], u["strength"])),
            "conditions": _conditions(places, parents),
            "bands": bounds,
        }
        out[statement_id("rec", key)] = _info("rec", key, content, statement.edited_by or developer, places)

    for key, caution in c.cautions.cautions.items():
        shown_at = caution_places.get(key, [])
        uses_of_caution: list[Any] = sorted([node.qid, sorted(bands_shown)] for node, bands_shown in shown_at)
        content = {
            "text": _text(caution.text),
            "evidence": list(caution.evidence),
            "citations": {eid: _work(works.get(eid)) for eid in caution.evidence},
            "uses": uses_of_caution,
            "conditions": _conditions([node for node, _ in shown_at], parents),
            "bands": bounds,
        }
        at = [node for node, _ in shown_at]
        out[statement_id("caution", key)] = _info("caution", key, content, caution.edited_by or developer, at)

    for key, argument in c.arguments.arguments.items():
        content = {"section": argument.section, "text": _text(argument.text)}
        cited_at = sorted(argument_places.get(key, ()))
        info = _info("arg", key, content, argument.edited_by or developer, [nodes[q] for q in cited_at])
        out[info.id] = info
    return out


def _info(
    kind: str, key: str, content: dict[str, Any], author: str, places: Iterable[TreeNode]
) -> StatementInfo:
    unique = sorted({node.qid: node for node in places}.items())
    pathways = tuple(dict.fromkeys(node.pathway for _, node in unique))
    return StatementInfo(
        id=statement_id(kind, key),
        kind=kind,
        key=key,
        hash=content_hash({"scheme": SCHEME, "kind": kind, "key": key, **content}),
        author=author,
        places=tuple(qid for qid, _ in unique),
        pathways=tuple(sorted(pathways, key=list(PathwayName).index)),
    )


def content_hash(content: Any) -> str:
    """`sha256:` and the hex digest of the content's canonical JSON."""
    return "sha256:" + hashlib.sha256(canonical_json(content)).hexdigest()


def canonical_json(content: Any) -> bytes:
    """One spelling for equal content: keys sorted, no spaces, UTF-8, texts normalised (`plain`)."""
    text = json.dumps(_normalised(content), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode()


def plain(text: str) -> str:
    """A text as it reads: Unicode NFC, runs of white space one space, none at either end."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _normalised(value: Any) -> Any:
    if isinstance(value, str):
        return plain(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _normalised(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalised(v) for v in value]
    return value


def _text(text: Any) -> dict[str, str]:
    return {"en": str(text.en), "zh": str(text.zh)}


def _work(entry: Any) -> Any:
    """A cited reference's whole entry (what a reader of the full reference sees)."""
    return None if entry is None else entry.model_dump(mode="json")


Edge = tuple[str, str, str, str]
"""(from node, what it routes on, the condition as canonical JSON, to node)."""


def _incoming(nodes: Mapping[str, TreeNode]) -> dict[str, list[Edge]]:
    """For each node, the branches that lead into it."""
    incoming: dict[str, list[Edge]] = {}

    def add(parent: TreeNode, on: str, condition: Any, child: TreeNode | None) -> None:
        if child is not None:
            edge = (parent.qid, on, json.dumps(_normalised(condition), sort_keys=True), child.qid)
            incoming.setdefault(child.qid, []).append(edge)

    for node in nodes.values():
        on = node.field or node.splits_on or "-"
        for value, target in node.scalar_routes.items():
            add(node, on, ["is", value], target)
        for condition, target in node.list_routes:
            if condition is None:
                add(node, on, ["empty"], target)
            elif isinstance(condition, int):
                add(node, on, ["count_at_least", condition], target)
            else:
                add(node, on, ["any_of", sorted(_normalised(list(condition)), key=str)], target)
        for bound, target in node.number_routes:
            add(node, on, ["below", bound], target)
        add(node, on, ["otherwise"], node.default)
        add(node, on, ["then"], node.next)
    return incoming


def _conditions(places: Iterable[TreeNode], incoming: Mapping[str, list[Edge]]) -> list[list[str]]:
    """Every branch on any route from the entry to one of `places`, sorted."""
    seen: set[str] = set()
    pending = [node.qid for node in places]
    edges: set[Edge] = set()
    while pending:
        qid = pending.pop()
        if qid in seen:
            continue
        seen.add(qid)
        for edge in incoming.get(qid, ()):
            edges.add(edge)
            pending.append(edge[0])
    return [list(edge) for edge in sorted(edges)]
