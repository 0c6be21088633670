"""The compiled knowledge layer as plain JSON data, and back again, checked at every step.

The on-disk cache must never be able to run code, so it holds only JSON: strings, numbers, lists
and objects. Reading it back rebuilds the layer field by field and checks the type of every value,
every enum value and every reference between nodes; anything unexpected raises `CorruptLayer` and
the caller builds the knowledge afresh from the pathway files. Nothing here is trusted merely
because it parsed.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from ntrk_advisor.contract.fields import FIELD_SPECS, ROUTE_SPECS
from ntrk_advisor.contract.result import ActionReview, KnowledgeStamp, ReviewCoverage, ReviewerStamp
from ntrk_advisor.contract.vocabulary import ActionCode, EvidenceLevel, PathwayName, ReviewStatus, Strength
from ntrk_advisor.i18n import LANGS, Lang
from ntrk_advisor.pathway.age_bands import BandTable
from ntrk_advisor.pathway.compiled import CitedWork, CompiledLayer, RenderedStatement
from ntrk_advisor.pathway.tree import CautionFor, Contribution, ListCondition, StepRef, TreeNode, canonical

LAYOUT = 6
"""Bumped whenever the shape below changes; a file of another layout is rebuilt, never read."""

_NODE_KINDS = frozenset({"ask", "route_on", "add", "outcome"})

E = TypeVar("E", bound=Enum)


def _members(vocabulary: type[E]) -> dict[str, E]:
    return {member.value: member for member in vocabulary}


_ACTIONS = _members(ActionCode)
_LEVELS = _members(EvidenceLevel)
_PATHWAYS = _members(PathwayName)
_REVIEW_STATUSES = _members(ReviewStatus)
_STRENGTHS = _members(Strength)
"""Each vocabulary by value: a lookup per value read, where calling the enum costs a few times more."""


class CorruptLayer(Exception):
    """The data is not a compiled layer this code wrote: rebuild instead of using it."""


def to_data(layer: CompiledLayer) -> dict[str, Any]:
    """The layer as JSON-ready data: nodes by id, and every keyed text as a flat row.

    A statement is worded per language and age band, but most read the same for every band: each
    distinct wording is written once (`statement_bodies`) and the rows name it by its index, which
    makes the file (and reading it back) about a third of what it was.
    """
    bodies: dict[RenderedStatement, int] = {}
    rows = [
        [sid, lang, band, bodies.setdefault(statement, len(bodies))]
        for (sid, lang, band), statement in layer.statements.items()
    ]
    return {
        "layout": LAYOUT,
        "entry": layer.entry,
        "stamp": [
            layer.stamp.version,
            layer.stamp.reviewed,
            layer.stamp.source,
            layer.stamp.name,
            layer.stamp.edited,
            layer.stamp.review.approved,
            layer.stamp.review.statements,
        ],
        "bands": {
            "ids": list(layer.bands.ids),
            "bounds": list(layer.bands.bounds),
            "labels": [[band, lang, text] for (band, lang), text in layer.bands.labels.items()],
        },
        "nodes": [_node_data(node) for node in layer.nodes.values()],
        "statement_bodies": [_statement_data(statement) for statement in bodies],
        "statements": rows,
        "cautions": [[cid, lang, text] for (cid, lang), text in layer.cautions.items()],
        "sections": layer.sections,
        "works": {eid: [w.citation, w.year, w.link, w.verified] for eid, w in layer.works.items()},
        "prompts": [[name, lang, text] for (name, lang), text in layer.prompts.items()],
        "reviews": [
            [key, review.status.value, [[r.name, r.role, r.date] for r in review.reviewers], review.statement]
            for key, review in layer.reviews.items()
        ],
    }


def from_data(data: object) -> CompiledLayer:
    """Rebuild a layer from `to_data`'s output; raises `CorruptLayer` at the first thing out of place."""
    try:
        return _layer(_dict(data))
    except CorruptLayer:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:  # a wrong enum value, a bad branch value
        raise CorruptLayer(str(exc)) from None


def _node_data(node: TreeNode) -> dict[str, Any]:
    def qid(target: TreeNode | None) -> str | None:
        return None if target is None else target.qid

    bundle = node.bundle
    return {
        "qid": node.qid,
        "pathway": node.pathway.value,
        "kind": node.kind,
        "field": node.field,
        "splits_on": node.splits_on,
        "spec": None if node.spec is None else node.spec.name,
        "bundle": None
        if bundle is None
        else {
            "actions": [
                [a.use, a.strength.value, a.step, [[band, level.value] for band, level in a.levels]]
                for a in bundle.actions
            ],
            "cautions": [[c.id, sorted(c.bands)] for c in bundle.cautions],
            "alongside": bundle.alongside,
            "together": bundle.together,
        },
        "next": qid(node.next),
        "scalar_routes": [[_plain(value), target.qid] for value, target in node.scalar_routes.items()],
        "list_routes": [[_condition_data(condition), target.qid] for condition, target in node.list_routes],
        "number_routes": [[bound, target.qid] for bound, target in node.number_routes],
        "default": qid(node.default),
    }


