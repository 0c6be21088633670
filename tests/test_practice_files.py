"""The practice database and scenario files are opened only when they are regular files: nothing hangs.

Regression tests for the reliability review: `--db` on a FIFO hung every practice command, a FIFO
or a symlink in a local copy's scenarios folder was opened.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def practice(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", "practice", *args],
        capture_output=True,
        text=True,
        timeout=60,  # a hang fails the test instead of the suite
        env={**os.environ, **(env or {})},
    )


def test_a_fifo_as_the_database_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "db"
    os.mkfifo(fifo)
    done = practice("stats", "--db", str(fifo))
    assert done.returncode == 2 and "not a regular file" in done.stderr
    assert done.stderr.count("\n") == 1


def test_a_fifo_or_a_link_in_a_local_scenarios_folder_is_reported_not_read(tmp_path: Path) -> None:
    copy = tmp_path / "clinic"
    init = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", "pathways", "init", str(copy)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert init.returncode == 0
    os.mkfifo(copy / "scenarios" / "zz.yaml")
    (copy / "scenarios" / "zy.yaml").symlink_to("/etc/passwd")
    done = practice("list", env={"NTRK_ADVISOR_PATHWAYS": str(copy)})
    assert done.returncode == 2
    assert "zz.yaml" in done.stderr and "zy.yaml" in done.stderr and "root:" not in done.stderr


def test_a_read_only_database_is_reported_as_read_only_not_damaged(tmp_path: Path) -> None:
    from ntrk_advisor.practice.errors import PracticeDatabaseError
    from ntrk_advisor.practice.store import PracticeStore

    db = tmp_path / "p.sqlite3"
    with PracticeStore(db):
        pass
    store = PracticeStore(db)
    store._conn.execute("PRAGMA query_only = ON")  # what SQLite reports for a file it may not write
    try:
        with store._errors():
            store._conn.execute("CREATE TABLE t(x)")
    except PracticeDatabaseError as exc:
        assert exc.reason == "read_only" and "damaged" not in str(exc)
    else:
        raise AssertionError("a write to a read-only database succeeded")
