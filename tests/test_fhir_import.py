"""FHIR R4 import: every fixture maps to its golden case and sources, bad Bundles are one clear
error naming the FHIR path, nothing identifying leaves the import, and consult and batch read
Bundles (and derived cases) as they read cases."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor import environment
from ntrk_advisor.cli.edge import exit_code_for
from ntrk_advisor.contract.case import case_from_data
from ntrk_advisor.exit_codes import ExitCode
from ntrk_advisor.fhir.bundle import MAX_DEPTH, MAX_ENTRIES
from ntrk_advisor.fhir.derived import derived_json
from ntrk_advisor.fhir.elements import FhirError
from ntrk_advisor.fhir.importer import case_from_bundle
from tests.conftest import run_main
from tests.fhir_support import (
    FIXTURES,
    NAMES,
    NEVER_CONFIRMED,
    REVIEW_FORMS,
    SENTINEL,
    TODAY,
    bundle,
    expected,
    leaked,
    planted,
)

JUDGEMENT = {
    "treatment_phase",
    "response",
    "max_response_reached",
    "resectable_now",
    "resection_margin",
    "high_risk_features",
    "progression",
    "emergency",
    "tumor_category",
    "rai_status",
    "other_driver",
    "cns_disease",
    "residual_disease",
    "toxicity",
    "complete_response_months",
    "fit_for_surgery",
    "tumor_type",
}
"""Fields the import never fills: a clinician's judgement, or not read from the record."""


def imported(name: str, today: date = TODAY, **kwargs: Any) -> dict[str, Any]:
    result = case_from_bundle(bundle(name), today=today, **kwargs)
    data: dict[str, Any] = json.loads(derived_json(result.answers, result.sources))
    return data


@pytest.mark.parametrize("name", NAMES)
def test_every_fixture_maps_to_its_golden_case_and_sources(name: str) -> None:
    assert imported(name) == expected(name)


@pytest.mark.parametrize("name", NAMES)
def test_every_derived_case_validates_and_every_answer_has_a_source(name: str) -> None:
    derived = imported(name)
    sources = derived.pop("sources")
    case_from_data(derived)
    assert set(sources) == set(derived)
    assert not set(derived) & JUDGEMENT


@pytest.mark.parametrize("name", NEVER_CONFIRMED)
def test_no_other_gene_ihc_only_or_point_mutation_fixture_is_confirmed(name: str) -> None:
    assert imported(name).get("fusion_status") != "confirmed"


def test_the_2_0_0_and_stu3_component_names_give_the_same_case() -> None:
    stu2, stu3 = imported("resistance-stu2-names"), imported("resistance-stu3-names")
    for derived in (stu2, stu3):
        derived.pop("id")
        derived.pop("sources")
    assert stu2 == stu3


def test_sequence_ontology_urls_with_and_without_a_trailing_slash_are_read() -> None:
    for name in ("so-url-trailing-slash", "so-url-no-slash"):
        assert imported(name)["fusion_status"] == "confirmed"


def test_the_callers_id_wins_and_has_no_source() -> None:
    derived = imported("etv6-ntrk3", case_id="mdt-7")
    assert derived["id"] == "mdt-7" and "id" not in derived["sources"]


# --- bad Bundles: one FhirError naming the FHIR path ---------------------------------------------


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"extension": [value]}
    return value


def _other_patient(b: dict[str, Any]) -> None:
    b["entry"][2]["resource"]["subject"] = {"reference": "Patient/someone-else"}


def _second_patient(b: dict[str, Any]) -> None:
    b["entry"].append({"resource": {"resourceType": "Patient", "id": "p2"}})


