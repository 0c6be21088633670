"""Load the pathway modules (built-in or an institution's copy) into a checked `KnowledgeBase`.

Everything is data: files are read by fixed names from one folder, parsed with a safe YAML
loader, validated, cross-checked, and only then compiled. Nothing in them is ever executed.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ntrk_advisor import settings
from ntrk_advisor.errors import PathwayError, PathwayProblem
from ntrk_advisor.i18n import Lang
from ntrk_advisor.models import KnowledgeStamp
from ntrk_advisor.pathway.schema import (
    ArgumentsFile,
    Audience,
    CautionsFile,
    EvidenceFile,
    KnowledgeFile,
    PathwayFile,
    QuestionsFile,
    Statement,
    StatementsFile,
)
from ntrk_advisor.pathway.tree import TreeNode, compile_tree
from ntrk_advisor.vocabulary import AgeGroup, PathwayName

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # pragma: no cover - Python 3.10
    from importlib.abc import Traversable


PATHWAYS_ENV = settings.PATHWAYS_ENV
CATALOGUE_FILES = (
    "knowledge.yaml",
    "questions.yaml",
    "arguments.yaml",
    "evidence.yaml",
    "cautions.yaml",
    "recommendations.yaml",
)
PATHWAY_FILES = tuple(f"{p.value}.yaml" for p in PathwayName)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class RenderedStatement:
    """A statement worded for one language and age group."""

    summary: str
    rationale: tuple[str, ...]
    bullet_arguments: tuple[tuple[str, ...], ...]
    bullet_evidence: tuple[tuple[str, ...], ...]
    arguments: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass
class KnowledgeBase:
    """The checked, compiled knowledge: catalogues, trees and the stamp every result carries."""

    meta: KnowledgeFile
    questions: QuestionsFile
    arguments: ArgumentsFile
    evidence: EvidenceFile
    cautions: CautionsFile
    statements: StatementsFile
    pathways: dict[PathwayName, PathwayFile]
    nodes: dict[str, TreeNode]
    location: str
    builtin: bool
    _rendered: dict[tuple[str, Lang, AgeGroup], RenderedStatement] = field(default_factory=dict)

    @property
    def entry(self) -> TreeNode:
        """Where every case starts: the diagnostic gate."""
        return self.nodes[f"diagnostic.{self.pathways[PathwayName.DIAGNOSTIC].entry}"]

    @functools.cached_property
    def stamp(self) -> KnowledgeStamp:
        """Version, review date, source and name, as carried by every result."""
        meta = self.meta.knowledge
        source = meta.source
        return KnowledgeStamp(
            version=meta.version,
            reviewed=meta.reviewed.isoformat(),
            source=f"{source.author}. {source.title}. {source.publisher}, {source.published.isoformat()}",
            name=meta.name,
        )

    def statement(self, statement_id: str, lang: Lang, age_group: AgeGroup) -> RenderedStatement:
        """A statement's texts for this language and age group (worded once, then reused)."""
        key = (statement_id, lang, age_group)
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = _render(self.statements.statements[statement_id], lang, age_group)
            self._rendered[key] = rendered
        return rendered

    def section_of(self, argument_id: str) -> str:
        """The article section an argument belongs to (e.g. `S3`)."""
        return self.arguments.arguments[argument_id].section


def _render(statement: Statement, lang: Lang, age_group: AgeGroup) -> RenderedStatement:
    audience = Audience(age_group.value)
    bullets = [b for b in statement.rationale if b.audience in (Audience.ALL, audience)]
    arguments: dict[str, None] = {}
    evidence: dict[str, None] = {}
    for bullet in bullets:
        arguments.update(dict.fromkeys(bullet.arguments))
        evidence.update(dict.fromkeys(bullet.evidence))
    evidence.update(dict.fromkeys(statement.evidence))
    return RenderedStatement(
        summary=getattr(statement.summary, lang),
        rationale=tuple(getattr(b.text, lang) for b in bullets),
        bullet_arguments=tuple(tuple(b.arguments) for b in bullets),
        bullet_evidence=tuple(tuple(b.evidence) for b in bullets),
        arguments=tuple(arguments),
        evidence=tuple(evidence),
    )


def builtin_source() -> Traversable:
    """The pathway modules shipped with the package (works from a wheel and an editable install)."""
    return resources.files("pathways")


def load_knowledge_base(source: Traversable | Path | str | None = None) -> KnowledgeBase:
    """Load, check and compile pathway modules; raises `PathwayError` listing every problem.

    A successfully checked and compiled knowledge base is cached on disk, keyed by the hash of
    every file's content, so later runs skip parsing and checking unchanged files.
    """
    builtin = source is None
    root: Traversable = (
        builtin_source() if source is None else (Path(source) if isinstance(source, str) else source)
    )
    problems: list[PathwayProblem] = []
    texts = {name: _read_text(root, name, problems) for name in CATALOGUE_FILES + PATHWAY_FILES}
    if problems:
        raise PathwayError(problems)
    from ntrk_advisor.pathway import compiled_cache

    key = compiled_cache.key_of(texts, builtin=builtin)
    cached = compiled_cache.load(key)
    if isinstance(cached, KnowledgeBase):
        cached.location, cached.builtin = str(root), builtin
        return cached
    kb = _build(texts, root, builtin)
    compiled_cache.save(key, kb)
    return kb