def _condition_data(condition: ListCondition) -> Any:
    if condition is None or isinstance(condition, int):
        return condition
    return sorted(_plain(v) for v in condition)


def _plain(value: Any) -> Any:
    return value if isinstance(value, bool | str) and not isinstance(value, Enum) else value.value


def _statement_data(statement: RenderedStatement) -> list[Any]:
    """A statement's wording as a row, in the order of `RenderedStatement`'s fields."""
    return [
        statement.action.value,
        statement.summary,
        list(statement.rationale),
        [list(ids) for ids in statement.bullet_arguments],
        [list(ids) for ids in statement.bullet_evidence],
        list(statement.arguments),
        list(statement.evidence),
        statement.evidence_level.value,
        statement.topic,
    ]


def _layer(data: dict[str, Any]) -> CompiledLayer:
    if data.get("layout") != LAYOUT:
        raise CorruptLayer("another layout")
    stamp_row = _list(data["stamp"], 7)
    version, reviewed, source, name, edited = (_str(v) for v in stamp_row[:5])
    approved, total = _int(stamp_row[5]), _int(stamp_row[6])
    if not 0 <= approved <= total:
        raise CorruptLayer("more statements approved than there are")
    bands = _bands(_dict(data["bands"]))
    nodes = _nodes(_list(data["nodes"]), bands)
    entry = _str(data["entry"])
    if entry not in nodes:
        raise CorruptLayer("the entry node is missing")
    bodies = [_statement(_list(body, 9)) for body in _list(data["statement_bodies"])]
    statements: dict[tuple[str, Lang, str], RenderedStatement] = {}
    for row in _list(data["statements"]):
        sid, lang, band, index = _list(row, 4)
        if band not in bands.ids:
            raise CorruptLayer(f"statement {sid!r} for an unknown band")
        if not 0 <= _int(index) < len(bodies):
            raise CorruptLayer(f"statement {sid!r} names no wording")
        statements[(_str(sid), _lang(lang), _str(band))] = bodies[index]
    works = {}
    for eid, row in _dict(data["works"]).items():
        citation, year, link, verified = _list(row, 4)
        if not isinstance(verified, bool):
            raise CorruptLayer("verified must be true or false")
        works[eid] = CitedWork(_str(citation), _optional(year, _int), _optional(link, _str), verified)
    return CompiledLayer(
        nodes=nodes,
        entry=entry,
        stamp=KnowledgeStamp(
            version=version,
            reviewed=reviewed,
            source=source,
            name=name,
            edited=edited,
            review=ReviewCoverage(approved, total),
        ),
        bands=bands,
        statements=statements,
        cautions=_texts(data["cautions"]),
        sections={_str(k): _str(v) for k, v in _dict(data["sections"]).items()},
        works=works,
        prompts=_texts(data["prompts"]),
        reviews=_reviews(data["reviews"]),
    )


def _reviews(rows: Any) -> dict[str, ActionReview]:
    out: dict[str, ActionReview] = {}
    for row in _list(rows):
        key, status, reviewers, statement = _list(row, 4)
        stamps = tuple(ReviewerStamp(*(_str(v) for v in _list(r, 3))) for r in _list(reviewers))
        out[_str(key)] = ActionReview(_member(_REVIEW_STATUSES, status), stamps, _str(statement))
    return out


def _bands(data: dict[str, Any]) -> BandTable:
    ids = _strs(data["ids"])
    bounds = tuple(_number(b) for b in _list(data["bounds"]))
    if len(ids) != len(bounds) + 1 or len(set(ids)) != len(ids) or list(bounds) != sorted(set(bounds)):
        raise CorruptLayer("age bands out of order")
    labels = _texts(data["labels"])
    if set(labels) != {(band, lang) for band in ids for lang in LANGS}:
        raise CorruptLayer("an age band without its label")
    return BandTable(ids=ids, bounds=bounds, labels=labels)