MUTATIONS = {
    "not an object": (lambda b: None, "Bundle", "not_object"),
    "not a Bundle": (lambda b: b.update(resourceType="Patient"), "Bundle.resourceType", "not_bundle"),
    "no Patient": (lambda b: b["entry"].pop(0), "Bundle.entry", "no_patient"),
    "two Patients": (_second_patient, "Bundle.entry", "many_patients"),
    "STU3 declared": (lambda b: b.update(fhirVersion="3.0.2"), "Bundle.fhirVersion", "version"),
    "R5 declared in a tag": (
        lambda b: b.update(meta={"tag": [{"system": "http://hl7.org/fhir/FHIR-version", "code": "5.0.0"}]}),
        "Bundle.fhirVersion",
        "version",
    ),
    "R5 issues": (lambda b: b.update(issues={}), "Bundle.issues", "version"),
    "an R5 resource type": (
        lambda b: b["entry"].append({"resource": {"resourceType": "GenomicStudy"}}),
        "Bundle.entry[3].resource.resourceType",
        "other_version_type",
    ),
    "entry not an array": (lambda b: b.update(entry={}), "Bundle.entry", "not_array"),
    "resource not an object": (
        lambda b: b["entry"][1].update(resource=[]),
        "Bundle.entry[1].resource",
        "not_object",
    ),
    "component not an array": (
        lambda b: b["entry"][2]["resource"].update(component={}),
        "Bundle.entry[2].resource.component",
        "not_array",
    ),
    "coding not an array": (
        lambda b: b["entry"][2]["resource"]["code"].update(coding="69548-6"),
        "Bundle.entry[2].resource.code.coding",
        "not_array",
    ),
    "a code that is a number": (
        lambda b: b["entry"][2]["resource"]["component"][1]["valueCodeableConcept"]["coding"][0].update(
            code=8033
        ),
        "Bundle.entry[2].resource.component[1].valueCodeableConcept.coding[0].code",
        "not_string",
    ),
    "a birth date that is no date": (
        lambda b: b["entry"][0]["resource"].update(birthDate="14/03/2026"),
        "Bundle.entry[0].resource.birthDate",
        "bad_date",
    ),
    "born after the timestamp": (
        lambda b: b["entry"][0]["resource"].update(birthDate="2027-01-01"),
        "Bundle.entry[0].resource.birthDate",
        "born_later",
    ),
    "a subject that is another patient": (
        _other_patient,
        "Bundle.entry[2].resource.subject",
        "other_patient",
    ),
    "deeply nested": (
        lambda b: b["entry"][2]["resource"].update(extension=[nested(MAX_DEPTH)]),
        "Bundle",
        "too_deep",
    ),
    "too many entries": (
        lambda b: b.update(entry=b["entry"] + [{}] * MAX_ENTRIES),
        "Bundle.entry",
        "too_many_entries",
    ),
    "a Bundle inside": (
        lambda b: b["entry"].append({"resource": {"resourceType": "Bundle"}}),
        "Bundle.entry[3].resource",
        "nested_bundle",
    ),
}


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_a_bad_bundle_is_one_error_naming_the_fhir_path(case: str) -> None:
    mutate, where, reason = MUTATIONS[case]
    value: Any = bundle("etv6-ntrk3")
    mutate(value)
    if case == "not an object":
        value = ["not", "a", "bundle"]
    with pytest.raises(FhirError) as caught:
        case_from_bundle(value, today=TODAY)
    assert (caught.value.where, caught.value.reason) == (where, reason)
    assert where in str(caught.value)
    assert exit_code_for(caught.value) == ExitCode.USAGE
    for lang in ("en", "zh"):
        assert caught.value.message(lang)  # worded in both languages


def test_a_medication_reference_to_the_wrong_type_names_its_place() -> None:
    value = bundle("resistance-stu3-names")
    value["entry"][4]["resource"]["medicationReference"] = {"reference": "Observation/cm1"}
    with pytest.raises(FhirError) as caught:
        case_from_bundle(value, today=TODAY)
    assert caught.value.where == "Bundle.entry[4].resource.medicationReference"


# --- what is never inferred ----------------------------------------------------------------------


def test_brain_metastases_leave_their_symptoms_to_be_asked() -> None:
    derived = imported("sentinels")
    assert derived["cns_metastases"] is True and "cns_disease" not in derived
    result = run_main("consult", "--case", str(FIXTURES / "sentinels.json"), "--no-input", "--format", "json")
    assert "cns_disease" in result.json["missing"]


def test_no_brain_metastasis_recorded_is_unknown_never_none() -> None:
    for name in NAMES:
        if name != "sentinels":
            derived = imported(name)
            assert "cns_metastases" not in derived and "cns_disease" not in derived


def test_no_trk_inhibitor_in_the_record_is_unknown_never_none() -> None:
    assert "prior_trk_inhibitors" not in imported("etv6-ntrk3")


