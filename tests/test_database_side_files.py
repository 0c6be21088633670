"""No output is ever written onto the `-wal`, `-shm` or `-journal` file of a database.

SQLite keeps committed rows in `X-wal` until a checkpoint; replacing that file under a session
that holds the database loses them (the security review's R7: `practice export -o <db>-wal` and
`-o <db>-journal` were accepted). The rule lives in `files.atomic_output`, so every output of
every command keeps it: the side files of an input, by name, link or hard link, and the side
files of any SQLite database, whoever holds it. (`tests/service/test_service_feedback_export.py`
holds the same attack on the live log of a real server.)
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from ntrk_advisor.errors import UsageError
from ntrk_advisor.files import SQLITE_SIDE_FILES, atomic_output, database_of_side_file


def advisor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", *args], capture_output=True, text=True, timeout=120
    )


HOLDER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")  # the row stays in the WAL, as in a busy session
    conn.execute(
        "INSERT INTO attempts (answered_at, scenario_id, choice, correct, knowledge_version) "
        "VALUES ('2026-12-06T10:00:00.000+00:00', 'held', 'x', 1, 'k')"
    )
    print("ready", flush=True)
    time.sleep(120)
    """
)


class HeldDatabase:
    """A practice database with one attempt on disk and one more that lives only in its WAL,
    held by another process (a second practice session) that can die without a checkpoint."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(db)], stdout=subprocess.PIPE, text=True
        )
        assert self.holder.stdout is not None and self.holder.stdout.readline() == "ready\n"
        assert Path(f"{db}-wal").stat().st_size > 0

    def crash(self) -> None:
        """Kill the holder as a crash would: nothing is checkpointed."""
        if self.holder.poll() is None:
            os.kill(self.holder.pid, signal.SIGKILL)
        self.holder.wait(10)

    def attempts_after_a_crash(self) -> int:
        self.crash()
        with sqlite3.connect(self.db) as conn:
            return int(conn.execute("SELECT count(*) FROM attempts").fetchone()[0])


@pytest.fixture
def held(tmp_path: Path) -> Iterator[HeldDatabase]:
    db = tmp_path / "p.sqlite3"
    assert advisor("practice", "answer", "dx-ihc-colorectal", "1", "--db", str(db)).returncode == 0
    database = HeldDatabase(db)
    try:
        yield database
    finally:
        database.crash()


@pytest.mark.parametrize("suffix", SQLITE_SIDE_FILES)
def test_practice_export_refuses_the_side_files_of_its_database(held: HeldDatabase, suffix: str) -> None:
    target = Path(f"{held.db}{suffix}")
    before = target.stat().st_ino if target.exists() else None
    done = advisor("practice", "export", "--db", str(held.db), "-o", str(target))
    assert held.attempts_after_a_crash() == 2  # the attempt in the WAL is kept
    assert (target.stat().st_ino if target.exists() else None) == before
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and f"refusing to write {target}" in done.stderr


@pytest.mark.parametrize("link", ["symlink", "hard link"])
def test_practice_export_refuses_a_link_to_its_databases_wal(held: HeldDatabase, link: str) -> None:
    wal = Path(f"{held.db}-wal")
    innocent = held.db.parent / "attempts.csv"
    if link == "symlink":
        innocent.symlink_to(wal)
    else:
        os.link(wal, innocent)
    done = advisor("practice", "export", "--db", str(held.db), "-o", str(innocent))
    assert held.attempts_after_a_crash() == 2
    assert done.returncode == 2 and "refusing to write" in done.stderr, done.stderr


def test_any_command_refuses_the_side_file_of_a_database_it_does_not_read(
    held: HeldDatabase, tmp_path: Path
) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"age_years": 70, "fusion_status": "ihc_only", "emergency": []}) + "\n")
    for command in (
        ["batch", str(cases), "-q"],
        ["consult", "--case", str(cases), "--no-input", "--format", "json"],
    ):
        done = advisor(*command, "-o", f"{held.db}-wal")
        assert done.returncode == 2 and f"database {held.db}" in done.stderr, done.stderr
    assert held.attempts_after_a_crash() == 2


# The rule itself, on paths.


def test_the_side_files_of_an_input_are_refused_even_before_they_exist(tmp_path: Path) -> None:
    db = tmp_path / "store.db"  # not created yet: its log appears as soon as it is used
    for suffix in SQLITE_SIDE_FILES:
        assert database_of_side_file(Path(f"{db}{suffix}"), (db,)) == db
    with (
        pytest.raises(UsageError, match="SQLite keeps the changes of the database"),
        atomic_output(Path(f"{db}-wal"), inputs=(db,)) as handle,
    ):
        handle.write("x")
    assert not Path(f"{db}-wal").exists()


def test_an_input_reached_through_a_link_protects_the_side_files_of_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.sqlite3"
    sqlite3.connect(real).execute("CREATE TABLE t (x)").connection.close()
    alias = tmp_path / "alias.sqlite3"
    alias.symlink_to(real)
    assert database_of_side_file(Path(f"{real}-wal"), (alias,)) == alias
    assert database_of_side_file(Path(f"{alias}-journal"), (alias,)) == alias


def test_a_side_file_name_beside_a_file_that_is_no_database_is_an_ordinary_output(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.write_text("plain text", encoding="utf-8")
    assert database_of_side_file(tmp_path / "notes-journal") is None
    assert database_of_side_file(tmp_path / "nothing-wal") is None
    assert database_of_side_file(tmp_path / "-wal") is None
    with atomic_output(tmp_path / "notes-journal") as handle:
        handle.write("ok")
    assert (tmp_path / "notes-journal").read_text(encoding="utf-8") == "ok"


def test_a_fifo_where_the_database_would_be_is_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    assert database_of_side_file(tmp_path / "pipe-wal") is None  # returns at once: no blocking read
