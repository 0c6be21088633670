"""CORS (interop review I6): exactly the origins `serve --cors-origin` names may call from a browser.

The CDS Hooks sandbox and other browser-based clients send a preflight (`OPTIONS` with
`Access-Control-Request-Method`) before each call, and read an answer only if it carries
`Access-Control-Allow-Origin` for their origin. Without the option no origin is allowed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.service.app import cors_origin
from ntrk_advisor.service.errors import ServiceSetupError
from tests.conftest import run_main
from tests.service.helpers import IFS_ANSWERS, PATIENT_VIEW, Keys, hook_request, make_client
from tests.service.live import live_server, request_bytes

SANDBOX = "https://sandbox.cds-hooks.org"
EHR = "https://ehr.example.org:8443"
STRANGER = "https://evil.example.com"


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


@pytest.fixture
def cors_client(tmp_path: Path, keys: Keys) -> Any:
    return make_client(tmp_path, keys, cors_origins=(SANDBOX, EHR))


@pytest.mark.parametrize("origin", [SANDBOX, EHR])
def test_a_preflight_from_a_named_origin_is_allowed(cors_client: Any, origin: str) -> None:
    response = cors_client.options(PATIENT_VIEW, headers=preflight(origin))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["cache-control"] == "no-store"


def test_a_preflight_from_another_origin_is_refused(cors_client: Any) -> None:
    response = cors_client.options(PATIENT_VIEW, headers=preflight(STRANGER))
    assert response.status_code >= 400
    assert "access-control-allow-origin" not in response.headers


def test_answers_carry_the_origin_only_for_a_named_origin(cors_client: Any, keys: Keys) -> None:
    body = hook_request(answers=IFS_ANSWERS)
    allowed = cors_client.post(
        PATIENT_VIEW, json=body, headers={**keys.auth(PATIENT_VIEW), "Origin": SANDBOX}
    )
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == SANDBOX
    stranger = cors_client.post(
        PATIENT_VIEW,
        json=hook_request(answers=IFS_ANSWERS),
        headers={**keys.auth(PATIENT_VIEW), "Origin": STRANGER},
    )
    assert "access-control-allow-origin" not in stranger.headers
    refused = cors_client.get("/cds-services", headers={"Origin": SANDBOX})  # no token: 401, still readable
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == SANDBOX


def test_without_the_option_no_origin_is_allowed(client: Any, keys: Keys) -> None:
    response = client.options(PATIENT_VIEW, headers=preflight(SANDBOX))
    assert response.status_code == 405 and "access-control-allow-origin" not in response.headers
    answer = client.post(
        PATIENT_VIEW,
        json=hook_request(answers=IFS_ANSWERS),
        headers={**keys.auth(PATIENT_VIEW), "Origin": SANDBOX},
    )
    assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize(
    "value",
    ["*", "sandbox.cds-hooks.org", "https://ehr.example.org/app", "ftp://ehr.example.org", "https://"],
)
def test_anything_but_an_origin_stops_serve(value: str) -> None:
    with pytest.raises(ServiceSetupError):
        cors_origin(value)
    done = run_main("serve", "--insecure-no-auth", "--port", "0", "--cors-origin", value)
    assert done.code == 2 and "--cors-origin" in done.stderr


@pytest.mark.slow
def test_a_real_server_answers_the_sandbox_preflight_and_call_and_refuses_a_stranger(tmp_path: Path) -> None:
    """Over real sockets: `serve --cors-origin` twice; the sandbox's preflight and call, a stranger's preflight."""
    with live_server(tmp_path, "--cors-origin", SANDBOX, "--cors-origin", EHR) as server:
        allowed = server.exchange(
            request_bytes("OPTIONS", PATIENT_VIEW, headers=list(preflight(SANDBOX).items()))
        )
        assert allowed.status == 200 and allowed.headers["access-control-allow-origin"] == SANDBOX
        stranger = server.exchange(
            request_bytes("OPTIONS", PATIENT_VIEW, headers=list(preflight(STRANGER).items()))
        )
        assert stranger.status >= 400 and "access-control-allow-origin" not in stranger.headers
        body = json.dumps(hook_request(answers=IFS_ANSWERS)).encode()
        called = server.exchange(request_bytes("POST", PATIENT_VIEW, body, headers=[("Origin", SANDBOX)]))
        assert called.status == 200 and called.headers["access-control-allow-origin"] == SANDBOX
        assert called.json()["cards"]