def test_a_medication_not_taken_is_not_a_prior_inhibitor() -> None:
    value = bundle("resistance-stu2-names")
    value["entry"][3]["resource"]["status"] = "not-taken"
    assert "prior_trk_inhibitors" not in case_from_bundle(value, today=TODAY).answers


def test_distant_spread_is_metastatic_only_before_any_trk_inhibitor() -> None:
    assert imported("ntrk1-unknown-partner")["setting"] == "metastatic"
    result = case_from_bundle(bundle("resistance-stu2-names"), today=TODAY)
    assert "setting" not in result.answers
    assert any(n.key == "setting_judgement" for n in result.notes)


@pytest.mark.parametrize(
    ("born", "at", "age"),
    [
        ("2026-03-14", "2026-11-20", 0.67),
        ("2025-09", "2026-11-30", 1.17),
        ("1961", "2026-06-01", 64),
        ("2008-05-02", "2026-05-01", 17),
        ("2008-05-02", "2026-05-02", 18),
        ("2008-05", "2026-05-20", None),  # under 18 or not depends on the day: asked
        ("2008", "2026-03-01", None),
    ],
)
def test_age_at_the_timestamp_keeps_months_for_infants_and_never_guesses_the_18_line(
    born: str, at: str, age: float | None
) -> None:
    value = bundle("etv6-ntrk3")
    value["entry"][0]["resource"]["birthDate"] = born
    value["timestamp"] = f"{at}T00:00:00Z"
    assert case_from_bundle(value, today=TODAY).answers.get("age_years") == age


def test_without_a_timestamp_the_age_is_at_the_import_date_and_the_output_says_so() -> None:
    done = run_main("import", "fhir", str(FIXTURES / "ihc-only.json"))
    assert done.code == 0
    assert f"import date {__import__('datetime').date.today().isoformat()}" in done.stdout
    assert "the age is computed at the date of the import" in done.stderr


# --- privacy --------------------------------------------------------------------------------------


def everything_said(*args: str) -> str:
    done = run_main(*args)
    return done.stdout + done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("import", "fhir", "{f}"),
        ("import", "fhir", "{f}", "--lang", "zh"),
        ("consult", "--case", "{f}", "--no-input", "--format", "json"),
        ("consult", "--case", "{f}", "--no-input", "--format", "markdown", "--explain"),
        ("consult", "--case", "{f}", "--no-input", "--explain"),
        ("batch", "{f}", "--format", "jsonl"),
        ("batch", "{f}", "--format", "csv"),
        ("batch", "{f}", "--format", "markdown", "--lang", "zh"),
    ],
    ids=lambda a: " ".join(a),
)
def test_no_planted_identifier_leaves_the_import(args: tuple[str, ...]) -> None:
    path = str(FIXTURES / "sentinels.json")
    said = everything_said(*(a.format(f=path) for a in args))
    assert SENTINEL not in said.lower()
    assert "4417" not in said  # the record number, in any spelling


def test_no_planted_identifier_is_in_an_error_either(tmp_path: Path) -> None:
    value = bundle("sentinels")
    value["entry"][1]["resource"]["component"][0]["code"] = "SENTINEL-CODE"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(value), encoding="utf-8")
    for args in (("import", "fhir", str(path)), ("batch", str(path), "--format", "jsonl")):
        said = everything_said(*args)
        assert "component[0].code" in said and SENTINEL not in said.lower().replace(str(path).lower(), "")


