"""Arbitrary JSON, one value per line, never raises and always yields a contract-valid result."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntrk_advisor.batch.runner import BatchEvaluator, BatchStats
from ntrk_advisor.batch.sources import Record
from ntrk_advisor.contract.case import CASE_FIELDS
from ntrk_advisor.contract.fields import FIELD_SPECS
from ntrk_advisor.pathway.knowledge import default_knowledge_base
from ntrk_advisor.schemas import result_schema
from tests.conftest import RESULT_KEYS
from tests.fhir_support import TODAY

KEYS = ["id", *FIELD_SPECS, "settting", "extra"]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "confirmed",
            "Metastatic",
            "on-trk-inhibitor",
            "r0",
            "oligo",
            "xdfg",
            "bleeding",
            "larotrectinib",
            "none",
            "high grade",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
CASES = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=10)

VALIDATOR = jsonschema.Draft202012Validator(result_schema())
EVALUATORS = {lang: BatchEvaluator(default_knowledge_base(), lang, today=TODAY) for lang in ("en", "zh")}  # type: ignore[misc]


def check_line(line: bytes) -> dict[str, Any]:
    data = json.loads(line)
    VALIDATOR.validate(data)
    assert [k for k in RESULT_KEYS if k in data] == list(data)
    if data["status"] == "complete":
        assert any(a["action"] == "mdt_review" for a in data["actions"])
    elif data["status"] == "incomplete":
        assert data["missing"] and set(data["missing"]) <= set(CASE_FIELDS)
    else:
        assert data["errors"] and data["actions"] == []
    return data


@pytest.mark.slow  # seconds of generated examples: CI runs it with the slow tests
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.one_of(CASES, VALUES), lang=st.sampled_from(["en", "zh"]))
def test_any_json_line_gives_one_contract_valid_result(value: Any, lang: str) -> None:
    raw = json.dumps(value, allow_nan=True).encode()
    item = EVALUATORS[lang].evaluate(Record("f.jsonl", 1, raw=raw))
    data = check_line(item.line)
    assert data["case_id"] == item.case_id


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=200))
def test_any_bytes_give_one_contract_valid_result(raw: bytes) -> None:
    stats = BatchStats()
    (item,) = list(EVALUATORS["en"].run([Record("f.jsonl", 9, raw=raw)], stats))
    check_line(item.line)
    assert stats.total == 1
