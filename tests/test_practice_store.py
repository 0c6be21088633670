"""The practice database: schema versions and migration, concurrency, damaged or foreign files, reset."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ntrk_advisor.practice.errors import PracticeDatabaseError
from ntrk_advisor.practice.store import (
    APPLICATION_ID,
    HOME_ENV,
    SCHEMA_VERSION,
    Attempt,
    PracticeStore,
    now_utc,
    resolve_db_path,
)


def attempt(scenario_id: str = "res-solvent-front", correct: bool = True, **changes: object) -> Attempt:
    values: dict[str, object] = {
        "answered_at": now_utc(),
        "scenario_id": scenario_id,
        "choice": "next_gen_trk",
        "correct": correct,
        "lang": "en",
        "knowledge_version": "2026.11.0",
        "scenario_version": 1,
    }
    values.update(changes)
    return Attempt(**values)  # type: ignore[arg-type]


def pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def make_v1_file(path: Path) -> None:
    """A database exactly as schema version 1 left it (no `lang`, no `scenario_version`)."""
    conn = sqlite3.connect(path)
    conn.executescript(
        f"""
        PRAGMA application_id = {APPLICATION_ID};
        PRAGMA user_version = 1;
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            answered_at TEXT NOT NULL,
            scenario_id TEXT NOT NULL,
            choice TEXT NOT NULL,
            correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
            knowledge_version TEXT NOT NULL
        );
        CREATE INDEX attempts_by_scenario ON attempts (scenario_id, answered_at);
        INSERT INTO attempts (answered_at, scenario_id, choice, correct, knowledge_version) VALUES
            ('2026-01-02T09:00:00.000+00:00', 'la-infant-leg-fibrosarcoma', 'surgery', 0, '2026.1.0'),
            ('2026-01-02T09:05:00.000+00:00', 'la-infant-leg-fibrosarcoma', 'neoadjuvant_trk', 1, '2026.1.0');
        """
    )
    conn.commit()
    conn.close()


# --- a new database ---------------------------------------------------------------------------------


def test_a_new_database_is_versioned_marked_as_ours_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "practice.sqlite3"
    with PracticeStore(path) as store:
        assert store.migration is None
        store.record(attempt())
    assert pragma(path, "user_version") == SCHEMA_VERSION
    assert pragma(path, "application_id") == APPLICATION_ID
    assert pragma(path, "journal_mode") == "wal"


def test_an_attempt_reads_back_exactly_as_recorded(tmp_path: Path) -> None:
    recorded = attempt("early-parotid-upfront", correct=False, lang="zh", scenario_version=3)
    with PracticeStore(tmp_path / "p.sqlite3") as store:
        row_id = store.record(recorded)
        (back,) = store.attempts()
    assert back == Attempt(**{**recorded.__dict__, "id": row_id})


def test_timestamps_are_utc_iso_8601() -> None:
    stamp = dt.datetime.fromisoformat(now_utc())
    assert stamp.utcoffset() == dt.timedelta(0)


def test_values_are_bound_as_parameters_never_spliced_into_sql(tmp_path: Path) -> None:
    hostile = "x'); DROP TABLE attempts; --"
    with PracticeStore(tmp_path / "p.sqlite3") as store:
        store.record(attempt(hostile, choice="'; DELETE FROM attempts; --"))
        store.record(attempt())
        assert [a.scenario_id for a in store.attempts()] == [hostile, "res-solvent-front"]


def test_an_empty_file_is_taken_as_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.touch()
    with PracticeStore(path) as store:
        store.record(attempt())
        assert len(store.attempts()) == 1


# --- migration ----------------------------------------------------------------------------------------


def test_a_version_1_file_is_migrated_keeping_its_attempts_and_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "practice.sqlite3"
    make_v1_file(path)
    with PracticeStore(path) as store:
        assert store.migration is not None and store.migration.from_version == 1
        backup = store.migration.backup
        old = store.attempts()
        store.record(attempt("la-infant-leg-fibrosarcoma", lang="zh", scenario_version=1))
        rows = store.attempts()
    assert pragma(path, "user_version") == SCHEMA_VERSION
    assert [(a.choice, a.correct, a.lang, a.scenario_version, a.knowledge_version) for a in old] == [
        ("surgery", False, None, None, "2026.1.0"),
        ("neoadjuvant_trk", True, None, None, "2026.1.0"),
    ]
    assert (rows[-1].lang, rows[-1].scenario_version) == ("zh", 1)
    # The backup is the untouched version-1 file, next to the database.
    assert backup.parent == tmp_path and backup.name.startswith("practice.sqlite3.v1-")
    assert pragma(backup, "user_version") == 1
    columns = [r[1] for r in sqlite3.connect(backup).execute("PRAGMA table_info(attempts)")]
    assert "lang" not in columns and len(columns) == 6


def test_opening_a_migrated_file_again_migrates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "practice.sqlite3"
    make_v1_file(path)
    PracticeStore(path).close()
    with PracticeStore(path) as store:
        assert store.migration is None
        assert len(store.attempts()) == 2
    assert len(list(tmp_path.glob("*.bak"))) == 1


def test_a_file_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "practice.sqlite3"
    PracticeStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(PracticeDatabaseError) as caught:
        PracticeStore(path)
    assert caught.value.reason == "newer"
    assert "newer ntrk-advisor (schema version 99)" in str(caught.value)
    assert path.read_bytes() == before


# --- two sessions at once -----------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from ntrk_advisor.practice.store import Attempt, PracticeStore, now_utc

    path, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    for i in range(count):
        # A session opens the database per answer here, the worst case for contention.
        with PracticeStore(path) as store:
            store.record(Attempt(now_utc(), f"{name}-{i}", "surgery", i % 2 == 0, "en", "k", 1))
    """
)


