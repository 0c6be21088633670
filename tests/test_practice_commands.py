"""The practice commands as library calls (`practice/commands.py`): the CLI only parses and prints.

Each call returns what to show (`Shown`: text for scripts, a renderable for people, then a note)
and hands the notes that belong mid-work to the `note` function it is given, when they happen.
What each command prints is specified in `test_practice_cli.py`; these tests pin the hand-over.
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from ntrk_advisor.environment import Environment
from ntrk_advisor.pathway.knowledge import default_knowledge_base
from ntrk_advisor.practice import commands
from ntrk_advisor.practice.errors import NeedsTerminal
from ntrk_advisor.practice.library import load_library
from ntrk_advisor.practice.store import APPLICATION_ID, PracticeStore

SOLVENT_FRONT = "res-solvent-front"
kb = default_knowledge_base()


def printed(shown: commands.Shown) -> str:
    """What a person would see of `shown.out`, as plain text."""
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(shown.out)
    return out.getvalue()


def old_database(path: Path) -> Path:
    """A schema-1 practice database with one attempt (opening it upgrades it)."""
    conn = sqlite3.connect(path)
    conn.executescript(
        f"PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1; "
        "CREATE TABLE attempts (id INTEGER PRIMARY KEY, answered_at TEXT NOT NULL, scenario_id TEXT NOT NULL, "
        "choice TEXT NOT NULL, correct INTEGER NOT NULL, knowledge_version TEXT NOT NULL);"
        f"INSERT INTO attempts VALUES (1, '2026-01-01T00:00:00.000+00:00', '{SOLVENT_FRONT}', 'surgery', 0, 'k');"
    )
    conn.commit()
    conn.close()
    return path


def answered(db: Path, *choices: str) -> Path:
    for choice in choices:
        commands.answer_scenario(kb, SOLVENT_FRONT, choice, "en", db, as_json=True, note=pytest.fail)
    return db


def test_scripts_get_text_and_people_get_a_screen() -> None:
    as_json = commands.list_scenarios(kb, "en", as_json=True)
    assert isinstance(as_json.out, str) and as_json.note is None
    assert [row["id"] for row in json.loads(as_json.out)] == [k.id for k in load_library()]
    table = commands.list_scenarios(kb, "zh", as_json=False)
    assert not isinstance(table.out, str)
    assert SOLVENT_FRONT in printed(table)


def test_an_answer_for_people_ends_with_a_note_of_where_it_was_recorded(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    shown = commands.answer_scenario(kb, SOLVENT_FRONT, "1", "en", db, as_json=False, note=pytest.fail)
    assert "Teaching points" in printed(shown)
    assert shown.note is not None and str(db) in shown.note


def test_an_answer_for_scripts_carries_where_it_was_recorded_in_the_json_and_no_note(tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    shown = commands.answer_scenario(kb, SOLVENT_FRONT, "1", "en", db, as_json=True, note=pytest.fail)
    assert isinstance(shown.out, str) and shown.out.endswith("}\n") and shown.note is None
    assert json.loads(shown.out)["recorded"] == {"db": str(db), "id": 1}


def test_an_upgraded_database_is_noted_when_it_is_opened_not_after_the_output(tmp_path: Path) -> None:
    notes: list[str] = []
    shown = commands.progress(
        kb, "en", old_database(tmp_path / "old.sqlite3"), as_json=True, note=notes.append
    )
    assert len(notes) == 1 and notes[0].startswith("Upgraded the practice database from version 1 to 3")
    assert shown.note is None and json.loads(shown.out)["total"]["attempts"] == 1


def test_reading_progress_or_exporting_never_creates_the_database(tmp_path: Path) -> None:
    db = tmp_path / "none.sqlite3"
    assert "No attempts recorded yet" in printed(
        commands.progress(kb, "en", db, as_json=False, note=pytest.fail)
    )
    assert commands.export_attempts(kb, "en", db, as_csv=True, output=None, note=pytest.fail).out == (
        "id,answered_at,scenario_id,scenario_version,pathway,age_group,difficulty,choice,correct,lang,"
        "knowledge_version\n"
    )
    assert not db.exists()


def test_an_export_to_a_file_shows_nothing_and_notes_how_many_were_written(tmp_path: Path) -> None:
    db, target = answered(tmp_path / "p.sqlite3", "1", "2"), tmp_path / "out.json"
    shown = commands.export_attempts(kb, "en", db, as_csv=False, output=target, note=pytest.fail)
    assert shown.out is None and shown.note is not None and "Wrote 2 attempt(s)" in shown.note
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 2


def test_reset_asks_once_with_the_count_and_a_no_deletes_nothing(tmp_path: Path) -> None:
    db = answered(tmp_path / "p.sqlite3", "1", "2")
    questions: list[str] = []

    def decline(question: str) -> bool:
        questions.append(question)
        return False

    shown = commands.reset_attempts("en", db, confirm=decline, note=pytest.fail)
    assert len(questions) == 1 and "Delete all 2 recorded attempt(s)" in questions[0]
    assert shown.out is None and shown.note is not None and "Nothing was deleted" in shown.note
    with PracticeStore(db) as store:
        assert len(store.attempts()) == 2


def test_reset_without_confirm_deletes_at_once_and_keeps_a_backup(tmp_path: Path) -> None:
    db = answered(tmp_path / "p.sqlite3", "1")
    shown = commands.reset_attempts("en", db, confirm=None, note=pytest.fail)
    assert shown.note is not None and shown.note.startswith("Deleted 1 attempt(s); backup kept at")
    with PracticeStore(db) as store:
        assert store.attempts() == []


def test_reset_of_a_missing_database_asks_nothing_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "none.sqlite3"
    shown = commands.reset_attempts("en", db, confirm=lambda _: pytest.fail("asked"), note=pytest.fail)
    assert shown.note is not None and "No attempts recorded yet" in shown.note
    assert not db.exists()


def test_a_session_without_a_terminal_is_refused_before_the_database_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    db = tmp_path / "p.sqlite3"
    with pytest.raises(NeedsTerminal):
        commands.run_session(kb, Environment.of_process(), "en", db, note=pytest.fail)
    assert not db.exists()


def test_output_for_scripts_imports_no_rich(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom pathlib import Path\nfrom ntrk_advisor.practice import commands\n"
        "from ntrk_advisor.pathway.knowledge import default_knowledge_base\nkb = default_knowledge_base()\n"
        f"db = Path({str(tmp_path / 'p.sqlite3')!r})\n"
        "commands.list_scenarios(kb, 'en', as_json=True)\n"
        f"commands.answer_scenario(kb, {SOLVENT_FRONT!r}, '1', 'en', db, as_json=True, note=print)\n"
        "commands.progress(kb, 'en', db, as_json=True, note=print)\n"
        "commands.export_attempts(kb, 'en', db, as_csv=True, output=None, note=print)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'rich', 'questionary', 'prompt_toolkit'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
