"""The answer page's tokens: signed, short-lived, spent once, small, and without identifiers."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from ntrk_advisor.service.errors import ServiceSetupError
from ntrk_advisor.service.page_token import (
    MAX_TOKEN_CHARS,
    TOKEN_LIFETIME_S,
    PageCase,
    PageTokens,
    TokenRefused,
    page_key,
)
from ntrk_advisor.service.replay import ReplayWindow

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
ANSWERS = {"age_years": 40, "fusion_status": "confirmed", "setting": "metastatic"}
SOURCES = {"age_years": ["Patient/p-1"], "fusion_status": ["Observation/o-7"]}


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def tokens(clock: Clock | None = None, key: bytes = KEY) -> PageTokens:
    return PageTokens(key, clock or Clock(), ReplayWindow())


def payload_of(token: str) -> dict[str, object]:
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_a_token_reads_back_the_case_it_was_made_for() -> None:
    made = tokens()
    case = made.read(made.issue(PageCase(ANSWERS, SOURCES, "form")), "form")
    assert case.answers == ANSWERS and case.sources == SOURCES and case.purpose == "form"


def test_a_token_never_holds_the_case_id_and_only_case_answers() -> None:
    token = tokens().issue(PageCase({**ANSWERS, "id": "MRN-0042"}, {"id": ["Patient/p-1"]}, "form"))
    body = payload_of(token)
    assert "MRN-0042" not in json.dumps(body)
    assert set(body) == {"v", "p", "x", "j", "a", "s"}
    assert body["a"] == ANSWERS and body["s"] == {}


def _flip(token: str, index: int) -> str:
    char = token[index]
    replacement = "A" if char != "A" else "B"
    return token[:index] + replacement + token[index + 1 :]


@pytest.mark.parametrize(
    "where",
    [
        "payload start",
        "payload middle",
        "payload end",
        "signature start",
        "signature middle",
        "signature end",
        "separator",
    ],
)
def test_a_token_altered_anywhere_is_refused_before_it_is_read(where: str) -> None:
    made = tokens()
    token = made.issue(PageCase(ANSWERS, SOURCES, "form"))
    dot = token.index(".")
    index = {
        "payload start": 0,
        "payload middle": dot // 2,
        "payload end": dot - 1,
        "separator": dot,
        "signature start": dot + 1,
        "signature middle": (dot + len(token)) // 2,
        "signature end": len(token) - 1,
    }[where]
    with pytest.raises(TokenRefused) as refused:
        made.read(_flip(token, index), "form")
    assert refused.value.reason in ("forged", "malformed") and 400 <= refused.value.status < 500


def test_a_signature_changed_only_in_its_spare_bits_is_forged() -> None:
    """The last base64 character of a 32-byte signature carries two spare bits: a token that differs
    only there decodes to the same bytes, and must still be refused (found as a flaky tamper test)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    made = tokens()
    token = made.issue(PageCase(ANSWERS, SOURCES, "form"))
    spare = alphabet[alphabet.index(token[-1]) ^ 1]
    altered = token[:-1] + spare
    assert base64.urlsafe_b64decode(altered.split(".")[1] + "=") == base64.urlsafe_b64decode(
        token.split(".")[1] + "="
    )
    with pytest.raises(TokenRefused) as refused:
        made.read(altered, "form")
    assert refused.value.reason == "forged"


def test_a_token_signed_with_another_key_is_forged() -> None:
    token = tokens(key=OTHER_KEY).issue(PageCase(ANSWERS, SOURCES, "form"))
    with pytest.raises(TokenRefused) as refused:
        tokens().read(token, "form")
    assert refused.value.reason == "forged" and refused.value.status == 403


def test_a_payload_changed_and_resigned_without_the_key_is_forged() -> None:
    made = tokens()
    token = made.issue(PageCase(ANSWERS, SOURCES, "form"))
    body = payload_of(token)
    body["a"] = {**ANSWERS, "setting": "early"}
    forged = (
        base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode() + "." + token.split(".")[1]
    )
    with pytest.raises(TokenRefused, match="forged"):
        made.read(forged, "form")


