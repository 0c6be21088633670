"""The service's answers, byte for byte, as they were before its hot path was made faster (issue 27).

`tests/fixtures/service-cards/calls.jsonl` holds calls (complete cases of every kind, incomplete
ones, one with an emergency, invalid ones, both languages, one with a prefetched record) and the
exact body the service answered to each, written by the code before the speed-ups. Each card's
fresh `uuid` and an answer-page link's token are the parts that differ from call to call: a uuid is
replaced by its position, a token by `T`.
Regenerate only for an intended change of the cards: `python -m tests.service.test_service_card_bytes`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from ntrk_advisor.i18n import t
from ntrk_advisor.pathway.knowledge import default_knowledge_base
from ntrk_advisor.service.app import CdsService, create_app
from ntrk_advisor.service.config import ServiceConfig
from tests.service.helpers import BASE, PATIENT_VIEW, hook_request

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "service-cards" / "calls.jsonl"
NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
UUID = re.compile(rb'"uuid":"[0-9a-f-]{36}"')
PAGE_TOKEN = re.compile(rb"token=[A-Za-z0-9_.%-]+")
"""An answer page link's token is signed with a key made for the service and spent once: masked."""


def answered(
    tmp_path: Path, calls: list[dict[str, Any]], app_url: str | None, *, times: int = 1
) -> list[bytes]:
    """The body the service answers to each call, its card uuids numbered in order.

    With `times` > 2 each call is sent again (from the third call a case is answered from its
    template, `service.card_templates`) and every answer must be the same but for the masked parts.
    """
    from starlette.testclient import TestClient

    config = ServiceConfig(
        base_url=BASE, insecure_no_auth=True, feedback_db=str(tmp_path / "f.sqlite3"), app_url=app_url
    )
    service = CdsService(config, default_knowledge_base(), clock=lambda: NOW)
    out = []
    with TestClient(create_app(service), base_url=BASE) as client:
        for call in calls:
            bodies = {masked(client.post(PATIENT_VIEW, json=call).content) for _ in range(times)}
            assert len(bodies) == 1, call["context"]["extension"]
            out.extend(bodies)
        answered_with_cards = sum(is_advice(body) for body in out)
        # a template is made at a case's second call and answers from the third on
        assert service.templates.hits == max(0, times - 2) * answered_with_cards
    return out


def is_advice(body: bytes) -> bool:
    """Whether an answer holds the cards of a valid case (not a refusal, not the invalid card)."""
    cards = orjson.loads(body).get("cards")
    if not cards:
        return False
    return not any(cards[0]["detail"].startswith(t("invalid_note", lang)) for lang in ("en", "zh"))


def masked(body: bytes) -> bytes:
    """`body` with each card's uuid replaced by its position and each page token by `T`."""
    count = iter(range(1_000))
    body = PAGE_TOKEN.sub(b"token=T", body)
    return UUID.sub(lambda _: b'"uuid":"%d"' % next(count), body)


def stored() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("app_url", [None, "https://app.example.org/answers"])
def test_every_stored_call_is_answered_with_the_same_bytes(tmp_path: Path, app_url: str | None) -> None:
    rows = [row for row in stored() if row["app_url"] == app_url]
    assert rows
    got = answered(tmp_path, [row["call"] for row in rows], app_url)
    for row, body in zip(rows, got, strict=True):
        assert body.decode() == row["body"], row["call"]["context"]["extension"]


@pytest.mark.parametrize("app_url", [None, "https://app.example.org/answers"])
def test_a_case_answered_again_from_its_template_has_the_same_bytes(
    tmp_path: Path, app_url: str | None
) -> None:
    rows = [row for row in stored() if row["app_url"] == app_url]
    got = answered(tmp_path, [row["call"] for row in rows], app_url, times=3)
    for row, body in zip(rows, got, strict=True):
        assert body.decode() == row["body"], row["call"]["context"]["extension"]


def test_answers_written_differently_are_kept_apart_and_logged_as_given(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # `40` and `40.0`, `0` and `-0.0` are equal in Python; a template keyed by them would log the
    # first call's spelling for the second (issue 27: the key is the answers' exact JSON text).
    import logging

    from starlette.testclient import TestClient

    from ntrk_advisor.service.logs import LOGGER

    config = ServiceConfig(base_url=BASE, insecure_no_auth=True, feedback_db=str(tmp_path / "f.sqlite3"))
    service = CdsService(config, default_knowledge_base(), clock=lambda: NOW)
    ages: list[Any] = [40, 40.0] * 3 + [0, -0.0] * 3
    with TestClient(create_app(service), base_url=BASE) as client, caplog.at_level(logging.INFO, LOGGER):
        for age in ages:
            given = {"age_years": age, "fusion_status": "confirmed", "setting": "metastatic"}
            assert client.post(PATIENT_VIEW, json=hook_request(answers=given)).status_code == 200
    logged = [r.fields["case"]["age_years"] for r in caplog.records if r.getMessage() == "request"]
    assert [(type(a), str(a)) for a in logged] == [(type(a), str(a)) for a in ages]
    assert len(service.templates) == 4 and service.templates.hits == 4


def calls() -> list[tuple[dict[str, Any], str | None]]:
    """The calls the fixture holds (how it was made)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from ratios import random_lines, realistic_lines

    answers = [json.loads(line) for line in realistic_lines(24)]
    answers += [json.loads(line) for line in random_lines(24)]
    answers = [{k: v for k, v in a.items() if k != "id"} for a in answers if isinstance(a, dict)]
    answers += [
        {"age_years": 40, "fusion_status": "confirmed"},
        {"age_years": 40, "fusion_status": "confirmed", "emergency": ["airway_compromise"]},
        {"age_years": 400, "fusion_status": "maybe"},
    ]
    out: list[tuple[dict[str, Any], str | None]] = []
    for index, given in enumerate(answers):
        lang = ("en", "zh")[index % 2]
        out.append((hook_request(answers=given, lang=lang), None))
    patient = {"resourceType": "Patient", "id": "1", "birthDate": "1950-01-01"}
    for lang in ("en", "zh"):
        prefetch = {"patient": patient, "observations": None}
        out.append((hook_request(answers={"fusion_status": "confirmed"}, prefetch=prefetch, lang=lang), None))
        given = {"age_years": 2, "fusion_status": "confirmed"}
        out.append((hook_request(answers=given, lang=lang), "https://app.example.org/answers"))
    return out


def regenerate(tmp_path: Path) -> None:
    """Write the fixture from the code as it is now."""
    made = calls()
    lines = []
    for app_url in (None, "https://app.example.org/answers"):
        chosen = [call for call, url in made if url == app_url]
        for call, body in zip(chosen, answered(tmp_path, chosen, app_url), strict=True):
            row = {"app_url": app_url, "call": call, "body": body.decode()}
            lines.append(json.dumps(row, ensure_ascii=False))
    FIXTURE.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        regenerate(Path(tmp))
