"""The batch encoder's cached JSON is byte-identical to the general `Result` path."""

from __future__ import annotations

import json

import pytest

from ntrk_advisor.api import evaluate
from ntrk_advisor.batch.encode import DecisionEncoder, compact_dict, dumps, result_line
from ntrk_advisor.contract.case import case_from_data
from ntrk_advisor.engine import decide
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from tests.helpers import all_leaves


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("compact", [False, True])
def test_cached_encoding_equals_the_general_path_for_every_leaf(
    kb: KnowledgeBase, lang: str, compact: bool
) -> None:
    encoder = DecisionEncoder(kb, lang, compact=compact)  # type: ignore[arg-type]
    leaves = all_leaves(kb)
    for i, (answers, _) in enumerate(leaves):
        for extra_years in (0, 1.25):  # same path, another age: the cached template is reused
            case = case_from_data({**answers, "age_years": answers["age_years"] + extra_years})
            line, summary = encoder.encode(decide(case, kb), f"id-{i}")
            expected = evaluate({**case.answers(), "id": f"id-{i}"}, lang, kb)  # type: ignore[arg-type]
            assert line.decode() == result_line(expected, compact=compact)
            assert summary.actions == tuple((a.action.value, a.strength.value) for a in expected.actions)
    assert len(encoder._templates) < len(leaves) / 2  # one template per path, shared by many answers


def test_incomplete_decisions_encode_identically(kb: KnowledgeBase) -> None:
    encoder = DecisionEncoder(kb, "en")
    for answers in (
        {"age_years": 3},
        {"fusion_status": "confirmed"},
        {"age_years": 30, "fusion_status": "confirmed", "setting": "metastatic"},
    ):
        case = case_from_data(answers)
        line, _ = encoder.encode(decide(case, kb), None)
        assert line.decode() == result_line(evaluate(case, "en", kb))


def test_case_ids_with_quotes_and_unicode_are_escaped_like_json(kb: KnowledgeBase) -> None:
    encoder = DecisionEncoder(kb, "en")
    case = case_from_data({"age_years": 3, "fusion_status": "negative"})
    line, _ = encoder.encode(decide(case, kb), 'a"b\\c\n病例')
    assert json.loads(line)["case_id"] == 'a"b\\c\n病例'


def test_compact_keeps_codes_and_drops_texts() -> None:
    data = json.loads(
        dumps(
            compact_dict(evaluate({"age_years": 70, "fusion_status": "ihc_only", "emergency": []}).to_dict())
        )
    )
    assert "cautions" not in data and "summary" not in data["actions"][0]
    assert data["actions"][0]["action"] == "confirm_fusion"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("compact", [False, True])
def test_an_invalid_result_from_its_template_equals_the_general_path(
    kb: KnowledgeBase, lang: str, compact: bool
) -> None:
    """Issue 27: invalid results are written from a template per age band, not through `Result`."""
    from ntrk_advisor.batch.encode import summary_of
    from ntrk_advisor.contract.errors import CaseInvalid
    from ntrk_advisor.engine import invalid_result

    encoder = DecisionEncoder(kb, lang, compact=compact)  # type: ignore[arg-type]
    records: list[object] = [
        {"age_years": 0.5, "fusion_status": "maybe"},
        {"age_years": 45, "treatment_phase": "naive", "prior_trk_inhibitors": ["larotrectinib"]},
        {"age_years": 12, "zzz": 1, "setingg": "early", "emergency": ["x", "y"]},
        {"age_years": -3, "note": 'a "quoted" \\ value \u75c5\u4f8b'},
        {"age_years": 70, "resectable_now": "yes"},
        [1, 2],
    ]
    for number, record in enumerate(records):
        with pytest.raises(CaseInvalid) as caught:
            case_from_data(record)
        for case_id in (f"id-{number}", None, 'q"\n\u75c5'):
            expected = invalid_result(caught.value, lang, kb, case_id)  # type: ignore[arg-type]
            line, summary = encoder.invalid(caught.value, case_id)
            assert line == result_line(expected, compact=compact).encode()
            general = summary_of(expected)
            assert (summary.status, summary.pathway, summary.age_group, summary.errors) == (
                general.status,
                general.pathway,
                general.age_group,
                general.errors,
            )
            assert (summary.actions, summary.missing, summary.unused, summary.reviews) == ((), (), (), ())
