"""The pathway files compiled into linked nodes, so a case walks the tree by lookups only."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ntrk_advisor.contract.fields import FIELD_SPECS, ROUTE_SPECS, FieldSpec
from ntrk_advisor.contract.vocabulary import EvidenceLevel, PathwayName, Strength

if TYPE_CHECKING:
    from ntrk_advisor.pathway.age_bands import BandTable
    from ntrk_advisor.pathway.schema import Branch, Bundle, PathwayFile


@dataclass(frozen=True)
class StepRef:
    """An action a node contributes: which statement, how strongly, at which step."""

    use: str
    strength: Strength
    step: int
    levels: tuple[tuple[str, EvidenceLevel], ...] = ()
    """The evidence level this situation sets, per age band (none: the statement's own)."""

    def level_for(self, band: str) -> EvidenceLevel | None:
        """The level set here for a band, if any."""
        for name, level in self.levels:
            if name == band:
                return level
        return None


@dataclass(frozen=True)
class CautionFor:
    """A caution a node contributes, and the age bands it is shown for."""

    id: str
    bands: frozenset[str]


@dataclass(frozen=True)
class Contribution:
    """What an `add` or `outcome` node puts into the recommendation."""

    actions: tuple[StepRef, ...]
    cautions: tuple[CautionFor, ...]
    alongside: bool = False
    """The actions share the next contributor's steps instead of coming before them."""
    together: bool = False
    """The actions share the steps of the contributor before this one."""

    @classmethod
    def of(cls, bundle: Bundle, bands: BandTable) -> Contribution:
        """The compiled form of a node's bundle from the pathway file, audiences resolved to bands."""
        return cls(
            tuple(StepRef(a.use, a.strength, a.step, _levels(a.level, bands)) for a in bundle.actions),
            tuple(CautionFor(c.id, bands.members(c.audience)) for c in bundle.cautions),
            bundle.alongside,
            bundle.together,
        )


def _levels(
    level: EvidenceLevel | dict[str, EvidenceLevel] | None, bands: BandTable
) -> tuple[tuple[str, EvidenceLevel], ...]:
    """A situation's evidence level per band; a band named directly wins over its age group."""
    if level is None:
        return ()
    if isinstance(level, EvidenceLevel):
        return tuple((band, level) for band in bands.ids)
    chosen: dict[str, EvidenceLevel] = {}
    for token, value in sorted(level.items(), key=lambda item: item[0] in bands.ids):
        for band in bands.members(token):
            chosen[band] = value
    return tuple((band, chosen[band]) for band in bands.ids if band in chosen)


ListCondition = frozenset[Any] | int | None
"""How a list answer is matched: any of these values given, at least this many items, or empty."""


@dataclass(eq=False)
class TreeNode:
    """A node ready to walk; `qid` is `pathway.node`, the id shown in traces."""

    qid: str
    pathway: PathwayName
    kind: str
    field: str | None = None
    """The case field an `ask` node asks (None for every other kind)."""
    splits_on: str | None = None
    """What a `route_on` node splits on: `age_group`, `age_band`, or a case field already asked."""
    spec: FieldSpec | None = None
    bundle: Contribution | None = None
    next: TreeNode | None = None
    scalar_routes: dict[Any, TreeNode] = dc_field(default_factory=dict)
    list_routes: list[tuple[ListCondition, TreeNode]] = dc_field(default_factory=list)
    number_routes: list[tuple[float, TreeNode]] = dc_field(default_factory=list)
    """(bound, target): the first bound the answer is below, in branch order."""
    default: TreeNode | None = None

    def route(self, value: Any) -> TreeNode:
        """The node a given answer leads to (coverage is proven at load time)."""
        if self.list_routes:
            for condition, target in self.list_routes:
                if condition is None:
                    if not value:
                        return target
                elif isinstance(condition, int):
                    if len(value) >= condition:
                        return target
                elif not condition.isdisjoint(value):
                    return target
        elif self.number_routes:
            for bound, target in self.number_routes:
                if value < bound:
                    return target
        else:
            found = self.scalar_routes.get(value)
            if found is not None:
                return found
        if self.default is not None:
            return self.default
        if self.next is not None:
            return self.next
        raise LookupError(f"{self.qid}: no branch for {value!r}")

    @cached_property
    def next_nodes(self) -> tuple[TreeNode, ...]:
        """`successors()` kept once asked, for walks that run per case (what an incomplete case needs).

        Only for a tree whose links are final: a loaded knowledge base's. Its nodes are linked
        while it is built, and never changed once it is loaded.
        """
        return tuple(self.successors())

    def successors(self) -> list[TreeNode]:
        """Every node this one can lead to, each once, in branch order."""
        out: list[TreeNode] = []
        candidates = [self.next, *self.scalar_routes.values()]
        candidates += [target for _, target in self.list_routes]
        candidates += [target for _, target in self.number_routes] + [self.default]
        for node in candidates:
            if node is not None and node not in out:
                out.append(node)
        return out


def canonical(spec: FieldSpec, raw: Any) -> Any:
    """A branch value from YAML as the engine compares it (enum member, bool, or band name)."""
    if spec.kind == "band":
        return str(raw)
    if spec.kind == "bool":
        if not isinstance(raw, bool):
            raise ValueError(f"'{raw}' is not true or false")
        return raw
    assert spec.values is not None
    try:
        member: Enum = spec.values(raw)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in spec.values)
        raise ValueError(f"'{raw}' is not a value of {spec.name} ({allowed})") from None
    return member


