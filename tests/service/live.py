"""A real `ntrk-advisor serve` process on a free loopback port, and raw HTTP over real sockets.

For the tests of what happens on the wire before a request reaches the application: header size,
slow clients, connection and concurrency limits, several workers. Every connection is to
127.0.0.1; every process started here is stopped by its own id.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.service.helpers import ISSUER, Keys

PATIENT_VIEW = "/cds-services/ntrk-patient-view"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`ntrk-advisor serve` in its own process, with the options given, on a free loopback port."""

    def __init__(
        self,
        folder: Path,
        *args: str,
        keys: Keys | None = None,
        preexec: Callable[[], None] | None = None,
    ) -> None:
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"server-{self.port}.log"
        auth = ["--insecure-no-auth"] if keys is None else ["--jwks", str(keys.jwks_path), "--issuer", ISSUER]
        command = [
            sys.executable,
            "-m",
            "ntrk_advisor",
            "serve",
            "--port",
            str(self.port),
            "--feedback-db",
            str(folder / "feedback.sqlite3"),
            *auth,
            *args,
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=log, preexec_fn=preexec
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"the server did not start: {self.log.read_text()[-2000:]}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def connect(self, timeout: float = 10) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def exchange(self, raw: bytes, timeout: float = 10) -> Response:
        """Send one raw request on a new connection and read the answer (the server closes it)."""
        with self.connect(timeout) as conn:
            conn.sendall(raw)
            return read_answer(conn)

    def events(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far."""
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it does not end; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait(10)


@contextmanager
def live_server(folder: Path, *args: str, keys: Keys | None = None, **options: Any) -> Iterator[LiveServer]:
    server = LiveServer(folder, *args, keys=keys, **options)
    try:
        yield server
    finally:
        server.stop()


class Response:
    """An HTTP answer read off a socket: status, lower-case headers, body."""

    def __init__(self, raw: bytes) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split(" ", 2)[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def json(self) -> Any:
        return json.loads(self.body)


def read_answer(conn: socket.socket) -> Response:
    """Read until the server closes the connection, or until one whole answer (by its length) is in."""
    data = b""
    while True:
        try:
            chunk = conn.recv(65536)
        except ConnectionResetError:
            break  # what was received before the reset is still the answer
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                None,
            )
            if length is not None and len(body) >= length:
                break
    assert data, "no answer"
    return Response(data)


def request_bytes(
    method: str, path: str, body: bytes = b"", headers: Sequence[tuple[str, str]] = (), close: bool = True
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers)]
    if body or method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


def open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def closed_by_server(conn: socket.socket, within: float) -> tuple[bool, bytes, float]:
    """Wait up to `within` seconds for the server to close `conn`: (closed, what it sent, seconds)."""
    start = time.monotonic()
    conn.settimeout(0.2)
    data = b""
    while time.monotonic() - start < within:
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return True, data, time.monotonic() - start
        if not chunk:
            return True, data, time.monotonic() - start
        data += chunk
    return False, data, time.monotonic() - start
