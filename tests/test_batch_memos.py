"""Whatever batch remembers to go faster, a record's result is the one it gets alone.

Across records, batch keeps the unused answers per path and pattern of answers given, what an
incomplete case still needs, each contributing node's actions and cautions, the JSON of each path and outcome, invalid records' templates and
the wordings of their problems. A memo keyed by less than what its answer depends on hands one
record's answer to another: the unused answers once did (`cns_disease` lost after a case whose
`cns_metastases: false` stood for it; `tests/test_engine.py`). So every record here is
evaluated in one run, in two orders, and compared with the line it gets alone, every memo empty.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.batch.lines import evaluate_lines
from ntrk_advisor.contract import errors
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from tests.helpers import all_leaves

ROOT = Path(__file__).parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "batch-identity" / "corpus.jsonl"
SOURCE = "records.jsonl"
TODAY = dt.date(2026, 12, 7)

VARIATIONS: tuple[dict[str, Any], ...] = (
    {},
    {"cns_metastases": False},  # gives cns_disease: none, which the legacy answer stands for
    {"cns_metastases": True, "cns_disease": "symptomatic"},
    {"cns_disease": "none"},
    {"cns_metastases": False, "cns_disease": "none"},
    {"other_driver": False},
)
"""Answers added to a complete case, most of them off its path (so they are reported unused)."""


def varied_records(kb: KnowledgeBase) -> list[bytes]:
    """Every complete case the pathways reach, each with answers added or its last answer left out."""
    records = []
    for i, (answers, _) in enumerate(all_leaves(kb)):
        extra = VARIATIONS[i % len(VARIATIONS)]
        record: dict[str, Any] = {"id": f"leaf-{i}", **answers}
        if i % 7 == 3:  # older, in the next band or beyond (the same path, or another)
            record["age_years"] = answers["age_years"] + 0.5 + (i % 3) * 9
        if i % 5 == 2 and len(answers) > 2:  # incomplete: the last answer the path asked left out
            record.pop(list(answers)[-1])
        if extra.keys().isdisjoint(answers):
            record.update(extra)
        records.append(json.dumps(record).encode())
    return records


def alone(number: int, line: bytes, lang: str, kb: KnowledgeBase, compact: bool) -> bytes:
    """The line a record gets in a run of its own, with nothing remembered from any other."""
    kb.unused_memo.clear()
    kb.missing_memo.clear()
    kb.parts_memo.clear()
    errors._KEPT.clear()
    return b"".join(evaluate_lines([(number, line)], SOURCE, lang, kb, today=TODAY, compact=compact))  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "compact"), [("en", False), ("zh", True)])
def test_a_record_gets_the_same_line_in_a_run_of_any_order_as_alone(
    kb: KnowledgeBase, lang: str, compact: bool
) -> None:
    lines = CORPUS.read_bytes().split(b"\n") + varied_records(kb)
    numbered = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    expected = {number: alone(number, line, lang, kb, compact) for number, line in numbered}
    for order in (numbered, numbered[::-1]):  # the second run starts with the first's memos
        got = list(evaluate_lines(order, SOURCE, lang, kb, today=TODAY, compact=compact))  # type: ignore[arg-type]
        assert len(got) == len(order)
        for (number, _), line in zip(order, got, strict=True):
            assert line == expected[number], f"line {number} differs from its line alone"