def resolve_target(
    branch_goto: str | None, handoff: str | None, here: PathwayFile, files: dict[PathwayName, PathwayFile]
) -> tuple[PathwayName, str]:
    """Where a branch leads: a node here (`goto`) or another pathway's entry or node (`handoff`)."""
    if branch_goto is not None:
        return here.pathway, branch_goto
    assert handoff is not None
    name, _, node = handoff.partition(":")
    pathway = PathwayName(name)
    return pathway, node or files[pathway].entry


def compile_tree(files: dict[PathwayName, PathwayFile], bands: BandTable) -> dict[str, TreeNode]:
    """Link every node of every pathway; the checks have already proven the references."""
    nodes: dict[str, TreeNode] = {}
    for pathway, pfile in files.items():
        for name, node in pfile.nodes.items():
            kind = node.kind
            field_name = node.ask or node.route_on
            spec = None
            bundle = node.add or node.outcome
            if field_name is not None:
                spec = FIELD_SPECS.get(field_name) or ROUTE_SPECS[field_name]
            nodes[f"{pathway.value}.{name}"] = TreeNode(
                qid=f"{pathway.value}.{name}",
                pathway=pathway,
                kind=kind,
                field=node.ask,
                splits_on=node.route_on,
                spec=spec,
                bundle=None if bundle is None else Contribution.of(bundle, bands),
            )
    for pathway, pfile in files.items():
        for name, node in pfile.nodes.items():
            tree_node = nodes[f"{pathway.value}.{name}"]
            if node.next is not None:
                tree_node.next = nodes[f"{pathway.value}.{node.next}"]
            for branch in node.branches or []:
                _link_branch(tree_node, branch, pfile, files, nodes)
    return nodes


def _link_branch(
    tree_node: TreeNode,
    branch: Branch,
    pfile: PathwayFile,
    files: dict[PathwayName, PathwayFile],
    nodes: dict[str, TreeNode],
) -> None:
    target_pathway, target_name = resolve_target(branch.goto, branch.handoff, pfile, files)
    target = nodes[f"{target_pathway.value}.{target_name}"]
    spec = tree_node.spec
    assert spec is not None
    if branch.otherwise:
        tree_node.default = target
    elif branch.when_empty:
        tree_node.list_routes.append((None, target))
    elif branch.count_at_least is not None:
        tree_node.list_routes.append((branch.count_at_least, target))
    elif branch.below is not None:
        tree_node.number_routes.append((branch.below, target))
    elif spec.kind == "list":
        tree_node.list_routes.append((frozenset(canonical(spec, v) for v in branch.when or []), target))
    else:
        for value in branch.when or []:
            tree_node.scalar_routes[canonical(spec, value)] = target
