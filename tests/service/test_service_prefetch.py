"""The prefetch: what is required (HTTP 412 when absent), and how it reaches the FHIR import."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.fhir.importer import case_from_bundle
from ntrk_advisor.service.discovery import discovery
from ntrk_advisor.service.hook_case import bundle_of, import_prefetch
from tests.fhir_support import REVIEW_FORMS, leaked, planted, split_into_prefetch
from tests.service.helpers import (
    IFS_ANSWERS,
    ORDER_SELECT,
    PATIENT_VIEW,
    Keys,
    cards_of,
    hook_request,
    operation_outcome,
    refusal,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"


def call(client: Any, keys: Keys, body: dict[str, Any]) -> Any:
    return client.post(PATIENT_VIEW, json=body, headers=keys.auth(PATIENT_VIEW))


def test_required_prefetch_missing_is_412_with_an_operation_outcome(client: Any, keys: Keys) -> None:
    body = operation_outcome(call(client, keys, hook_request(answers={"resectable_now": True})), 412)
    diagnostics = [i["diagnostics"] for i in body["issue"]]
    assert ["'patient'" in diagnostics[0], "'observations'" in diagnostics[1]] == [True, True]
    assert all(i["severity"] == "error" and i["code"] == "required" for i in body["issue"])
    assert all("expression" not in i for i in body["issue"])  # a request location is no FHIRPath


def test_answers_given_with_the_call_make_a_prefetch_key_unnecessary(client: Any, keys: Keys) -> None:
    body = operation_outcome(call(client, keys, hook_request(answers={"age_years": 40})), 412)
    assert [i["diagnostics"].split("'")[1] for i in body["issue"]] == ["observations"]
    assert cards_of(call(client, keys, hook_request(answers=IFS_ANSWERS)))


def test_a_null_prefetch_value_means_the_record_has_none_and_is_not_missing(client: Any, keys: Keys) -> None:
    body = hook_request(answers={"age_years": 40}, prefetch={"patient": None, "observations": None})
    (card,) = cards_of(call(client, keys, body))
    assert card["summary"] == "Answers needed before advice: Emergencies; NTRK fusion status"


def test_bundle_of_unpacks_searchsets_and_keeps_single_resources() -> None:
    patient = {"resourceType": "Patient", "id": "p1"}
    observation = {"resourceType": "Observation", "id": "o1"}
    searchset = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": observation},
            {"resource": {"resourceType": "OperationOutcome"}},
            {"fullUrl": "x"},
        ],
    }
    bundle = bundle_of({"patient": patient, "observations": searchset, "conditions": None})
    assert bundle == {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": patient}, {"resource": observation}],
    }


RELATIVE = sorted(p.stem for p in FIXTURES.glob("*.json") if "urn:uuid:" not in p.read_text(encoding="utf-8"))
"""Fixtures whose references are relative (`Patient/123`), as a FHIR server's search results are;
a urn:uuid reference belongs to a transaction or collection Bundle, never to a prefetch."""


@pytest.mark.parametrize("name", RELATIVE)
def test_the_prefetch_gives_the_case_the_fhir_import_gives_for_the_whole_bundle(
    name: str, client: Any, keys: Keys
) -> None:
    bundle = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    today = dt.date(2026, 12, 1)
    whole = case_from_bundle({**bundle, "timestamp": None} if "timestamp" in bundle else bundle, today=today)
    imported = import_prefetch(split_into_prefetch(bundle), today)
    assert imported.values == {k: v for k, v in whole.answers.items() if k != "id"}
    assert imported.sources == {k: v for k, v in whole.sources.items() if k != "id"}
    assert len(RELATIVE) >= 5
    assert len(imported.notes) == len(whole.notes)


def test_a_prefetched_record_gives_advice_and_says_where_each_answer_came_from(
    client: Any, keys: Keys
) -> None:
    bundle = json.loads((FIXTURES / "etv6-ntrk3.json").read_text(encoding="utf-8"))
    clinician = {
        "setting": "locally_advanced",
        "treatment_phase": "naive",
        "emergency": [],
        "tumor_category": "infantile_fibrosarcoma",
    }
    cards = cards_of(
        call(client, keys, hook_request(answers=clinician, prefetch=split_into_prefetch(bundle)))
    )
    assert cards[0]["summary"].startswith("Do: Neoadjuvant TRK inhibitor")
    detail = cards[0]["detail"]
    assert "NTRK fusion status: Observation/#93c04917042f" in detail  # the id var-etv6-ntrk3, hashed
    assert "given with the call" in detail


def test_a_prefetch_the_fhir_import_cannot_read_is_422_naming_the_path(client: Any, keys: Keys) -> None:
    patient = {"resourceType": "Patient", "id": "p1", "birthDate": 1990}
    body = refusal(
        call(client, keys, hook_request(answers={}, prefetch={"patient": patient, "observations": None})), 422
    )
    assert body["error"] == "bad_fhir" and "birthDate" in body["message"] and "1990" not in body["message"]


def test_no_identifier_of_the_record_reaches_a_card_or_a_log_line(
    client: Any, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from ntrk_advisor.service.logs import LOGGER, JsonFormatter

    bundle = json.loads((FIXTURES / "sentinels.json").read_text(encoding="utf-8"))
    prefetch = split_into_prefetch(bundle)
    answers = {"setting": "metastatic", "emergency": []}
    with caplog.at_level(logging.INFO, logger=LOGGER):
        response = call(client, keys, hook_request(answers=answers, prefetch=prefetch))
    assert response.status_code == 200 and response.json()["cards"]
    assert "sentinel" in json.dumps(prefetch).lower()  # the record holds them
    assert "sentinel" not in response.text.lower()
    lines = [JsonFormatter().format(r) for r in caplog.records]
    assert any('"event":"request"' in line for line in lines)
    assert not [line for line in lines if "sentinel" in line.lower()]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("shape", ["searchsets", "one Bundle"])
def test_no_identifier_written_another_way_reaches_a_card_through_a_resource_id(
    client: Any, keys: Keys, caplog: pytest.LogCaptureFixture, lang: str, shape: str
) -> None:
    """The review's nine ids (R1) as a patient-view and an order-select prefetch: the cards say
    where the answers came from, hashed, and no identifier in any spelling; nor does the log."""
    import logging

    from ntrk_advisor.service.logs import LOGGER, JsonFormatter

    value = planted(REVIEW_FORMS)
    prefetch = (
        split_into_prefetch(value)
        if shape == "searchsets"
        else {
            "patient": value["entry"][0]["resource"],
            "observations": {**value, "entry": value["entry"][1:]},
        }
    )
    clinician = {"setting": "locally_advanced", "treatment_phase": "naive", "emergency": []}
    orders = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": DRAFT_LAROTRECTINIB}]}
    with caplog.at_level(logging.INFO, logger=LOGGER):
        viewed = call(client, keys, hook_request(answers=clinician, prefetch=prefetch, lang=lang))
        ordered = client.post(
            ORDER_SELECT,
            json=hook_request(
                "order-select",
                answers={**clinician, "fusion_status": "ihc_only"},
                prefetch=prefetch,
                lang=lang,
                draftOrders=orders,
            ),
            headers=keys.auth(ORDER_SELECT),
        )
    texts = [
        json.dumps(cards_of(viewed), ensure_ascii=False),
        json.dumps(cards_of(ordered), ensure_ascii=False),
    ]
    assert "Observation/#" in texts[0] and "Observation/#" in texts[1]  # the sources are named
    lines = [JsonFormatter().format(r) for r in caplog.records]
    for plant in REVIEW_FORMS:
        for text in [*texts, *lines]:
            assert leaked(text, plant.forms) == set(), (plant, text[:300])
            assert plant.resource_id.lower() not in text.lower()


DRAFT_LAROTRECTINIB = {
    "resourceType": "MedicationRequest",
    "id": "draft-1",
    "status": "draft",
    "intent": "proposal",
    "medicationCodeableConcept": {"text": "Larotrectinib 100 mg capsule"},
}


def test_a_deceased_patient_in_the_prefetch_is_422_naming_patient_deceased_and_no_card(
    client: Any, keys: Keys
) -> None:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "birthDate": "1950-01-01",
        "deceasedDateTime": "2020-05-01",
    }
    response = call(
        client, keys, hook_request(answers={}, prefetch={"patient": patient, "observations": None})
    )
    body = refusal(response, 422)
    assert body["error"] == "bad_fhir" and "cards" not in body
    assert "Patient.deceased[x]" in body["message"] and "2020" not in body["message"]


@pytest.mark.parametrize(
    ("key", "kind", "status"),
    [
        ("medications", "MedicationRequest", "active"),
        ("medicationStatements", "MedicationStatement", "completed"),
        ("medicationAdministrations", "MedicationAdministration", "completed"),
        ("medicationDispenses", "MedicationDispense", "completed"),
    ],
)
def test_a_trk_inhibitor_on_record_as_any_medication_resource_is_asked_for_and_read(
    key: str, kind: str, status: str
) -> None:
    """Interop review I17: a prior larotrectinib recorded only as an inpatient or trial
    administration (or a dispense, or a statement) was never asked for, so never seen."""
    (service,) = [s for s in discovery()["services"] if s["id"] == "ntrk-patient-view"]
    assert service["prefetch"][key] == f"{kind}?patient={{{{context.patientId}}}}"
    given = {
        "resourceType": kind,
        "id": "m1",
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"text": "larotrectinib 100 mg capsule"},
    }
    if kind == "MedicationRequest":
        given["intent"] = "order"
    searchset = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": given}]}
    prefetch = {"patient": {"resourceType": "Patient", "id": "p1", "birthDate": "1970-01-01"}, key: searchset}
    answers = import_prefetch(prefetch, dt.date(2026, 12, 6), patient_id="p1")
    assert answers.values["prior_trk_inhibitors"] == ["larotrectinib"]