def test_a_token_expires_after_15_minutes() -> None:
    clock = Clock()
    made = tokens(clock)
    token = made.issue(PageCase(ANSWERS, SOURCES, "form"))
    clock.now += TOKEN_LIFETIME_S - 1
    assert made.read(token, "form").answers == ANSWERS
    clock.now += 1
    with pytest.raises(TokenRefused) as refused:
        made.read(token, "form")
    assert refused.value.reason == "expired" and refused.value.status == 410


def test_a_token_is_spent_once() -> None:
    made = tokens()
    case = made.read(made.issue(PageCase(ANSWERS, SOURCES, "form")), "form")
    made.spend(case)
    with pytest.raises(TokenRefused) as refused:
        made.spend(case)
    assert refused.value.reason == "used" and refused.value.status == 409


def test_a_report_token_does_not_open_the_form() -> None:
    made = tokens()
    with pytest.raises(TokenRefused, match="malformed"):
        made.read(made.issue(PageCase(ANSWERS, SOURCES, "report")), "form")


@pytest.mark.parametrize(
    "token",
    [None, "", "no-dot", "a.b.c", "%%%.%%%", "e30.AAAA", "x" * (MAX_TOKEN_CHARS + 1), "ab=.cd"],
    ids=["none", "empty", "no dot", "two dots", "not base64", "short signature", "oversize", "padding"],
)
def test_a_malformed_or_oversize_token_is_refused_without_a_traceback(token: str | None) -> None:
    with pytest.raises(TokenRefused) as refused:
        tokens().read(token, "form")
    assert refused.value.reason in ("malformed", "forged")


def test_the_csrf_field_is_bound_to_its_token_and_key() -> None:
    made = tokens()
    first = made.issue(PageCase(ANSWERS, SOURCES, "form"))
    second = made.issue(PageCase(ANSWERS, SOURCES, "form"))
    assert made.nonce_matches(first, made.form_nonce(first))
    assert not made.nonce_matches(first, made.form_nonce(second))
    assert not made.nonce_matches(first, tokens(key=OTHER_KEY).form_nonce(first))
    assert not made.nonce_matches(first, None) and not made.nonce_matches(first, "é")


def test_a_key_file_must_be_private_and_long_enough(tmp_path: Path) -> None:
    key = tmp_path / "page-key"
    key.write_bytes(b"s" * 40)
    os.chmod(key, 0o600)
    assert page_key(str(key)) == b"s" * 40
    os.chmod(key, 0o644)
    with pytest.raises(ServiceSetupError):
        page_key(str(key))
    key.write_bytes(b"short")
    os.chmod(key, 0o600)
    with pytest.raises(ServiceSetupError):
        page_key(str(key))
    assert len(page_key(None)) == 32 and page_key(None) != page_key(None)


def test_a_full_use_window_refuses_new_uses_until_tokens_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ntrk_advisor.service.page_token.MAX_USED", 2)
    clock = Clock()
    made = tokens(clock)
    cases = [made.read(made.issue(PageCase(ANSWERS, SOURCES, "form")), "form") for _ in range(3)]
    made.spend(cases[0])
    made.spend(cases[1])
    with pytest.raises(TokenRefused) as refused:
        made.spend(cases[2])
    assert refused.value.reason == "busy" and refused.value.status == 503
    clock.now += TOKEN_LIFETIME_S
    made.spend(cases[2])  # the first two expired, so the window has room again


def test_a_token_is_text_a_query_string_carries_unescaped_and_reads_back_with_any_answers() -> None:
    # The card's link puts the token in the query as it is (issue 27): it must need no escaping.
    from urllib.parse import quote_plus

    made = tokens()
    for answers in (
        ANSWERS,
        {"tumor_type": "肉瘤 / sarcoma? & more=", "age_years": 2.5e-07, "emergency": []},
        {"age_years": 10**30, "fusion_status": "confirmed"},  # beyond orjson: the standard encoder
    ):
        token = made.issue(PageCase(answers, SOURCES, "form"))
        assert quote_plus(token) == token
        read = made.read(token, "form").answers
        assert read == answers if answers["age_years"] < 2**64 else read["age_years"] == float(10**30)
