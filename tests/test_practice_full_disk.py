"""A full disk is reported as a full disk, never as a damaged practice database.

Regression tests for the security review's R15: on a 600 KB tmpfs filled to the last byte,
`practice answer` said the database "is damaged (SQLite reports: cannot commit - no transaction
is active)". Two things were wrong: the COMMIT that closed a failed read hid the error that
failed it, and errors were classed by their wording, with "damaged" for anything unrecognised.
Now SQLite's result code decides (`store.sqlite_error`), and only SQLITE_CORRUPT and
SQLITE_NOTADB mean damage.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ntrk_advisor.practice.errors import PracticeDatabaseError
from ntrk_advisor.practice.store import Attempt, PracticeStore, sqlite_error


def attempt(scenario: str = "dx-ihc-colorectal") -> Attempt:
    return Attempt("2026-12-06T10:00:00.000+00:00", scenario, "confirm_fusion", True, "en", "k", 1)


def test_sqlites_own_full_error_is_reported_as_a_full_disk(tmp_path: Path) -> None:
    """SQLITE_FULL from SQLite itself: the file may not grow past its page limit."""
    path = tmp_path / "p.sqlite3"
    with PracticeStore(path) as store:
        store.record(attempt())
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(PracticeDatabaseError) as caught:
            for i in range(10_000):
                store.record(attempt(f"s-{i}" + "x" * 500))
    assert caught.value.reason == "disk_full"
    assert "the disk is full" in str(caught.value) and "damaged" not in str(caught.value)
    with PracticeStore(path) as store:
        assert len(store.attempts()) >= 1  # what was committed is there; the failed write is not half-kept


def coded(message: str, code: int | None) -> sqlite3.Error:
    error = sqlite3.OperationalError(message)
    if code is not None:
        error.sqlite_errorcode = code  # type: ignore[attr-defined]  # as SQLite sets it (Python >= 3.11)
    return error


@pytest.mark.parametrize(
    ("code", "message", "reason"),
    [
        (13, "database or disk is full", "disk_full"),  # SQLITE_FULL
        (5, "database is locked", "busy"),  # SQLITE_BUSY
        (8 | (1 << 8), "attempt to write a readonly database", "read_only"),  # SQLITE_READONLY_RECOVERY
        (14, "unable to open database file", "cannot_open"),  # SQLITE_CANTOPEN
        (11, "database disk image is malformed", "corrupt"),  # SQLITE_CORRUPT
        (26, "file is not a database", "corrupt"),  # SQLITE_NOTADB
        (10 | (19 << 8), "disk I/O error", "sqlite"),  # SQLITE_IOERR_SHMSIZE, with room left
        (1, "cannot commit - no transaction is active", "sqlite"),  # SQLITE_ERROR: never "damaged"
        (21, "bad parameter or other API misuse", "sqlite"),  # SQLITE_MISUSE
    ],
)
def test_errors_are_classed_by_sqlites_result_code(
    tmp_path: Path, code: int, message: str, reason: str
) -> None:
    for error in (coded(message, code), coded(message, None)):  # with the code, and by SQLite's words
        mapped = sqlite_error(tmp_path / "p.sqlite3", error)
        assert mapped.reason == reason, (code, message, error)
        assert ("damaged" in str(mapped)) is (reason == "corrupt")


def test_an_io_error_on_a_file_system_with_no_room_left_is_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    class Full:
        f_bavail = 0

    monkeypatch.setattr(os, "statvfs", lambda path: Full())
    mapped = sqlite_error(tmp_path / "p.sqlite3", coded("disk I/O error", 10 | (19 << 8)))
    assert mapped.reason == "disk_full"


INNER = textwrap.dedent(
    """
    import hashlib, json, os, sqlite3, subprocess, sys, tempfile
    folder = tempfile.mkdtemp()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", folder], check=True)
    db = os.path.join(folder, "p.db")
    cli = [sys.executable, "-m", "ntrk_advisor", "practice", "answer", "dx-ihc-colorectal", "1", "--db", db]
    first = subprocess.run(cli, capture_output=True, text=True)
    with open(os.path.join(folder, "fill"), "wb", buffering=0) as fill:  # to the last byte
        for size in (65536, 4096, 1):
            try:
                while True:
                    fill.write(b"\\0" * size)
            except OSError:
                pass
    before = hashlib.sha256(open(db, "rb").read()).hexdigest()
    second = subprocess.run(cli, capture_output=True, text=True)
    after = hashlib.sha256(open(db, "rb").read()).hexdigest()
    os.unlink(os.path.join(folder, "fill"))
    rows = sqlite3.connect(db).execute("SELECT count(*) FROM attempts").fetchone()[0]
    print(json.dumps({"first": first.returncode, "code": second.returncode, "stderr": second.stderr,
                      "unchanged": before == after, "rows": rows, "db": db}))
    """
)


def _namespaces_work() -> str | None:
    """Why a small tmpfs cannot be mounted here (in an unprivileged user namespace), or None."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "needs unshare and mount (util-linux)"
    probe = subprocess.run(
        [
            "unshare",
            "-r",
            "-m",
            "sh",
            "-c",
            'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d"; s=$?; rmdir "$d"; exit $s',
        ],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return f"cannot mount a tmpfs in a user namespace here: {probe.stderr.strip() or probe.returncode}"
    return None


def test_a_full_disk_during_practice_answer_is_reported_as_a_full_disk() -> None:
    """The review's attack: a 600 KB tmpfs, filled to the last byte after the first answer."""
    why = _namespaces_work()
    if why:
        pytest.skip(why)
    done = subprocess.run(
        ["unshare", "-r", "-m", sys.executable, "-c", INNER], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    Path(seen["db"]).parent.rmdir()  # the mount point, empty once the namespace is gone
    assert seen["first"] == 0
    assert seen["code"] == 2 and seen["stderr"].count("\n") == 1, seen
    assert "the disk is full" in seen["stderr"] and "damaged" not in seen["stderr"], seen
    assert seen["unchanged"] and seen["rows"] == 1
