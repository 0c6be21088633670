"""Load the pathway modules (built-in or an institution's copy) into a checked `KnowledgeBase`.

Everything is data: files are read by fixed names from one folder, parsed with a safe YAML
loader, validated, cross-checked, and only then compiled. Nothing in them is ever executed.

A knowledge base has two layers. The compiled layer (linked tree nodes, every statement and
caution already worded per language, the stamp) is all that evaluating a case needs, and it is
plain Python: it is what the on-disk cache holds, so a quick consult never imports pydantic or
YAML. The catalogues (the validated files, as pydantic models) are what rendering, interviews and
the tooling read; after a cache load they are parsed and validated again from the files' texts the
first time something asks for them.
"""

from __future__ import annotations

import functools
import os
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ntrk_advisor import settings
from ntrk_advisor.contract.result import KnowledgeStamp
from ntrk_advisor.contract.vocabulary import AgeGroup, PathwayName
from ntrk_advisor.errors import PathwayError, PathwayProblem
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.catalogues import Catalogues
from ntrk_advisor.pathway.compiled import CitedWork, CompiledLayer, RenderedStatement
from ntrk_advisor.pathway.tree import TreeNode

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ntrk_advisor.pathway.schema import (
        ArgumentsFile,
        CautionsFile,
        EvidenceFile,
        KnowledgeFile,
        PathwayFile,
        QuestionsFile,
        StatementsFile,
    )

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

M = TypeVar("M", bound="BaseModel")


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
        """Version, review date, source and name, as carried by every result."""
        self.location = location
        self.builtin = builtin
        self._layer = layer
        self._statements = layer.statements
        self._cautions = layer.cautions
        self._sections = layer.sections
        self._works = layer.works
        self._prompts = layer.prompts
        self._texts = texts
        self._catalogues = catalogues
        self._fields_from: dict[str, frozenset[str]] = {}
        self.unused_memo: dict[tuple[bytes, tuple[TreeNode, ...]], tuple[str, ...]] = {}
        """The engine's memo of unused answers per path and pattern of given fields."""

    def fields_from(self, node: TreeNode) -> frozenset[str]:
        """Every field a path from `node` on could still ask (what an incomplete case may yet use)."""
        known = self._fields_from.get(node.qid)
        if known is None:
            here = frozenset((node.field,)) if node.field is not None else frozenset()
            known = here.union(*(self.fields_from(n) for n in node.successors()))
            self._fields_from[node.qid] = known
        return known

    @property
    def layer(self) -> CompiledLayer:
        """The compiled layer, as the cache stores it."""
        return self._layer

    def statement(self, statement_id: str, lang: Lang, age_group: AgeGroup) -> RenderedStatement:
        """A statement's action and texts for this language and age group."""
        return self._statements[(statement_id, lang, age_group)]

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
            problems: list[PathwayProblem] = []
            parsed = {name: _parse_yaml(name, text, problems) for name, text in self._texts.items()}
            if problems:  # the files changed on disk since they were checked
                raise PathwayError(problems)
            self._catalogues = _catalogues_of(parsed)
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


BUILTIN_FOLDER = "builtin_pathways"
"""Where a wheel installs the repository's `pathways/` folder, inside the package."""


def builtin_source() -> Traversable:
    """The pathway modules shipped with the tool, from a wheel or a source checkout.

    A wheel carries the repository's top-level `pathways/` folder inside the package (as
    `ntrk_advisor/builtin_pathways`, mapped at build time), so installing it adds no top-level
    `pathways` import package that could collide with another distribution's. A source checkout
    or an editable install reads the folder where the clinician edits it, next to the package.
    """
    packaged = resources.files("ntrk_advisor").joinpath(BUILTIN_FOLDER)
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "pathways"


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
    if cached is not None:
        return KnowledgeBase(cached, texts, str(root), builtin)
    kb = _build(texts, root, builtin)
    compiled_cache.save(key, kb.layer)
    return kb


