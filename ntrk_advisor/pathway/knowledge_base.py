"""`KnowledgeBase`: the checked knowledge as the engine, the renderers and the tooling see it.

A knowledge base has two layers. The compiled layer (linked tree nodes, every statement and
caution already worded per language, the stamp) is all that evaluating a case needs, and it is
plain Python: it is what the on-disk cache holds, so a quick consult never imports pydantic or
YAML. The catalogues (the validated files, as pydantic models) are what rendering, interviews and
the tooling read; after a cache load they are parsed and validated again from the files' texts the
first time something asks for them. How the files are found, read and checked is `knowledge`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ntrk_advisor.contract.result import ActionReview, KnowledgeStamp
from ntrk_advisor.contract.vocabulary import PathwayName
from ntrk_advisor.errors import PathwayError, PathwayProblem
from ntrk_advisor.i18n import Lang
from ntrk_advisor.memo import BoundedMemo
from ntrk_advisor.pathway.age_bands import BandTable
from ntrk_advisor.pathway.compiled import CitedWork, CompiledLayer, RenderedStatement
from ntrk_advisor.pathway.tree import TreeNode

if TYPE_CHECKING:
    from ntrk_advisor.pathway.catalogues import Catalogues
    from ntrk_advisor.pathway.schema import (
        ArgumentsFile,
        CautionsFile,
        EvidenceFile,
        KnowledgeFile,
        PathwayFile,
        QuestionsFile,
        StatementsFile,
    )


UNUSED_MEMO_LIMIT = 20_000
"""Unused-answer lists the engine keeps (per path and pattern of given fields) before starting afresh."""
MISSING_MEMO_LIMIT = 5_000
"""The same for what an incomplete case still needs, whose keys are longer (every answer a walk may read)."""
PARTS_MEMO_LIMIT = 16_384
"""Node parts kept (nodes, bands, languages and first steps are few: a bound, not a working limit)."""


class KnowledgeBase:
    """The checked, compiled knowledge: trees, worded statements, the stamp, and the catalogues."""

    def __init__(
        self,
        layer: CompiledLayer,
        texts: dict[str, str | None],
        location: str,
        builtin: bool,
        catalogues: Catalogues | None = None,
    ) -> None:
        self.nodes = layer.nodes
        self.entry: TreeNode = layer.nodes[layer.entry]
        """Where every case starts: the diagnostic gate."""
        self.stamp: KnowledgeStamp = layer.stamp
        """Version, dates, review coverage, source and name, as carried by every result."""
        self.bands: BandTable = layer.bands
        """The age bands the pathways route on and word their texts for."""
        self.location = location
        self.builtin = builtin
        self._layer = layer
        self._statements = layer.statements
        self._cautions = layer.cautions
        self._sections = layer.sections
        self._works = layer.works
        self._prompts = layer.prompts
        self._reviews = layer.reviews
        self._texts = texts
        self._catalogues = catalogues
        self._fields_from: dict[str, frozenset[str]] = {}
        self.unused_memo: BoundedMemo[tuple[bytes, tuple[TreeNode, ...]], tuple[str, ...]] = BoundedMemo(
            UNUSED_MEMO_LIMIT
        )
        """The engine's memo of unused answers per path and pattern of given fields."""
        self.missing_memo: BoundedMemo[tuple[Any, ...], tuple[str, ...]] = BoundedMemo(MISSING_MEMO_LIMIT)
        """The engine's memo of what an incomplete case still needs, per node and the answers read from it."""
        self.parts_memo: BoundedMemo[tuple[Any, ...], Any] = BoundedMemo(PARTS_MEMO_LIMIT)
        """The engine's memo of each contributing node's actions and cautions, per band, language and
        first step (what `engine._collect` builds from the catalogues for every result)."""
        self._reads_from: dict[str, tuple[str, ...]] = {}

    def fields_from(self, node: TreeNode) -> frozenset[str]:
        """Every field a path from `node` on could still ask (what an incomplete case may yet use)."""
        known = self._fields_from.get(node.qid)
        if known is None:
            here = frozenset((node.field,)) if node.field is not None else frozenset()
            known = here.union(*(self.fields_from(n) for n in node.successors()))
            self._fields_from[node.qid] = known
        return known

    def reads_from(self, node: TreeNode) -> tuple[str, ...]:
        """Every case field a walk from `node` on may read (asked or routed on), sorted by name.

        What the engine still needs from an incomplete case depends on these answers (and the age
        band and group) only, so they key its memo.
        """
        known = self._reads_from.get(node.qid)
        if known is None:
            fields: set[str] = set()
            todo, seen = [node], set()
            while todo:
                current = todo.pop()
                if current.qid in seen:
                    continue
                seen.add(current.qid)
                if current.field is not None:
                    fields.add(current.field)
                if current.kind == "route_on" and current.splits_on not in (None, "age_band", "age_group"):
                    fields.add(current.splits_on)
                todo.extend(current.successors())
            known = self._reads_from[node.qid] = tuple(sorted(fields))
        return known

    @property
    def layer(self) -> CompiledLayer:
        """The compiled layer, as the cache stores it."""
        return self._layer

    def statement(self, statement_id: str, lang: Lang, band: str) -> RenderedStatement:
        """A statement's action and texts for this language and age band."""
        return self._statements[(statement_id, lang, band)]

    def review_of(self, statement_id: str) -> ActionReview:
        """Where a recommendation statement's review stands (by its key in recommendations.yaml)."""
        return self._reviews[statement_id]

    def caution(self, caution_id: str, lang: Lang) -> str:
        """A caution's text in `lang`."""
        return self._cautions[(caution_id, lang)]

    def section_of(self, argument_id: str) -> str | None:
        """The article section an argument belongs to (e.g. `S3`), or None for an unknown ID."""
        return self._sections.get(argument_id)

    def work(self, evidence_id: str) -> CitedWork | None:
        """An evidence ID's reference, or None for an unknown ID."""
        return self._works.get(evidence_id)

    def prompt(self, field_name: str, lang: Lang) -> str:
        """The question asked for a field, in `lang` (how a missing answer is described)."""
        return self._prompts[(field_name, lang)]

    @property
    def catalogues(self) -> Catalogues:
        """The validated files (parsed and validated again, on first use, after a cache load)."""
        if self._catalogues is None:
            from ntrk_advisor.pathway.catalogues import catalogues_of
            from ntrk_advisor.pathway.loading import parse_texts

            problems: list[PathwayProblem] = []
            parsed = parse_texts(self._texts, problems)
            if problems:  # the files changed on disk since they were checked
                raise PathwayError(problems)
            self._catalogues = catalogues_of(parsed)
        return self._catalogues

    @property
    def meta(self) -> KnowledgeFile:
        """knowledge.yaml: name, version, review date, source."""
        return self.catalogues.meta

    @property
    def questions(self) -> QuestionsFile:
        """questions.yaml: how to ask for each field."""
        return self.catalogues.questions

    @property
    def arguments(self) -> ArgumentsFile:
        """arguments.yaml: the article's sections and arguments."""
        return self.catalogues.arguments

    @property
    def evidence(self) -> EvidenceFile:
        """evidence.yaml: the external references."""
        return self.catalogues.evidence

    @property
    def cautions(self) -> CautionsFile:
        """cautions.yaml: the cautions and what they cite."""
        return self.catalogues.cautions

    @property
    def statements(self) -> StatementsFile:
        """recommendations.yaml: the worded actions."""
        return self.catalogues.statements

    @property
    def pathways(self) -> dict[PathwayName, PathwayFile]:
        """The five pathway modules."""
        return self.catalogues.pathways
