"""The answer page's tokens: a case without identifiers, signed, short-lived and spent once.

A card of an incomplete case links to `/app?token=…`; the page's form and the result's report
links carry tokens of the same kind. A token is the only state the page has, so it is made to be
safe in a URL, in a browser's history and in a proxy's log:

- it holds the derived case's answers without any identifier (never a patient id, a name, an MRN,
  nor the record's case id: `id` is left out) and where each answer came from (the record's
  resource references, "given with the call", or "answered on the page");
- it is `base64url(JSON) "." base64url(HMAC-SHA256(key, first part))`, the key a secret of this
  server (random at start, or read from `serve --page-key FILE`), checked with
  `hmac.compare_digest` before anything of it is decoded, and at most `MAX_TOKEN_CHARS` long;
- it expires `TOKEN_LIFETIME_S` (15 minutes) after it was made, by the clock handed in;
- it is spent on first use: its random id enters a use window (the service's replay window, so
  several workers share it), and a second use is refused.

A token that fails any check raises `TokenRefused` with the reason; the page words it.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import hmac
import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import orjson

from ntrk_advisor.contract.decode import loads_strict
from ntrk_advisor.exit_codes import ExitCode
from ntrk_advisor.service.errors import HttpError, ServiceSetupError

TOKEN_LIFETIME_S = 15 * 60
MAX_TOKEN_CHARS = 8192
"""A case's answers and sources fit in a few hundred bytes; anything longer is refused unread."""
KEY_BYTES = 32
MAX_USED = 100_000
"""Tokens one process spent that have not expired yet; beyond it new uses are refused (HTTP 503)
rather than letting the use window grow without bound or forgetting a spent token early."""
MAX_SOURCES = 5
MAX_SOURCE_CHARS = 120
FROM_CALL = "@call"
"""The source of an answer given with the hook call (never a record's reference, which has a `/`)."""
FROM_PAGE = "@page"
"""The source of an answer typed on the answer page."""
ISSUER = "ntrk-advisor:answer-page"
"""The use window's issuer for page tokens: the replay window keys tokens by issuer and id."""
IDENTIFIERS = frozenset({"id"})
"""Case fields a token never holds."""

Purpose = Literal["form", "report"]
Reason = Literal["malformed", "forged", "expired", "used", "busy"]
STATUS: dict[Reason, int] = {"malformed": 400, "forged": 403, "expired": 410, "used": 409, "busy": 503}


