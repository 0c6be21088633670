"""Exporting the feedback log never damages it, and a log that is not there is an error.

Regression tests for the security review's R7 (`serve feedback -o <log>-wal` was accepted while a
server held the log in WAL mode: five acknowledged rows and the schema were lost after the server
was killed) and R18 (exporting from a path with no log gave an empty CSV, exit 0, so a typo read
as "no feedback yet"; a misspelt option was named `--feedback_db`).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.test_service_process import PATIENT_VIEW, Server

FEEDBACK = f"{PATIENT_VIEW}/feedback"


def advisor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", *args], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def live_log(tmp_path: Path) -> Iterator[Server]:
    """A real server holding its log in WAL mode, with five acknowledged rows not yet checkpointed."""
    server = Server(tmp_path)
    try:
        for i in range(1, 6):
            item = {"card": f"k{i}", "outcome": "overridden", "outcomeTimestamp": "2026-12-06T10:00:00Z"}
            status, _ = server.request("POST", FEEDBACK, json.dumps({"feedback": [item]}).encode())
            assert status == 200
        assert Path(f"{server.db}-wal").stat().st_size > 0  # the rows live in the log's WAL
        yield server
    finally:
        server.stop()


def stored_after_kill_9(server: Server) -> list[str]:
    """Kill the server as a crash would (no checkpoint), then read what the log holds."""
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(10)
    with sqlite3.connect(server.db) as conn:
        return [row[0] for row in conn.execute("SELECT card FROM feedback ORDER BY id")]


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_an_export_onto_a_side_file_of_the_live_log_is_refused_and_no_row_is_lost(
    live_log: Server, suffix: str
) -> None:
    target = Path(f"{live_log.db}{suffix}")
    before = target.stat().st_ino if target.exists() else None  # a written output is a new file
    done = advisor("serve", "feedback", "--db", str(live_log.db), "-o", str(target))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and f"refusing to write {target}" in done.stderr
    assert str(live_log.db) in done.stderr and "Traceback" not in done.stderr
    assert (target.stat().st_ino if target.exists() else None) == before
    assert stored_after_kill_9(live_log) == ["k1", "k2", "k3", "k4", "k5"]


@pytest.mark.parametrize("link", ["symlink", "hard link"])
def test_an_export_onto_a_link_to_the_live_logs_wal_is_refused(live_log: Server, link: str) -> None:
    wal = Path(f"{live_log.db}-wal")
    innocent = live_log.db.parent / "feedback-export.csv"
    if link == "symlink":
        innocent.symlink_to(wal)
    else:
        os.link(wal, innocent)
    done = advisor("serve", "feedback", "--db", str(live_log.db), "-o", str(innocent))
    assert done.returncode == 2 and "refusing to write" in done.stderr, done.stderr
    assert stored_after_kill_9(live_log) == ["k1", "k2", "k3", "k4", "k5"]


def test_an_export_of_another_log_onto_the_side_file_of_the_log_the_service_holds_is_refused(
    live_log: Server, tmp_path: Path
) -> None:
    other = tmp_path / "old-feedback.sqlite3"
    from ntrk_advisor.service.feedback import FeedbackLog

    FeedbackLog(other).close()
    done = advisor("serve", "feedback", "--db", str(other), "-o", f"{live_log.db}-wal")
    assert done.returncode == 2 and f"database {live_log.db}" in done.stderr, done.stderr
    assert stored_after_kill_9(live_log) == ["k1", "k2", "k3", "k4", "k5"]


def test_the_refusal_is_worded_in_chinese_too(live_log: Server) -> None:
    wal = f"{live_log.db}-wal"
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", "serve", "feedback", "--db", str(live_log.db), "-o", wal],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NTRK_ADVISOR_LANG": "zh"},
    )
    assert done.returncode == 2 and "拒绝写入" in done.stderr and "-wal" in done.stderr, done.stderr


# R18: a log that is not there.


@pytest.mark.parametrize(
    ("lang", "expected"), [("en", "no feedback log at {path}"), ("zh", "{path} 处没有反馈日志")]
)
def test_exporting_from_a_log_that_does_not_exist_is_a_usage_error(
    tmp_path: Path, lang: str, expected: str
) -> None:
    missing = tmp_path / "feedbak.sqlite3"  # a typo
    for output in ([], ["-o", str(tmp_path / "x.csv")]):
        done = subprocess.run(
            [sys.executable, "-m", "ntrk_advisor", "serve", "feedback", "--db", str(missing), *output],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "NTRK_ADVISOR_LANG": lang},
        )
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.count("\n") == 1 and expected.format(path=missing) in done.stderr
    assert not missing.exists() and not (tmp_path / "x.csv").exists()


def test_a_misspelt_option_is_named_as_typed(tmp_path: Path) -> None:
    done = advisor("serve", "feedback", "--feedback-db", str(tmp_path / "f.sqlite3"))
    assert done.returncode == 2
    assert "No such option: --feedback-db" in done.stderr and "feedback_db" not in done.stderr
    near = advisor("serve", "--feedback-bd", str(tmp_path / "f.sqlite3"))
    assert "--feedback-db" in near.stderr and "feedback_db" not in near.stderr
