"""Real records read right (issue 23): fusions as labs and the IGs write them, results contained in
a report, metastases as records code them, deceased patients, "another patient", Bundle size.

The Bundles are the IGs' published examples turned into JSON (tests/fixtures/fhir/README.md names
each instance) and real Synthea R4 records as published (tests/fixtures/fhir/synthea/, gzipped).
"""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntrk_advisor.fhir.elements import FhirError
from ntrk_advisor.fhir.importer import ImportedCase, case_from_bundle
from ntrk_advisor.intake import MAX_BUNDLE_BYTES, MAX_CASE_BYTES
from tests.conftest import run_main
from tests.fhir_support import FIXTURES, TODAY, bundle

LNC, SCT, HGNC, SO = (
    "http://loinc.org",
    "http://snomed.info/sct",
    "http://www.genenames.org",
    "http://www.sequenceontology.org",
)
SYNTHEA = FIXTURES / "synthea"
LIVING = ("Clemente_Kreiger", "Buster_Hoeger", "Ned_Hintz", "Ammie_Huels")
"""Real Synthea R4 records of living patients; Ammie_Huels is over 1 MiB (1,048,588 bytes)."""
DECEASED = ("Garrett_Thompson", "Micah_Schinner")
"""Real Synthea R4 records with `Patient.deceasedDateTime`; Micah_Schinner has metastases (94260004)."""


def synthea(name: str) -> bytes:
    """The record as published (decompressed)."""
    (path,) = SYNTHEA.glob(f"{name}_*.json.gz")
    return gzip.decompress(path.read_bytes())


def synthea_file(name: str, folder: Path) -> Path:
    path = folder / f"{name}.json"
    path.write_bytes(synthea(name))
    return path


def read(value: dict[str, Any]) -> ImportedCase:
    return case_from_bundle(value, today=TODAY)


def notes(value: dict[str, Any]) -> set[str]:
    return {n.key for n in read(value).notes}


def cc(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code} | ({"display": display} if display else {})
    return {"coding": [coding]}


def variant_with(text: str | None, gene: tuple[str, str] | None = ("HGNC:8031", "NTRK1")) -> dict[str, Any]:
    """The Genomics Reporting IG's `ROS1-Fusion-var`, its variation-code text and gene set here."""
    value = bundle("gr-ntrk1-fusion-consequence")
    value["entry"] = [
        e for e in value["entry"] if e["resource"]["id"] in ("somaticPatient", "NTRK1-Fusion-var")
    ]
    components = []
    if text is not None:
        components.append({"code": cc(LNC, "81252-9"), "valueCodeableConcept": {"text": text}})
    if gene is not None:
        components.append({"code": cc(LNC, "48018-6"), "valueCodeableConcept": cc(HGNC, *gene)})
    value["entry"][1]["resource"]["component"] = components
    return value


# --- I1, I2, I12: a fusion is a fusion however it is written -------------------------------------


def test_the_reviewers_a10_bundle_an_ntrk1_fusion_in_words_is_confirmed_not_a_non_fusion_alteration() -> None:
    assert read(variant_with("NTRK1 Fusion")).answers["fusion_status"] == "confirmed"


def test_the_igs_molecular_consequence_derived_from_the_variant_makes_it_a_fusion() -> None:
    value = bundle("gr-ntrk1-fusion-consequence")
    variant = value["entry"][1]["resource"]
    variant["component"][0]["valueCodeableConcept"] = cc(
        "https://www.ncbi.nlm.nih.gov/clinvar", "1780982"
    )  # a coded database id, no words: by itself no fusion signal
    variant["component"].append(
        {"code": cc(LNC, "48004-6"), "valueCodeableConcept": {"text": "NM_002529.4:c.1A>G"}}
    )
    assert read(value).answers["fusion_status"] == "confirmed"
    value["entry"].pop(2)  # without the consequence, the HGVS describes a non-fusion change
    assert read(value).answers["fusion_status"] == "non_fusion_alteration"


