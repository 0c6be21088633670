"""The validated pathway files, grouped: what renderers, interviews and the tooling read.

It sits in a module of its own so that both the loader (`knowledge`) and the compiler
(`compiled`) can name it without importing each other: the knowledge layer has no import cycle.
Naming the type costs nothing; `catalogues_of`, which validates the parsed files into it, imports
the schema (and with it pydantic) only when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ntrk_advisor.contract.vocabulary import PathwayName
from ntrk_advisor.errors import PathwayError, PathwayProblem

if TYPE_CHECKING:
    from ntrk_advisor.pathway.schema import (
        ArgumentsFile,
        CautionsFile,
        EvidenceFile,
        KnowledgeFile,
        PathwayFile,
        QuestionsFile,
        ReviewersFile,
        ReviewsFile,
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
    reviewers: ReviewersFile | None = None
    """`reviewers.yaml`, when the folder has one."""
    reviews: dict[str, ReviewsFile] = field(default_factory=dict)
    """The signed review records, by file (`reviews/NAME.yaml`), in name order."""


def catalogues_of(parsed: dict[str, Any], problems: list[PathwayProblem] | None = None) -> Catalogues:
    """Validate every parsed file; problems are collected (or, for files once checked, raised).

    Raises `PathwayError` with the problems given and those found here, if there are any.
    """
    from ntrk_advisor.pathway.loading import validate
    from ntrk_advisor.pathway.schema import (
        ArgumentsFile,
        CautionsFile,
        EvidenceFile,
        KnowledgeFile,
        PathwayFile,
        QuestionsFile,
        ReviewersFile,
        ReviewsFile,
        StatementsFile,
    )
    from ntrk_advisor.pathway.sources import REVIEWERS_FILE, REVIEWS_FOLDER

    found: list[PathwayProblem] = [] if problems is None else problems
    meta = validate(KnowledgeFile, parsed, "knowledge.yaml", found)
    questions = validate(QuestionsFile, parsed, "questions.yaml", found)
    arguments = validate(ArgumentsFile, parsed, "arguments.yaml", found)
    evidence = validate(EvidenceFile, parsed, "evidence.yaml", found)
    cautions = validate(CautionsFile, parsed, "cautions.yaml", found)
    statements = validate(StatementsFile, parsed, "recommendations.yaml", found)
    pathways: dict[PathwayName, PathwayFile] = {}
    for pathway in PathwayName:
        fname = f"{pathway.value}.yaml"
        pfile = validate(PathwayFile, parsed, fname, found)
        if pfile is not None:
            if pfile.pathway is not pathway:
                declared = pfile.pathway.value
                message = f"declares '{declared}', expected '{pathway.value}'"
                found.append(PathwayProblem(fname, "pathway", message))
            else:
                pathways[pathway] = pfile
    reviewers = validate(ReviewersFile, parsed, REVIEWERS_FILE, found)
    reviews: dict[str, ReviewsFile] = {}
    for name in sorted(n for n in parsed if n.startswith(f"{REVIEWS_FOLDER}/")):
        records = validate(ReviewsFile, parsed, name, found)
        if records is not None:
            reviews[name] = records
    if found:
        raise PathwayError(found)
    assert meta and questions and arguments and evidence and cautions and statements
    return Catalogues(
        meta, questions, arguments, evidence, cautions, statements, pathways, reviewers, reviews
    )
