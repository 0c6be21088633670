"""Whole results for the example cases, in both languages, match reviewed golden files.

After a deliberate change to the pathways, regenerate with `NTRK_UPDATE_GOLDEN=1 pytest
tests/test_golden.py`, then read the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.api import evaluate
from ntrk_advisor.render.json_out import result_json

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "cases.jsonl"
CASES = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_example_result_matches_its_golden_file(case: dict[str, Any], lang: str) -> None:
    path = GOLDEN / f"{case['id']}.{lang}.json"
    actual = result_json(evaluate(case, lang)) + "\n"
    if os.environ.get("NTRK_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}; run with NTRK_UPDATE_GOLDEN=1 and review it"
    assert json.loads(actual) == json.loads(path.read_text(encoding="utf-8"))


def test_every_golden_file_belongs_to_an_example() -> None:
    expected = {f"{c['id']}.{lang}.json" for c in CASES for lang in ("en", "zh")}
    assert {p.name for p in GOLDEN.glob("*.json")} == expected