@pytest.mark.parametrize("existing", [True, False], ids=["existing-file", "both-create-it"])
def test_two_concurrent_writers_lose_no_attempt(tmp_path: Path, existing: bool) -> None:
    path = tmp_path / "practice.sqlite3"
    if existing:
        PracticeStore(path).close()
    count = 60
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, str(count)], stderr=subprocess.PIPE)
        for name in ("a", "b")
    ]
    errors = [w.communicate(timeout=120)[1].decode() for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    with PracticeStore(path) as store:
        ids = [a.scenario_id for a in store.attempts()]
    assert sorted(ids) == sorted(f"{n}-{i}" for n in ("a", "b") for i in range(count))


def test_two_threads_sharing_one_file_lose_no_attempt(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "practice.sqlite3"
    PracticeStore(path).close()

    def write(name: str) -> None:
        with PracticeStore(path) as store:
            for i in range(100):
                store.record(attempt(f"{name}-{i}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with PracticeStore(path) as store:
        assert len({a.id for a in store.attempts()}) == 300


# --- files that are not (or no longer) our database ------------------------------------------------------


def test_a_file_that_is_not_sqlite_is_refused_and_never_touched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my notes, not a database\n" * 100, encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(PracticeDatabaseError) as caught:
        PracticeStore(path)
    assert caught.value.reason == "not_sqlite"
    assert str(caught.value) == (
        f"practice database {path} is not an SQLite database: it was not changed; "
        "give another file with --db (or set NTRK_ADVISOR_HOME)"
    )
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_damaged_database_is_reported_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "practice.sqlite3"
    with PracticeStore(path) as store:
        for i in range(20):
            store.record(attempt(f"s-{i}"))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")  # fold the WAL in, so the damage below is all there is
    conn.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page, after the 100-byte header
    path.write_bytes(bytes(data))
    with pytest.raises(PracticeDatabaseError) as caught, PracticeStore(path) as store:
        store.attempts()
    assert caught.value.reason == "corrupt"
    assert "is damaged" in str(caught.value) and "it was not changed" in str(caught.value)
    assert path.read_bytes() == bytes(data)


@pytest.mark.parametrize("application_id", [0, 1234])
def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path: Path, application_id: int) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        f"PRAGMA application_id = {application_id}; CREATE TABLE patients (name TEXT); "
        "INSERT INTO patients VALUES ('x');"
    )
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(PracticeDatabaseError) as caught:
        PracticeStore(path)
    assert caught.value.reason == "foreign"
    assert "not an ntrk-advisor practice database" in str(caught.value)
    assert path.read_bytes() == before
    assert pragma(path, "journal_mode") == "delete"  # not switched to WAL either


def test_a_directory_given_as_the_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PracticeDatabaseError) as caught:
        PracticeStore(tmp_path)
    assert caught.value.reason == "cannot_open"


# --- reset and backups ----------------------------------------------------------------------------------


def test_reset_keeps_a_complete_backup_then_empties_the_database(tmp_path: Path) -> None:
    path = tmp_path / "practice.sqlite3"
    with PracticeStore(path) as store:
        for i in range(5):
            store.record(attempt(f"s-{i}"))
        backup, deleted = store.reset()
        assert store.attempts() == []
    assert deleted == 5
    assert (
        backup.parent == tmp_path and backup.name.startswith("practice.sqlite3.") and backup.suffix == ".bak"
    )
    assert not Path(f"{backup}-wal").exists()  # a single, self-contained file
    assert pragma(backup, "journal_mode") == "delete"
    with PracticeStore(backup) as kept:
        assert [a.scenario_id for a in kept.attempts()] == [f"s-{i}" for i in range(5)]
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_reset_keeps_attempts_recorded_after_its_backup_was_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "practice.sqlite3"
    original = PracticeStore.backup_to

    def backup_then_another_session_answers(self: PracticeStore, target: Path) -> int:
        last = original(self, target)
        with PracticeStore(path) as other:
            other.record(attempt("late"))
        return last

    with PracticeStore(path) as store:
        store.record(attempt("early"))
        monkeypatch.setattr(PracticeStore, "backup_to", backup_then_another_session_answers)
        backup, deleted = store.reset()
        assert [a.scenario_id for a in store.attempts()] == ["late"]
    assert deleted == 1
    with PracticeStore(backup) as kept:
        assert [a.scenario_id for a in kept.attempts()] == ["early"]


# --- where the database lives --------------------------------------------------------------------------


def test_the_db_option_wins_over_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    assert resolve_db_path(tmp_path / "mine.sqlite3") == tmp_path / "mine.sqlite3"
    assert resolve_db_path(None) == tmp_path / "home" / "practice.sqlite3"


def test_without_option_or_environment_the_user_data_folder_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv(HOME_ENV, raising=False)
    assert resolve_db_path(None) == Path(platformdirs.user_data_dir("ntrk-advisor")) / "practice.sqlite3"


def test_the_store_reads_the_time_from_its_clock(tmp_path: Path) -> None:
    from ntrk_advisor.practice.store import Attempt

    moment = dt.datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with PracticeStore(tmp_path / "p.sqlite3", clock=lambda: moment) as store:
        store.record(Attempt(now_utc(store.clock), "s-1", "surgery", True, "en", "k", 1))
        backup, count = store.reset()
    assert backup.name == "p.sqlite3.20260303T210607.890000Z.bak" and count == 1
    with PracticeStore(backup) as kept:
        assert [a.answered_at for a in kept.attempts()] == ["2026-03-03T21:06:07.890+00:00"]
