"""The library's front door: `evaluate` and `evaluate_many`, with the knowledge in use by default.

The engine is pure: it is handed a knowledge base and does no I/O. Finding and loading one
(reading the pathway files, the on-disk cache) happens here, for callers who bring none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ntrk_advisor import engine
from ntrk_advisor.contract.case import Case
from ntrk_advisor.contract.result import Result
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.knowledge import KnowledgeBase, default_knowledge_base


def evaluate(
    case: Case | Mapping[str, Any], lang: Lang = "en", knowledge: KnowledgeBase | None = None
) -> Result:
    """Evaluate one case. A mapping is validated first; a bad one gives an `invalid` result.

    Without `knowledge`, the pathway modules in use are loaded once (NTRK_ADVISOR_PATHWAYS,
    else the built-ins).
    """
    return engine.evaluate(case, lang, knowledge or default_knowledge_base())


def evaluate_many(
    cases: Iterable[Case | Mapping[str, Any]], lang: Lang = "en", knowledge: KnowledgeBase | None = None
) -> Iterator[Result]:
    """Evaluate cases lazily, one result per case, in order (suits any size of cohort)."""
    return engine.evaluate_many(cases, lang, knowledge or default_knowledge_base())
