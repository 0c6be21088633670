"""ntrk-advisor: decision support for NTRK fusion-positive cancers, tied to its source article.

The library is the product; the CLI is one face of it::

    from ntrk_advisor import evaluate
    result = evaluate({"age_years": 0.5, "fusion_status": "confirmed",
                       "setting": "locally_advanced", "treatment_phase": "naive"})
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Case", "CaseInvalid", "Result", "evaluate", "evaluate_many", "load_knowledge_base"]

if TYPE_CHECKING:
    from ntrk_advisor.api import evaluate, evaluate_many
    from ntrk_advisor.contract.case import Case
    from ntrk_advisor.contract.errors import CaseInvalid
    from ntrk_advisor.contract.result import Result
    from ntrk_advisor.pathway.knowledge import load_knowledge_base


def __getattr__(name: str) -> Any:
    # Lazy: `ntrk-advisor --version` must not pay for the engine and its knowledge.
    if name in ("evaluate", "evaluate_many"):
        from ntrk_advisor import api

        return getattr(api, name)
    if name == "Case":
        from ntrk_advisor.contract.case import Case

        return Case
    if name == "CaseInvalid":
        from ntrk_advisor.contract.errors import CaseInvalid

        return CaseInvalid
    if name == "Result":
        from ntrk_advisor.contract.result import Result

        return Result
    if name == "load_knowledge_base":
        from ntrk_advisor.pathway.knowledge import load_knowledge_base

        return load_knowledge_base
    raise AttributeError(name)
