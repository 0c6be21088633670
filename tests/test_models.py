"""The case contract: enums, lenient matching, unknown keys, bounds; errors name their field."""

from __future__ import annotations

import json
import pickle

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ntrk_advisor.contract.case import CASE_FIELDS, Case, case_from_data
from ntrk_advisor.contract.decode import case_from_json
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.vocabulary import (
    Emergency,
    FusionStatus,
    HighRiskFeature,
    Progression,
    ResectionMargin,
    ResistanceMechanism,
    Response,
    Setting,
    TreatmentPhase,
    TrkInhibitor,
)
from ntrk_advisor.schemas import case_schema

CONTRACT_ENUMS = {
    "fusion_status": (
        FusionStatus,
        ["confirmed", "ihc_only", "not_tested", "non_fusion_alteration", "negative"],
    ),
    "setting": (Setting, ["early", "locally_advanced", "metastatic", "resistant"]),
    "treatment_phase": (TreatmentPhase, ["naive", "on_trk_inhibitor", "post_resection"]),
    "response": (Response, ["complete", "partial", "stable", "progression", "not_assessed"]),
    "resection_margin": (ResectionMargin, ["r0", "r1", "r2"]),
    "progression": (Progression, ["none", "oligo", "widespread"]),
    "resistance_mechanism": (
        ResistanceMechanism,
        ["not_tested", "solvent_front", "gatekeeper", "xdfg", "bypass", "none_found"],
    ),
}
CONTRACT_LISTS = {
    "high_risk_features": (
        HighRiskFeature,
        [
            "high_grade",
            "lymphovascular_invasion",
            "close_margin",
            "nodal_involvement",
            "large_tumor",
            "high_risk_histology",
        ],
    ),
    "emergency": (
        Emergency,
        [
            "bowel_obstruction",
            "bleeding",
            "spinal_cord_compression",
            "airway_compromise",
            "impending_fracture",
        ],
    ),
    "prior_trk_inhibitors": (
        TrkInhibitor,
        [
            "larotrectinib",
            "entrectinib",
            "repotrectinib",
            "selitrectinib",
            "zurletrectinib",
            "taletrectinib",
            "other",
        ],
    ),
}


def errors_of(data: object) -> dict[str, str]:
    with pytest.raises(CaseInvalid) as caught:
        case_from_data(data)
    return {e.field: e.message for e in caught.value.field_errors("en")}


def test_case_fields_are_the_contract_fields_in_contract_order() -> None:
    assert CASE_FIELDS == (
        "id",
        "age_years",
        "tumor_type",
        "fusion_status",
        "setting",
        "treatment_phase",
        "response",
        "max_response_reached",
        "resectable_now",
        "resection_margin",
        "high_risk_features",
        "progression",
        "emergency",
        "cns_metastases",
        "resistance_mechanism",
        "prior_trk_inhibitors",
        "tumor_category",
        "rai_status",
        "other_driver",
        "assay",
        "cns_disease",
        "residual_disease",
        "toxicity",
        "complete_response_months",
        "fit_for_surgery",
    )


@pytest.mark.parametrize("field", sorted(CONTRACT_ENUMS))
def test_every_enum_accepts_exactly_the_contract_values(field: str) -> None:
    enum, values = CONTRACT_ENUMS[field]
    assert [m.value for m in enum] == values
    for value in values:
        assert getattr(case_from_data({field: value}), field) is enum(value)


@pytest.mark.parametrize("field", sorted(CONTRACT_LISTS))
def test_every_list_enum_accepts_exactly_the_contract_values(field: str) -> None:
    enum, values = CONTRACT_LISTS[field]
    assert [m.value for m in enum] == values
    assert getattr(case_from_data({field: values}), field) == tuple(enum(v) for v in values)
    assert getattr(case_from_data({field: []}), field) == ()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Locally-Advanced", Setting.LOCALLY_ADVANCED),
        ("LOCALLY ADVANCED", Setting.LOCALLY_ADVANCED),
        (" metastatic ", Setting.METASTATIC),
        ("Early", Setting.EARLY),
    ],
)
def test_enum_values_match_case_insensitively_with_dash_and_space_as_underscore(
    given: str, expected: Setting
) -> None:
    assert case_from_data({"setting": given}).setting is expected


def test_list_values_are_matched_leniently_too() -> None:
    case = case_from_data({"emergency": ["Bowel Obstruction", "spinal-cord-compression"]})
    assert case.emergency == (Emergency.BOWEL_OBSTRUCTION, Emergency.SPINAL_CORD_COMPRESSION)


