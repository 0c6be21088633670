"""Discovery: the two services, their hooks and prefetch templates, valid against the schema."""

from __future__ import annotations

from typing import Any

from tests.service.helpers import Keys, refusal, valid


def test_discovery_lists_both_services_with_their_prefetch(client: Any, keys: Keys) -> None:
    response = client.get("/cds-services", headers=keys.auth("/cds-services"))
    assert response.status_code == 200
    services = {s["id"]: s for s in valid("discovery", response.json())["services"]}
    assert {s["hook"] for s in services.values()} == {"patient-view", "order-select"}
    for service in services.values():
        assert service["title"] and service["description"]
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert {"observations", "conditions", "medications"} <= set(service["prefetch"])
        assert all("{{context.patientId}}" in query for query in service["prefetch"].values())


def test_discovery_needs_a_token_like_every_call(client: Any) -> None:
    refusal(client.get("/cds-services"), 401)
