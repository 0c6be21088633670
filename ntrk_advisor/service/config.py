"""What a running service was told: where it listens, whom it trusts, its limits and its files.

Plain data, passed to each worker process as JSON in one environment variable (a worker is a new
process and re-reads nothing else), so every worker of one `serve` holds the same settings.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

CONFIG_ENV = "NTRK_ADVISOR_SERVICE_CONFIG"
"""The variable a worker process reads its `ServiceConfig` from (set by `service.run`)."""

MAX_BODY_BYTES = 2 * 1024 * 1024
"""The largest request body accepted (2 MiB): a generous prefetch of one patient's record. Larger
bodies are refused with HTTP 413 before they are read."""
MAX_DEPTH = 64
"""The deepest nesting of JSON arrays and objects accepted; FHIR resources in a Bundle nest about
ten levels, so anything near this is an attack or a mistake (HTTP 400)."""
MAX_TOKEN_LIFETIME_S = 600
"""A client's JWT may be valid for at most this long from now (its `exp`); the replay window keeps
each `jti` until its token expires, so this bounds the window's memory."""
CLOCK_LEEWAY_S = 60
"""Clock difference tolerated between the EHR and the service when checking `exp` and `iat`."""
MAX_HEADER_BYTES = 64 * 1024
"""The largest request line and header block accepted (64 KiB; HTTP 431 above). An EHR's token takes
a few KB; the limit keeps one unauthenticated client from making a worker buffer megabytes."""
HEADER_TIMEOUT_S = 10.0
"""Seconds a connection has to send a whole request line and header block (HTTP 408, then closed):
a client that sends half a header and waits ("slowloris") holds a connection no longer."""
BODY_TIMEOUT_S = 30.0
"""Seconds a request has to send its whole body once its headers are in (HTTP 408, then closed):
a 2 MiB body trickled a byte at a time holds a connection no longer."""
MAX_CONNECTIONS = 1000
"""Open connections one worker accepts; beyond it a new connection is answered 503 and closed at
once, so the process never runs out of file descriptors (serve raises its own descriptor limit to
fit this, as far as the system allows)."""
MAX_CONCURRENCY = 256
"""Requests one worker handles at once (read, waiting or being answered); beyond it a request is
answered 503 with Retry-After without running anything."""


@dataclass(frozen=True)
class ServiceConfig:
    """The settings of one running service (all workers share them)."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    base_url: str | None = None
    """The public URL of the service (what the EHR calls, and so each token's `aud` prefix);
    `http://HOST:PORT` when not given."""
    jwks_path: str | None = None
    """A JWK Set file holding the public keys of the EHRs allowed to call."""
    issuers: tuple[str, ...] = ()
    """The `iss` values accepted (the allow-list)."""
    insecure_no_auth: bool = False
    """Accept calls without a token: for local testing only."""
    feedback_db: str | None = None
    """The SQLite file of the feedback log (`feedback.sqlite3` in the user data folder if not given),
    or a `postgresql://` URL: the log and the replay window in that database (`service.storage`)."""
    app_url: str | None = None
    """A web page or app for entering the answers a record cannot hold; linked from the card of an
    incomplete case only when given."""
    page_key_file: str | None = None
    """A file holding the key the answer page's tokens are signed with (at least 32 bytes, owner
    only); a random key for this run when not given (`serve` hands its workers one)."""
    cors_origins: tuple[str, ...] = ()
    """The browser origins (`https://host[:port]`) allowed to call across origins (CORS), for the
    preflight and the answers; none when empty, so no browser page of another origin can call."""
    fhir_fallback: tuple[str, ...] = ()
    """FHIR servers (base URLs) a prefetch key the call left out may be read from, with the call's
    `fhirAuthorization` (`service.fallback`); none when empty: prefetch only, no outbound connection."""
    fhir_timeout_s: float = 5.0
    """Seconds all the fallback reads of one call may take together."""
    pathways_dir: str | None = None
    replay_db: str | None = None
    """The SQLite file workers share as their replay window (`replay-window.sqlite3` beside the
    feedback log if not given); used only when several worker processes answer. With a PostgreSQL
    `feedback_db` the window is in that database."""
    max_body_bytes: int = MAX_BODY_BYTES
    max_depth: int = MAX_DEPTH
    max_header_bytes: int = MAX_HEADER_BYTES
    header_timeout_s: float = HEADER_TIMEOUT_S
    body_timeout_s: float = BODY_TIMEOUT_S
    max_connections: int = MAX_CONNECTIONS
    max_concurrency: int = MAX_CONCURRENCY
    graceful_timeout_s: int = 30
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def public_url(self) -> str:
        """The base URL without a trailing slash (the `aud` of a token is this plus the path)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return (self.base_url or f"http://{host}:{self.port}").rstrip("/")

    def to_json(self) -> str:
        """The settings as JSON text (for the worker processes' environment)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ServiceConfig:
        """The settings back from `to_json`."""
        from ntrk_advisor.contract.decode import loads_strict

        data = loads_strict(text)
        data["issuers"] = tuple(data.get("issuers", ()))
        data["cors_origins"] = tuple(data.get("cors_origins", ()))
        data["fhir_fallback"] = tuple(data.get("fhir_fallback", ()))
        return cls(**data)

    @classmethod
    def from_environment(cls) -> ServiceConfig:
        """The settings a worker was started with, or the defaults."""
        text = os.environ.get(CONFIG_ENV)
        return cls() if not text else cls.from_json(text)