def test_unknown_key_is_named_with_the_closest_field() -> None:
    assert errors_of({"age_years": 44, "settting": "early"}) == {
        "settting": "unknown field; did you mean 'setting'?"
    }


def test_unknown_key_far_from_any_field_gets_no_suggestion() -> None:
    assert errors_of({"zzz": 1}) == {"zzz": "unknown field"}


def test_unknown_key_error_is_worded_in_chinese_too() -> None:
    with pytest.raises(CaseInvalid) as caught:
        case_from_data({"settting": "early"})
    (error,) = caught.value.field_errors("zh")
    assert error.field == "settting"
    assert "setting" in error.message and "未知字段" in error.message


def test_bad_enum_value_names_the_field_and_the_allowed_values() -> None:
    message = errors_of({"setting": "advanced"})["setting"]
    assert "early" in message and "resistant" in message


@pytest.mark.parametrize(
    ("age", "ok"),
    [(0, True), (0.5, True), (17.99, True), (129.9, True), (130, False), (-0.1, False), (1e308, False)],
)
def test_age_bounds_are_zero_inclusive_to_130_exclusive(age: float, ok: bool) -> None:
    if ok:
        assert case_from_data({"age_years": age}).age_years == age
    else:
        assert "age_years" in errors_of({"age_years": age})


@pytest.mark.parametrize("age", [True, "12", None.__class__.__name__, [12]])
def test_age_must_be_a_json_number(age: object) -> None:
    assert errors_of({"age_years": age}) == {"age_years": "must be a number"}


@pytest.mark.parametrize(
    "text", ['{"age_years": NaN}', '{"age_years": Infinity}', '{"age_years": -Infinity}']
)
def test_non_finite_ages_are_invalid(text: str) -> None:
    with pytest.raises(CaseInvalid) as caught:
        case_from_json(text)
    assert [e.field for e in caught.value.field_errors()] == ["age_years"]


def test_pediatric_is_below_18_and_adult_from_18() -> None:
    assert case_from_data({"age_years": 17.9}).age_group.value == "pediatric"
    assert case_from_data({"age_years": 18}).age_group.value == "adult"


@pytest.mark.parametrize(("field", "value"), [("id", "x" * 65), ("tumor_type", "t" * 201)])
def test_string_length_limits(field: str, value: str) -> None:
    assert "too long" in errors_of({field: value})[field]


@pytest.mark.parametrize("field", ["max_response_reached", "resectable_now", "cns_metastases"])
def test_booleans_must_be_json_booleans(field: str) -> None:
    assert errors_of({field: "yes"}) == {field: "must be true or false"}
    assert getattr(case_from_data({field: False}), field) is False


def test_each_problem_is_reported_with_its_own_field() -> None:
    errors = errors_of({"age_years": -1, "setting": "x", "emergency": ["bleeding", "flood"], "foo": 1})
    assert set(errors) == {"age_years", "setting", "emergency.1", "foo"}


def test_a_case_that_is_not_an_object_is_invalid_as_a_whole() -> None:
    assert errors_of([1, 2]) == {"case": "a case must be a JSON object"}


def test_malformed_json_is_invalid_as_a_whole() -> None:
    with pytest.raises(CaseInvalid) as caught:
        case_from_json('{"age_years": ')
    (error,) = caught.value.field_errors()
    assert error.field == "case" and error.message.startswith("not valid JSON")


def test_cases_are_frozen() -> None:
    case = Case(age_years=3)
    with pytest.raises(AttributeError):
        case.age_years = 4  # type: ignore[misc]


def test_building_a_case_by_keywords_validates_like_a_case_file() -> None:
    assert Case(setting="Locally-Advanced", emergency=["Bleeding"]) == case_from_data(
        {"setting": "locally_advanced", "emergency": ["bleeding"]}
    )
    with pytest.raises(CaseInvalid) as caught:
        Case(setting="nowhere", age_years=-1)
    assert [e.field for e in caught.value.field_errors()] == ["age_years", "setting"]


def test_problems_come_in_contract_order_whatever_the_key_order() -> None:
    data = {"foo": 1, "setting": "x", "emergency": ["flood"], "age_years": "3", "id": 7}
    with pytest.raises(CaseInvalid) as caught:
        case_from_data(data)
    fields = [e.field for e in caught.value.field_errors()]
    assert fields == ["id", "age_years", "setting", "emergency.0", "foo"]


