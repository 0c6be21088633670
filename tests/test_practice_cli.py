"""`ntrk-advisor practice` subcommands in-process, through the real entry point: scripted use,
for instructors and tests."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ntrk_advisor.api import evaluate
from ntrk_advisor.contract.vocabulary import AgeGroup, PathwayName
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.practice.library import ScenarioLibrary, load_library
from ntrk_advisor.practice.store import APPLICATION_ID, PracticeStore
from tests.conftest import CliRun as Out
from tests.conftest import run_main


def practice_argv(*args: str) -> list[str]:
    """A command line running `ntrk-advisor ARGS` in a new process (for pseudo-terminal tests)."""
    return [sys.executable, "-m", "ntrk_advisor", *args]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own NTRK_ADVISOR_HOME: the user's real progress is never touched."""
    folder = tmp_path / "home"
    monkeypatch.setenv("NTRK_ADVISOR_HOME", str(folder))
    monkeypatch.delenv("NTRK_ADVISOR_LANG", raising=False)
    return folder


@pytest.fixture
def cli(home: Path) -> Callable[..., Out]:
    return run_main


@pytest.fixture(scope="module")
def library(kb: KnowledgeBase) -> ScenarioLibrary:
    return load_library(kb)


def flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


# --- list and show ------------------------------------------------------------------------------


def test_list_json_has_at_least_24_scenarios_covering_every_pathway_and_age_group(
    cli: Callable[..., Out],
) -> None:
    out = cli("practice", "list", "--format", "json")
    assert out.code == 0, out.stderr
    rows = out.json
    assert len(rows) >= 24
    assert {(r["pathway"], r["age_group"]) for r in rows} == {
        (p.value, a.value) for p in PathwayName for a in AgeGroup
    }
    assert set(rows[0]) == {"id", "version", "pathway", "age_group", "difficulty", "question", "title"}
    assert set(rows[0]["title"]) == {"en", "zh"}


def test_list_table_shows_every_id(cli: Callable[..., Out], library: ScenarioLibrary) -> None:
    out = cli("practice", "list", "--lang", "zh")
    assert out.code == 0
    assert f"共 {len(library)} 个练习病例" in out.stdout
    assert all(k.id in out.stdout for k in library)


def test_show_prints_the_vignette_and_numbered_options_but_not_the_answer(
    cli: Callable[..., Out], library: ScenarioLibrary
) -> None:
    keyed = library.get("met-liver-oligoprogression")
    out = cli("practice", "show", keyed.id)
    assert out.code == 0
    screen = flat(out.stdout)
    assert flat(keyed.scenario.vignette.en)[:80] in screen
    assert keyed.scenario.prompt.en in screen
    for number, option in enumerate(keyed.scenario.options, start=1):
        assert f"{number}. {option.text.en} [{option.action.value}]" in screen
    assert "advisor's answer" not in screen and "Correct" not in screen


def test_show_in_chinese(cli: Callable[..., Out], library: ScenarioLibrary) -> None:
    keyed = library.get("la-infant-leg-fibrosarcoma")
    out = cli("practice", "show", keyed.id, "--lang", "zh")
    assert keyed.scenario.prompt.zh in out.stdout and keyed.scenario.options[0].text.zh in out.stdout


def test_an_unknown_scenario_is_a_usage_error_with_a_suggestion(cli: Callable[..., Out]) -> None:
    out = cli("practice", "show", "la-infant-leg")
    assert out.code == 2
    assert out.stderr.startswith("ntrk-advisor: error: no practice scenario 'la-infant-leg'; did you mean")


# --- answer ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["number", "code"])
def test_answer_grades_the_key_as_correct_and_records_it(
    cli: Callable[..., Out], library: ScenarioLibrary, kb: KnowledgeBase, home: Path, by: str
) -> None:
    keyed = library.get("res-solvent-front")
    choice = str(keyed.key_index + 1) if by == "number" else keyed.key.action.value.upper()
    out = cli("practice", "answer", keyed.id, choice, "--format", "json")
    assert out.code == 0, out.stderr
    data = out.json
    assert (data["correct"], data["choice"], data["key"]) == (
        True,
        keyed.key.action.value,
        keyed.key.action.value,
    )
    assert data["why_weaker"] is None
    assert data["recommendation"] == evaluate({**keyed.scenario.case, "id": keyed.id}, "en", kb).to_dict()
    assert data["recorded"] == {"db": str(home / "practice.sqlite3"), "id": 1}
    with PracticeStore(home / "practice.sqlite3") as store:
        (row,) = store.attempts()
    assert (row.scenario_id, row.choice, row.correct, row.lang, row.scenario_version) == (
        keyed.id,
        keyed.key.action.value,
        True,
        "en",
        1,
    )
    assert row.knowledge_version == kb.stamp.version


