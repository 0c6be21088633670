"""Load the pathway modules (built-in or an institution's copy) into a checked `KnowledgeBase`.

Everything is data: files are read by fixed names from one folder, parsed with a safe YAML
loader, validated, cross-checked, and only then compiled. Nothing in them is ever executed.

This module is the front door of the knowledge layer and only puts its rooms in order:
`sources` reads the texts, the compiled-layer cache is asked for them, and only when it has
nothing are they parsed and validated (`loading`, `catalogues`), checked (`checks`) and compiled
(`compiled`) into a `KnowledgeBase` (`knowledge_base`). So a quick consult imports neither YAML
nor pydantic. The names other modules use are all importable from here.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ntrk_advisor.environment import PATHWAYS_ENV
from ntrk_advisor.errors import PathwayError, PathwayProblem
from ntrk_advisor.pathway.knowledge_base import KnowledgeBase
from ntrk_advisor.pathway.sources import (
    CATALOGUE_FILES,
    PATHWAY_FILES,
    builtin_source,
    folder_of,
    read_texts,
)

if TYPE_CHECKING:
    import sys

    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:  # pragma: no cover - Python 3.10
        from importlib.abc import Traversable

__all__ = [
    "CATALOGUE_FILES",
    "PATHWAYS_ENV",
    "PATHWAY_FILES",
    "KnowledgeBase",
    "builtin_source",
    "default_knowledge_base",
    "load_knowledge_base",
]


def load_knowledge_base(source: Traversable | Path | str | None = None) -> KnowledgeBase:
    """Load, check and compile pathway modules; raises `PathwayError` listing every problem.

    A successfully checked and compiled knowledge base is cached on disk, keyed by the hash of
    every file's content, so later runs skip parsing and checking unchanged files.
    """
    builtin = source is None
    root = folder_of(source)
    texts = read_texts(root)
    from ntrk_advisor.pathway import compiled_cache

    key = compiled_cache.key_of(texts, builtin=builtin)
    cached = compiled_cache.load(key)
    if cached is not None:
        return KnowledgeBase(cached, texts, str(root), builtin)
    kb = _build(texts, root, builtin)
    compiled_cache.save(key, kb.layer)
    return kb


def _build(texts: dict[str, str | None], root: Traversable, builtin: bool) -> KnowledgeBase:
    from ntrk_advisor.pathway.catalogues import catalogues_of
    from ntrk_advisor.pathway.checks import Referenced, check_catalogues, check_pathways
    from ntrk_advisor.pathway.compiled import band_table, compile_layer
    from ntrk_advisor.pathway.loading import (
        KNOWLEDGE_FILE,
        check_local_identity,
        check_metadata_text,
        parse_texts,
    )

    problems: list[PathwayProblem] = []
    parsed = parse_texts(texts, problems)
    catalogues = catalogues_of(parsed, problems)
    problems += check_metadata_text(parsed.get(KNOWLEDGE_FILE), texts.get(KNOWLEDGE_FILE))
    if catalogues is not None and not builtin:
        problems += check_local_identity(catalogues.meta)
    if problems or catalogues is None:
        raise PathwayError(problems)
    c = catalogues
    problems += check_catalogues(c.meta, c.questions, c.arguments, c.evidence, c.cautions, c.statements)
    if not problems:
        known = Referenced(c.statements, c.cautions, c.evidence, band_table(c.meta.knowledge.age_bands))
        problems += check_pathways(c.pathways, known)
    if problems:
        raise PathwayError(problems)
    return KnowledgeBase(compile_layer(c), texts, str(root), builtin, catalogues=c)


@functools.lru_cache(maxsize=1)
def _cached_default(directory: str | None) -> KnowledgeBase:
    return load_knowledge_base(directory)


def default_knowledge_base(directory: str | Path | None = None) -> KnowledgeBase:
    """The knowledge base in use: `directory`, else `NTRK_ADVISOR_PATHWAYS`, else the built-ins.

    The CLI passes the folder chosen with `--pathways-dir`; loaded once per folder and process.
    """
    chosen = directory or os.environ.get(PATHWAYS_ENV) or None
    return _cached_default(None if chosen is None else str(chosen))
