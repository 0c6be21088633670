"""The prefetch: what is required (HTTP 412 when absent), and how it reaches the FHIR import."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from ntrk_advisor.service.prefetch import bundle_of
from tests.service.helpers import IFS_ANSWERS, PATIENT_VIEW, Keys, cards_of, hook_request, refusal

HAS_FHIR_IMPORT = importlib.util.find_spec("ntrk_advisor.fhir") is not None


def call(client: Any, keys: Keys, body: dict[str, Any]) -> Any:
    return client.post(PATIENT_VIEW, json=body, headers=keys.auth(PATIENT_VIEW))


def test_required_prefetch_missing_is_412_with_an_operation_outcome(client: Any, keys: Keys) -> None:
    body = refusal(call(client, keys, hook_request(answers={"resectable_now": True})), 412)
    assert body["resourceType"] == "OperationOutcome"
    assert [i["expression"] for i in body["issue"]] == [["prefetch.patient"], ["prefetch.observations"]]
    assert all(i["severity"] == "error" and i["code"] == "required" for i in body["issue"])


def test_answers_given_with_the_call_make_a_prefetch_key_unnecessary(client: Any, keys: Keys) -> None:
    body = refusal(call(client, keys, hook_request(answers={"age_years": 40})), 412)
    assert [i["expression"] for i in body["issue"]] == [["prefetch.observations"]]
    assert cards_of(call(client, keys, hook_request(answers=IFS_ANSWERS)))


def test_a_null_prefetch_value_means_the_record_has_none_and_is_not_missing(client: Any, keys: Keys) -> None:
    body = hook_request(answers={"age_years": 40}, prefetch={"patient": None, "observations": None})
    (card,) = cards_of(call(client, keys, body))
    assert card["summary"] == "Answers needed before advice: emergency; fusion_status"


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


@pytest.mark.skipif(HAS_FHIR_IMPORT, reason="the FHIR import is present")
def test_without_the_fhir_import_a_prefetched_record_is_501(client: Any, keys: Keys) -> None:
    body = hook_request(
        answers={}, prefetch={"patient": {"resourceType": "Patient", "id": "p1"}, "observations": None}
    )
    assert refusal(call(client, keys, body), 501)["error"] == "fhir_import_unavailable"