def _build(texts: dict[str, str | None], root: Traversable, builtin: bool) -> KnowledgeBase:
    from ntrk_advisor.pathway.checks import check_catalogues, check_pathways
    from ntrk_advisor.pathway.compiled import compile_layer

    problems: list[PathwayProblem] = []
    parsed = {name: _parse_yaml(name, text, problems) for name, text in texts.items()}
    catalogues = _catalogues_of(parsed, problems)
    if catalogues is not None and not builtin:
        problems += _check_local_identity(catalogues.meta)
    if problems or catalogues is None:
        raise PathwayError(problems)
    c = catalogues
    problems += check_catalogues(c.questions, c.arguments, c.evidence, c.cautions, c.statements)
    if not problems:
        problems += check_pathways(c.pathways, c.statements, c.cautions)
    if problems:
        raise PathwayError(problems)
    return KnowledgeBase(compile_layer(c), texts, str(root), builtin, catalogues=c)


def _catalogues_of(parsed: dict[str, Any], problems: list[PathwayProblem] | None = None) -> Catalogues:
    """Validate every parsed file; problems are collected (or, for files once checked, raised)."""
    from ntrk_advisor.pathway.schema import (
        ArgumentsFile,
        CautionsFile,
        EvidenceFile,
        KnowledgeFile,
        PathwayFile,
        QuestionsFile,
        StatementsFile,
    )

    found: list[PathwayProblem] = [] if problems is None else problems
    meta = _validate(KnowledgeFile, parsed, "knowledge.yaml", found)
    questions = _validate(QuestionsFile, parsed, "questions.yaml", found)
    arguments = _validate(ArgumentsFile, parsed, "arguments.yaml", found)
    evidence = _validate(EvidenceFile, parsed, "evidence.yaml", found)
    cautions = _validate(CautionsFile, parsed, "cautions.yaml", found)
    statements = _validate(StatementsFile, parsed, "recommendations.yaml", found)
    pathways: dict[PathwayName, PathwayFile] = {}
    for pathway in PathwayName:
        fname = f"{pathway.value}.yaml"
        pfile = _validate(PathwayFile, parsed, fname, found)
        if pfile is not None:
            if pfile.pathway is not pathway:
                declared = pfile.pathway.value
                message = f"declares '{declared}', expected '{pathway.value}'"
                found.append(PathwayProblem(fname, "pathway", message))
            else:
                pathways[pathway] = pfile
    if found:
        raise PathwayError(found)
    assert meta and questions and arguments and evidence and cautions and statements
    return Catalogues(meta, questions, arguments, evidence, cautions, statements, pathways)


@functools.lru_cache(maxsize=1)
def _cached_default(directory: str | None) -> KnowledgeBase:
    return load_knowledge_base(directory)


def default_knowledge_base() -> KnowledgeBase:
    """The knowledge base in use: a chosen folder, else `NTRK_ADVISOR_PATHWAYS`, else built-in."""
    return _cached_default(settings.chosen_pathways_dir or os.environ.get(PATHWAYS_ENV) or None)


BUILTIN_NAME = "ntrk-advisor built-in pathways"


def _letters(name: str) -> str:
    """A name as a reader sees it: compatibility-normalised, without spaces or invisible characters."""
    import unicodedata

    normal = unicodedata.normalize("NFKC", name)
    return "".join(
        c for c in normal if not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc")
    ).casefold()


def _check_local_identity(meta: KnowledgeFile) -> list[PathwayProblem]:
    """A local copy must not carry the built-in name, even disguised by invisible or odd spaces."""
    if _letters(meta.knowledge.name) == _letters(BUILTIN_NAME):
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
    """Parse as plain data only (see `yaml_data`): no tag builds an object, no key is given twice."""
    from ntrk_advisor.pathway.yaml_data import YamlProblem, load_yaml

    if text is None:
        return None
    try:
        data = load_yaml(text)
    except YamlProblem as exc:
        problems.append(PathwayProblem(name, exc.where, exc.message))
        return None
    if data is None:
        problems.append(PathwayProblem(name, "-", "the file is empty"))
    return data


def _validate(model: type[M], raw: dict[str, Any], fname: str, problems: list[PathwayProblem]) -> M | None:
    from pydantic import ValidationError

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
