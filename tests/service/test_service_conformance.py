"""A hook call is about one patient and has the context its hook requires; refusals about FHIR data
are FHIR (interop review I5, I10, I15)."""

from __future__ import annotations

from typing import Any

import pytest

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

PATIENT_1 = {"resourceType": "Patient", "id": "1", "birthDate": "1950-01-01"}
PATIENT_2 = {"resourceType": "Patient", "id": "2", "birthDate": "1950-01-01"}


def observations_about(patient: str) -> dict[str, Any]:
    """A searchset with one laboratory Observation whose subject is `patient`."""
    observation = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"text": "Hemoglobin"},
        "subject": {"reference": patient},
    }
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": observation}]}


def post(client: Any, keys: Keys, body: dict[str, Any], path: str = PATIENT_VIEW) -> Any:
    return client.post(path, json=body, headers=keys.auth(path))


@pytest.mark.parametrize(
    "prefetch",
    [
        {"patient": PATIENT_2, "observations": None},
        {"patient": PATIENT_1, "observations": observations_about("Patient/2")},
        {"patient": PATIENT_1, "observations": observations_about("https://ehr.example.org/fhir/Patient/2")},
        {"patient": {"resourceType": "Patient", "birthDate": "1950-01-01"}, "observations": None},
    ],
    ids=["the Patient", "an Observation's subject", "an absolute subject", "a Patient without id"],
)
def test_a_prefetch_about_another_patient_than_the_context_gets_no_advice(
    client: Any, keys: Keys, prefetch: dict[str, Any]
) -> None:
    """The review's reproduction: context.patientId 1, prefetch about patient 2 -> 400, no cards."""
    body = hook_request(answers={"emergency": []}, prefetch=prefetch, patientId="1")
    response = post(client, keys, body)
    outcome = operation_outcome(response, 400)
    (issue,) = outcome["issue"]
    assert issue["details"]["coding"][0]["code"] == "wrong_patient"
    assert "context.patientId" in issue["diagnostics"] and "1950" not in response.text
    assert "cards" not in response.json()


def test_a_prefetch_about_the_context_patient_gets_advice(client: Any, keys: Keys) -> None:
    prefetch = {"patient": PATIENT_1, "observations": observations_about("Patient/1")}
    body = hook_request(answers={"emergency": []}, prefetch=prefetch, patientId="1")
    assert cards_of(post(client, keys, body))


def test_order_select_checks_the_patient_too(client: Any, keys: Keys) -> None:
    body = hook_request(
        "order-select",
        answers={"emergency": []},
        prefetch={"patient": PATIENT_2, "observations": None},
        patientId="1",
        draftOrders={"resourceType": "Bundle", "type": "collection", "entry": []},
    )
    operation_outcome(post(client, keys, body, ORDER_SELECT), 400)


@pytest.mark.parametrize(
    ("hook", "path", "missing"),
    [
        ("patient-view", PATIENT_VIEW, "patientId"),
        ("patient-view", PATIENT_VIEW, "userId"),
        ("order-select", ORDER_SELECT, "patientId"),
        ("order-select", ORDER_SELECT, "userId"),
        ("order-select", ORDER_SELECT, "selections"),
        ("order-select", ORDER_SELECT, "draftOrders"),
    ],
)
def test_a_missing_required_context_field_is_400_naming_it(
    client: Any, keys: Keys, hook: str, path: str, missing: str
) -> None:
    """Each field the hook's definition marks REQUIRED (CDS Hooks 2.0)."""
    draft = {"resourceType": "Bundle", "type": "collection", "entry": []}
    extra = {"draftOrders": draft} if hook == "order-select" else {}
    body = hook_request(hook, answers=IFS_ANSWERS, **extra)
    del body["context"][missing]
    body_error = refusal(post(client, keys, body, path), 400)
    assert body_error["error"] == "bad_context" and f"context.{missing}" in body_error["message"]


@pytest.mark.parametrize("value", [None, "", 7, ["1"]])
def test_a_patient_id_that_is_no_string_is_400(client: Any, keys: Keys, value: Any) -> None:
    body = hook_request(answers=IFS_ANSWERS, patientId=value)
    assert refusal(post(client, keys, body), 400)["error"] == "bad_context"


@pytest.mark.parametrize("instance", ["not-a-uuid", "", "0b9c3c1e-5f7e-4a52-9d0c-3a1f6c2e8b7dx", 12])
def test_a_hook_instance_that_is_not_a_uuid_is_400(client: Any, keys: Keys, instance: Any) -> None:
    body = {**hook_request(answers=IFS_ANSWERS), "hookInstance": instance}
    refused = refusal(post(client, keys, body), 400)
    assert refused["error"] == "bad_request" and "hookInstance" in refused["message"]


def test_refusals_about_fhir_data_are_fhir_and_the_rest_plain_json(client: Any, keys: Keys) -> None:
    """I15: 412 and 422 (the prefetch) as OperationOutcome, `application/fhir+json`; no request
    location in `expression`; a refusal of the request's shape stays `{"error", "message"}`."""
    missing = operation_outcome(post(client, keys, hook_request(answers={})), 412)
    unreadable = {"patient": {**PATIENT_1, "birthDate": "1950-13-45"}, "observations": None}
    bad = operation_outcome(post(client, keys, hook_request(prefetch=unreadable, patientId="1")), 422)
    assert bad["issue"][0]["details"]["coding"][0] == {
        "system": "urn:ntrk-advisor:cds-error",
        "code": "bad_fhir",
    }
    assert all("expression" not in issue for outcome in (missing, bad) for issue in outcome["issue"])
    plain = post(client, keys, {**hook_request(), "hookInstance": "x"})
    assert refusal(plain, 400)["error"] == "bad_request"
    assert plain.headers["content-type"].startswith("application/json")
