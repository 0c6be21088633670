"""Attempts as CSV or JSON, and the scenario list as data, for instructors' spreadsheets and scripts.

Each row is one stored attempt, plus the scenario's pathway, age group and difficulty from the
library (empty for a scenario it no longer holds), so a spreadsheet can group without a join.
CSV cells are formula-neutralised by the rule batch output uses too (`render/csv_safe.py`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from ntrk_advisor.practice.library import ScenarioLibrary
from ntrk_advisor.practice.store import Attempt
from ntrk_advisor.render.csv_safe import neutralise

COLUMNS = (
    "id",
    "answered_at",
    "scenario_id",
    "scenario_version",
    "pathway",
    "age_group",
    "difficulty",
    "choice",
    "correct",
    "lang",
    "knowledge_version",
)


def scenario_rows(library: ScenarioLibrary) -> list[dict[str, Any]]:
    """One JSON-ready object per scenario (`practice list --format json`): what it is, never its key."""
    return [
        {
            "id": k.id,
            "version": k.scenario.version,
            "pathway": k.scenario.pathway.value,
            "age_group": k.scenario.age_group.value,
            "difficulty": k.scenario.difficulty.value,
            "question": k.scenario.question.value,
            "title": k.scenario.title.model_dump(),
        }
        for k in library
    ]


def attempt_rows(attempts: Sequence[Attempt], library: ScenarioLibrary) -> list[dict[str, Any]]:
    """One JSON-ready object per attempt, keys in `COLUMNS` order."""
    rows = []
    for a in attempts:
        scenario = library.get(a.scenario_id).scenario if a.scenario_id in library else None
        rows.append(
            {
                "id": a.id,
                "answered_at": a.answered_at,
                "scenario_id": a.scenario_id,
                "scenario_version": a.scenario_version,
                "pathway": scenario.pathway.value if scenario else None,
                "age_group": scenario.age_group.value if scenario else None,
                "difficulty": scenario.difficulty.value if scenario else None,
                "choice": a.choice,
                "correct": a.correct,
                "lang": a.lang,
                "knowledge_version": a.knowledge_version,
            }
        )
    return rows


def to_json(attempts: Sequence[Attempt], library: ScenarioLibrary) -> str:
    """A JSON array of the attempts."""
    return json.dumps(attempt_rows(attempts, library), ensure_ascii=False, indent=2) + "\n"


def to_csv(attempts: Sequence[Attempt], library: ScenarioLibrary) -> str:
    """CSV with a header row; `correct` is true/false, unknown values are empty cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in attempt_rows(attempts, library):
        writer.writerow([neutralise(_cell(row[c])) for c in COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