def test_a_list_field_needs_a_list_even_when_the_string_is_a_valid_value() -> None:
    assert errors_of({"emergency": "bleeding"}) == {"emergency": "must be a list"}
    assert errors_of({"high_risk_features": {"high_grade": True}}) == {"high_risk_features": "must be a list"}


def test_a_scalar_field_refuses_a_list_of_valid_values() -> None:
    assert set(errors_of({"setting": ["early"]})) == {"setting"}


def test_unhashable_list_items_are_named_by_index() -> None:
    assert set(errors_of({"prior_trk_inhibitors": ["larotrectinib", {"x": 1}, ["y"]]})) == {
        "prior_trk_inhibitors.1",
        "prior_trk_inhibitors.2",
    }


def test_a_library_caller_may_give_tuples_and_enum_members() -> None:
    case = case_from_data({"emergency": (Emergency.BLEEDING, "airway-compromise"), "setting": Setting.EARLY})
    assert case.emergency == (Emergency.BLEEDING, Emergency.AIRWAY_COMPROMISE)
    assert case.setting is Setting.EARLY


@pytest.mark.parametrize("age", [10**400, -(10**400)])
def test_integers_beyond_float_range_are_out_of_bounds_not_a_crash(age: int) -> None:
    assert set(errors_of({"age_years": age})) == {"age_years"}


def test_a_lone_surrogate_in_text_is_refused() -> None:
    assert errors_of({"tumor_type": "a\ud800b"}) == {"tumor_type": "must be valid Unicode text"}


def test_null_means_not_given() -> None:
    assert case_from_data({"setting": None, "emergency": None}) == Case()


def test_answers_are_the_given_fields_as_json_values() -> None:
    case = Case(id="x", age_years=4, setting="early", emergency=["bleeding"], cns_metastases=True)
    assert case.answers() == {
        "id": "x",
        "age_years": 4,
        "setting": "early",
        "emergency": ["bleeding"],
        "cns_metastases": True,
    }
    assert case_from_data(case.answers()) == case


def test_cases_survive_pickling_for_parallel_workers() -> None:
    case = Case(age_years=0.5, setting="metastatic", prior_trk_inhibitors=["larotrectinib"])
    assert pickle.loads(pickle.dumps(case)) == case


# --- the case JSON Schema and validation are written from one table: they must agree ----------

CASE_SCHEMA = jsonschema.Draft202012Validator(case_schema())
_CANONICAL_WORDS = [v for _, values in [*CONTRACT_ENUMS.values(), *CONTRACT_LISTS.values()] for v in values]
_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=70)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(_CANONICAL_WORDS),
    _TEXT,
)
_VALUES = st.one_of(_SCALARS, st.lists(st.one_of(st.sampled_from(_CANONICAL_WORDS), _SCALARS), max_size=3))
_KEYS = st.one_of(st.sampled_from(CASE_FIELDS), st.text(max_size=12))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=8))
def test_what_the_case_schema_accepts_validation_accepts_and_every_case_fits_the_schema(
    data: dict[str, object],
) -> None:
    try:
        case = case_from_data(data)
    except CaseInvalid:
        # NaN is no JSON (RFC 8259), so no JSON Schema can refuse it: a schema validator compares it
        # with the bounds and lets it through. Validation refuses it (`finite`); the schema judges JSON.
        assert not CASE_SCHEMA.is_valid(data) or not _is_json(data), data
    else:
        assert CASE_SCHEMA.is_valid(case.answers()), data


def _is_json(value: object) -> bool:
    """Whether a value can be written as JSON at all (no NaN, no infinity)."""
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


def test_a_nan_age_is_refused_by_validation_though_a_schema_cannot_say_so() -> None:
    """The case found by the property above (CI, 2026-12-07): `{"age_years": NaN}`."""
    with pytest.raises(CaseInvalid) as refused:
        case_from_data({"age_years": float("nan")})
    assert refused.value.problems == (("age_years", "finite", {}),)
    assert CASE_SCHEMA.is_valid({"age_years": float("nan")}) and not _is_json({"age_years": float("nan")})


def test_an_unknown_key_with_a_lone_surrogate_is_named_in_writable_text() -> None:
    errors = errors_of({"a\ud800b": 1})
    assert errors == {"a\\ud800b": "unknown field"}
    next(iter(errors)).encode("utf-8")  # found by benchmarks/fuzz.py: a key must be writable
