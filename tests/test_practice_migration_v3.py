"""The upgrade to schema version 3 keeps every attempt and turns each into reviews of what it covered.

The old database is `tests/fixtures/practice/schema-v2.sql`: six attempts written by the store of
the version before (schema 2, dumped as SQL), one of them at a scenario the library no longer has.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from ntrk_advisor.engine import decide
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.practice.commands import scenario_coverage
from ntrk_advisor.practice.errors import PracticeDatabaseError
from ntrk_advisor.practice.library import load_library
from ntrk_advisor.practice.schedule import Rating, Review, schedule
from ntrk_advisor.practice.stats import as_reviews
from ntrk_advisor.practice.store import SCHEMA_VERSION, PracticeStore

FIXTURE = Path(__file__).parent / "fixtures" / "practice" / "schema-v2.sql"
NOW = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.timezone.utc)


def old_database(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    conn.close()
    return path


def rows(path: Path, query: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def test_the_fixture_is_a_version_2_database_of_six_attempts(tmp_path: Path) -> None:
    path = old_database(tmp_path / "old.sqlite3")
    assert rows(path, "PRAGMA user_version") == [(2,)]
    assert rows(path, "SELECT count(*) FROM attempts") == [(6,)]
    assert SCHEMA_VERSION == 3


def test_every_attempt_is_kept_as_it_was(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = old_database(tmp_path / "old.sqlite3")
    before = rows(path, "SELECT * FROM attempts ORDER BY id")
    with PracticeStore(path, clock=lambda: NOW, coverage=scenario_coverage(kb)) as store:
        assert store.migration is not None and store.migration.from_version == 2
        assert len(store.attempts()) == 6
    assert rows(path, "SELECT * FROM attempts ORDER BY id") == before
    assert rows(path, "PRAGMA user_version") == [(3,)]
    assert rows(store.migration.backup, "SELECT * FROM attempts ORDER BY id") == before


def test_each_attempt_becomes_a_review_of_every_item_its_scenario_covered(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    path = old_database(tmp_path / "old.sqlite3")
    with PracticeStore(path, clock=lambda: NOW, coverage=scenario_coverage(kb)) as store:
        attempts, reviews = store.attempts(), store.reviews()
    library = load_library(kb)
    for attempt in attempts:
        mine = [r for r in reviews if r.attempt_id == attempt.id]
        if attempt.scenario_id not in library:
            assert mine == []  # kept as an attempt; there is nothing it is known to have covered
            continue
        keyed = library.get(attempt.scenario_id)
        outcome = f"outcome:{decide(keyed.case, kb).trail[-1].qid}"
        cited = {f"argument:{a}" for a in keyed.key_option.arguments}
        cited |= {f"argument:{a}" for p in keyed.scenario.teaching_points for a in p.arguments}
        assert {r.item for r in mine} == {outcome} | cited
        assert len(mine) == len({r.item for r in mine})
        for review in mine:
            assert review.reviewed_at == attempt.answered_at
            assert review.correct is attempt.correct
            assert review.rating == (Rating.GOOD if attempt.correct else Rating.AGAIN)
            assert review.pathway == keyed.scenario.pathway.value
            assert review.choice == attempt.choice and review.lang == attempt.lang


def test_the_schedule_is_derived_from_the_migrated_history(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = old_database(tmp_path / "old.sqlite3")
    with PracticeStore(path, clock=lambda: NOW, coverage=scenario_coverage(kb)) as store:
        reviews = store.reviews()
    states = schedule(as_reviews(reviews))
    library = load_library(kb)
    fibrosarcoma = f"outcome:{decide(library.get('la-infant-leg-fibrosarcoma').case, kb).trail[-1].qid}"
    state = states[fibrosarcoma]
    assert state.reviews == 2  # right on 2 March, wrong on 11 March
    assert state.last_review == dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.timezone.utc)
    expected = schedule(
        [
            Review(fibrosarcoma, dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc), Rating.GOOD),
            Review(fibrosarcoma, dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.timezone.utc), Rating.AGAIN),
        ]
    )[fibrosarcoma]
    assert state == expected
    assert all(s.due < NOW for s in states.values())  # months later, everything is due


def test_a_failure_during_the_upgrade_leaves_the_old_file_whole(tmp_path: Path) -> None:
    path = old_database(tmp_path / "old.sqlite3")
    before = rows(path, "SELECT * FROM attempts ORDER BY id")

    def broken(scenario_id: str) -> tuple[str | None, tuple[str, ...]]:
        if scenario_id == "res-solvent-front":
            raise sqlite3.OperationalError("disk I/O error")
        return "diagnostic", ("outcome:diagnostic.ihc_only",)

    with pytest.raises(PracticeDatabaseError):
        PracticeStore(path, clock=lambda: NOW, coverage=broken)
    assert rows(path, "PRAGMA user_version") == [(2,)]  # one transaction: all of it, or none
    assert rows(path, "SELECT * FROM attempts ORDER BY id") == before
    assert rows(path, "SELECT count(*) FROM sqlite_master WHERE name = 'reviews'") == [(0,)]


def test_a_scenario_answered_after_the_upgrade_reviews_its_items_too(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    from ntrk_advisor.practice.grading import grade

    path = old_database(tmp_path / "old.sqlite3")
    library = load_library(kb)
    keyed = library.get("res-solvent-front")
    with PracticeStore(path, clock=lambda: NOW, coverage=scenario_coverage(kb)) as store:
        before = len(store.reviews())
        row = store.record(grade(keyed, keyed.key_index, "en", kb).attempt("x", store.clock))
        added = [r for r in store.reviews() if r.attempt_id == row]
    assert len(added) == len(store_reviews_of(path, row)) > 0
    assert all(r.correct and r.rating == Rating.GOOD for r in added)
    assert before + len(added) == len(rows(path, "SELECT id FROM reviews"))


def store_reviews_of(path: Path, attempt_id: int) -> list[tuple[object, ...]]:
    return rows(path, f"SELECT id FROM reviews WHERE attempt_id = {int(attempt_id)}")


def test_reset_deletes_the_reviews_too_and_the_backup_keeps_them(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = old_database(tmp_path / "old.sqlite3")
    with PracticeStore(path, clock=lambda: NOW, coverage=scenario_coverage(kb)) as store:
        kept = len(store.reviews())
        backup, deleted = store.reset()
        assert deleted == 6 and store.reviews() == [] and store.attempts() == []
    assert kept > 0 and rows(backup, "SELECT count(*) FROM reviews") == [(kept,)]
