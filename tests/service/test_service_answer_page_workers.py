"""The answer page under `serve --workers 2`: one key and one use window for every worker.

A link made at one worker opens at the other (the key `serve` hands its workers), and once opened
it is refused at either (the shared replay window); no log line holds a token.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.service.live import PATIENT_VIEW, live_server, read_answer, request_bytes
from tests.service.test_service_workers import descendants, owner

pytestmark = pytest.mark.slow


def incomplete_call() -> bytes:
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {
            "userId": "Practitioner/1",
            "patientId": "p1",
            "extension": {"ntrk-advisor": {"answers": {}}},
        },
        "prefetch": {"patient": None, "observations": None},
    }
    return json.dumps(body).encode()


def test_a_link_made_at_one_worker_opens_once_at_any(tmp_path: Path) -> None:
    with live_server(tmp_path, "--workers", "2") as server:
        deadline = time.monotonic() + 30
        while len(workers := descendants(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        by_worker: dict[int, list] = {}
        while len(by_worker) < 2 and sum(map(len, by_worker.values())) < 200:
            conn = server.connect()
            by_worker.setdefault(owner(conn, server.port, workers), []).append(conn)
        assert len(by_worker) == 2, "every connection went to one worker"
        first, second = (conns[0] for conns in by_worker.values())
        opened, replayed, tokens = [], [], []
        for i in range(6):
            maker, other = (first, second) if i % 2 == 0 else (second, first)
            maker.sendall(request_bytes("POST", PATIENT_VIEW, incomplete_call(), close=False))
            link = json.loads(read_answer(maker).body)["cards"][-1]["links"][0]["url"]
            parts = urlsplit(link)
            tokens.append(parts.query)
            path = f"{parts.path}?{parts.query}"
            other.sendall(request_bytes("GET", path, close=False))
            opened.append(read_answer(other).status)
            maker.sendall(request_bytes("GET", path, close=False))
            replayed.append(read_answer(maker).status)
        for conns in by_worker.values():
            for conn in conns:
                conn.close()
        assert opened == [200] * 6 and replayed == [409] * 6
        assert server.stop() == 0
    log = server.log.read_text(encoding="utf-8")
    leaked = [line for line in log.splitlines() for t in tokens if t.split("token=")[1].split("&")[0] in line]
    assert leaked == []
