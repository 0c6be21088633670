"""Bad input: the right status and one line of JSON for each, and the worker carries on.

Nothing is written for a refused request (the feedback log stays as it was); the service's only
other output is its log line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.service.config import MAX_BODY_BYTES, MAX_DEPTH
from tests.service.helpers import IFS_ANSWERS, PATIENT_VIEW, Keys, cards_of, hook_request, refusal

GOOD = json.dumps(hook_request(answers=IFS_ANSWERS)).encode()
INSTANCE = "d3b07384-d9a0-4c3f-9e1a-6f7b2c9d1e0f"
FEEDBACK = f"{PATIENT_VIEW}/feedback"


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def deep_request(depth: int) -> bytes:
    body = hook_request(answers=IFS_ANSWERS)
    body["context"]["deep"] = json.loads(nested(depth))
    return json.dumps(body).encode()


CASES: list[tuple[str, str, str, bytes, dict[str, str], int, str]] = [
    ("malformed JSON", "POST", PATIENT_VIEW, b'{"hook": "patient-view",', {}, 400, "bad_json"),
    ("empty body", "POST", PATIENT_VIEW, b"", {}, 400, "bad_json"),
    ("not an object", "POST", PATIENT_VIEW, b"[1, 2]", {}, 400, "bad_json"),
    ("invalid UTF-8", "POST", PATIENT_VIEW, b'{"hook": "\xff"}', {}, 400, "bad_json"),
    (
        "wrong content type",
        "POST",
        PATIENT_VIEW,
        GOOD,
        {"Content-Type": "text/plain"},
        415,
        "unsupported_media_type",
    ),
    (
        "form content type",
        "POST",
        PATIENT_VIEW,
        GOOD,
        {"Content-Type": "application/x-www-form-urlencoded"},
        415,
        "unsupported_media_type",
    ),
    ("unknown service", "POST", "/cds-services/no-such-service", GOOD, {}, 404, "unknown_service"),
    ("unknown path", "GET", "/admin", b"", {}, 404, "not_found"),
    ("wrong method", "GET", PATIENT_VIEW, b"", {}, 405, "method_not_allowed"),
    ("hook for another service", "POST", "/cds-services/ntrk-order-select", GOOD, {}, 400, "wrong_hook"),
    (
        "no hookInstance",
        "POST",
        PATIENT_VIEW,
        json.dumps({"hook": "patient-view", "context": {}}).encode(),
        {},
        400,
        "bad_request",
    ),
    (
        "no context",
        "POST",
        PATIENT_VIEW,
        json.dumps({"hook": "patient-view", "hookInstance": INSTANCE}).encode(),
        {},
        400,
        "bad_request",
    ),
    (
        "bad extension",
        "POST",
        PATIENT_VIEW,
        json.dumps(
            {
                "hook": "patient-view",
                "hookInstance": INSTANCE,
                "context": {"userId": "Practitioner/1", "patientId": "p1", "extension": {"ntrk-advisor": []}},
            }
        ).encode(),
        {},
        400,
        "bad_extension",
    ),
    (
        "bad language",
        "POST",
        PATIENT_VIEW,
        json.dumps(hook_request(answers=IFS_ANSWERS, lang="fr")).encode(),
        {},
        400,
        "bad_extension",
    ),
    (
        "prefetch not a resource",
        "POST",
        PATIENT_VIEW,
        json.dumps(
            hook_request(answers=IFS_ANSWERS, prefetch={"patient": "Patient/1", "observations": None})
        ).encode(),
        {},
        400,
        "bad_prefetch",
    ),
    ("oversized body", "POST", PATIENT_VIEW, b" " * (MAX_BODY_BYTES + 1), {}, 413, "payload_too_large"),
    ("deep nesting", "POST", PATIENT_VIEW, deep_request(MAX_DEPTH + 1), {}, 400, "too_deep"),
    ("very deep nesting", "POST", PATIENT_VIEW, nested(100_000), {}, 400, "too_deep"),
    ("feedback malformed", "POST", FEEDBACK, b"{", {}, 400, "bad_json"),
    ("feedback empty", "POST", FEEDBACK, b'{"feedback": []}', {}, 400, "bad_feedback"),
    (
        "feedback bad outcome",
        "POST",
        FEEDBACK,
        b'{"feedback": [{"card": "c", "outcome": "liked", "outcomeTimestamp": "2026-01-01T00:00:00Z"}]}',
        {},
        400,
        "bad_feedback",
    ),
    (
        "feedback accepted without suggestions",
        "POST",
        FEEDBACK,
        b'{"feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": "2026-01-01T00:00:00Z"}]}',
        {},
        400,
        "bad_feedback",
    ),
    (
        "feedback bad time",
        "POST",
        FEEDBACK,
        b'{"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "yesterday"}]}',
        {},
        400,
        "bad_feedback",
    ),
    ("feedback oversized", "POST", FEEDBACK, b" " * (MAX_BODY_BYTES + 1), {}, 413, "payload_too_large"),
]


@pytest.fixture
def feedback_db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "feedback.sqlite3"
    yield path


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "headers", "status", "code"), CASES, ids=[c[0] for c in CASES]
)
def test_each_bad_request_gets_its_status_and_one_line_and_the_worker_carries_on(
    client: Any,
    keys: Keys,
    tmp_path: Path,
    name: str,
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    sent = {"Content-Type": "application/json", **headers, **keys.auth(path)}
    response = client.request(method, path, content=body, headers=sent)
    assert refusal(response, status)["error"] == code
    assert not (tmp_path / "feedback.sqlite3").exists()  # nothing was written
    assert cards_of(
        client.post(
            PATIENT_VIEW,
            content=GOOD,
            headers={"Content-Type": "application/json", **keys.auth(PATIENT_VIEW)},
        )
    )


def test_a_body_sent_in_chunks_is_stopped_at_the_limit(client: Any, keys: Keys) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    headers = {"Content-Type": "application/json", **keys.auth(PATIENT_VIEW)}
    response = client.post(PATIENT_VIEW, content=chunks(), headers=headers)
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert refusal(response, 413)["error"] == "payload_too_large"


def test_a_bad_token_is_refused_before_the_body_is_read(client: Any) -> None:
    response = client.post(
        PATIENT_VIEW, content=b"{", headers={"Content-Type": "application/json", "Authorization": "Bearer x"}
    )
    assert refusal(response, 401)["error"] == "unauthorized"


def test_a_fhir_json_content_type_is_accepted(client: Any, keys: Keys) -> None:
    headers = {"Content-Type": "application/fhir+json; charset=utf-8", **keys.auth(PATIENT_VIEW)}
    assert cards_of(client.post(PATIENT_VIEW, content=GOOD, headers=headers))


def test_an_internal_error_is_one_line_and_the_worker_carries_on(
    client: Any, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("a bug")

    monkeypatch.setattr("ntrk_advisor.service.app.result_cards", broken)
    assert (
        refusal(
            client.post(
                PATIENT_VIEW,
                content=GOOD,
                headers={"Content-Type": "application/json", **keys.auth(PATIENT_VIEW)},
            ),
            500,
        )["error"]
        == "internal"
    )
    monkeypatch.undo()


# -- hookInstance is a UUID, since it is logged (review 2026-12-b, R11) -----------------------------


@pytest.mark.parametrize(
    "instance",
    [
        "MRN A7730021 Jose Smith",
        "x",
        "d3b07384-d9a0-4c3f-9e1a-6f7b2c9d1e0",  # one digit short
        "{d3b07384-d9a0-4c3f-9e1a-6f7b2c9d1e0f}",
        "d3b07384d9a04c3f9e1a6f7b2c9d1e0f",
        "d3b07384-d9a0-4c3f-9e1a-6f7b2c9d1e0f\n",
        "ｄ3b07384-d9a0-4c3f-9e1a-6f7b2c9d1e0f",  # a fullwidth letter
        12345,
    ],
    ids=["free text", "short", "35 characters", "braces", "no hyphens", "newline", "fullwidth", "number"],
)
def test_a_hook_instance_that_is_not_a_uuid_is_refused_before_it_is_logged(
    client: Any, keys: Keys, instance: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from ntrk_advisor.service.logs import JsonFormatter

    call = hook_request(answers=IFS_ANSWERS)
    call["hookInstance"] = instance
    with caplog.at_level("INFO", logger="ntrk_advisor.service"):
        response = client.post(PATIENT_VIEW, json=call, headers=keys.auth(PATIENT_VIEW))
    assert "UUID" in refusal(response, 400)["message"]
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert lines and all(json.loads(line).get("hookInstance") is None for line in lines)
    assert not any("A7730021" in line for line in lines)


def test_a_hook_instance_in_capitals_is_a_uuid_too(client: Any, keys: Keys) -> None:
    call = hook_request(answers=IFS_ANSWERS)
    call["hookInstance"] = call["hookInstance"].upper()
    assert cards_of(client.post(PATIENT_VIEW, json=call, headers=keys.auth(PATIENT_VIEW)))


# -- no answer may be cached or sniffed (R12) -------------------------------------------------------


def test_every_answer_of_the_application_forbids_caching_and_sniffing(
    client: Any, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.service.helpers import uncached

    json_headers = {"Content-Type": "application/json"}
    answers = {
        200: client.get("/cds-services", headers=keys.auth("/cds-services")),
        400: client.post(PATIENT_VIEW, content=b"{", headers={**json_headers, **keys.auth(PATIENT_VIEW)}),
        401: client.post(PATIENT_VIEW, content=GOOD, headers=json_headers),
        404: client.get("/admin"),
        405: client.get(PATIENT_VIEW),
        412: client.post(PATIENT_VIEW, json=hook_request(), headers=keys.auth(PATIENT_VIEW)),
        413: client.post(
            PATIENT_VIEW,
            content=b" " * (MAX_BODY_BYTES + 1),
            headers={**json_headers, **keys.auth(PATIENT_VIEW)},
        ),
        415: client.post(
            PATIENT_VIEW, content=GOOD, headers={"Content-Type": "text/plain", **keys.auth(PATIENT_VIEW)}
        ),
    }
    monkeypatch.setattr("ntrk_advisor.service.app.result_cards", lambda *a, **k: {}["a bug"])
    answers[500] = client.post(
        PATIENT_VIEW, content=GOOD, headers={**json_headers, **keys.auth(PATIENT_VIEW)}
    )
    for status, response in answers.items():
        assert response.status_code == status, (status, response.text)
        uncached(response)


@pytest.mark.parametrize(
    "server", ["not a url", "ftp://fhir.example", "https://", "http:///path", "", 7, None]
)
def test_a_fhir_server_that_is_not_a_base_url_is_a_bad_request_whatever_the_prefetch_lacks(
    client: Any, keys: Keys, server: Any
) -> None:
    """The request schema's `format: uri`: broken, it is 400, never the 412 of a missing prefetch."""
    body = {**hook_request(), "fhirServer": server}
    response = client.post(PATIENT_VIEW, json=body, headers=keys.auth(PATIENT_VIEW))
    assert refusal(response, 400)["error"] == "bad_request"


def test_a_fhir_server_given_without_the_prefetch_it_names_is_still_a_412(client: Any, keys: Keys) -> None:
    body = {**hook_request(), "fhirServer": "https://fhir.example.org/r4"}
    response = client.post(PATIENT_VIEW, json=body, headers=keys.auth(PATIENT_VIEW))
    assert refusal(response, 412)["error"] == "prefetch_missing"
    assert response.json()["resourceType"] == "OperationOutcome"