class TokenRefused(HttpError):
    """A page token that cannot be used; `reason` says why (the page words it, in 4xx or 503)."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, reason: Reason) -> None:
        super().__init__(STATUS[reason], f"token_{reason}", f"the page's token is {reason}")
        self.reason = reason


class UseWindow(Protocol):
    """Where spent token ids are kept until they expire (`service.replay`'s windows fit)."""

    def first_use(self, key: tuple[str, str], expires: float, now: float) -> bool:
        """Record a token id until `expires`; False if it was already recorded and has not expired."""
        ...


@dataclass(frozen=True)
class PageCase:
    """What a token holds: the answers without identifiers, and each answer's sources."""

    answers: dict[str, Any]
    sources: dict[str, list[str]]
    purpose: Purpose
    expires: float = 0.0
    token_id: str = ""


def _encoded(body: dict[str, Any]) -> bytes:
    """A token's payload as compact UTF-8 JSON, the same values whichever encoder writes it.

    orjson's, or the standard encoder's for what orjson cannot write (an integer beyond 64 bits);
    the strict decoder reads either back.
    """
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or not text.isascii() or any(c in text for c in "=+/"):
        raise ValueError("not base64url")
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def without_identifiers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers a token may hold: every case answer but the case's id."""
    return {name: value for name, value in answers.items() if name not in IDENTIFIERS and value is not None}


def trimmed_sources(sources: Mapping[str, list[str]], answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """The sources of the answers kept, a few short ones each, so a token stays small."""
    return {
        name: [str(ref)[:MAX_SOURCE_CHARS] for ref in refs[:MAX_SOURCES]]
        for name, refs in sources.items()
        if name in answers and refs
    }


class PageTokens:
    """Makes and checks page tokens with one key, one clock and one use window."""

    def __init__(self, key: bytes, clock: Callable[[], float], used: UseWindow) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError("a page key needs at least 32 bytes")
        self._key = key
        self.clock = clock
        self.used = used
        self._spent: list[float] = []
        """When each token this process spent expires (a heap): the count `MAX_USED` bounds, apart
        from the callers' JWT ids that share the window."""

    def _mac(self, text: str, domain: bytes = b"token") -> bytes:
        return hmac.digest(self._key, domain + b"\0" + text.encode("ascii"), "sha256")

    def issue(self, case: PageCase) -> str:
        """A new token for `case`'s answers (no identifier) and sources, valid for 15 minutes."""
        answers = without_identifiers(case.answers)
        body = {
            "v": 1,
            "p": case.purpose,
            "x": int(self.clock()) + TOKEN_LIFETIME_S,
            "j": secrets.token_urlsafe(16),
            "a": answers,
            "s": trimmed_sources(case.sources, answers),
        }
        payload = _b64(_encoded(body))
        token = payload + "." + _b64(self._mac(payload))
        if len(token) > MAX_TOKEN_CHARS:
            raise ValueError("the case does not fit in a page token")
        return token

    def read(self, token: str | None, purpose: Purpose) -> PageCase:
        """The case a token holds, if it is ours, unaltered, for `purpose` and not expired.

        The signature is checked (in constant time) before the payload is decoded; nothing of a
        token that fails it is parsed. Does not spend the token (`spend` does).
        """
        if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
            raise TokenRefused("malformed")
        payload, _, signature = token.partition(".")
        try:
            _unb64(signature)  # base64url characters only, so the text below is ASCII
        except (ValueError, binascii.Error):
            raise TokenRefused("malformed") from None
        # The signature's text is compared, not its decoded bytes: base64 leaves spare bits in the
        # last character, and a token altered only there must not pass as the one that was issued.
        if not payload.isascii() or not hmac.compare_digest(
            signature.encode("ascii"), _b64(self._mac(payload)).encode("ascii")
        ):
            raise TokenRefused("forged")
        try:
            body = loads_strict(_unb64(payload))
        except (ValueError, binascii.Error):
            raise TokenRefused("malformed") from None
        case = _case_of(body)
        if case is None or case.purpose != purpose:
            raise TokenRefused("malformed")
        if self.clock() >= case.expires:
            raise TokenRefused("expired")
        return case

    def spend(self, case: PageCase) -> None:
        """Mark the token used; `TokenRefused("used")` if it already was."""
        now = self.clock()
        while self._spent and self._spent[0] <= now:
            heapq.heappop(self._spent)
        if len(self._spent) >= MAX_USED:
            raise TokenRefused("busy")
        if not self.used.first_use((ISSUER, case.token_id), case.expires, now):
            raise TokenRefused("used")
        heapq.heappush(self._spent, case.expires)

    def form_nonce(self, token: str) -> str:
        """The CSRF field of the form that carries `token`: an HMAC of it, under this server's key."""
        return _b64(self._mac(token, b"form"))

    def nonce_matches(self, token: str, nonce: str | None) -> bool:
        """Whether a posted form's CSRF field was made by this server for this token."""
        return bool(nonce) and hmac.compare_digest(
            (nonce or "").encode("ascii", "replace"), self.form_nonce(token).encode("ascii")
        )


def _case_of(body: Any) -> PageCase | None:
    """A decoded (and authentic) payload as a `PageCase`, or None if it has not our shape."""
    if not isinstance(body, dict) or body.get("v") != 1 or body.get("p") not in ("form", "report"):
        return None
    expires, token_id, answers, sources = body.get("x"), body.get("j"), body.get("a"), body.get("s")
    if not isinstance(expires, int) or not isinstance(token_id, str) or not isinstance(answers, dict):
        return None
    if not isinstance(sources, dict) or not all(
        isinstance(refs, list) and all(isinstance(r, str) for r in refs) for refs in sources.values()
    ):
        return None
    return PageCase(answers, sources, body["p"], float(expires), token_id)


def page_key(path: str | None) -> bytes:
    """The key page tokens are signed with: the file's bytes, else a random one for this run.

    The file (`serve --page-key`) lets several workers or machines check each other's tokens; it
    must hold at least 32 bytes and be readable by its owner only (a key others can read signs
    tokens for them too).
    """
    if path is None:
        return secrets.token_bytes(KEY_BYTES)
    file = Path(path).expanduser()
    try:
        mode = file.stat().st_mode
        key = file.read_bytes()[:4096].strip()
    except OSError as exc:
        raise ServiceSetupError("page.bad_key", path=path, reason=exc.strerror or str(exc)) from None
    if mode & 0o077:
        raise ServiceSetupError("page.bad_key", path=path, reason="chmod 600")
    if len(key) < KEY_BYTES:
        raise ServiceSetupError("page.bad_key", path=path, reason="< 32 bytes")
    return key


def write_key_file(folder: Path) -> Path:
    """A new random key in `folder`, owner-only: the key `serve` hands its workers."""
    path = folder / "page-key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(secrets.token_hex(KEY_BYTES).encode("ascii"))
    return path
