"""The validated pathway files, grouped: what renderers, interviews and the tooling read.

It sits in a module of its own so that both the loader (`knowledge`) and the compiler
(`compiled`) can name it without importing each other: the knowledge layer has no import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ntrk_advisor.contract.vocabulary import PathwayName
    from ntrk_advisor.pathway.schema import (
        ArgumentsFile,
        CautionsFile,
        EvidenceFile,
        KnowledgeFile,
        PathwayFile,
        QuestionsFile,
        StatementsFile,
    )


@dataclass(frozen=True)
class Catalogues:
    """The validated pathway files: what renderers, interviews and tooling read."""

    meta: KnowledgeFile
    questions: QuestionsFile
    arguments: ArgumentsFile
    evidence: EvidenceFile
    cautions: CautionsFile
    statements: StatementsFile
    pathways: dict[PathwayName, PathwayFile]
