"""The compiled layer of a knowledge base: everything evaluating and printing a result needs.

It is plain Python (linked tree nodes, the age bands, every statement and caution already worded per
language and age band, the stamp, argument sections, references and question prompts), so a quick consult that
reads it from the cache never imports pydantic or YAML. `compiled_codec` turns it into JSON data
for that cache and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ntrk_advisor.contract.result import ActionReview, KnowledgeStamp, ReviewCoverage
from ntrk_advisor.contract.vocabulary import ActionCode, EvidenceLevel, PathwayName
from ntrk_advisor.i18n import LANGS, Lang
from ntrk_advisor.pathway.age_bands import BandTable, default_bands
from ntrk_advisor.pathway.tree import TreeNode

if TYPE_CHECKING:
    from ntrk_advisor.pathway.catalogues import Catalogues
    from ntrk_advisor.pathway.reviews import ReviewState
    from ntrk_advisor.pathway.schema import AgeBands, Evidence, KnowledgeFile, Statement
    from ntrk_advisor.pathway.statements import StatementInfo


@dataclass(frozen=True)
class RenderedStatement:
    """A statement worded for one language and age band."""

    action: ActionCode
    summary: str
    rationale: tuple[str, ...]
    bullet_arguments: tuple[tuple[str, ...], ...]
    bullet_evidence: tuple[tuple[str, ...], ...]
    arguments: tuple[str, ...]
    evidence: tuple[str, ...]
    evidence_level: EvidenceLevel
    topic: str | None = None
    """What the statement is about, naming its part when it is merged with another of its action."""


@dataclass(frozen=True)
class CitedWork:
    """An evidence entry as a reference list prints it."""

    citation: str
    """Compact Vancouver style: authors, title, source year;volume:pages, DOI."""
    year: int | None
    link: str | None
    """Derived from the identifier: doi.org, PubMed, ClinicalTrials.gov, or an official URL."""
    verified: bool
    """Whether the identifiers were checked against the source itself."""


@dataclass(frozen=True)
class CompiledLayer:
    """What the engine walks and the result screens print, keyed for lookups only."""

    nodes: dict[str, TreeNode]
    entry: str
    """The qid where every case starts: the diagnostic gate."""
    stamp: KnowledgeStamp
    bands: BandTable
    statements: dict[tuple[str, Lang, str], RenderedStatement]
    cautions: dict[tuple[str, Lang], str]
    sections: dict[str, str]
    works: dict[str, CitedWork]
    prompts: dict[tuple[str, Lang], str]
    reviews: dict[str, ActionReview]
    """Per recommendation statement (by its key in recommendations.yaml), where its review stands:
    worked out from the signed records when the knowledge is compiled, never per case."""


def compile_layer(catalogues: Catalogues) -> CompiledLayer:
    """Link the trees and word every text of checked catalogues."""
    from ntrk_advisor.pathway.reviews import review_state
    from ntrk_advisor.pathway.tree import compile_tree

    c = catalogues
    bands = band_table(c.meta.knowledge.age_bands)
    nodes = compile_tree(c.pathways, bands)
    rendered = {
        (sid, lang, band): _render(statement, lang, band, c.evidence.evidence, bands)
        for sid, statement in c.statements.statements.items()
        for lang in LANGS
        for band in bands.ids
    }
    infos = statement_infos(c, nodes, bands, rendered)
    state = review_state(infos, c.reviewers, c.reviews)
    return CompiledLayer(
        nodes=nodes,
        entry=f"diagnostic.{c.pathways[PathwayName.DIAGNOSTIC].entry}",
        stamp=_stamp(c.meta, state),
        bands=bands,
        statements=rendered,
        cautions={
            (cid, lang): str(getattr(caution.text, lang))
            for cid, caution in c.cautions.cautions.items()
            for lang in LANGS
        },
        sections={aid: a.section for aid, a in c.arguments.arguments.items()},
        works={
            eid: CitedWork(e.citation, e.year, e.link, e.verified) for eid, e in c.evidence.evidence.items()
        },
        prompts={
            (name, lang): str(getattr(question.prompt, lang))
            for name, question in c.questions.questions.items()
            for lang in LANGS
        },
        reviews={
            info.key: ActionReview(state.statements[sid].status, state.statements[sid].reviewers, sid)
            for sid, info in infos.items()
            if info.kind == "rec"
        },
    )


def statement_infos(
    c: Catalogues,
    nodes: dict[str, TreeNode],
    bands: BandTable,
    rendered: dict[tuple[str, Lang, str], RenderedStatement] | None = None,
) -> dict[str, StatementInfo]:
    """Every clinical statement with its id, places, last author and content hash (`statements.py`).

    A statement's evidence level per age band is the one its rendered wording carries, so the hash
    covers exactly the level a reader is shown.
    """
    from ntrk_advisor.pathway.statements import statements_of

    if rendered is None:
        rendered = {
            (sid, LANGS[0], band): _render(statement, LANGS[0], band, c.evidence.evidence, bands)
            for sid, statement in c.statements.statements.items()
            for band in bands.ids
        }
    levels = {(sid, band): r.evidence_level for (sid, lang, band), r in rendered.items() if lang == LANGS[0]}
    return statements_of(c, nodes, bands, levels)


def band_table(age_bands: AgeBands | None) -> BandTable:
    """The compiled age bands (the contract's two age groups when the knowledge defines none)."""
    if age_bands is None:
        return default_bands()
    return BandTable(
        ids=tuple(b.id for b in age_bands.bands),
        bounds=tuple(b.below for b in age_bands.bands if b.below is not None),
        labels={(b.id, lang): str(getattr(b.label, lang)) for b in age_bands.bands for lang in LANGS},
    )


def _stamp(meta: KnowledgeFile, state: ReviewState) -> KnowledgeStamp:
    """The stamp every result carries: `reviewed` claims a review only once every statement has one."""
    knowledge = meta.knowledge
    source = knowledge.source
    edited = knowledge.edited.isoformat()
    total = len(state.statements)
    last = state.last_approval()
    whole = total > 0 and state.approved == total and last is not None
    return KnowledgeStamp(
        version=knowledge.version,
        reviewed=last.isoformat() if whole and last is not None else edited,
        source=f"{source.author}. {source.title}. {source.publisher}, {source.published.isoformat()}",
        name=knowledge.name,
        edited=edited,
        review=ReviewCoverage(state.approved, total),
    )


_RANK = {level: rank for rank, level in enumerate(EvidenceLevel)}


def evidence_level(cited: tuple[str, ...], catalogue: dict[str, Evidence]) -> EvidenceLevel:
    """The strongest level among the cited references; the article's reasoning alone is expert opinion."""
    levels = [level for eid in cited if eid in catalogue and (level := catalogue[eid].level) is not None]
    return min(levels, key=_RANK.__getitem__, default=EvidenceLevel.EXPERT_OPINION)


def shown_to(statement: Statement, band: str, bands: BandTable) -> list[int]:
    """The indexes of a statement's rationale bullets shown to an age band."""
    return [i for i, b in enumerate(statement.rationale) if band in bands.members(b.audience)]


def _render(
    statement: Statement,
    lang: Lang,
    band: str,
    catalogue: dict[str, Evidence],
    bands: BandTable,
) -> RenderedStatement:
    bullets = [statement.rationale[i] for i in shown_to(statement, band, bands)]
    arguments: dict[str, None] = {}
    evidence: dict[str, None] = {}
    for bullet in bullets:
        arguments.update(dict.fromkeys(bullet.arguments))
        evidence.update(dict.fromkeys(bullet.evidence))
    evidence.update(dict.fromkeys(statement.evidence))
    level = statement.evidence_level or evidence_level(tuple(evidence), catalogue)
    return RenderedStatement(
        action=statement.action,
        summary=getattr(statement.summary, lang),
        rationale=tuple(getattr(b.text, lang) for b in bullets),
        bullet_arguments=tuple(tuple(b.arguments) for b in bullets),
        bullet_evidence=tuple(tuple(b.evidence) for b in bullets),
        arguments=tuple(arguments),
        evidence=tuple(evidence),
        evidence_level=level,
        topic=None if statement.topic is None else getattr(statement.topic, lang),
    )
