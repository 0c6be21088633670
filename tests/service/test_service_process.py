"""The real server in its own process: start-up, SIGTERM draining, `kill -9`, and what loads when.

Every connection is to loopback (the guard of this folder's conftest refuses anything else).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fhir_support import REVIEW_FORMS, leaked, planted
from tests.service.helpers import IFS_ANSWERS, hook_request

pytestmark = pytest.mark.slow  # real server processes and their timeouts

PATIENT_VIEW = "/cds-services/ntrk-patient-view"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.port = free_port()
        self.db = tmp_path / "feedback.sqlite3"
        self.stderr = tmp_path / "server.log"
        cmd = [
            sys.executable,
            "-m",
            "ntrk_advisor",
            "serve",
            "--insecure-no-auth",
            "--port",
            str(self.port),
            "--feedback-db",
            str(self.db),
            *args,
        ]
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.stderr.open("wb"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/cds-services")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the server did not start: {self.stderr.read_text()}")

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        with self.connect() as conn:
            conn.sendall(head(method, path, len(body)) + body)
            return read_response(conn)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def head(method: str, path: str, length: int) -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()


def read_response(conn: socket.socket) -> tuple[int, bytes]:
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    yield running
    running.stop()


def test_the_server_warns_that_it_checks_no_token_and_logs_json(server: Server) -> None:
    status, body = server.request(
        "POST", PATIENT_VIEW, json.dumps(hook_request(answers=IFS_ANSWERS)).encode()
    )
    assert status == 200 and json.loads(body)["cards"]
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0
    lines = server.stderr.read_text(encoding="utf-8").splitlines()
    assert (
        lines[0].startswith("ntrk-advisor: warning: --insecure-no-auth") and "local testing only" in lines[0]
    )
    events = [json.loads(line) for line in lines[1:]]
    request = next(e for e in events if e["event"] == "request" and e["endpoint"] == "hook")
    assert request["status"] == 200 and request["result"] == "complete" and "hookInstance" in request
    assert request["case"]["setting"] == "locally_advanced"
    assert "ms" in request and len(request["cards"]) == 1


def test_no_identifier_written_another_way_leaves_the_real_server(server: Server) -> None:
    """The review's nine ids (R1) in a prefetch sent over a socket: neither the cards nor the
    server's log say any of the identifiers, in any spelling."""
    value = planted(REVIEW_FORMS)
    prefetch = {
        "patient": value["entry"][0]["resource"],
        "observations": {**value, "entry": value["entry"][1:]},
    }
    answers = {"setting": "locally_advanced", "treatment_phase": "naive", "emergency": []}
    status, body = server.request(
        "POST", PATIENT_VIEW, json.dumps(hook_request(answers=answers, prefetch=prefetch)).encode()
    )
    assert status == 200 and "Observation/#" in body.decode()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0
    log = server.stderr.read_text(encoding="utf-8")
    for plant in REVIEW_FORMS:
        for text in (body.decode(), *log.splitlines()):
            assert leaked(text, plant.forms) == set() and plant.resource_id.lower() not in text.lower()


def test_sigterm_lets_a_request_in_flight_finish_then_exits_0(server: Server) -> None:
    body = json.dumps(hook_request(answers=IFS_ANSWERS)).encode()
    conn = server.connect()
    conn.sendall(head("POST", PATIENT_VIEW, len(body)) + body[:20])  # the request is in flight
    time.sleep(0.3)
    server.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert server.process.poll() is None  # still draining
    conn.sendall(body[20:])
    status, answer = read_response(conn)
    conn.close()
    assert status == 200 and json.loads(answer)["cards"]
    assert server.process.wait(30) == 0
    with pytest.raises(OSError):
        server.request("GET", "/cds-services")  # no longer listening


def test_kill_9_loses_no_committed_feedback_row(server: Server) -> None:
    committed = []
    for i in range(40):
        item = {"card": f"card-{i}", "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:00Z"}
        status, _ = server.request(
            "POST", f"{PATIENT_VIEW}/feedback", json.dumps({"feedback": [item]}).encode()
        )
        if status == 200:
            committed.append(f"card-{i}")
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(10)
    rows = sqlite3.connect(server.db).execute("SELECT card FROM feedback ORDER BY id").fetchall()
    assert [r[0] for r in rows] == committed and len(committed) == 40


def test_kill_9_during_a_stream_of_feedback_keeps_every_acknowledged_row(server: Server) -> None:
    import threading

    acknowledged: list[str] = []

    def writer() -> None:
        for i in range(10_000):
            item = {"card": f"c-{i}", "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:00Z"}
            try:
                status, _ = server.request(
                    "POST", f"{PATIENT_VIEW}/feedback", json.dumps({"feedback": [item]}).encode()
                )
            except (OSError, IndexError, ValueError):
                return
            if status == 200:
                acknowledged.append(f"c-{i}")

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(1.0)
    os.kill(server.process.pid, signal.SIGKILL)
    thread.join(30)
    server.process.wait(10)
    stored = {r[0] for r in sqlite3.connect(server.db).execute("SELECT card FROM feedback")}
    assert acknowledged and set(acknowledged) <= stored


