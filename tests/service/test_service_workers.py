"""Several workers behind one socket: one replay window, one feedback log, the same transport limits.

(Review 2026-12-b, "not tested".)

A real `serve --workers 2` with token checks, under load from concurrent clients. Which worker holds
each test connection is read from /proc (the connection's socket inode, found among the workers'
open files), so a token is used at one worker and replayed at the other on purpose, both ways.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest

from ntrk_advisor.service.replay import SharedReplayWindow
from tests.service.helpers import IFS_ANSWERS, Keys
from tests.service.live import PATIENT_VIEW, LiveServer, live_server, read_answer, request_bytes

FEEDBACK = f"{PATIENT_VIEW}/feedback"


def call_body() -> bytes:
    return json.dumps(
        {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "context": {
                "userId": "Practitioner/1",
                "patientId": "p1",
                "extension": {"ntrk-advisor": {"answers": IFS_ANSWERS}},
            },
        }
    ).encode()


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").iterdir():
            children = [int(c) for c in (task / "children").read_text().split()]
            found += children
            todo += children
    return found


def owner(conn: socket.socket, server_port: int, pids: list[int]) -> int:
    """The worker process holding the server's end of `conn`."""
    client_port = conn.getsockname()[1]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
                for pid in pids:
                    for fd in os.listdir(f"/proc/{pid}/fd"):
                        try:
                            if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                                return pid
                        except OSError:
                            continue
        time.sleep(0.02)  # not accepted yet
    raise AssertionError("no worker holds the connection")


def call(
    conn: socket.socket, server: LiveServer, token: str, path: str = PATIENT_VIEW, body: bytes | None = None
) -> int:
    headers = [("Authorization", f"Bearer {token}")]
    conn.sendall(request_bytes("POST", path, call_body() if body is None else body, headers, close=False))
    return read_answer(conn).status


def token_for(keys: Keys, server: LiveServer, path: str = PATIENT_VIEW) -> str:
    return keys.token(path, aud=f"{server.base}{path}")


@pytest.mark.slow
def test_a_token_used_at_one_worker_is_refused_at_the_other_under_load(tmp_path: Path, keys: Keys) -> None:
    with live_server(tmp_path, "--workers", "2", keys=keys) as server:
        deadline = time.monotonic() + 30
        while len(workers := descendants(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        load_status: list[int] = []
        feedback_sent: list[str] = []
        stop = threading.Event()

        def load(index: int) -> None:  # hook calls and feedback from another client, all along
            with server.connect() as conn:
                while not stop.is_set():
                    load_status.append(call(conn, server, token_for(keys, server)))
                    card = f"load-{index}-{len(feedback_sent)}"
                    item = {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:00Z"}
                    body = json.dumps({"feedback": [item]}).encode()
                    status = call(conn, server, token_for(keys, server, FEEDBACK), FEEDBACK, body)
                    load_status.append(status)
                    if status == 200:
                        feedback_sent.append(card)

        threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        try:
            by_worker: dict[int, list[socket.socket]] = {}
            while len(by_worker) < 2 and sum(map(len, by_worker.values())) < 200:
                conn = server.connect()
                by_worker.setdefault(owner(conn, server.port, workers), []).append(conn)
            assert len(by_worker) == 2, "every connection went to one worker"
            first, second = by_worker.values()
            replayed = []
            for i in range(20):
                used, other = (first, second) if i % 2 == 0 else (second, first)
                token = token_for(keys, server)
                assert call(used[i % len(used)], server, token) == 200
                replayed.append(call(other[i % len(other)], server, token))
            for conn in (first[0], second[0]):  # each worker runs the guarded transport too
                conn.sendall(
                    b"GET /cds-services HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"
                )
                assert read_answer(conn).status == 431
            for conn in (*first, *second):
                conn.close()
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
        assert replayed == [401] * 20
        assert load_status and set(load_status) == {200}
        assert server.stop() == 0
    stored = {
        r[0] for r in sqlite3.connect(tmp_path / "feedback.sqlite3").execute("SELECT card FROM feedback")
    }
    assert set(feedback_sent) <= stored and len(feedback_sent) > 10
    assert (tmp_path / "replay-window.sqlite3").exists()


def test_the_shared_replay_window_is_one_window_for_every_connection_to_it(tmp_path: Path) -> None:
    path = tmp_path / "replay-window.sqlite3"
    one, two = SharedReplayWindow(path), SharedReplayWindow(path)
    assert one.first_use(("iss", "a"), expires=100.0, now=0.0)
    assert not two.first_use(("iss", "a"), expires=100.0, now=50.0)  # seen by the other worker
    assert two.first_use(("other-iss", "a"), expires=100.0, now=50.0)  # ids are per issuer
    assert one.first_use(("iss", "a"), expires=400.0, now=201.0)  # expired: may be used again
    assert not two.first_use(("iss", "a"), expires=400.0, now=202.0)
    one.close()
    two.close()


def test_the_shared_replay_window_forgets_expired_ids(tmp_path: Path) -> None:
    window = SharedReplayWindow(tmp_path / "w.sqlite3")
    for i in range(300):
        assert window.first_use(("iss", f"t{i}"), expires=100.0 + i, now=float(i))
    assert len(window) < 300  # ids expired by then were deleted along the way
    window.close()


def test_a_file_that_is_not_a_replay_window_is_refused(tmp_path: Path) -> None:
    from ntrk_advisor.service.errors import ServiceSetupError

    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(ServiceSetupError, match="not an ntrk-advisor replay window"):
        SharedReplayWindow(other)
