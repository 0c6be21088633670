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

The replay window (`service.replay`) is one process's memory when one process answers, and an
SQLite file every worker of the machine shares when several do. Across machines it is in the
PostgreSQL database `--feedback-db` names (`service.postgres`), shared by every worker of every one.

A token is outside data until its signature verifies, so every part of it is checked for its type
before it is compared or used, and anything the JWT library raises about a token is HTTP 401: no
token, however malformed, is an internal error.
"""

from __future__ import annotations

import math
import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jwt

from ntrk_advisor.contract.decode import loads_strict
from ntrk_advisor.service.config import CLOCK_LEEWAY_S, MAX_TOKEN_LIFETIME_S
from ntrk_advisor.service.errors import ServiceSetupError, Unauthorized
from ntrk_advisor.service.replay import ReplayWindow

ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
"""Asymmetric signatures only: CDS Hooks forbids `none` and every symmetric (HMAC) algorithm."""
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
EC_ALGORITHMS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
"""The one ECDSA algorithm of each curve (RFC 7518, 3.4)."""
MAX_JWKS_BYTES = 1024 * 1024
"""The largest JWK Set file read (1 MiB): a few keys take a few KB; anything near this is a mistake."""
NUMERIC_DATES = ("exp", "iat", "nbf")
"""Claims that RFC 7519 defines as a NumericDate: a JSON number, never a string."""


@dataclass(frozen=True)
class Caller:
    """Who called, as the token says (for the log; never a patient's data)."""

    issuer: str
    token_id: str


class Replays(Protocol):
    """A replay window (`service.replay`): in memory, or shared by several workers."""

    def first_use(self, key: tuple[str, str], expires: float, now: float) -> bool:
        """Record a token id; False if it was already used and has not expired."""

    def close(self) -> None:
        """Release what the window holds open."""


def read_key_file(path: str | Path) -> str:
    """The text of a JWK Set file: a regular file within `MAX_JWKS_BYTES`, never a device or a FIFO.

    Opened without blocking (a FIFO with no writer would hang start-up) and read no further than
    the limit (`/dev/zero` never ends).
    """
    shown = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ServiceSetupError(
            "usage.jwks_unreadable", path=shown, reason=exc.strerror or str(exc)
        ) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ServiceSetupError("usage.jwks_not_file", path=shown)
        parts: list[bytes] = []
        size = 0
        while chunk := os.read(fd, 65536):
            size += len(chunk)
            if size > MAX_JWKS_BYTES:
                raise ServiceSetupError("usage.jwks_too_large", path=shown, limit=MAX_JWKS_BYTES)
            parts.append(chunk)
    except OSError as exc:
        raise ServiceSetupError(
            "usage.jwks_unreadable", path=shown, reason=exc.strerror or str(exc)
        ) from None
    finally:
        os.close(fd)
    try:
        return b"".join(parts).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ServiceSetupError("usage.jwks_unreadable", path=shown, reason=str(exc)) from None


def load_jwks(path: str | Path) -> dict[str, jwt.PyJWK]:
    """The public keys of a JWK Set file, by `kid`.

    Refuses, naming the key: a key without a `kid` or with one another key has (a token names its
    key by `kid`, so two keys under one name would make one of them unusable without a word),
    a symmetric or private key, and a key the service cannot use or would never accept a token
    for. Nothing is skipped silently.
    """
    shown = str(path)
    try:
        data = loads_strict(read_key_file(path))  # a member given twice is refused, naming it
    except (ValueError, RecursionError) as exc:
        raise ServiceSetupError("usage.jwks_unreadable", path=shown, reason=str(exc)) from None
    entries = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ServiceSetupError("usage.jwks_empty", path=shown)
    keys: dict[str, jwt.PyJWK] = {}
    for entry in entries:
        kid = entry.get("kid") if isinstance(entry, dict) else None
        if not isinstance(kid, str) or not kid:
            raise ServiceSetupError("usage.jwks_no_kid", path=shown)
        named = kid[:80]
        if kid in keys:
            raise ServiceSetupError("usage.jwks_duplicate_kid", path=shown, kid=named)
        if entry.get("kty") == "oct":
            raise ServiceSetupError("usage.jwks_symmetric", path=shown, kid=named)
        if any(part in entry for part in ("d", "p", "q")):
            raise ServiceSetupError("usage.jwks_private", path=shown, kid=named)
        try:
            key = jwt.PyJWK(entry)
        except (jwt.PyJWTError, TypeError, ValueError) as exc:
            raise ServiceSetupError(
                "usage.jwks_unusable", path=shown, kid=named, reason=str(exc)[:200]
            ) from None
        if not algorithms_of(entry):
            raise ServiceSetupError("usage.jwks_algorithm", path=shown, kid=named)
        keys[kid] = key
    return keys


def algorithms_of(jwk: dict[str, Any]) -> frozenset[str]:
    """The accepted algorithms a token signed with this key may name.

    The key's own `alg` when it gives one; otherwise every algorithm of its type (and curve), so
    that an ES256 token can never be checked with an RSA key.
    """
    given = jwk.get("alg")
    if given is not None:
        return frozenset({given}) & ALGORITHMS if isinstance(given, str) else frozenset()
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "RSA":
        return RSA_ALGORITHMS
    if kty == "EC" and crv in EC_ALGORITHMS:
        return frozenset({EC_ALGORITHMS[crv]})
    if kty == "OKP" and crv in ("Ed25519", "Ed448"):
        return frozenset({"EdDSA"})
    return frozenset()


def numeric_date(value: object) -> bool:
    """Whether a claim is a NumericDate: a finite JSON number (not a string, not a boolean)."""
    if type(value) is int:
        return True
    return type(value) is float and math.isfinite(value)


class Verifier:
    """Checks the bearer token of each request (see the module's docstring for every check)."""

    def __init__(
        self,
        keys: dict[str, jwt.PyJWK],
        issuers: Iterable[str],
        public_url: str,
        clock: Callable[[], float] = time.time,
        replays: Replays | None = None,
    ) -> None:
        self.keys = keys
        self.algorithms = {kid: algorithms_of(dict(key._jwk_data)) for kid, key in keys.items()}
        self.issuers = frozenset(issuers)
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self.replays: Replays = ReplayWindow() if replays is None else replays
        if not self.issuers:
            raise ServiceSetupError("usage.no_issuer")

    def check(self, authorization: str | None, audiences: Iterable[str]) -> Caller:
        """The caller, or `Unauthorized` saying which check failed (never quoting the token)."""
        token = bearer_token(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except Exception:  # DecodeError, and a RecursionError for a header nested too deep
            raise Unauthorized("the bearer token is not a JWT") from None
        if not isinstance(header, dict):
            raise Unauthorized("the bearer token is not a JWT")
        alg, kid, typ = header.get("alg"), header.get("kid"), header.get("typ", "JWT")
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            raise Unauthorized("the token's algorithm is not an accepted asymmetric one")
        if not isinstance(typ, str) or typ.upper() != "JWT":
            raise Unauthorized("the token's typ must be JWT")
        if not isinstance(kid, str) or kid not in self.keys:
            raise Unauthorized("the token's kid names no configured key")
        key = self.keys[kid]
        if alg not in self.algorithms[kid]:
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
        except Exception:  # any other failure on a malformed token (a library's TypeError…) is a 401
            raise Unauthorized("the token is not valid") from None
        for name in NUMERIC_DATES:
            if name in claims and not numeric_date(claims[name]):
                raise Unauthorized(f"the token's {name} must be a number (a NumericDate)")
        issuer, token_id, expires = claims["iss"], claims["jti"], claims["exp"]
        if not isinstance(issuer, str) or issuer not in self.issuers:
            raise Unauthorized("the token's issuer is not trusted")
        if not isinstance(token_id, str) or not token_id:
            raise Unauthorized("the token's jti must be a non-empty string")
        if expires > now + MAX_TOKEN_LIFETIME_S + CLOCK_LEEWAY_S:  # compared as a number: 10**400 is fine
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