def run_installed(*args: str, cwd: Path) -> tuple[int, str, str]:
    """The installed CLI in its own process (`python -m ntrk_advisor`)."""
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", *args],
        capture_output=True, text=True, cwd=cwd, check=False, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("import", "fhir", "{f}"),
        ("import", "fhir", "{f}", "--lang", "zh"),
        ("consult", "--case", "{f}", "--no-input", "--format", "json"),
        ("consult", "--case", "{f}", "--no-input", "--format", "markdown", "--explain"),
        ("consult", "--case", "{f}", "--no-input", "--format", "html"),
        ("batch", "{f}", "--format", "jsonl"),
        ("batch", "{f}", "--format", "csv"),
        ("batch", "{f}", "--format", "markdown", "--lang", "zh"),
    ],
    ids=lambda a: " ".join(a),
)
def test_no_identifier_written_another_way_leaves_through_a_resource_id(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    """The review's nine ids (R1), each an identifier of the record written another way, in one
    Bundle: every output names the nine resources, hashed, and says none of the identifiers."""
    path = tmp_path / "planted.json"
    path.write_text(json.dumps(planted(REVIEW_FORMS)), encoding="utf-8")
    code, stdout, stderr = run_installed(*(a.format(f=path) for a in args), cwd=tmp_path)
    assert code in (0, 3), stderr
    for plant in REVIEW_FORMS:
        assert leaked(stdout, plant.forms) == set() and leaked(stderr, plant.forms) == set(), plant
        assert plant.resource_id.lower() not in (stdout + stderr).lower()
    if args[0] == "import":
        assert len(json.loads(stdout)["sources"]["fusion_status"]) == len(REVIEW_FORMS)


# --- the command line -----------------------------------------------------------------------------


def test_import_writes_the_derived_case_atomically_and_never_over_the_bundle(tmp_path: Path) -> None:
    source = tmp_path / "bundle.json"
    source.write_text((FIXTURES / "etv6-ntrk3.json").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "case.json"
    done = run_main("import", "fhir", str(source), "-o", str(out))
    assert done.code == 0 and done.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8")) == expected("etv6-ntrk3")
    assert "Derived case written to" in done.stderr
    refused = run_main("import", "fhir", str(source), "-o", str(source))
    assert refused.code == ExitCode.USAGE and "refusing to write over an input file" in refused.stderr


def test_a_bad_bundle_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text('{"resourceType": "Bundle", "entry": []}', encoding="utf-8")
    for args in (("import", "fhir", str(path)), ("consult", "--case", str(path), "--no-input")):
        done = run_main(*args)
        assert done.code == ExitCode.USAGE
        assert done.stderr.count("\n") == 1 and "Bundle.entry" in done.stderr, done.stderr


def test_a_chinese_import_says_its_notes_in_chinese() -> None:
    done = run_main("import", "fhir", str(FIXTURES / "sentinels.json"), "--lang", "zh")
    assert "ntrk-advisor：提示：" in done.stderr and "脑" in done.stderr


def test_a_consult_of_a_bundle_carries_the_sources_and_a_flag_takes_its_fields_source_away() -> None:
    path = str(FIXTURES / "ntrk1-unknown-partner.json")
    plain = run_main("consult", "--case", path, "--no-input", "--format", "json").json
    assert plain["sources"] == expected("ntrk1-unknown-partner")["sources"]
    flagged = run_main("consult", "--case", path, "--setting", "early", "--no-input", "--format", "json").json
    assert "setting" not in flagged["sources"] and "fusion_status" in flagged["sources"]


def test_a_consult_of_an_ordinary_case_has_no_sources(example_cases: dict[str, dict[str, Any]]) -> None:
    case = json.dumps(example_cases["ex-ihc"])
    done = run_main("consult", "--case", "-", "--no-input", "--format", "json", input=case)
    assert done.code == 0 and "sources" not in done.json


def test_a_derived_case_replays_as_its_bundle(tmp_path: Path) -> None:
    for name in NAMES:
        derived = tmp_path / f"{name}.case.json"
        assert run_main("import", "fhir", str(FIXTURES / f"{name}.json"), "-o", str(derived)).code == 0
        args = ("--no-input", "--format", "json")
        from_bundle = run_main("consult", "--case", str(FIXTURES / f"{name}.json"), *args)
        from_case = run_main("consult", "--case", str(derived), *args)
        assert from_bundle.json == from_case.json, name


def test_batch_over_bundles_gives_the_results_of_batch_over_the_derived_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundles = tmp_path / "bundles.jsonl"
    cases = tmp_path / "cases.jsonl"
    bundles.write_text("".join(json.dumps(bundle(n)) + "\n" for n in NAMES), encoding="utf-8")
    # batch reads ages at the date of its clock: pinned to the day the derived cases are made at
    monkeypatch.setattr(environment, "local_now", lambda: dt.datetime(2026, 12, 1, 9, 0).astimezone())
    cases.write_text("".join(json.dumps(imported(n, today=TODAY)) + "\n" for n in NAMES), encoding="utf-8")
    args = ("--format", "jsonl", "--quiet")
    over_bundles = run_main("batch", str(bundles), *args).stdout.splitlines()
    over_cases = run_main("batch", str(cases), *args).stdout.splitlines()
    forced = run_main("batch", str(bundles), "--input-format", "fhir", *args).stdout.splitlines()
    assert len(over_bundles) == len(NAMES)
    strip = [{k: v for k, v in json.loads(line).items() if k != "case_id"} for line in over_bundles]
    assert strip == [{k: v for k, v in json.loads(line).items() if k != "case_id"} for line in over_cases]
    assert forced == over_bundles
    assert all("sources" in json.loads(line) for line in over_bundles)


def test_a_json_array_of_bundles_is_read_and_a_bad_one_is_an_invalid_record_the_batch_goes_on(
    tmp_path: Path,
) -> None:
    broken = bundle("etv6-ntrk3")
    broken["entry"][2]["resource"]["component"] = "none"
    path = tmp_path / "array.json"
    path.write_text(json.dumps([bundle("ihc-only"), broken, bundle("etv6-ntrk3")]), encoding="utf-8")
    done = run_main("batch", str(path), "--format", "jsonl", "--quiet")
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["status"] for r in results] == ["incomplete", "invalid", "incomplete"]
    assert results[1]["case_id"] == f"{path}[1]"
    assert "Bundle.entry[2].resource.component" in results[1]["errors"][0]["message"]


def test_input_format_fhir_refuses_a_record_that_is_no_bundle(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(bundle("ihc-only")) + '\n{"age_years": 40}\n', encoding="utf-8")
    done = run_main("batch", str(path), "--input-format", "fhir", "--format", "jsonl", "--quiet")
    second = json.loads(done.stdout.splitlines()[1])
    assert second["status"] == "invalid" and second["case_id"] == f"{path}:2"
    assert "not a FHIR Bundle" in second["errors"][0]["message"]


def test_the_result_schema_accepts_a_result_with_sources() -> None:
    import jsonschema

    from ntrk_advisor.schemas import result_schema

    result = run_main(
        "consult", "--case", str(FIXTURES / "etv6-ntrk3.json"), "--no-input", "--format", "json"
    ).json
    jsonschema.validate(result, result_schema())


def test_validate_checks_the_bundle_against_the_r4b_models(tmp_path: Path) -> None:
    pytest.importorskip("fhir.resources")
    for name in NAMES:
        assert run_main("import", "fhir", str(FIXTURES / f"{name}.json"), "--validate").code == 0, name
    value = bundle("etv6-ntrk3")
    value["entry"][2]["resource"]["effectiveDateTime"] = "early November"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(value), encoding="utf-8")
    done = run_main("import", "fhir", str(path), "--validate")
    assert done.code == ExitCode.USAGE and "R4B" in done.stderr
    assert run_main("import", "fhir", str(path)).code == 0  # the mapping alone reads what it needs


