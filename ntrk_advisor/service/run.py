"""Run the service on uvicorn: one worker in this process, or several behind uvicorn's supervisor.

The settings are checked here, before anything listens (the keys read, the knowledge loaded, the
feedback log opened), so a mistake is one line and exit 2, not a worker dying later. Each worker
process is started by uvicorn with the settings in its environment (`config.CONFIG_ENV`).

SIGTERM (or Ctrl-C) stops accepting connections, lets the requests in flight finish (up to
`graceful_timeout_s`), and returns normally: `serve` exits 0 after a SIGTERM.

Every connection goes through `service.transport`'s guarded protocol (header size, header and body
timeouts, connection and concurrency limits). Without authentication (`--insecure-no-auth`) the
service listens on a loopback address only: anyone who can reach it can read advice and write
feedback.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ntrk_advisor.service import logs
from ntrk_advisor.service.app import CdsService, create_app, warm_up
from ntrk_advisor.service.config import CONFIG_ENV, ServiceConfig
from ntrk_advisor.service.errors import ServiceSetupError
from ntrk_advisor.service.transport import GuardedConfig, TransportLimits, fit_to_descriptors

INSECURE_WARNING = (
    "ntrk-advisor: warning: --insecure-no-auth: every caller is trusted and no token is checked. "
    "For local testing only; never expose this server to a network."
)


def serve(config: ServiceConfig, *, log_level: str = "info") -> None:
    """Serve until SIGTERM or Ctrl-C; raises `ServiceSetupError` for settings it cannot run with."""
    import uvicorn

    logs.setup(log_level)
    if config.insecure_no_auth:
        if not loopback(config.host):
            raise ServiceSetupError("usage.insecure_public_host", host=config.host)
        logs.warn_stderr(INSECURE_WARNING)
        logs.event("insecure_no_auth", 30, note="no token is checked: local testing only")
    # Checks the keys (and, for several workers, opens their shared replay window) and loads the
    # knowledge before anything listens.
    service = CdsService(config, shared_replay=config.workers > 1)
    service.feedback_log  # noqa: B018 - opens (and so checks) the feedback log now
    os.environ[CONFIG_ENV] = config.to_json()
    common: dict[str, Any] = {
        "host": config.host,
        "port": config.port,
        "log_config": logs.log_config(log_level),
        "access_log": False,
        "server_header": False,
        "date_header": True,
        "timeout_graceful_shutdown": config.graceful_timeout_s,
        "lifespan": "on",
        "limits": fit_to_descriptors(TransportLimits.of(config)),
    }
    logs.event(
        "starting",
        url=config.public_url,
        workers=config.workers,
        auth="off" if config.insecure_no_auth else "jwt",
        issuers=list(config.issuers),
        feedback_db=service.feedback_log.where,
        max_body_bytes=config.max_body_bytes,
        max_header_bytes=config.max_header_bytes,
        header_timeout_s=config.header_timeout_s,
        body_timeout_s=config.body_timeout_s,
        max_connections=common["limits"].max_connections,
        max_concurrency=config.max_concurrency,
    )
    if config.workers > 1:
        service.close()
        from uvicorn.supervisors import Multiprocess

        with shared_page_key(config) as shared:
            os.environ[CONFIG_ENV] = shared.to_json()
            multi = GuardedConfig(
                "ntrk_advisor.service.app:app_from_environment",
                factory=True,
                workers=config.workers,
                **common,
            )
            Multiprocess(multi, sockets=[listening(config)]).run()
        logs.event("stopped", workers=config.workers)
        return
    warm_up(service)
    bound = listening(config)
    server = uvicorn.Server(GuardedConfig(create_app(service), **common))
    with _signals_noted() as received:
        server.run(sockets=[bound])
    logs.event("stopped", signal=received[0] if received else None, drained=True)


@contextmanager
def shared_page_key(config: ServiceConfig) -> Iterator[ServiceConfig]:
    """The settings with a page key file every worker reads, so a token one signs the others accept.

    `--page-key` when given; else a random key written for this run into a private folder
    (0700, the file 0600), removed when `serve` stops. Never an environment variable: the PDF's
    Chromium and any other child process would inherit it.
    """
    if config.page_key_file is not None:
        yield config
        return
    import dataclasses
    import shutil
    import tempfile
    from pathlib import Path

    from ntrk_advisor.service.page_token import write_key_file

    folder = Path(tempfile.mkdtemp(prefix="ntrk-advisor-page-"))
    try:
        yield dataclasses.replace(config, page_key_file=str(write_key_file(folder)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def listening(config: ServiceConfig) -> socket.socket:
    """The listening socket, bound here so that a taken address is a usage error (exit 2)."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as exc:
        sock.close()
        raise ServiceSetupError(
            "usage.cannot_listen", host=config.host, port=config.port, reason=exc.strerror or exc
        ) from None
    if config.insecure_no_auth and not loopback(str(sock.getsockname()[0])):
        sock.close()  # `localhost` named something else on this machine
        raise ServiceSetupError("usage.insecure_public_host", host=config.host)
    sock.set_inheritable(True)
    return sock


def loopback(host: str) -> bool:
    """Whether `host` is this machine's loopback: a loopback address, or the name `localhost`.

    Any other name is refused rather than resolved (a lookup could leave the machine), and the
    address a socket was bound to is checked again once bound.
    """
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


@contextmanager
def _signals_noted() -> Iterator[list[str]]:
    """SIGTERM noted rather than fatal once uvicorn has drained and re-raised it, so `serve` exits 0."""
    received: list[str] = []

    def note(signum: int, frame: object) -> None:
        received.append(signal.Signals(signum).name)

    previous = signal.signal(signal.SIGTERM, note)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)
