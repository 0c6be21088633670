"""Client authentication as CDS Hooks 2.0 describes it, against keys configured locally."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from ntrk_advisor.service.auth import Verifier, load_jwks
from ntrk_advisor.service.errors import ServiceSetupError, Unauthorized
from ntrk_advisor.service.replay import ReplayWindow
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


# -- malformed tokens are 401, never 500 (review 2026-12-b, R8) -------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: Any, payload: Any, signature: bytes = b"\0" * 64) -> str:
    """A token with any header and payload, as JSON text or values (no check of their shape)."""
    parts = [h if isinstance(h, str) else json.dumps(h) for h in (header, payload)]
    return ".".join([b64(parts[0].encode()), b64(parts[1].encode()), b64(signature)])


def claims(path: str = PATIENT_VIEW, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": f"{BASE}{path}", "exp": now + 300, "iat": now, "jti": str(uuid.uuid4())}
    return {**base, **changes}


MALFORMED_HEADERS = {
    "alg a list": {"alg": ["ES256"], "kid": KID},
    "alg an object": {"alg": {"a": 1}, "kid": KID},
    "alg null": {"alg": None, "kid": KID},
    "typ an int": {"alg": "ES256", "kid": KID, "typ": 5},
    "typ a list": {"alg": "ES256", "kid": KID, "typ": ["JWT"]},
    "kid a list": {"alg": "ES256", "kid": [KID]},
    "kid an object": {"alg": "ES256", "kid": {"k": KID}},
    "crit an int": {"alg": "ES256", "kid": KID, "crit": 5},
    "crit unknown": {"alg": "ES256", "kid": KID, "crit": ["x-unknown"]},
    "header a list": ["ES256"],
    "header nested 100,000 deep": '{"alg":"ES256","kid":"'
    + KID
    + '","x":'
    + "[" * 100_000
    + "]" * 100_000
    + "}",
}


@pytest.mark.parametrize("header", MALFORMED_HEADERS.values(), ids=MALFORMED_HEADERS.keys())
def test_a_malformed_token_header_is_a_401_never_a_500(client: Any, header: Any) -> None:
    body = refusal(post(client, raw_token(header, claims())), 401)
    assert body["error"] == "unauthorized"


@pytest.fixture
def mixed_keys(tmp_path: Path, keys: Keys) -> Path:
    """The EHR's EC key, plus an RSA key whose JWK names no `alg`."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_public = json.loads(keys.jwks_path.read_text())["keys"][0]
    rsa_public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps({"keys": [ec_public, {**rsa_public, "kid": "rsa-1"}]}))
    (tmp_path / "rsa.pem").write_bytes(
        rsa_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return path


def test_an_es256_token_naming_an_rsa_key_without_alg_is_a_401(mixed_keys: Path, keys: Keys) -> None:
    verifier = Verifier(load_jwks(mixed_keys), [ISSUER], BASE)
    crossed = jwt.encode(claims(), keys.private, algorithm="ES256", headers={"kid": "rsa-1"})
    with pytest.raises(Unauthorized, match="does not match its key"):
        verifier.check(f"Bearer {crossed}", [PATIENT_VIEW])
    rsa_pem = (mixed_keys.parent / "rsa.pem").read_bytes()
    for alg in ("RS256", "PS256"):  # what an RSA key without alg may sign is still accepted
        token = jwt.encode(claims(), rsa_pem, algorithm=alg, headers={"kid": "rsa-1"})
        assert verifier.check(f"Bearer {token}", [PATIENT_VIEW]).issuer == ISSUER


# -- NumericDate claims are numbers (R9) ------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": str(int(time.time()) + 100)},
        {"iat": str(int(time.time()))},
        {"nbf": str(int(time.time()) - 10)},
        {"exp": True},
        {"exp": float("inf")},
        {"exp": float("nan")},
        {"exp": 10**400},
    ],
    ids=["exp-string", "iat-string", "nbf-string", "exp-bool", "exp-infinity", "exp-nan", "exp-10^400"],
)
def test_a_date_claim_that_is_not_a_json_number_is_a_401(
    client: Any, keys: Keys, changes: dict[str, Any]
) -> None:
    token = jwt.encode(claims(**changes), keys.private, algorithm="ES256", headers={"kid": KID, "typ": "JWT"})
    assert refusal(post(client, token), 401)["error"] == "unauthorized"


def test_a_numeric_string_exp_is_refused_as_not_a_number(client: Any, keys: Keys) -> None:
    token = keys.token(PATIENT_VIEW, exp=str(int(time.time()) + 100))
    assert "NumericDate" in refusal(post(client, token), 401)["message"]


# -- the JWK Set file (R13) --------------------------------------------------------------------------


def test_two_keys_with_one_kid_are_refused_at_start(tmp_path: Path, keys: Keys) -> None:
    from tests.service.helpers import make_keys

    first = json.loads(keys.jwks_path.read_text())["keys"][0]
    second = json.loads(make_keys(tmp_path).jwks_path.read_text())["keys"][0]  # the same kid
    path = tmp_path / "twice.json"
    path.write_text(json.dumps({"keys": [first, second]}))
    with pytest.raises(ServiceSetupError, match=f"two keys have the kid '{KID}'"):
        load_jwks(path)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "kid": 5}, "needs a 'kid'"),
        ({"kty": "XYZ", "kid": "odd"}, "key odd cannot be used"),
        ("not an object", "needs a 'kid'"),
    ],
    ids=["integer kid", "unknown key type", "not an object"],
)
def test_a_key_the_service_cannot_use_is_refused_not_skipped(
    tmp_path: Path, keys: Keys, entry: Any, message: str
) -> None:
    good = json.loads(keys.jwks_path.read_text())["keys"][0]
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": [good, entry]}))
    with pytest.raises(ServiceSetupError, match=message):
        load_jwks(path)


def test_a_key_for_an_algorithm_never_accepted_is_refused_at_start(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    k256 = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256K1()).public_key()))
    path = tmp_path / "k1.json"
    path.write_text(json.dumps({"keys": [{**k256, "kid": "k1"}]}))
    with pytest.raises(ServiceSetupError, match="not for an algorithm the service accepts"):
        load_jwks(path)


def test_a_jwk_set_file_over_1_mib_is_refused(tmp_path: Path, keys: Keys) -> None:
    text = keys.jwks_path.read_text()
    path = tmp_path / "padded.json"
    path.write_text(text + " " * (1024 * 1024 + 1 - len(text)))
    with pytest.raises(ServiceSetupError, match="larger than 1048576 bytes"):
        load_jwks(path)
    path.write_text(text + " " * (1024 * 1024 - len(text)))  # exactly the limit: read
    assert list(load_jwks(path)) == [KID]


def serve_with_jwks(jwks: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ntrk_advisor",
            "serve",
            "--jwks",
            str(jwks),
            "--issuer",
            ISSUER,
            "--port",
            "0",
            "--feedback-db",
            str(tmp_path / "f.sqlite3"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ, **env},
    )


def test_a_jwk_set_that_is_dev_zero_or_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "keys.fifo"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo):
        start = time.monotonic()
        done = serve_with_jwks(path, tmp_path)
        assert done.returncode == 2, done.stderr
        assert (
            done.stderr == f"ntrk-advisor: error: cannot read the JWK Set {path}: it is not a regular file\n"
        )
        assert time.monotonic() - start < 20
    chinese = serve_with_jwks(fifo, tmp_path, NTRK_ADVISOR_LANG="zh")
    assert (
        chinese.returncode == 2
        and chinese.stderr == f"ntrk-advisor：错误：无法读取 JWK Set {fifo}：它不是普通文件\n"
    )
