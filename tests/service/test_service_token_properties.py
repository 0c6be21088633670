"""Property: whatever a bearer token's header and payload hold, the answer is 401 or a caller, never 5xx.

Hypothesis writes headers and payloads of any JSON shape: the expected keys with values of every
type (lists, objects, numbers as strings, NaN, huge integers), unknown keys, non-objects. Half the
tokens are signed with the trusted key, so the payload's checks are reached too; the others carry
a signature that cannot verify. (Review 2026-12-b, R8 and R9: `alg` as a list, `typ` as an int,
`exp` as a string.)
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from pathlib import Path
from typing import Any

import hypothesis
import jwt
import pytest
from hypothesis import strategies as st

from ntrk_advisor.service.auth import Verifier, load_jwks
from ntrk_advisor.service.errors import Unauthorized
from tests.service.helpers import BASE, ISSUER, KID, PATIENT_VIEW, Keys, hook_request, make_client

SETTINGS = hypothesis.settings(
    max_examples=300, deadline=None, suppress_health_check=list(hypothesis.HealthCheck), derandomize=True
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def maybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The right kind of value most of the time, any JSON value otherwise."""
    return st.one_of(good, good, values)


def now_plus(low: int, high: int) -> st.SearchStrategy[Any]:
    return st.integers(low, high).map(lambda d: int(time.time()) + d)


headers = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "alg": maybe(st.sampled_from(["ES256", "RS256", "none", "HS256", "EdDSA", "es256"])),
            "kid": maybe(st.just(KID)),
            "typ": maybe(st.sampled_from(["JWT", "jwt", "at+jwt"])),
            "crit": values,
            "jku": values,
            "jwk": values,
            "x5c": values,
            "b64": values,
        },
    ),
    values,
)
payloads = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "iss": maybe(st.just(ISSUER)),
            "aud": maybe(st.sampled_from([f"{BASE}{PATIENT_VIEW}", [f"{BASE}{PATIENT_VIEW}"], "x"])),
            "exp": maybe(now_plus(-100, 900)),
            "iat": maybe(now_plus(-100, 100)),
            "nbf": maybe(now_plus(-100, 100)),
            "jti": maybe(st.uuids().map(str)),
        },
    ),
    values,
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token_of(keys: Keys, header: Any, payload: Any, signed: bool) -> str:
    message = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    if signed:
        algorithm = jwt.algorithms.ECAlgorithm(jwt.algorithms.ECAlgorithm.SHA256)
        signature = algorithm.sign(message.encode(), keys.private)
    else:
        signature = b"\1" * 64
    return f"{message}.{b64(signature)}"


@hypothesis.given(header=headers, payload=payloads, signed=st.booleans())
@SETTINGS
def test_any_token_shape_is_a_caller_or_a_401_from_the_checker(
    keys: Keys, header: Any, payload: Any, signed: bool
) -> None:
    verifier = Verifier(load_jwks(keys.jwks_path), [ISSUER], BASE)
    with contextlib.suppress(Unauthorized):  # a 401; any other exception fails the test
        verifier.check(f"Bearer {token_of(keys, header, payload, signed)}", [PATIENT_VIEW])


@pytest.fixture(scope="module")
def service_client(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Any:
    return make_client(Path(tmp_path_factory.mktemp("tokens")), keys)


@hypothesis.given(header=headers, payload=payloads, signed=st.booleans())
@hypothesis.settings(SETTINGS, max_examples=100)
def test_any_token_shape_is_answered_without_a_5xx(
    service_client: Any, keys: Keys, header: Any, payload: Any, signed: bool
) -> None:
    response = service_client.post(
        PATIENT_VIEW,
        json=hook_request(),
        headers={"Authorization": f"Bearer {token_of(keys, header, payload, signed)}"},
    )
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 401, 412), response.text