# --- the optional model library stays on its own path ------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("consult", "--help"),
        ("import", "fhir", "--help"),
        ("consult", "--case", "{case}", "--no-input", "--format", "json"),
        ("consult", "--case", "{bundle}", "--no-input", "--format", "json"),
        ("import", "fhir", "{bundle}"),
        ("batch", "{bundle}", "--quiet", "--format", "jsonl"),
    ],
    ids=lambda a: " ".join(a),
)
def test_only_validate_imports_the_fhir_model_library(args: tuple[str, ...], tmp_path: Path) -> None:
    from tests.helpers import loaded_modules

    case = tmp_path / "case.json"
    case.write_text(json.dumps({"age_years": 40, "fusion_status": "negative", "emergency": []}), "utf-8")
    modules = loaded_modules(*(a.format(case=case, bundle=FIXTURES / "etv6-ntrk3.json") for a in args))
    assert not any(m.startswith("fhir.resources") for m in modules)
    if args[0] == "--help" or "--help" in args or "{case}" in args:
        assert not any(m.startswith("ntrk_advisor.fhir") for m in modules)


def test_validate_does_import_it() -> None:
    pytest.importorskip("fhir.resources")
    from tests.helpers import loaded_modules

    modules = loaded_modules("import", "fhir", str(FIXTURES / "etv6-ntrk3.json"), "--validate")
    assert any(m.startswith("fhir.resources") for m in modules)
