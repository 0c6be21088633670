"""Fixtures of the CDS Hooks service tests, and the guard against any outbound connection.

The service makes no outbound connection of any kind (the opt-in `--fhir-fallback` reads from a
FHIR server on loopback in its tests); these tests prove it by refusing, for every test in this folder, any socket connection or name lookup that is not to this machine's loopback.
An attempt raises at once (nothing is sent) and is also recorded, and the test fails at teardown
even if the code under test swallowed the error.
"""

from __future__ import annotations

import ipaddress
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.service.helpers import Keys, make_client, make_keys


def _loopback(host: object) -> bool:
    if host in (None, "", "localhost", "testserver"):  # the ASGI test client's name: never resolved
        return True
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


class OutboundGuard:
    """Refuses and records every connection or lookup beyond loopback."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def refuse(self, what: str) -> None:
        self.attempts.append(what)
        raise ConnectionRefusedError(f"outbound connection refused by the test guard: {what}")

    def check_address(self, family: int, address: Any) -> None:
        if family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            self.refuse(f"connect to {address[0]}:{address[1]}")


@pytest.fixture(autouse=True)
def no_outbound_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[OutboundGuard]:
    """Any connection beyond loopback fails the test (autouse in every service test)."""
    guard = OutboundGuard()
    connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> None:
        guard.check_address(self.family, address)
        return connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        guard.check_address(self.family, address)
        return connect_ex(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _loopback(host.decode() if isinstance(host, bytes) else host):
            guard.refuse(f"look up {host}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield guard
    assert guard.attempts == [], f"outbound connections attempted: {guard.attempts}"


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def client(tmp_path: Path, keys: Keys) -> Any:
    return make_client(tmp_path, keys)


@pytest.fixture
def open_client(tmp_path: Path) -> Any:
    """A client of a service started with --insecure-no-auth."""
    return make_client(tmp_path, None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the PostgreSQL tests out where there is no PostgreSQL (CI requires them instead)."""
    from tests import postgres

    wanted = [item for item in items if "postgres_server" in getattr(item, "fixturenames", ())]
    if wanted and postgres.left_out():
        config.hook.pytest_deselected(items=wanted)
        items[:] = [item for item in items if item not in wanted]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The one line that says why the PostgreSQL tests did not run here, and how to run them."""
    from tests import postgres

    reason = postgres.left_out()
    if reason:
        terminalreporter.write_line(f"PostgreSQL tests left out ({reason}): {postgres.HOW_TO_RUN}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a real PostgreSQL server (tests/postgres.py says where it comes from)."""
    import os

    from tests import postgres

    reason = postgres.missing()
    if reason:
        postgres.unavailable(reason)
    if os.environ.get(postgres.URL_ENV):
        yield os.environ[postgres.URL_ENV]
        return
    try:
        cluster = postgres.Cluster()
    except (OSError, KeyError, RuntimeError, subprocess.SubprocessError) as exc:
        postgres.unavailable(f"cannot start a throwaway cluster: {exc}")
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new, empty database of its own on the real server, as a `postgresql://` URL."""
    from tests.postgres import fresh_database

    return fresh_database(postgres_server)