def test_answer_explains_a_wrong_choice_with_its_argument_ids(
    cli: Callable[..., Out], library: ScenarioLibrary
) -> None:
    keyed = library.get("la-infant-leg-fibrosarcoma")
    index = next(i for i in range(len(keyed.scenario.options)) if i != keyed.key_index)
    option = keyed.scenario.options[index]
    assert option.why_weaker is not None
    data = cli("practice", "answer", keyed.id, str(index + 1), "--format", "json", "--lang", "zh").json
    assert data["correct"] is False and data["key_number"] == keyed.key_index + 1
    assert data["why_weaker"] == {
        "text": option.why_weaker.zh,
        "arguments": option.arguments,
        "evidence": option.evidence,
    }
    assert [p["arguments"] for p in data["teaching_points"]] == [
        p.arguments for p in keyed.scenario.teaching_points
    ]
    assert data["lang"] == "zh" and data["recommendation"]["actions"][0]["summary"] != ""


def test_answer_as_text_shows_the_feedback_and_the_recommendation(
    cli: Callable[..., Out], library: ScenarioLibrary
) -> None:
    keyed = library.get("met-liver-oligoprogression")
    index = next(i for i in range(len(keyed.scenario.options)) if i != keyed.key_index)
    out = cli("practice", "answer", keyed.id, str(index + 1))
    assert out.code == 0
    screen = flat(out.stdout)
    assert "✗ Not the best answer" in screen
    assert f"{keyed.key_index + 1}. {keyed.key_option.text.en}" in screen
    assert "The advisor's full recommendation" in screen and "Teaching points" in screen
    assert "Recorded in" in out.stderr
    # The verdict, the answer given, the key and why come before the long recommendation.
    recommendation = screen.index("The advisor's full recommendation")
    for said in (
        "✗ Not the best answer",
        "Your answer:",
        "The advisor's answer",
        "Why your answer is weaker",
    ):
        assert screen.index(said) < recommendation, said


@pytest.mark.parametrize("choice", ["0", "6", "surgery_now", "mdt_review"])
def test_an_answer_that_is_not_an_option_is_refused_and_not_recorded(
    cli: Callable[..., Out], home: Path, choice: str
) -> None:
    out = cli("practice", "answer", "res-solvent-front", choice)
    assert out.code == 2
    assert (
        f"'{choice}' is not an answer to res-solvent-front: give an option number from 1 to 4" in out.stderr
    )
    assert not (home / "practice.sqlite3").exists()


# --- stats, export, reset --------------------------------------------------------------------------


def answer_some(cli: Callable[..., Out], library: ScenarioLibrary) -> None:
    for sid, right in [
        ("res-solvent-front", True),
        ("la-infant-leg-fibrosarcoma", False),
        ("dx-ihc-colorectal", True),
    ]:
        keyed = library.get(sid)
        index = keyed.key_index if right else (keyed.key_index + 1) % len(keyed.scenario.options)
        assert cli("practice", "answer", sid, str(index + 1), "--format", "json").code == 0


def test_stats_reports_what_was_answered(cli: Callable[..., Out], library: ScenarioLibrary) -> None:
    answer_some(cli, library)
    data = cli("practice", "stats", "--format", "json").json
    assert data["total"] == {"attempts": 3, "correct": 2, "accuracy": pytest.approx(2 / 3)}
    assert data["by_age_group"]["pediatric"] == {"attempts": 1, "correct": 0, "accuracy": 0.0}
    assert (data["current_streak"], data["best_streak"]) == (1, 1)
    assert data["weakest"][0]["missed"] == ["la-infant-leg-fibrosarcoma"]
    table = flat(cli("practice", "stats").stdout)
    assert "Accuracy by pathway" in table and "locally advanced 1 0 0%" in table
    assert "Current streak: 1 · best streak: 1" in table


def test_stats_without_a_database_says_so_and_creates_nothing(cli: Callable[..., Out], home: Path) -> None:
    out = cli("practice", "stats")
    assert out.code == 0 and "No attempts recorded yet" in out.stdout
    assert not home.exists()


def test_db_option_before_or_after_the_subcommand(
    cli: Callable[..., Out], tmp_path: Path, library: ScenarioLibrary
) -> None:
    db = tmp_path / "elsewhere.sqlite3"
    keyed = library.get("dx-ihc-colorectal")
    assert cli("practice", "--db", str(db), "answer", keyed.id, "1", "--format", "json").code == 0
    assert cli("practice", "answer", keyed.id, "2", "--db", str(db), "--format", "json").code == 0
    assert cli("practice", "stats", "--db", str(db), "--format", "json").json["total"]["attempts"] == 2


def test_export_csv_and_json(cli: Callable[..., Out], library: ScenarioLibrary, tmp_path: Path) -> None:
    answer_some(cli, library)
    lines = cli("practice", "export").stdout.splitlines()
    assert lines[0].startswith("id,answered_at,scenario_id") and len(lines) == 4
    target = tmp_path / "out.json"
    out = cli("practice", "export", "--format", "json", "--output", str(target))
    assert out.code == 0 and out.stdout == "" and "Wrote 3 attempt(s)" in out.stderr
    assert [r["scenario_id"] for r in json.loads(target.read_text(encoding="utf-8"))] == [
        "res-solvent-front",
        "la-infant-leg-fibrosarcoma",
        "dx-ihc-colorectal",
    ]


