"""Who may call: the EHR's signed JWT, checked as CDS Hooks 2.0 describes, against local keys.

Every request carries `Authorization: Bearer <JWT>`, signed with the EHR's private key. The
service checks, with no outbound connection of any kind (a `jku` header is never fetched):

- the signature, with a public key from the JWK Set file given to `serve --jwks`, chosen by the
  header's `kid`; only asymmetric algorithms (RSA, RSA-PSS, ECDSA, EdDSA), never `none` or HMAC;
- `iss` is on the allow-list (`serve --issuer`, repeatable);
- `aud` is the URL being called (the public base URL and the path);
- `exp` has not passed and lies at most `MAX_TOKEN_LIFETIME_S` ahead; `iat` is not in the future
  (both within `CLOCK_LEEWAY_S`);
- `jti` has not been seen before within its token's lifetime (the replay window).

The replay window lives in the memory of one worker process. Behind several workers or machines a
token replayed to another worker would pass: a deployment that needs replay protection across
workers keeps the window in a shared store (Redis, a database) instead; see the README.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from ntrk_advisor.contract.decode import loads_strict
from ntrk_advisor.service.config import CLOCK_LEEWAY_S, MAX_TOKEN_LIFETIME_S
from ntrk_advisor.service.errors import ServiceSetupError, Unauthorized

ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
"""Asymmetric signatures only: CDS Hooks forbids `none` and every symmetric (HMAC) algorithm."""


@dataclass(frozen=True)
class Caller:
    """Who called, as the token says (for the log; never a patient's data)."""

    issuer: str
    token_id: str


class ReplayWindow:
    """Token ids seen and not yet expired, per issuer; one per worker process, in memory."""

    def __init__(self) -> None:
        self._expiry: dict[tuple[str, str], float] = {}
        self._queue: list[tuple[float, tuple[str, str]]] = []

    def __len__(self) -> int:
        return len(self._expiry)

    def first_use(self, key: tuple[str, str], expires: float, now: float) -> bool:
        """Record a token id; False if it was already used and has not expired."""
        while self._queue and self._queue[0][0] < now:
            _, old = heapq.heappop(self._queue)
            if self._expiry.get(old, now + 1) < now:
                del self._expiry[old]
        if key in self._expiry:
            return False
        self._expiry[key] = expires
        heapq.heappush(self._queue, (expires, key))
        return True


def load_jwks(path: str | Path) -> dict[str, jwt.PyJWK]:
    """The public keys of a JWK Set file, by `kid`; refuses symmetric or private keys."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        document = loads_strict(text)  # a key given twice is refused, naming it
        if not isinstance(document, dict):
            raise ValueError("not a JSON object")
        key_set = jwt.PyJWKSet.from_dict(document)
    except (OSError, ValueError, jwt.PyJWKSetError, jwt.PyJWKError) as exc:
        raise ServiceSetupError(f"cannot read the JWK Set {path}: {exc}") from None
    keys: dict[str, jwt.PyJWK] = {}
    for key in key_set.keys:
        data: dict[str, Any] = dict(key._jwk_data)
        kid = data.get("kid")
        if not kid:
            raise ServiceSetupError(f"{path}: every key needs a 'kid' (the token header names it)")
        if data.get("kty") == "oct":
            raise ServiceSetupError(f"{path}: key {kid} is symmetric; CDS Hooks allows public keys only")
        if any(part in data for part in ("d", "p", "q")):
            raise ServiceSetupError(f"{path}: key {kid} holds a private part; give the public key only")
        keys[str(kid)] = key
    if not keys:
        raise ServiceSetupError(f"{path}: the JWK Set has no keys")
    return keys


class Verifier:
    """Checks the bearer token of each request (see the module's docstring for every check)."""

    def __init__(
        self,
        keys: dict[str, jwt.PyJWK],
        issuers: Iterable[str],
        public_url: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        self.issuers = frozenset(issuers)
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self.replays = ReplayWindow()
        if not self.issuers:
            raise ServiceSetupError("no trusted issuer: give --issuer for each EHR allowed to call")

    def check(self, authorization: str | None, audiences: Iterable[str]) -> Caller:
        """The caller, or `Unauthorized` saying which check failed (never quoting the token)."""
        token = bearer_token(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("the bearer token is not a JWT") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS:
            raise Unauthorized("the token's algorithm is not an accepted asymmetric one")
        if header.get("typ", "JWT").upper() != "JWT":
            raise Unauthorized("the token's typ must be JWT")
        if not isinstance(kid, str) or kid not in self.keys:
            raise Unauthorized("the token's kid names no configured key")
        key = self.keys[kid]
        if key.algorithm_name != alg and "alg" in key._jwk_data:
            raise Unauthorized("the token's algorithm does not match its key")
        now = self.clock()
        wanted = [f"{self.public_url}{path}" for path in audiences]
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=wanted,
                leeway=CLOCK_LEEWAY_S,
                options={"require": ["iss", "aud", "exp", "iat", "jti"], "verify_iat": True},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized("the token's aud is not this service's URL") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthorized(f"the token lacks the {exc.claim} claim") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized("the token was issued in the future") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("the token's signature does not verify") from None
        except jwt.PyJWTError:
            raise Unauthorized("the token is not valid") from None
        issuer, token_id, expires = claims["iss"], claims["jti"], claims["exp"]
        if not isinstance(issuer, str) or issuer not in self.issuers:
            raise Unauthorized("the token's issuer is not trusted")
        if not isinstance(token_id, str) or not token_id:
            raise Unauthorized("the token's jti must be a non-empty string")
        if float(expires) > now + MAX_TOKEN_LIFETIME_S + CLOCK_LEEWAY_S:
            raise Unauthorized(f"the token is valid for more than {MAX_TOKEN_LIFETIME_S} seconds")
        if not self.replays.first_use((issuer, token_id), float(expires) + CLOCK_LEEWAY_S, now):
            raise Unauthorized("the token was already used (replay)")
        return Caller(issuer, token_id)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer …` header."""
    if not authorization:
        raise Unauthorized("no bearer token: send Authorization: Bearer <JWT>")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <JWT>'")
    return token.strip()