def _build(texts: dict[str, str | None], root: Traversable, builtin: bool) -> KnowledgeBase:
    from ntrk_advisor.pathway.checks import check_catalogues, check_pathways

    problems: list[PathwayProblem] = []
    raw = {name: _parse_yaml(name, text, problems) for name, text in texts.items()}
    meta = _validate(KnowledgeFile, raw, "knowledge.yaml", problems)
    questions = _validate(QuestionsFile, raw, "questions.yaml", problems)
    arguments = _validate(ArgumentsFile, raw, "arguments.yaml", problems)
    evidence = _validate(EvidenceFile, raw, "evidence.yaml", problems)
    cautions = _validate(CautionsFile, raw, "cautions.yaml", problems)
    statements = _validate(StatementsFile, raw, "recommendations.yaml", problems)
    pathways: dict[PathwayName, PathwayFile] = {}
    for pathway in PathwayName:
        fname = f"{pathway.value}.yaml"
        pfile = _validate(PathwayFile, raw, fname, problems)
        if pfile is not None:
            if pfile.pathway is not pathway:
                declared = pfile.pathway.value
                message = f"declares '{declared}', expected '{pathway.value}'"
                problems.append(PathwayProblem(fname, "pathway", message))
            else:
                pathways[pathway] = pfile
    if meta is not None and not builtin:
        problems += _check_local_identity(meta)
    if problems:
        raise PathwayError(problems)
    assert meta and questions and arguments and evidence and cautions and statements
    problems += check_catalogues(questions, arguments, evidence, cautions, statements)
    if not problems:
        problems += check_pathways(pathways, statements, cautions)
    if problems:
        raise PathwayError(problems)
    return KnowledgeBase(
        meta=meta,
        questions=questions,
        arguments=arguments,
        evidence=evidence,
        cautions=cautions,
        statements=statements,
        pathways=pathways,
        nodes=compile_tree(pathways),
        location=str(root),
        builtin=builtin,
    )


@functools.lru_cache(maxsize=1)
def _cached_default(directory: str | None) -> KnowledgeBase:
    return load_knowledge_base(directory)


def default_knowledge_base() -> KnowledgeBase:
    """The knowledge base in use: a chosen folder, else `NTRK_ADVISOR_PATHWAYS`, else built-in."""
    return _cached_default(settings.chosen_pathways_dir or os.environ.get(PATHWAYS_ENV) or None)


BUILTIN_NAME = "ntrk-advisor built-in pathways"


def _check_local_identity(meta: KnowledgeFile) -> list[PathwayProblem]:
    """A local copy must not carry the built-in name: its advice must never pass as ours."""
    if meta.knowledge.name.strip().lower() == BUILTIN_NAME:
        return [
            PathwayProblem(
                "knowledge.yaml",
                "knowledge",
                f"a local copy must change 'name' (it still says '{BUILTIN_NAME}'), so that its results "
                "are never mistaken for the built-in advice; `ntrk-advisor pathways init` does this",
            )
        ]
    return []


def _read_text(root: Traversable, name: str, problems: list[PathwayProblem]) -> str | None:
    node = root.joinpath(name)
    if isinstance(root, Path):
        resolved = Path(str(node)).resolve()
        if not resolved.is_relative_to(root.resolve()):
            problems.append(PathwayProblem(name, "-", "file leads outside the pathways folder"))
            return None
    if not node.is_file():
        problems.append(PathwayProblem(name, "-", "file not found"))
        return None
    try:
        return node.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(PathwayProblem(name, "-", f"cannot read: {exc}"))
        return None


def _parse_yaml(name: str, text: str | None, problems: list[PathwayProblem]) -> Any:
    """Parse with a safe loader only: pathway files are data, and a tag must never build an object."""
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if text is None:
        return None
    try:
        data = yaml.load(text, Loader=loader)  # a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "-"
        problems.append(PathwayProblem(name, where, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
        return None
    if data is None:
        problems.append(PathwayProblem(name, "-", "the file is empty"))
    return data


def _validate(model: type[M], raw: dict[str, Any], fname: str, problems: list[PathwayProblem]) -> M | None:
    data = raw.get(fname)
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = [str(p) for p in error["loc"]]
            # ('nodes', 'phase', 'branches', '0', 'goto') -> node 'phase', detail 'branches.0.goto'
            node = loc[1] if len(loc) >= 2 and loc[0] in _MAPPING_KEYS else (loc[0] if loc else "-")
            detail = ".".join(loc[2:] if len(loc) >= 2 and loc[0] in _MAPPING_KEYS else loc[1:])
            message = error["msg"].removeprefix("Value error, ")
            problems.append(PathwayProblem(fname, node, f"{detail}: {message}" if detail else message))
        return None


_MAPPING_KEYS = frozenset(
    {"nodes", "questions", "arguments", "sections", "evidence", "cautions", "statements"}
)
