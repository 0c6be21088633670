"""Version 2 of the case and result: no unvalidated case, no dropped answer, no duplicate key."""

from __future__ import annotations

import difflib
import json
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ntrk_advisor
from ntrk_advisor import evaluate
from ntrk_advisor.contract.case import CASE_FIELDS, Case, case_from_data, nearest_field
from ntrk_advisor.contract.decode import case_from_json
from ntrk_advisor.contract.errors import CaseInvalid

EARLY = {
    "age_years": 50,
    "fusion_status": "confirmed",
    "setting": "early",
    "treatment_phase": "naive",
    "emergency": [],
    "fit_for_surgery": True,
}


def test_case_invalid_is_part_of_the_public_api() -> None:
    assert "CaseInvalid" in ntrk_advisor.__all__
    assert ntrk_advisor.CaseInvalid is CaseInvalid


def test_replace_validates_so_a_garbage_case_cannot_exist() -> None:
    case = case_from_data(EARLY)
    with pytest.raises(CaseInvalid) as caught:
        case._replace(setting="garbage", age_years=-5)  # type: ignore[arg-type]
    assert {e.field for e in caught.value.field_errors()} == {"setting", "age_years"}


def test_make_validates_too() -> None:
    values = list(case_from_data(EARLY))
    values[1] = 400
    with pytest.raises(CaseInvalid):
        Case._make(values)


def test_replace_with_good_values_gives_a_valid_case() -> None:
    case = case_from_data(EARLY)._replace(setting="metastatic")  # type: ignore[arg-type]
    assert case.setting is not None and case.setting.value == "metastatic"


def test_a_pickled_case_is_validated_again_when_unpickled() -> None:
    case = case_from_data(EARLY)
    assert pickle.loads(pickle.dumps(case)) == case


def test_the_result_says_schema_version_2() -> None:
    assert evaluate(EARLY).to_dict()["schema_version"] == "2"


def test_an_answer_the_path_did_not_use_is_reported_not_dropped() -> None:
    result = evaluate(
        {**EARLY, "rai_status": "rai_avid", "tumor_category": "thyroid", "resectable_now": True}
    )
    assert result.status.value == "complete"
    assert result.unused_answers == ("resectable_now", "tumor_category", "rai_status")  # field order
    assert result.to_dict()["unused_answers"] == ["resectable_now", "tumor_category", "rai_status"]


def test_an_incomplete_case_does_not_call_an_answer_unused_that_a_later_question_may_use() -> None:
    result = evaluate(
        {"age_years": 50, "fusion_status": "confirmed", "emergency": [], "resection_margin": "r1"}
    )
    assert result.status.value == "incomplete" and result.missing[0] == "setting"
    assert "resection_margin" not in result.unused_answers


def test_the_id_and_the_tumour_type_are_never_called_unused() -> None:
    result = evaluate({**EARLY, "id": "x", "tumor_type": "parotid"})
    assert result.unused_answers == ()


def test_a_version_1_cns_field_counts_as_used_when_its_successor_is() -> None:
    case = {
        "age_years": 61,
        "fusion_status": "confirmed",
        "setting": "metastatic",
        "treatment_phase": "naive",
        "emergency": [],
        "cns_metastases": False,
        "other_driver": False,
        "tumor_category": "lung",
    }
    result = evaluate(case)
    assert result.status.value == "complete" and result.unused_answers == ()
    early = evaluate({**EARLY, "cns_metastases": False})
    assert early.unused_answers == ("cns_metastases",)  # not also the cns_disease it stands for


def test_every_action_has_an_evidence_level() -> None:
    result = evaluate(
        {**EARLY, "setting": "locally_advanced", "age_years": 0.5, "tumor_category": "infantile_fibrosarcoma"}
    )
    levels = {a["action"]: a["evidence_level"] for a in result.to_dict()["actions"]}
    assert set(levels) == {"neoadjuvant_trk", "surgery_at_max_response", "mdt_review"}
    assert all(
        level
        in {
            "label",
            "guideline",
            "randomized",
            "prospective",
            "retrospective",
            "case_reports",
            "preclinical",
            "expert_opinion",
        }
        for level in levels.values()
    )


@pytest.mark.parametrize(
    "text",
    [
        '{"age_years": 5, "age_years": 50, "fusion_status": "confirmed"}',
        '{"age_years": 50, "fusion_status": "not_detected", "fusion_status": "confirmed"}',
    ],
)
def test_a_key_given_twice_is_invalid_and_named_never_last_wins(text: str) -> None:
    with pytest.raises(CaseInvalid) as caught:
        case_from_json(text)
    (error,) = caught.value.field_errors()
    assert error.field in json.loads(text)
    assert "more than once" in error.message


def test_a_utf8_byte_order_mark_is_no_error() -> None:
    case_from_json("\ufeff" + json.dumps(EARLY))


def test_a_huge_bad_list_gives_a_short_error_result() -> None:
    result = evaluate({"age_years": 50, "fusion_status": "confirmed", "emergency": ["nope"] * 200_000})
    errors = result.to_dict()["errors"]
    assert len(errors) == 6 and errors[-1] == {
        "field": "emergency",
        "message": "and 199995 more items that are not allowed values",
    }
    assert len(json.dumps(result.to_dict())) < 20_000


def test_a_huge_unknown_key_is_cut_in_the_error_with_its_length() -> None:
    result = evaluate({"age_years": 50, "k" * 1_000_000: 1})
    (error,) = result.errors
    assert error.field == "k" * 64 + "… (1000000 characters)"


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(CASE_FIELDS).map(lambda name: name.replace("_", "", 1)),
        st.sampled_from(CASE_FIELDS).map(lambda name: name.upper()),
        st.tuples(st.sampled_from(CASE_FIELDS), st.text(max_size=4)).map("".join),
        st.tuples(st.text(max_size=4), st.sampled_from(CASE_FIELDS)).map("".join),
    )
)
def test_the_field_suggested_for_an_unknown_key_is_the_one_difflib_finds(key: str) -> None:
    close = difflib.get_close_matches(key, CASE_FIELDS, n=1, cutoff=0.6)
    assert nearest_field(key) == (close[0] if close else None)
