"""The HTTP connection, bounded before any request reaches the application (or its token check).

uvicorn's httptools protocol buffers a header block of any size, waits as long as a client likes
for the rest of a request, and takes every connection offered. So one unauthenticated client could
make a worker buffer a 100 MB header, or hold connections open by sending half a header or
trickling a body, until the process ran out of file descriptors. `GuardedHttpProtocol` (the same
protocol, subclassed; `GuardedConfig` installs it) bounds each of these per worker:

- **header size**: the request line and header block may take `max_header_bytes`; beyond it the
  answer is HTTP 431 and the connection is closed, having read at most two socket reads more. The
  same bound holds for what a chunked body sends without body data (trailers, chunk extensions),
  which the parser would otherwise buffer whole, even after the request was answered;
- **header timeout**: a request line and header block must arrive within `header_timeout_s` of the
  connection opening (or of the request's first byte on a kept-alive connection): HTTP 408 and
  closed; a connection that never sends a byte is closed without an answer;
- **body timeout**: the body must arrive within `body_timeout_s` of the headers: HTTP 408 and
  closed, also when the application has already answered (a 401) and the client keeps trickling;
- **connections**: a connection beyond `max_connections` open in this worker is answered 503 with
  `Retry-After` and closed at once, so the worker keeps file descriptors to spare;
- **concurrency**: a request arriving while `max_concurrency` are in flight in this worker is
  answered 503 with `Retry-After` without running the application;
- **pipelining**: a client may send requests ahead of the answers (HTTP/1.1 pipelining), but at
  most `MAX_PIPELINED` wait on one connection; beyond that the connection is closed (uvicorn would
  parse every request of a read, thousands of them, and keep each until its turn).

Each of these answers is one line of JSON with the security headers (`service.headers`), like the
application's own refusals, and one `refused` log line (no request data). Everything else is
uvicorn's, so a request within the limits costs what it did (two timer operations more).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import httptools
import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from ntrk_advisor.service import logs
from ntrk_advisor.service.config import ServiceConfig
from ntrk_advisor.service.headers import SECURITY_HEADERS

MAX_PIPELINED = 16
"""Requests that may wait on one connection behind the one being answered."""
RETRY_AFTER_S = 1
"""What a 503 asks the client to wait before trying again, in seconds."""
SPARE_DESCRIPTORS = 64
"""File descriptors a worker keeps beyond its connections: the listening socket, the feedback log
and replay window with their WAL files, the event loop's own, the log stream."""


@dataclass(frozen=True)
class TransportLimits:
    """What one connection, and all of one worker's, may cost (see the module's docstring)."""

    max_header_bytes: int
    header_timeout_s: float
    body_timeout_s: float
    max_connections: int
    max_concurrency: int

    @classmethod
    def of(cls, config: ServiceConfig) -> TransportLimits:
        """The limits a service was configured with."""
        return cls(
            max_header_bytes=config.max_header_bytes,
            header_timeout_s=config.header_timeout_s,
            body_timeout_s=config.body_timeout_s,
            max_connections=config.max_connections,
            max_concurrency=config.max_concurrency,
        )


class GuardedConfig(uvicorn.Config):
    """uvicorn's settings with `GuardedHttpProtocol` and its limits (no WebSocket upgrades).

    Being a plain subclass, it travels to each worker process as uvicorn sends its own settings.
    """

    def __init__(self, app: Any, *, limits: TransportLimits, **settings: Any) -> None:
        super().__init__(app, http=GuardedHttpProtocol, ws="none", **settings)
        self.limits = limits


class Refusal(Exception):
    """An answer this protocol gives itself, raised from a parser callback to stop the parse."""

    def __init__(self, status: int, code: str, message: str, *, retry: bool = False) -> None:
        super().__init__(status, code)
        self.status = status
        self.code = code
        self.message = message
        self.retry = retry


