"""A hook call's HTTP answer, message by message, as the ASGI server receives it (issue 27).

The hook route is dispatched before Starlette's router (the calls an EHR makes most); every other
request goes through it. Either way the answer carries the same status, the same headers in the
same order and the same body, and what is not a hook call is answered as before: 404, 405,
refusals, the answer page.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.pathway.knowledge import default_knowledge_base
from ntrk_advisor.service.app import CdsService, create_app
from ntrk_advisor.service.config import ServiceConfig
from tests.service.helpers import hook_request

COMPLETE = {
    "age_years": 0.5,
    "fusion_status": "confirmed",
    "setting": "locally_advanced",
    "treatment_phase": "naive",
    "emergency": [],
    "tumor_category": "infantile_fibrosarcoma",
}


def asgi(app: Any, method: str, path: str, body: bytes, root_path: str = "") -> list[dict[str, Any]]:
    """The messages `app` sends for one request."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": root_path + path,
        "raw_path": (root_path + path).encode(),
        "query_string": b"",
        "root_path": root_path,
        "headers": [(b"host", b"cds.test"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8080),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


@pytest.fixture
def app(tmp_path: Path) -> Any:
    config = ServiceConfig(insecure_no_auth=True, feedback_db=str(tmp_path / "f.sqlite3"))
    return create_app(CdsService(config, default_knowledge_base()))


def headers(length: int, media: bytes = b"application/json") -> list[tuple[bytes, bytes]]:
    return [
        (b"content-length", str(length).encode()),
        (b"content-type", media),
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
    ]


@pytest.mark.parametrize(
    "answers",
    [
        COMPLETE,
        {"age_years": 40, "fusion_status": "confirmed"},
        {"age_years": -1, "fusion_status": "confirmed"},
    ],
)
@pytest.mark.parametrize("root_path", ["", "/ntrk"])
def test_a_hook_call_is_one_start_and_one_body_with_the_service_headers(
    app: Any, answers: dict[str, Any], root_path: str
) -> None:
    body = json.dumps(hook_request(answers=answers)).encode()
    for _ in range(3):  # the third from the case's template
        start, whole = asgi(app, "POST", "/cds-services/ntrk-patient-view", body, root_path)
        assert start["type"] == "http.response.start" and start["status"] == 200
        assert start["headers"] == headers(len(whole["body"]))
        assert whole["type"] == "http.response.body" and set(whole) == {"type", "body"}
        assert json.loads(whole["body"])["cards"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/cds-services/ntrk-patient-view", b"{", 400, "bad_json"),
        ("POST", "/cds-services/no-such-service", b"{}", 404, "unknown_service"),
        ("GET", "/cds-services/ntrk-patient-view", b"", 405, "method_not_allowed"),
        ("POST", "/cds-services/ntrk-patient-view/extra", b"{}", 404, "not_found"),
    ],
)
def test_what_is_no_hook_call_is_refused_in_one_line_as_before(
    app: Any, method: str, path: str, body: bytes, status: int, code: str
) -> None:
    start, whole = asgi(app, method, path, body)
    assert start["status"] == status
    assert json.loads(whole["body"])["error"] == code
    assert start["headers"][-2:] == headers(0)[-2:]
