"""Client authentication as CDS Hooks 2.0 describes it, against keys configured locally."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from ntrk_advisor.service.auth import ReplayWindow, load_jwks
from ntrk_advisor.service.errors import ServiceSetupError
from tests.service.helpers import (
    BASE,
    IFS_ANSWERS,
    ISSUER,
    KID,
    PATIENT_VIEW,
    Keys,
    cards_of,
    hook_request,
    refusal,
)


def post(client: Any, token: str | None, path: str = PATIENT_VIEW) -> Any:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return client.post(path, json=hook_request(answers=IFS_ANSWERS), headers=headers)


def test_a_signed_token_from_a_trusted_issuer_is_accepted(client: Any, keys: Keys) -> None:
    assert cards_of(post(client, keys.token(PATIENT_VIEW)))


def test_the_aud_may_be_a_list_holding_the_url(client: Any, keys: Keys) -> None:
    assert cards_of(post(client, keys.token(PATIENT_VIEW, aud=["https://other", f"{BASE}{PATIENT_VIEW}"])))


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"iss": "https://intruder.example.org"}, "issuer is not trusted"),
        ({"aud": f"{BASE}/cds-services/ntrk-order-select"}, "aud"),
        ({"aud": "https://elsewhere.example.org/cds-services/ntrk-patient-view"}, "aud"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"exp": int(time.time()) + 24 * 3600}, "more than 600 seconds"),
        ({"iat": int(time.time()) + 3600}, "future"),
        ({"jti": None}, "jti"),
        ({"iss": None}, "iss"),
        ({"exp": None}, "exp"),
    ],
    ids=[
        "issuer",
        "aud-other-service",
        "aud-other-host",
        "expired",
        "too-long",
        "future-iat",
        "no-jti",
        "no-iss",
        "no-exp",
    ],
)
def test_each_failed_check_is_a_401_saying_which(
    client: Any, keys: Keys, claims: dict[str, Any], message: str
) -> None:
    body = refusal(post(client, keys.token(PATIENT_VIEW, **claims)), 401)
    assert body["error"] == "unauthorized" and message in body["message"]


def test_a_replayed_token_is_refused(client: Any, keys: Keys) -> None:
    token = keys.token(PATIENT_VIEW)
    assert cards_of(post(client, token))
    assert "replay" in refusal(post(client, token), 401)["message"]


@pytest.mark.parametrize(
    "header", [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-jwt", "Bearer a.b.c"], ids=str
)
def test_a_missing_or_malformed_token_is_refused(client: Any, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = client.post(PATIENT_VIEW, json=hook_request(answers=IFS_ANSWERS), headers=headers)
    refusal(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_token_signed_by_another_key_or_naming_an_unknown_kid_is_refused(
    client: Any, keys: Keys, tmp_path: Path
) -> None:
    from tests.service.helpers import make_keys

    stranger = make_keys(tmp_path)  # same kid, another key
    assert "signature" in refusal(post(client, stranger.token(PATIENT_VIEW)), 401)["message"]
    token = jwt.encode(
        {
            "iss": ISSUER,
            "aud": f"{BASE}{PATIENT_VIEW}",
            "exp": int(time.time()) + 60,
            "iat": int(time.time()),
            "jti": "x",
        },
        keys.private,
        algorithm="ES256",
        headers={"kid": "unknown"},
    )
    assert "kid" in refusal(post(client, token), 401)["message"]


def test_symmetric_and_unsigned_tokens_are_refused(client: Any) -> None:
    claims = {
        "iss": ISSUER,
        "aud": f"{BASE}{PATIENT_VIEW}",
        "exp": int(time.time()) + 60,
        "iat": int(time.time()),
        "jti": "y",
    }
    hmac = jwt.encode(claims, "a-shared-secret-of-32-bytes-or-more!", algorithm="HS256", headers={"kid": KID})
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": KID})
    for token in (hmac, unsigned):
        assert "algorithm" in refusal(post(client, token), 401)["message"]


def test_the_feedback_endpoint_takes_its_own_url_or_the_service_url_as_aud(client: Any, keys: Keys) -> None:
    body = {"feedback": [{"card": "c1", "outcome": "overridden", "outcomeTimestamp": "2026-01-01T00:00:00Z"}]}
    for aud_path in (f"{PATIENT_VIEW}/feedback", PATIENT_VIEW):
        response = client.post(
            f"{PATIENT_VIEW}/feedback", json=body, headers=keys.auth(aud_path, aud=f"{BASE}{aud_path}")
        )
        assert response.status_code == 200, response.text


def test_a_key_file_with_a_private_or_symmetric_key_is_refused_at_start(tmp_path: Path, keys: Keys) -> None:
    private = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(keys.private))
    (tmp_path / "private.json").write_text(json.dumps({"keys": [{**private, "kid": "k"}]}))
    (tmp_path / "oct.json").write_text(json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]}))
    (tmp_path / "nokid.json").write_text(
        json.dumps({"keys": [{k: v for k, v in private.items() if k != "d"}]})
    )
    (tmp_path / "broken.json").write_text("{")
    for name, message in [
        ("private", "private"),
        ("oct", "symmetric"),
        ("nokid", "kid"),
        ("broken", "cannot read"),
    ]:
        with pytest.raises(ServiceSetupError, match=message):
            load_jwks(tmp_path / f"{name}.json")


def test_the_replay_window_forgets_expired_tokens() -> None:
    window = ReplayWindow()
    assert window.first_use(("iss", "a"), expires=100.0, now=0.0)
    assert not window.first_use(("iss", "a"), expires=100.0, now=50.0)
    assert window.first_use(("iss", "b"), expires=300.0, now=200.0)  # "a" expired and is forgotten
    assert len(window) == 1
    assert window.first_use(("iss", "a"), expires=400.0, now=201.0)
