"""The record decoder (msgspec, one pass) agrees with the general path on every record it takes.

`case_from_record` may decline any record (None: the general path reads it), but a record it
takes must give the very `Case` that `decode_json` + `case_from_data` give, value for value and
type for type (an integer age stays an integer: the trace shows it), or raise the same
`CaseInvalid` for answers that contradict each other. Records are generated to hit the edges:
lenient spellings, wrong types, nulls, bounds, big numbers, keys given twice, unknown keys,
colons and non-ASCII text in values, a byte-order mark, no object at all.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ntrk_advisor.contract.case import CASE_FIELDS, Case, case_from_data
from ntrk_advisor.contract.decode import decode_json
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.fields import CASE_SPECS
from ntrk_advisor.contract.record_decoder import case_from_record
from tests.helpers import plain_answer


def general(raw: bytes) -> Case | CaseInvalid:
    try:
        return case_from_data(decode_json(raw))
    except CaseInvalid as exc:
        return exc


def fast(raw: bytes) -> Case | CaseInvalid | None:
    try:
        return case_from_record(raw)
    except CaseInvalid as exc:
        return exc


def assert_agrees(raw: bytes) -> Case | CaseInvalid | None:
    got, want = fast(raw), general(raw)
    if got is None:
        return None
    if isinstance(want, CaseInvalid):
        assert isinstance(got, CaseInvalid), (raw, got, want.problems)
        assert got.problems == want.problems and got.age_years == want.age_years, raw
        return got
    assert isinstance(got, Case), (raw, got.problems if isinstance(got, CaseInvalid) else got)
    assert tuple(got) == tuple(want), raw
    for name, a, b in zip(CASE_FIELDS, got, want, strict=True):
        assert type(a) is type(b), (name, raw, a, b)
        if isinstance(a, tuple):
            assert [type(x) for x in a] == [type(x) for x in b], (name, raw)
    return got


def test_plain_records_are_taken_and_equal_the_general_path() -> None:
    rng = random.Random(5)
    taken = 0
    for _ in range(2_000):
        names = rng.sample(list(CASE_FIELDS), rng.randint(0, len(CASE_FIELDS)))
        record = {name: plain_answer(name, rng) for name in names}
        raw = json.dumps(record).encode()
        if assert_agrees(raw) is not None:
            taken += 1
    assert taken == 2_000  # without colons in values or keys given twice, every plain record is taken


EDGES: list[bytes] = [
    b"{}",
    b"[]",
    b"null",
    b'"text"',
    b"",
    b"{",
    b'\xef\xbb\xbf{"setting": "early"}',
    b'{"setting": "Early"}',
    b'{"setting": "LOCALLY-ADVANCED"}',
    b'{"resection_margin": "R0"}',
    b'{"emergency": ["Airway"]}',
    b'{"setting": "early", "setting": "metastatic"}',
    b'{"setting": "early", "setting": "early"}',
    b'{"setting": null, "setting": "early"}',
    b'{"tumor_type": "thyroid: papillary", "setting": "early"}',
    b'{"tumor_type": "a\\u003ab", "setting": "early", "setting": "metastatic"}',
    b'{"id": "caf\xc3\xa9"}',
    b'{"id": "\\ud800"}',
    b'{"id": "\\u00e9"}',
    b'{"id": "' + b"x" * 65 + b'"}',
    b'{"tumor_type": "' + b"y" * 201 + b'"}',
    b'{"resectable_now": 1}',
    b'{"resectable_now": "yes"}',
    b'{"age_years": true}',
    b'{"age_years": "12"}',
    b'{"age_years": 130}',
    b'{"age_years": 129.9999999}',
    b'{"age_years": -0.0}',
    b'{"age_years": -1}',
    b'{"age_years": 1e400}',
    b'{"age_years": NaN}',
    b'{"age_years": 12.0}',
    b'{"age_years": 1.2e1}',
    b'{"age_years": ' + b"9" * 5000 + b"}",
    b'{"complete_response_months": 599.5}',
    b'{"complete_response_months": 600}',
    b'{"emergency": null, "setting": null}',
    b'{"emergency": "airway"}',
    b'{"emergency": [null]}',
    b'{"emergency": [["airway"]]}',
    b'{"unknown": 1}',
    b'{"sources": {}}',
    b'{"setting": {"a": 1}}',
    b'{"treatment_phase": "naive", "prior_trk_inhibitors": ["larotrectinib"], "id": "c1", "age_years": 3}',
    b'{"cns_metastases": false}',
    b'{"cns_metastases": false, "cns_disease": "symptomatic"}',
    b'{"tumor_category": "infantile_fibrosarcoma", "age_years": 30}',
    b'{"setting": "early"} trailing',
    b'  {"setting": "early"}  ',
]


@pytest.mark.parametrize("raw", EDGES, ids=range(len(EDGES)))
def test_edge_records_are_declined_or_equal_the_general_path(raw: bytes) -> None:
    assert_agrees(raw)


def test_keys_given_twice_are_left_to_the_general_path() -> None:
    assert fast(b'{"setting": "early", "setting": "metastatic"}') is None
    assert isinstance(general(b'{"setting": "early", "setting": "metastatic"}'), CaseInvalid)


def test_contradictions_raise_what_the_general_path_raises() -> None:
    raw = (
        b'{"id": "c1", "age_years": 3, "treatment_phase": "naive", "prior_trk_inhibitors": ["larotrectinib"]}'
    )
    got = fast(raw)
    assert isinstance(got, CaseInvalid)
    assert got.problems[0][1] == "contradiction"
    assert_agrees(raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
field_values = st.one_of(
    json_values,
    *(st.sampled_from([m.value for m in s.values]) for s in CASE_SPECS.values() if s.values is not None),
    *(
        st.lists(st.sampled_from([m.value for m in s.values]), max_size=3)
        for s in CASE_SPECS.values()
        if s.kind == "list" and s.values is not None
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from([*CASE_FIELDS, "other"]), field_values, max_size=8))
def test_generated_records_are_declined_or_equal_the_general_path(record: dict[str, Any]) -> None:
    assert_agrees(json.dumps(record).encode())
