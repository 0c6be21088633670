"""One intake: every surface reads a source the same way, at the date of its own clock.

A Bundle given to `consult --case`, `batch`, `import fhir`, `pathways show --case` or the service's
prefetch must give the same case; a derived case must replay as its Bundle; answers are layered by
one rule. The clock is pinned: nothing here depends on the day the tests run.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor import environment
from ntrk_advisor.api import evaluate
from ntrk_advisor.contract.case import case_from_data
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.fhir.elements import FhirError
from ntrk_advisor.intake import Answers, is_imported, looks_imported, read_answers, read_answers_file
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.service.discovery import SERVICES
from ntrk_advisor.service.errors import HttpError
from ntrk_advisor.service.hook_case import case_of, read_call
from tests.conftest import run_main
from tests.fhir_support import FIXTURES, TODAY, bundle, split_into_prefetch

RELATIVE = sorted(p.stem for p in FIXTURES.glob("*.json") if "urn:uuid:" not in p.read_text(encoding="utf-8"))
"""Fixtures a FHIR server could also send as a prefetch (relative references)."""
HOOK_INSTANCE = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """The process's clock, as every command reads it, pinned to the tests' import date."""
    monkeypatch.setattr(environment, "local_now", lambda: dt.datetime(2026, 12, 1, 9, 0).astimezone())
    return TODAY


def undated(name: str) -> dict[str, Any]:
    """A fixture without its timestamp, so the age depends on the clock of the surface reading it."""
    value = bundle(name)
    value.pop("timestamp", None)
    return value


def result_of(stdout: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(stdout)
    data.pop("case_id")
    return data


@pytest.mark.parametrize("name", RELATIVE)
def test_every_surface_reads_the_same_bundle_as_the_same_case(
    name: str, tmp_path: Path, pinned: dt.date, kb: KnowledgeBase
) -> None:
    source = tmp_path / f"{name}.json"
    source.write_text(json.dumps(undated(name)), encoding="utf-8")
    reference = read_answers(undated(name), today=pinned)
    assert reference.imported and "age_years" in reference.values

    derived = tmp_path / "derived.json"
    assert run_main("import", "fhir", str(source), "-o", str(derived)).code == 0
    written = json.loads(derived.read_text(encoding="utf-8"))
    assert written.pop("sources") == reference.sources and written == reference.values

    consulted = run_main("consult", "--case", str(source), "--no-input", "--format", "json")
    replayed = run_main("consult", "--case", str(derived), "--no-input", "--format", "json")
    batched = run_main("batch", str(source), "--format", "jsonl", "--quiet")
    expected = evaluate(case_from_data(reference.values), "en", kb).to_dict()
    expected.pop("case_id")
    expected["sources"] = reference.sources_for(reference.values)
    assert result_of(consulted.stdout) == result_of(replayed.stdout) == result_of(batched.stdout) == expected

    shown = run_main("pathways", "show", "--case", str(source))
    assert shown.code == 0 and shown.stdout == run_main("pathways", "show", "--case", str(derived)).stdout

    prefetch = split_into_prefetch(undated(name))
    body = {"hook": "patient-view", "hookInstance": HOOK_INSTANCE, "context": context_of(prefetch)}
    call = read_call({**body, "prefetch": prefetch}, SERVICES["ntrk-patient-view"], None)
    hook_case = case_of(call, pinned)
    assert hook_case.answers == {k: v for k, v in reference.values.items() if k != "id"}


def context_of(prefetch: dict[str, Any]) -> dict[str, Any]:
    """A patient-view context about the prefetched patient, as the EHR that prefetched it sends."""
    patient = prefetch.get("patient") or {}
    return {"userId": "Practitioner/1", "patientId": patient.get("id") or "1"}


SYNTHEA = [
    pytest.param(p, id=p.name.split("_")[0], marks=[pytest.mark.slow] if p.stat().st_size > 50_000 else [])
    for p in sorted((FIXTURES / "synthea").glob("*.json.gz"))
]
"""Real Synthea R4 records as published (transaction Bundles, `urn:uuid` references, no timestamp);
the two over 1 MiB take most of a second each, so they run with the slow tests."""


@pytest.mark.parametrize("path", SYNTHEA)
def test_every_surface_reads_a_real_record_alike_or_refuses_it_alike(
    path: Path, tmp_path: Path, pinned: dt.date, kb: KnowledgeBase
) -> None:
    raw = gzip.decompress(path.read_bytes())
    source = tmp_path / "record.json"
    source.write_bytes(raw)
    lines = tmp_path / "records.jsonl"
    lines.write_bytes(raw.replace(b"\n", b" ") + b"\n")  # one line, as long as the published text
    record = json.loads(raw)
    prefetch = split_into_prefetch(record)
    body = {"hook": "patient-view", "hookInstance": HOOK_INSTANCE, "context": context_of(prefetch)}
    call = read_call({**body, "prefetch": prefetch}, SERVICES["ntrk-patient-view"], None)
    batched = [run_main("batch", str(p), "--format", "jsonl", "--quiet") for p in (source, lines)]
    consulted = run_main("consult", "--case", str(source), "--no-input", "--format", "json")
    written = run_main("import", "fhir", str(source))
    try:
        reference = read_answers(record, today=pinned)
    except FhirError as exc:  # refused: the same words on every surface
        assert written.code == consulted.code == 2 and exc.message("en") in written.stderr
        assert exc.message("en") in consulted.stderr
        for done in batched:
            (line,) = done.stdout.splitlines()
            assert json.loads(line)["status"] == "invalid" and exc.where in line
        with pytest.raises(HttpError) as refused:
            case_of(call, pinned)
        assert refused.value.status == 422 and exc.message("en") in refused.value.message
        return
    assert json.loads(written.stdout) == {**reference.values, "sources": reference.sources}
    expected = evaluate(case_from_data(reference.values), "en", kb).to_dict()
    expected.pop("case_id")
    expected["sources"] = reference.sources_for(reference.values)
    assert result_of(consulted.stdout) == expected
    assert [result_of(done.stdout) for done in batched] == [expected, expected]
    assert case_of(call, pinned).answers == {k: v for k, v in reference.values.items() if k != "id"}


def test_a_plain_case_is_read_as_it_is_and_never_loads_the_fhir_import(tmp_path: Path) -> None:
    case = {"id": "c1", "age_years": 40, "unknown": None}
    assert read_answers(case, today=TODAY) == Answers(case)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    assert read_answers_file(path, today=TODAY, lang="en") == Answers(case)


def test_a_later_layer_wins_a_null_never_erases_and_the_first_layer_is_kept_whole() -> None:
    base = Answers({"age_years": 40, "setting": "early", "misspelt": None}, {"age_years": ["Patient/1"]})
    merged = base.over({"setting": "metastatic", "age_years": None}, {"emergency": []})
    assert merged.values == {"age_years": 40, "setting": "metastatic", "misspelt": None, "emergency": []}
    assert merged.sources_for(merged.values) == {"age_years": ["Patient/1"]}
    assert base.over({"age_years": 41}).sources_for({"age_years": 41}) == {}


def test_answers_that_are_not_an_object_take_no_layer_and_are_left_for_validation() -> None:
    assert Answers([1, 2]).over({"age_years": 3}).values == [1, 2]


def test_an_object_naming_a_resource_that_is_not_a_bundle_is_a_fhir_error_everywhere(tmp_path: Path) -> None:
    patient = {"resourceType": "Patient", "id": "p1"}
    with pytest.raises(FhirError) as caught:
        read_answers(patient, today=TODAY)
    assert caught.value.where == "Bundle.resourceType"
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(patient), encoding="utf-8")
    consulted = run_main("consult", "--case", str(path), "--no-input", "--format", "json")
    assert consulted.code == 2 and str(path) in consulted.stderr and "Bundle.resourceType" in consulted.stderr
    batched = run_main("batch", str(path), "--format", "jsonl", "--quiet")
    assert json.loads(batched.stdout)["status"] == "invalid" and "Bundle.resourceType" in batched.stdout


def test_a_derived_case_with_a_malformed_sources_object_is_refused_naming_it() -> None:
    with pytest.raises(CaseInvalid) as caught:
        read_answers({"age_years": 3, "sources": {"age_years": "Patient/1"}}, today=TODAY)
    assert caught.value.problems[0][0] == "sources"


@pytest.mark.parametrize(
    ("raw", "imported"),
    [
        (b'{"resourceType": "Bundle"}', True),
        (b'{"age_years": 3, "sources": {}}', True),
        (b'{"age_years": 3}', False),
    ],
)
def test_batch_s_cheap_test_never_misses_what_the_full_test_finds(raw: bytes, imported: bool) -> None:
    assert is_imported(json.loads(raw)) is imported
    assert looks_imported(raw) or not imported


def test_a_bundle_without_a_date_of_its_own_is_read_at_the_clock_s_date(tmp_path: Path) -> None:
    name = RELATIVE[0]
    ages = {
        read_answers(undated(name), today=day).values["age_years"] for day in (TODAY, dt.date(2031, 12, 1))
    }
    assert len(ages) == 2