def _nodes(rows: list[Any], bands: BandTable) -> dict[str, TreeNode]:
    records = [_dict(row) for row in rows]
    nodes: dict[str, TreeNode] = {}
    for record in records:
        qid = _str(record["qid"])
        kind = _str(record["kind"])
        if kind not in _NODE_KINDS or qid in nodes:
            raise CorruptLayer(f"node {qid!r}")
        spec_name = _optional(record["spec"], _str)
        spec = None if spec_name is None else FIELD_SPECS.get(spec_name) or ROUTE_SPECS[spec_name]
        nodes[qid] = TreeNode(
            qid=qid,
            pathway=_member(_PATHWAYS, record["pathway"]),
            kind=kind,
            field=_optional(record["field"], _str),
            splits_on=_optional(record["splits_on"], _str),
            spec=spec,
            bundle=_optional(record["bundle"], lambda body: _bundle(body, bands)),
        )
    for record in records:  # links, once every node exists
        node = nodes[record["qid"]]
        node.next = _optional(record["next"], lambda qid: _target(nodes, qid))
        node.default = _optional(record["default"], lambda qid: _target(nodes, qid))
        if record["scalar_routes"] or record["list_routes"] or record["number_routes"]:
            if node.spec is None:
                raise CorruptLayer(f"{node.qid} routes without a field")
            spec = node.spec
            for value, qid in (_list(r, 2) for r in _list(record["scalar_routes"])):
                node.scalar_routes[canonical(spec, value)] = _target(nodes, qid)
            for condition, qid in (_list(r, 2) for r in _list(record["list_routes"])):
                chosen: ListCondition
                if condition is None:
                    chosen = None
                elif isinstance(condition, list):
                    chosen = frozenset(canonical(spec, v) for v in condition)
                else:
                    chosen = _int(condition)
                node.list_routes.append((chosen, _target(nodes, qid)))
            for bound, qid in (_list(r, 2) for r in _list(record["number_routes"])):
                node.number_routes.append((_number(bound), _target(nodes, qid)))
    return nodes


def _target(nodes: dict[str, TreeNode], qid: Any) -> TreeNode:
    found = nodes.get(_str(qid))
    if found is None:
        raise CorruptLayer(f"a branch leads to an unknown node {qid!r}")
    return found


def _bundle(data: Any, bands: BandTable) -> Contribution:
    body = _dict(data)
    actions = []
    for row in _list(body["actions"]):
        use, strength, step, levels = _list(row, 4)
        pairs = []
        for pair in _list(levels):
            band, level = _list(pair, 2)
            if band not in bands.ids:
                raise CorruptLayer(f"a level for an unknown band {band!r}")
            pairs.append((_str(band), _member(_LEVELS, level)))
        actions.append(StepRef(_str(use), _member(_STRENGTHS, strength), _int(step), tuple(pairs)))
    cautions = []
    for row in _list(body["cautions"]):
        cid, shown_to = _list(row, 2)
        named = frozenset(_strs(shown_to))
        if not named <= set(bands.ids):
            raise CorruptLayer(f"caution {cid!r} for an unknown band")
        cautions.append(CautionFor(_str(cid), named))
    alongside, together = body["alongside"], body["together"]
    if not isinstance(alongside, bool) or not isinstance(together, bool):
        raise CorruptLayer("alongside and together must be true or false")
    return Contribution(tuple(actions), tuple(cautions), alongside, together)


def _statement(row: list[Any]) -> RenderedStatement:
    action, summary, rationale, bullet_arguments, bullet_evidence, arguments, evidence, level, topic = row
    return RenderedStatement(
        action=_member(_ACTIONS, action),
        summary=_str(summary),
        rationale=_strs(rationale),
        bullet_arguments=tuple(_strs(ids) for ids in _list(bullet_arguments)),
        bullet_evidence=tuple(_strs(ids) for ids in _list(bullet_evidence)),
        arguments=_strs(arguments),
        evidence=_strs(evidence),
        evidence_level=_member(_LEVELS, level),
        topic=_optional(topic, _str),
    )


def _texts(rows: Any) -> dict[tuple[str, Lang], str]:
    out: dict[tuple[str, Lang], str] = {}
    for row in _list(rows):
        key, lang, text = _list(row, 3)
        out[(_str(key), _lang(lang))] = _str(text)
    return out


def _member(members: dict[str, E], value: Any) -> E:
    found = members.get(value) if isinstance(value, str) else None
    if found is None:
        raise CorruptLayer(f"no such value {value!r}")
    return found


def _lang(value: Any) -> Lang:
    if value not in LANGS:
        raise CorruptLayer(f"language {value!r}")
    return value  # type: ignore[no-any-return]


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise CorruptLayer(f"expected text, found {type(value).__name__}")
    return value


def _strs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(map(str.__instancecheck__, value)):
        raise CorruptLayer("expected a list of texts")
    return tuple(value)


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise CorruptLayer(f"expected a whole number, found {type(value).__name__}")
    return value


def _number(value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise CorruptLayer(f"expected a number, found {type(value).__name__}")
    return float(value)


def _list(value: Any, length: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise CorruptLayer("expected a list" + ("" if length is None else f" of {length}"))
    return value


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CorruptLayer("expected an object")
    return value


def _optional(value: Any, check: Any) -> Any:
    return None if value is None else check(value)