@pytest.mark.parametrize("text", ["NTRK1 Fusion", "ETV6::NTRK3", "TPM3-NTRK1", "TPM3/NTRK1", "fused to LMNA"])
def test_every_fusion_form_of_an_ntrk_gene_studied_is_confirmed(text: str) -> None:
    gene = ("HGNC:8033", "NTRK3") if "NTRK3" in text else ("HGNC:8031", "NTRK1")
    assert read(variant_with(text, gene)).answers["fusion_status"] == "confirmed"


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("NTRK1 rearrangement", "fusion_structural"),
        ("t(1;1)(q21;q23) NTRK1 translocation", "fusion_structural"),
        ("no NTRK1 fusion detected", "fusion_structural"),
        ("ROS1 fusion", "fusion_genes"),
    ],
)
def test_an_ntrk_finding_of_unclear_kind_is_asked_with_a_note_saying_what_was_found(
    text: str, note: str
) -> None:
    value = variant_with(text)
    assert "fusion_status" not in read(value).answers
    assert note in notes(value)


def test_a_variant_naming_ntrk_only_in_its_text_is_asked_with_a_note() -> None:
    value = bundle("gr-ntrk1-fusion-text-only")
    assert "fusion_status" not in read(value).answers and "fusion_text_only" in notes(value)
    assert "fusion_text_only" in notes(variant_with("NTRK3 amplification", None))


def test_a_panels_list_of_ntrk_genes_is_no_fusion_and_an_antisense_gene_no_partner() -> None:
    assert (
        read(variant_with("NTRK1/NTRK2/NTRK3 c.100A>G")).answers["fusion_status"] == "non_fusion_alteration"
    )
    assert read(variant_with("NTRK1-AS1 c.100A>G")).answers["fusion_status"] == "non_fusion_alteration"


def test_a_point_mutation_named_in_a_variation_code_is_still_a_non_fusion_alteration() -> None:
    assert read(variant_with("NTRK1 p.Val600Glu")).answers["fusion_status"] == "non_fusion_alteration"
    assert "fusion_status" not in read(variant_with("see report")).answers  # a name alone describes nothing


def test_another_genes_translocation_gets_a_note_and_says_nothing_about_ntrk() -> None:
    value = bundle("etv6-runx1")  # mCODE's ETV6-RUNX1, SO:1000044 chromosomal_translocation
    assert "fusion_status" not in read(value).answers
    assert {"non_ntrk_structural", "non_ntrk_fusion"} & notes(value)
    assert "non_ntrk_structural" in notes(variant_with("EML4 rearrangement", ("HGNC:427", "ALK")))


FUSION_SAYINGS = st.sampled_from(
    [
        "NTRK1 Fusion",
        "fusion",
        "FUSION",
        "NTRK3 fusion (partner unknown)",
        "gene fusion",
        "Fusions: NTRK1",
        "fused",
    ]
)
DESCRIBING = st.lists(
    st.sampled_from(
        [
            {"code": cc(LNC, "48004-6"), "valueCodeableConcept": {"text": "NM_002529.4:c.1A>G"}},
            {"code": cc(LNC, "48005-3"), "valueCodeableConcept": {"text": "p.Gly595Arg"}},
            {"code": cc(LNC, "82155-3"), "valueQuantity": {"value": 8}},
            {"code": cc(LNC, "48019-4"), "valueCodeableConcept": cc(SO, "SO:0001483", "SNV")},
            {"code": cc(LNC, "48019-4"), "valueCodeableConcept": cc(SO, "SO:0001742", "copy_number_gain")},
            {
                "code": cc(LNC, "81252-9"),
                "valueCodeableConcept": cc("https://www.ncbi.nlm.nih.gov/clinvar", "1"),
            },
        ]
    ),
    max_size=4,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    saying=st.one_of(FUSION_SAYINGS, st.none()),
    consequence=st.sampled_from([None, "SO:0001886", "SO:0001565", "SO:0002086", "SO:0001882"]),
    gene=st.sampled_from([("HGNC:8031", "NTRK1"), ("HGNC:8033", "NTRK3"), None]),
    extra=DESCRIBING,
    value=st.sampled_from(["LA9633-4", "LA9634-2", None]),
    contained=st.booleans(),
)
def test_a_bundle_whose_variant_text_or_consequence_says_fusion_is_never_a_non_fusion_alteration(
    saying: str | None,
    consequence: str | None,
    gene: tuple[str, str] | None,
    extra: list[dict[str, Any]],
    value: str | None,
    contained: bool,
) -> None:
    if saying is None and consequence is None:
        saying = "NTRK1 Fusion"
    record = variant_with(saying, gene)
    variant = record["entry"][1]["resource"]
    variant["component"] += copy.deepcopy(extra)
    if value is None:
        del variant["valueCodeableConcept"]
    else:
        variant["valueCodeableConcept"] = cc(LNC, value)
    reference = "Observation/NTRK1-Fusion-var"
    if contained:  # the variant (and its consequence) inside a DiagnosticReport
        record["entry"].pop(1)
        variant["id"] = "v"
        report = {"resourceType": "DiagnosticReport", "id": "r", "status": "final", "contained": [variant]}
        report["result"] = [{"reference": "#v"}]
        record["entry"].append({"resource": report})
        reference = "#v"
    if consequence is not None:
        effect = {
            "code": cc(
                "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs", "functional-effect"
            )
        }
        effect["valueCodeableConcept"] = cc(SO, consequence)
        observation = {
            "resourceType": "Observation",
            "id": "c",
            "status": "final",
            "code": cc(
                "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs", "molecular-consequence"
            ),
            "derivedFrom": [{"reference": reference}],
            "component": [effect],
        }
        if contained:
            report["contained"].append(observation)
            report["result"].append({"reference": "#c"})
        else:
            record["entry"].append({"resource": observation})
    assert read(record).answers.get("fusion_status") != "non_fusion_alteration"