def test_export_never_writes_over_the_database(
    cli: Callable[..., Out], library: ScenarioLibrary, home: Path
) -> None:
    answer_some(cli, library)
    db = home / "practice.sqlite3"
    before = db.read_bytes()
    out = cli("practice", "export", "--output", str(db))
    assert out.code == 2 and "refusing to write over an input file" in out.stderr
    assert db.read_bytes() == before


def test_reset_asks_first_and_no_keeps_everything(
    cli: Callable[..., Out], library: ScenarioLibrary, home: Path
) -> None:
    answer_some(cli, library)
    out = cli("practice", "reset", input="n\n")
    assert (
        out.code == 0
        and "Delete all 3 recorded attempt(s)" in out.stderr
        and "Nothing was deleted" in out.stderr
    )
    assert cli("practice", "stats", "--format", "json").json["total"]["attempts"] == 3
    assert list(home.glob("*.bak")) == []


def test_reset_without_an_answer_deletes_nothing(cli: Callable[..., Out], library: ScenarioLibrary) -> None:
    answer_some(cli, library)
    out = cli("practice", "reset", input="")
    assert out.code == 2 and "add --yes" in out.stderr
    assert cli("practice", "stats", "--format", "json").json["total"]["attempts"] == 3


@pytest.mark.parametrize("confirm", [["--yes"], []], ids=["--yes", "answered-y"])
def test_reset_keeps_a_backup_and_empties_the_record(
    cli: Callable[..., Out], library: ScenarioLibrary, home: Path, confirm: list[str]
) -> None:
    answer_some(cli, library)
    out = cli("practice", "reset", *confirm, input=None if confirm else "y\n")
    assert out.code == 0 and "Deleted 3 attempt(s); backup kept at" in out.stderr
    (backup,) = home.glob("practice.sqlite3.*.bak")
    assert str(backup) in out.stderr
    with PracticeStore(backup) as kept:
        assert len(kept.attempts()) == 3
    assert cli("practice", "stats", "--format", "json").json["total"]["attempts"] == 0


def test_a_foreign_database_is_a_usage_error_and_untouched(cli: Callable[..., Out], tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    for args in (["answer", "res-solvent-front", "1"], ["stats"], ["export"], ["reset", "--yes"]):
        out = cli("practice", *args, "--db", str(db))
        assert out.code == 2, args
        assert out.stderr == (
            f"ntrk-advisor: error: practice database {db} is an SQLite database, but not an ntrk-advisor "
            "practice database: it was not changed; give another file with --db (or set NTRK_ADVISOR_HOME)\n"
        )
    assert db.read_bytes() == before


def test_an_old_database_is_upgraded_with_a_note(cli: Callable[..., Out], tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(db)
    conn.executescript(
        f"PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1; "
        "CREATE TABLE attempts (id INTEGER PRIMARY KEY, answered_at TEXT NOT NULL, scenario_id TEXT NOT NULL, "
        "choice TEXT NOT NULL, correct INTEGER NOT NULL, knowledge_version TEXT NOT NULL);"
        "INSERT INTO attempts VALUES (1, '2026-01-01T00:00:00.000+00:00', 'res-solvent-front', 'surgery', 0, 'k');"
    )
    conn.commit()
    conn.close()
    out = cli("practice", "stats", "--db", str(db), "--format", "json")
    assert out.code == 0
    assert "Upgraded the practice database from version 1 to 3" in out.stderr
    assert out.json["total"]["attempts"] == 1


def test_the_session_needs_a_terminal(cli: Callable[..., Out]) -> None:
    out = cli("practice", "--scenario", "res-solvent-front")
    assert out.code == 2
    assert "the practice session needs a terminal" in out.stderr and "practice answer ID CHOICE" in out.stderr


# --- start-up stays light --------------------------------------------------------------------------


def test_importing_the_practice_cli_loads_no_heavy_module() -> None:
    heavy = ("pydantic", "yaml", "questionary", "prompt_toolkit", "rich", "sqlite3", "ntrk_advisor.engine")
    code = f"import sys, ntrk_advisor.cli.practice; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_practice_help_loads_no_heavy_module() -> None:
    done = subprocess.run(
        [
            *practice_argv("practice", "--help")[:1],
            "-X",
            "importtime",
            *practice_argv("practice", "--help")[1:],
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = {
        line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }
    assert (
        sorted(m for m in loaded if m.split(".")[0] in {"pydantic", "yaml", "questionary", "prompt_toolkit"})
        == []
    )
    assert "practice" in done.stdout and "answer" in done.stdout