def test_a_taken_port_is_a_usage_error(server: Server, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ntrk_advisor",
            "serve",
            "--insecure-no-auth",
            "--port",
            str(server.port),
            "--feedback-db",
            str(tmp_path / "other.sqlite3"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "cannot listen on" in done.stderr


def test_without_keys_or_the_insecure_flag_the_server_will_not_start(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ntrk_advisor",
            "serve",
            "--port",
            str(free_port()),
            "--feedback-db",
            str(tmp_path / "f.sqlite3"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "--jwks" in done.stderr


def test_two_workers_serve_and_sigterm_stops_them_with_exit_0(tmp_path: Path) -> None:
    running = Server(tmp_path, "--workers", "2")
    try:
        body = json.dumps(hook_request(answers=IFS_ANSWERS)).encode()
        assert all(running.request("POST", PATIENT_VIEW, body)[0] == 200 for _ in range(10))
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(60) == 0
    finally:
        running.stop()


SERVER_MODULES = (
    "starlette",
    "uvicorn",
    "jwt",
    "ntrk_advisor.service",
    "httptools",
    "uvloop",
    "psycopg",
    "jinja2",
)
"""None of them at start-up: the answer page (`service.answer_page`, jinja2) and the PostgreSQL store
(psycopg) are the server's too."""


@pytest.mark.parametrize(
    "args",
    [("--help",), ("serve", "--help"), ("consult", "--case", "{case}", "--no-input", "--format", "json")],
    ids=["help", "serve-help", "consult"],
)
def test_help_and_the_ordinary_consult_never_import_the_server(args: tuple[str, ...], tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(IFS_ANSWERS), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ntrk_advisor", *(a.format(case=case) for a in args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-500:]
    modules = {
        line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }
    assert sorted(m for m in modules if m.startswith(SERVER_MODULES)) == []


# -- without auth, loopback only (review 2026-12-b, R10) ---------------------------------------------


def serve_insecure_on(host: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ntrk_advisor",
            "serve",
            "--insecure-no-auth",
            "--host",
            host,
            "--port",
            str(free_port()),
            "--feedback-db",
            str(tmp_path / "f.sqlite3"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "::ffff:10.0.0.1"])
def test_without_auth_a_host_beyond_loopback_is_a_usage_error(host: str, tmp_path: Path) -> None:
    done = serve_insecure_on(host, tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "ntrk-advisor: error: --insecure-no-auth checks no token, so it listens on loopback only "
        f"(127.0.0.1, ::1 or localhost), not on {host}; to listen on a network give --jwks and --issuer\n"
    )
    assert not (tmp_path / "f.sqlite3").exists()  # refused before anything was opened


def test_without_auth_a_public_host_is_refused_in_chinese_too(tmp_path: Path) -> None:
    done = serve_insecure_on("0.0.0.0", tmp_path, NTRK_ADVISOR_LANG="zh")
    assert done.returncode == 2
    assert (
        done.stderr.startswith("ntrk-advisor：错误：--insecure-no-auth 不校验任何令牌")
        and "0.0.0.0" in done.stderr
    )


def test_only_loopback_addresses_and_localhost_count_as_loopback() -> None:
    from ntrk_advisor.service.run import loopback

    assert all(
        loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "localhost", "LOCALHOST", "::ffff:127.0.0.1")
    )
    # a name other than localhost is never looked up (that could leave the machine): refused as it is
    assert not any(
        loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "::ffff:10.0.0.1", "ehr.example.org", "127.1", "")
    )


# -- no free text from a request reaches the log (R11) -------------------------------------------------


def test_free_text_in_hook_instance_or_the_url_never_reaches_the_log(server: Server) -> None:
    planted = "MRN A7730021 Jose Smith"
    call = hook_request(answers=IFS_ANSWERS)
    call["hookInstance"] = planted
    status, body = server.request("POST", PATIENT_VIEW, json.dumps(call).encode())
    assert status == 400 and b"UUID" in body
    status, _ = server.request("POST", "/cds-services/MRN-A7730021-Jose", json.dumps(hook_request()).encode())
    assert status == 404
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0
    log = server.stderr.read_text(encoding="utf-8")
    assert "A7730021" not in log and "Jose" not in log
    refusals = [json.loads(line) for line in log.splitlines()[1:] if '"status":4' in line]
    assert [(r["status"], r["service"], r["hookInstance"]) for r in refusals] == [
        (400, "ntrk-patient-view", None),
        (404, None, None),
    ]


def test_the_serve_options_default_to_the_service_settings() -> None:
    """`cli/serve.py` may not import the service to read its defaults, so they are written twice."""
    import inspect

    from ntrk_advisor.cli.serve import serve
    from ntrk_advisor.service.config import ServiceConfig

    defaults = {name: p.default for name, p in inspect.signature(serve).parameters.items()}
    settings = ServiceConfig()
    assert (defaults["max_body_bytes"], defaults["max_header_bytes"]) == (
        settings.max_body_bytes,
        settings.max_header_bytes,
    )
    assert (defaults["header_timeout"], defaults["body_timeout"]) == (
        settings.header_timeout_s,
        settings.body_timeout_s,
    )
    assert (defaults["max_connections"], defaults["max_concurrency"]) == (
        settings.max_connections,
        settings.max_concurrency,
    )
    assert (defaults["host"], defaults["port"]) == (settings.host, settings.port)