# --- I3: results where labs put them -------------------------------------------------------------


def test_a_variant_contained_in_a_report_is_read_and_named_through_the_report() -> None:
    case = read(bundle("gr-report-contained"))
    assert case.answers["fusion_status"] == "confirmed"
    (source,) = case.sources["fusion_status"]
    assert source.startswith("DiagnosticReport/#") and "/contained/Observation/#" in source


def test_a_variant_contained_in_a_grouping_observation_is_read_through_has_member() -> None:
    value = bundle("gr-report-contained")
    report = value["entry"][1]["resource"]
    group = {"resourceType": "Observation", "id": "grp", "status": "final", "code": {"text": "panel"}}
    group |= {"contained": report.pop("contained"), "hasMember": [{"reference": "#var1"}]}
    value["entry"][1]["resource"] = group
    assert read(value).answers["fusion_status"] == "confirmed"
    group["hasMember"] = []  # a contained resource no result names is not read
    assert "fusion_status" not in read(value).answers


# --- I4: metastases as records code them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "brain"), [("94222008", False), ("94381002", False), ("94391008", False), ("94260004", False),
                        ("128462008", False), ("94225005", True)]
)  # fmt: skip
def test_a_snomed_secondary_neoplasm_is_read_as_distant_spread(code: str, brain: bool) -> None:
    value = bundle("mcode-secondary-bone")
    secondary = value["entry"][2]["resource"]
    secondary["code"] = cc(SCT, code)
    del secondary["meta"]  # by code alone, without the mCODE profile
    answers = read(value).answers
    assert answers["setting"] == "metastatic" and answers.get("cns_metastases", False) is brain


def test_an_mcode_secondary_cancer_condition_is_read_whatever_its_code_unless_it_names_lymph_nodes() -> None:
    value = bundle("mcode-secondary-bone")
    secondary = value["entry"][2]["resource"]
    secondary["code"] = {"text": "metastatic disease"}
    assert read(value).answers["setting"] == "metastatic"
    secondary["code"] = cc("http://hl7.org/fhir/sid/icd-10-cm", "C77.1")
    assert "setting" not in read(value).answers and "secondary_unclear" in notes(value)
    secondary["code"] = {"text": "Secondary malignant neoplasm of axillary lymph nodes"}
    assert "setting" not in read(value).answers


def test_a_condition_whose_words_alone_suggest_metastasis_leaves_the_setting_asked_with_a_note() -> None:
    value = bundle("mcode-secondary-bone")
    secondary = value["entry"][2]["resource"]
    del secondary["meta"]  # Synthea's 314994000, whose sources disagree: read as words only
    secondary["code"] = cc(SCT, "314994000", "Metastasis from malignant tumor of prostate (disorder)")
    assert "setting" not in read(value).answers and "secondary_text_only" in notes(value)


def test_a_real_synthea_record_with_a_secondary_colon_neoplasm_is_metastatic_once_alive() -> None:
    value = json.loads(synthea("Micah_Schinner"))
    del value["entry"][0]["resource"]["deceasedDateTime"]
    assert read(value).answers["setting"] == "metastatic"


