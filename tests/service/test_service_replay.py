"""One replay window for every worker: a token id is accepted once, whichever worker sees it.

(Issue 24, "Safety and conformance": `--workers N` shares the JWT replay window across workers.)

The shared window is an SQLite file (`service.replay.SharedReplayWindow`); here several handles on
one real file race on the same token ids, and a real `serve --workers 2` is sent one token over
many fresh connections, both workers taking some of them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
import time
import uuid
from pathlib import Path

import pytest

from ntrk_advisor.service.errors import HttpError, ServiceSetupError
from ntrk_advisor.service.replay import DB_NAME, SharedReplayWindow, token_key
from tests.service.helpers import IFS_ANSWERS, ISSUER, Keys
from tests.service.live import PATIENT_VIEW, LiveServer, live_server, read_answer, request_bytes
from tests.service.test_service_workers import descendants, owner


def test_of_handles_racing_on_one_file_exactly_one_accepts_each_token_id(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    handles = [SharedReplayWindow(path) for _ in range(4)]
    ids = [f"token-{i}" for i in range(50)]
    accepted: list[str] = []
    start = threading.Barrier(len(handles))

    def race(window: SharedReplayWindow) -> None:
        start.wait()
        for token_id in ids:
            if window.first_use((ISSUER, token_id), expires=1_000.0, now=0.0):
                accepted.append(token_id)

    threads = [threading.Thread(target=race, args=(h,)) for h in handles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for handle in handles:
        handle.close()
    assert sorted(accepted) == sorted(ids)  # each once: never twice, never lost


def test_a_token_id_seen_through_one_handle_is_refused_through_another_until_it_expires(
    tmp_path: Path,
) -> None:
    one, two = SharedReplayWindow(tmp_path / DB_NAME), SharedReplayWindow(tmp_path / DB_NAME)
    assert one.first_use((ISSUER, "a"), expires=100.0, now=0.0)
    assert not two.first_use((ISSUER, "a"), expires=100.0, now=99.0)
    assert two.first_use(("https://other.example.org", "a"), expires=100.0, now=99.0)  # per issuer
    assert two.first_use((ISSUER, "a"), expires=300.0, now=101.0)  # expired: forgotten
    assert not one.first_use((ISSUER, "a"), expires=300.0, now=102.0)
    one.close()
    two.close()


def test_expired_token_ids_are_pruned(tmp_path: Path) -> None:
    filled = SharedReplayWindow(tmp_path / DB_NAME)
    for i in range(10):
        assert filled.first_use((ISSUER, f"old-{i}"), expires=100.0, now=0.0)
    assert filled.first_use((ISSUER, "live"), expires=500.0, now=0.0)
    filled.close()
    later = SharedReplayWindow(tmp_path / DB_NAME)  # a worker's first call prunes
    assert later.first_use((ISSUER, "new"), expires=600.0, now=200.0)
    assert len(later) == 2  # "live" and "new"; the ten expired ids are gone
    assert not later.first_use((ISSUER, "live"), expires=500.0, now=200.0)
    later.close()


def test_a_window_that_cannot_be_written_refuses_the_call_with_503_never_lets_it_through(
    tmp_path: Path,
) -> None:
    window = SharedReplayWindow(tmp_path / DB_NAME)
    window.close()  # the store is gone: every statement fails
    with pytest.raises(HttpError) as refused:
        window.first_use((ISSUER, "token-1"), expires=1_000.0, now=0.0)
    assert (refused.value.status, refused.value.code) == (503, "replay_window_unavailable")
    assert refused.value.headers == {"Retry-After": "1"}


def test_the_window_keeps_no_token_content_only_hashes(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    window = SharedReplayWindow(path)
    token_id = f"jti-{uuid.uuid4()}"
    assert window.first_use((ISSUER, token_id), expires=100.0, now=0.0)
    stored = sqlite3.connect(path).execute("SELECT key FROM seen").fetchall()
    window.close()
    assert stored == [(token_key((ISSUER, token_id)),)] and len(stored[0][0]) == 32
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(DB_NAME))
    assert token_id.encode() not in on_disk and ISSUER.encode() not in on_disk


def test_the_window_and_its_side_files_are_owner_only(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        window = SharedReplayWindow(tmp_path / "state" / DB_NAME)
        assert window.first_use((ISSUER, "a"), expires=100.0, now=0.0)
        files = sorted((tmp_path / "state").iterdir())
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
        window.close()
    finally:
        os.umask(previous)
    assert f"{DB_NAME}-wal" in modes  # WAL mode: the side files exist while the window is open
    assert set(modes.values()) == {0o600}
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700


def test_a_link_in_place_of_the_window_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.sqlite3"
    (tmp_path / DB_NAME).symlink_to(target)
    with pytest.raises(ServiceSetupError, match="replay window"):
        SharedReplayWindow(tmp_path / DB_NAME)
    assert not target.exists()


def test_a_window_of_the_first_form_is_upgraded_keeping_its_live_token_ids(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    with sqlite3.connect(path) as old:  # what the first version wrote: ids as given
        old.execute(
            "CREATE TABLE seen (issuer TEXT NOT NULL, jti TEXT NOT NULL, expires REAL NOT NULL, "
            "PRIMARY KEY (issuer, jti)) WITHOUT ROWID"
        )
        old.execute("INSERT INTO seen VALUES (?, 'used-before', 500.0)", (ISSUER,))
        old.execute("PRAGMA application_id = 1314148938")
    old.close()
    window = SharedReplayWindow(path)
    assert not window.first_use((ISSUER, "used-before"), expires=500.0, now=10.0)
    assert window.first_use((ISSUER, "fresh"), expires=500.0, now=10.0)
    window.close()
    assert b"used-before" not in b"".join(p.read_bytes() for p in tmp_path.iterdir())


def call_body() -> bytes:
    context = {
        "userId": "Practitioner/1",
        "patientId": "p1",
        "extension": {"ntrk-advisor": {"answers": IFS_ANSWERS}},
    }
    return json.dumps(
        {"hook": "patient-view", "hookInstance": str(uuid.uuid4()), "context": context}
    ).encode()


def send(server: LiveServer, token: str, workers: list[int]) -> tuple[int, int, str]:
    """One call on a fresh connection: (the worker that took it, the status, the refusal's message)."""
    with server.connect() as conn:
        worker = owner(conn, server.port, workers)
        headers = [("Authorization", f"Bearer {token}")]
        conn.sendall(request_bytes("POST", PATIENT_VIEW, call_body(), headers))
        answer = read_answer(conn)
    message = answer.json().get("message", "") if answer.status != 200 else ""
    return worker, answer.status, message


@pytest.mark.slow
def test_a_token_sent_to_two_workers_over_fresh_connections_is_accepted_exactly_once(
    tmp_path: Path, keys: Keys
) -> None:
    with live_server(tmp_path, "--workers", "2", keys=keys) as server:
        deadline = time.monotonic() + 30
        while len(workers := descendants(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) >= 2  # the workers (and the supervisor's helper, if any)
        token = keys.token(PATIENT_VIEW, aud=f"{server.base}{PATIENT_VIEW}")
        answers: list[tuple[int, int, str]] = []
        start = threading.Barrier(4)

        def replay() -> None:  # four clients at once, each a fresh connection per call
            start.wait()
            for _ in range(15):
                answers.append(send(server, token, workers))

        threads = [threading.Thread(target=replay) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        while len({w for w, _, _ in answers}) < 2 and len(answers) < 200:  # until both saw it
            answers.append(send(server, token, workers))
        fresh = keys.token(PATIENT_VIEW, aud=f"{server.base}{PATIENT_VIEW}")
        _, fresh_status, _ = send(server, fresh, workers)
        assert server.stop() == 0
    assert len({w for w, _, _ in answers}) == 2, "one worker took every connection"
    statuses = [status for _, status, _ in answers]
    assert statuses.count(200) == 1
    refusals = [(status, message) for _, status, message in answers if status != 200]
    assert refusals and all(status == 401 and "replay" in message for status, message in refusals)
    assert fresh_status == 200