def answer(refusal: Refusal, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """The whole HTTP answer for a refusal: one line of JSON, the security headers, connection close."""
    body = orjson.dumps({"error": refusal.code, "message": refusal.message})
    headers = [
        *default_headers,
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *SECURITY_HEADERS,
    ]
    if refusal.retry:
        headers.append((b"retry-after", str(RETRY_AFTER_S).encode()))
    lines = [STATUS_LINE[refusal.status], *(name + b": " + value + b"\r\n" for name, value in headers)]
    return b"".join([*lines, b"\r\n", body])


def busy() -> Refusal:
    """503 for a worker at its limit of connections or requests in flight."""
    return Refusal(503, "busy", "the service is at its limit of calls; try again shortly", retry=True)


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of `TransportLimits` (see the module's docstring)."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: Any,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits: TransportLimits = getattr(config, "limits", None) or TransportLimits.of(ServiceConfig())
        self._timer: asyncio.TimerHandle | None = None
        self._in_head = False
        self._head_bytes = 0  # the request line and the complete headers parsed so far
        self._pending = 0  # bytes read while the header block stayed incomplete
        self._in_body = False
        self._body_parts = 0  # body fragments the parser has handed on in this request
        self._stalled = 0  # bytes read in the body without a body fragment (trailers, extensions)
        self._refused = False

    # -- the connection ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Count the connection in; beyond the limit it is refused at once."""
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            self._refuse(busy())
            return
        self._arm(self.limits.header_timeout_s, self._header_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the timer; the rest is uvicorn's."""
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Parse what arrived (as uvicorn does), stopping at a refusal or an oversized header block."""
        if self._refused:
            return
        self._unset_keepalive_if_required()
        in_head_before, in_body_before, parts_before = self._in_head, self._in_body, self._body_parts
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            refusal = exc.__context__
            self._refuse(refusal if isinstance(refusal, Refusal) else bad_request())
            return
        except httptools.HttpParserUpgrade:
            return  # no upgrade is offered: the request is answered as plain HTTP, or times out
        except httptools.HttpParserError:
            self._refuse(bad_request())
            return
        if self._in_head:  # the header block is still incomplete: count what it took
            self._pending = self._pending + len(data) if in_head_before else 0
            if self._pending > self.limits.max_header_bytes:
                self._refuse(too_large(self.limits.max_header_bytes))
        elif self._in_body and in_body_before:  # bytes that carried no body data are headers too
            self._stalled = 0 if self._body_parts != parts_before else self._stalled + len(data)
            if self._stalled > self.limits.max_header_bytes:
                self._refuse(too_large(self.limits.max_header_bytes), own=True)

    def send_400_response(self, msg: str) -> None:
        """Answer broken HTTP as one line of JSON with the security headers (uvicorn calls this)."""
        self._refuse(bad_request())

    # -- the parser's callbacks ---------------------------------------------------------------

    def on_message_begin(self) -> None:
        """A request starts: its header block is counted and timed."""
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = 0
        self._pending = 0
        if self._timer is None:  # on a new connection, the clock started when it opened
            self._arm(self.limits.header_timeout_s, self._header_timed_out)

    def on_url(self, url: bytes) -> None:
        """Count the request target."""
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Count each header."""
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """The header block is in: refuse beyond the concurrency limit, else time the body."""
        self._in_head = False
        if len(self.tasks) >= self.limits.max_concurrency:
            raise busy()
        if len(self.pipeline) >= MAX_PIPELINED:
            raise Refusal(503, "pipelined_too_deep", "too many requests sent ahead of their answers")
        self._in_body = True
        self._stalled = 0
        self._arm(self.limits.body_timeout_s, self._body_timed_out)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        """Note that the body moves on (whether or not the application still wants it)."""
        self._body_parts += 1
        super().on_body(body)

    def on_message_complete(self) -> None:
        """The body is in: nothing more to time."""
        self._in_body = False
        self._disarm()
        super().on_message_complete()

    # -- limits ---------------------------------------------------------------------------------

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.limits.max_header_bytes:
            raise too_large(self.limits.max_header_bytes)

    def _arm(self, seconds: float, expired: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _header_timed_out(self) -> None:
        self._timer = None
        if self._in_head:
            self._refuse(Refusal(408, "header_timeout", "the request's headers took too long to arrive"))
        elif not self.transport.is_closing():
            self.transport.close()  # never sent a byte: nobody to answer

    def _body_timed_out(self) -> None:
        self._timer = None
        self._refuse(Refusal(408, "body_timeout", "the request's body took too long to arrive"), own=True)

    def _refuse(self, refusal: Refusal, *, own: bool = False) -> None:
        """Answer `refusal` and close the connection.

        `own` says the refusal is about the request the current cycle serves (its body); otherwise
        it is about a request whose headers were not yet complete. The refusal is written only
        where it cannot be read as the answer to another request: not after the application has
        begun to answer its own request, and not while an earlier request on the connection (a
        client pipelining) is still being answered; then the connection is only closed.
        """
        self._refused = True
        self._disarm()
        cycle = self.cycle
        pending = cycle is not None and not cycle.response_complete
        if pending:
            cycle.disconnected = True  # the application, if it waits for the body, sees a disconnect
            cycle.message_event.set()
        if self.transport.is_closing():
            return
        unanswered = not cycle.response_started if own and cycle is not None else not pending
        if unanswered:  # (a body still trickling after its request was answered gets no second answer)
            self.transport.write(answer(refusal, self.server_state.default_headers))
        self.transport.close()
        logs.event("refused", logging.WARNING, status=refusal.status, error=refusal.code)


def too_large(limit: int) -> Refusal:
    """431 for a request line and header block over `limit` bytes."""
    return Refusal(
        431, "header_too_large", f"the request's headers are larger than the limit of {limit} bytes"
    )


def bad_request() -> Refusal:
    """400 for a request that is not HTTP/1.1 as the parser reads it."""
    return Refusal(400, "bad_http", "the request is not valid HTTP")


def fit_to_descriptors(limits: TransportLimits) -> TransportLimits:
    """The limits with `max_connections` within this process's file descriptors.

    Raises the soft limit of open files towards the hard one when the connections need it (many
    systems start services at 1024); where the system allows fewer, lowers `max_connections` to
    fit, and says so in the log. So a flood of connections meets a 503, never a worker unable to
    accept or open a file.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on this platform: nothing to adjust
        return limits
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = limits.max_connections + SPARE_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (OSError, ValueError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return limits
    fitted = max(1, soft - SPARE_DESCRIPTORS)
    logs.event(
        "connections_capped",
        logging.WARNING,
        max_connections=fitted,
        asked=limits.max_connections,
        open_files=soft,
    )
    return TransportLimits(
        limits.max_header_bytes,
        limits.header_timeout_s,
        limits.body_timeout_s,
        fitted,
        limits.max_concurrency,
    )