# --- I9: deceased patients -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", [DECEASED[0], pytest.param(DECEASED[1], marks=pytest.mark.slow)]
)  # the second is over 1 MiB
def test_a_deceased_patient_is_refused_in_one_line_naming_patient_deceased_everywhere(
    name: str, tmp_path: Path
) -> None:
    path = synthea_file(name, tmp_path)
    for args in (("import", "fhir", str(path)), ("consult", "--case", str(path), "--no-input")):
        done = run_main(*args)
        assert done.code == 2 and done.stdout == ""
        (line,) = done.stderr.splitlines()
        assert "Patient.deceased[x]" in line and "deceasedDateTime" in line
    batch = run_main("batch", str(path), "--format", "jsonl", "--quiet")
    (record,) = [json.loads(line) for line in batch.stdout.splitlines()]
    assert record["status"] == "invalid" and "Patient.deceased[x]" in json.dumps(record)


def test_deceased_boolean_true_is_refused_false_is_read() -> None:
    value = bundle("mcode-secondary-bone")
    value["entry"][0]["resource"]["deceasedBoolean"] = False
    assert read(value).answers["age_years"] == 68
    value["entry"][0]["resource"]["deceasedBoolean"] = True
    with pytest.raises(FhirError) as refused:
        read(value)
    assert (
        refused.value.where == "Bundle.entry[0].resource.deceasedBoolean"
        and refused.value.reason == "deceased"
    )


# --- I13: one rule for "another patient" ---------------------------------------------------------


def test_the_igs_consequence_as_published_about_another_patient_refuses_the_bundle() -> None:
    value = bundle("gr-ntrk1-fusion-consequence")
    value["entry"][2]["resource"]["subject"] = {"reference": "Patient/CGPatientExample01"}
    with pytest.raises(FhirError) as refused:
        read(value)
    assert (
        refused.value.where == "Bundle.entry[2].resource.subject" and refused.value.reason == "other_patient"
    )


def test_any_resource_about_another_patient_is_refused_even_one_the_import_never_reads() -> None:
    value = bundle("mcode-secondary-bone")
    value["entry"].append({"resource": {"resourceType": "Account", "id": "a", "status": "active",
                                        "subject": [{"reference": "Patient/cancer-patient-john-anyperson"},
                                                    {"reference": "Patient/someone-else"}]}})  # fmt: skip
    with pytest.raises(FhirError) as refused:
        read(value)
    assert refused.value.where == "Bundle.entry[3].resource.subject[1]"
    value["entry"][3]["resource"]["subject"].pop()
    value["entry"].append({"resource": {"resourceType": "Encounter", "id": "e", "status": "finished",
                                        "subject": {"reference": "Group/ward-3"}}})  # fmt: skip
    assert read(value).answers["setting"] == "metastatic"  # a Group is no other patient


# --- I14: Bundles have their own size limit, in every surface ------------------------------------


def test_a_real_record_over_one_mib_is_read_as_a_json_lines_record_and_a_case_that_size_is_not(
    tmp_path: Path,
) -> None:
    record = synthea("Ammie_Huels")
    line = record.replace(b"\n", b" ")  # the published text on one line, byte for byte as long
    assert MAX_CASE_BYTES < len(line) < MAX_BUNDLE_BYTES
    big_case = json.dumps({"id": "c", "notes": "x" * MAX_CASE_BYTES}).encode()
    lines = tmp_path / "records.jsonl"
    lines.write_bytes(line + b"\n" + big_case + b"\n")
    done = run_main("batch", str(lines), "--format", "jsonl", "--quiet")
    first, second = (json.loads(x) for x in done.stdout.splitlines())
    assert first["status"] == "incomplete" and first["sources"]["age_years"][0] == "Patient.birthDate"
    assert second["status"] == "invalid" and f"larger than {MAX_CASE_BYTES} bytes" in json.dumps(second)


# --- real Synthea records as published ------------------------------------------------------------


@pytest.mark.parametrize("name", LIVING)
def test_a_real_synthea_record_is_read_without_a_word_of_who_the_patient_is(
    name: str, tmp_path: Path
) -> None:
    path = synthea_file(name, tmp_path)
    record = json.loads(path.read_bytes())
    patient = record["entry"][0]["resource"]
    secrets = {patient["id"], patient["birthDate"], *(i["value"] for i in patient.get("identifier", []))}
    secrets |= {n["family"] for n in patient["name"]} | {g for n in patient["name"] for g in n["given"]}
    secrets |= {t["value"] for t in patient.get("telecom", [])}
    secrets |= {line for a in patient.get("address", []) for line in a.get("line", [])}
    done = run_main("import", "fhir", str(path))
    assert done.code == 0 and json.loads(done.stdout)["age_years"] >= 0
    said = done.stdout + done.stderr
    assert not {s for s in secrets if s in said}
