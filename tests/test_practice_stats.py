"""Statistics, review order and export, on known attempts (no database needed)."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest

from ntrk_advisor.contract.vocabulary import AgeGroup, PathwayName
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.practice.errors import NoScenarioMatches
from ntrk_advisor.practice.export import COLUMNS, to_csv, to_json
from ntrk_advisor.practice.library import ScenarioLibrary, load_library
from ntrk_advisor.practice.selection import choose, missed
from ntrk_advisor.practice.stats import Area, Tally, stats_dict, summarise
from ntrk_advisor.practice.store import Attempt
from ntrk_advisor.practice.vocabulary import Difficulty


@pytest.fixture(scope="module")
def library(kb: KnowledgeBase) -> ScenarioLibrary:
    return load_library(kb)


def known(*answers: tuple[str, bool]) -> list[Attempt]:
    """Attempts a minute apart, oldest first, as the store returns them."""
    return [
        Attempt(f"2026-03-01T10:{i:02d}:00.000+00:00", sid, "surgery", ok, "en", "2026.11.0", 1, id=i + 1)
        for i, (sid, ok) in enumerate(answers)
    ]


# pathway, age group of each scenario used below (checked in the first test)
PLACES = {
    "la-infant-leg-fibrosarcoma": ("locally_advanced", "pediatric"),
    "la-adult-pelvic-sarcoma": ("locally_advanced", "adult"),
    "met-liver-oligoprogression": ("metastatic", "adult"),
    "met-child-controlled": ("metastatic", "pediatric"),
    "res-solvent-front": ("resistant", "adult"),
}
KNOWN = known(
    ("la-infant-leg-fibrosarcoma", False),
    ("la-infant-leg-fibrosarcoma", True),
    ("met-liver-oligoprogression", False),
    ("res-solvent-front", True),
    ("res-solvent-front", True),
    ("res-solvent-front", True),
    ("met-child-controlled", True),
    ("met-liver-oligoprogression", False),
    ("la-adult-pelvic-sarcoma", True),
    ("la-adult-pelvic-sarcoma", True),
    ("retired-scenario", False),
    ("res-solvent-front", True),
)


def test_the_scenarios_used_here_are_where_the_expected_values_assume(library: ScenarioLibrary) -> None:
    for sid, (pathway, age) in PLACES.items():
        scenario = library.get(sid).scenario
        assert (scenario.pathway.value, scenario.age_group.value) == (pathway, age)


def test_stats_on_known_attempts(library: ScenarioLibrary) -> None:
    stats = summarise(KNOWN, library)
    assert stats.total == Tally(12, 8)
    assert stats.by_pathway == {
        "locally_advanced": Tally(4, 3),
        "metastatic": Tally(3, 1),
        "resistant": Tally(4, 4),
        "other": Tally(1, 0),
    }
    assert stats.by_age_group == {"adult": Tally(8, 6), "pediatric": Tally(3, 2), "other": Tally(1, 0)}
    assert (stats.current_streak, stats.best_streak) == (1, 4)
    assert stats.weakest == (
        Area("metastatic", "adult", Tally(2, 0), ("met-liver-oligoprogression",)),
        Area("other", "other", Tally(1, 0), ("retired-scenario",)),
        Area("locally_advanced", "pediatric", Tally(2, 1), ()),
    )


def test_stats_as_json(library: ScenarioLibrary) -> None:
    data = stats_dict(summarise(KNOWN, library))
    assert data["total"] == {"attempts": 12, "correct": 8, "accuracy": pytest.approx(8 / 12)}
    assert list(data["by_pathway"]) == ["locally_advanced", "metastatic", "resistant", "other"]
    assert data["weakest"][0] == {
        "pathway": "metastatic",
        "age_group": "adult",
        "attempts": 2,
        "correct": 0,
        "accuracy": 0.0,
        "missed": ["met-liver-oligoprogression"],
    }
    json.dumps(data)


def test_no_attempts_gives_empty_stats(library: ScenarioLibrary) -> None:
    stats = summarise([], library)
    assert stats.total == Tally() and stats.total.accuracy is None
    assert (stats.by_pathway, stats.weakest, stats.current_streak, stats.best_streak) == ({}, (), 0, 0)


def test_all_correct_has_no_weak_area_and_a_full_streak(library: ScenarioLibrary) -> None:
    stats = summarise(known(("res-solvent-front", True), ("met-child-controlled", True)), library)
    assert stats.weakest == () and stats.current_streak == stats.best_streak == 2


# --- which scenarios a session asks ----------------------------------------------------------------


def test_missed_means_the_latest_attempt_was_wrong_oldest_miss_first() -> None:
    assert missed(KNOWN) == ["met-liver-oligoprogression", "retired-scenario"]
    assert missed(known(("a", False), ("b", False), ("a", True))) == ["b"]
    assert missed(known(("a", False), ("b", False), ("a", False))) == ["b", "a"]


def test_review_asks_missed_scenarios_first_then_unseen_ones(library: ScenarioLibrary) -> None:
    chosen = choose(library, KNOWN, review=True, count=100, rng=random.Random(1))
    ids = [k.id for k in chosen]
    assert ids[0] == "met-liver-oligoprogression"
    seen = {a.scenario_id for a in KNOWN}
    assert set(ids[1:]) == {k.id for k in library} - seen
    assert "retired-scenario" not in ids  # no longer in the library


def test_review_respects_the_filters(library: ScenarioLibrary) -> None:
    chosen = choose(library, KNOWN, review=True, pathway=PathwayName.METASTATIC, count=100)
    assert chosen[0].id == "met-liver-oligoprogression"
    assert {k.scenario.pathway for k in chosen} == {PathwayName.METASTATIC}
    assert "met-child-controlled" not in {k.id for k in chosen}


def test_review_with_nothing_missed_or_unseen_is_empty(library: ScenarioLibrary) -> None:
    everything = known(*((k.id, True) for k in library))
    assert choose(library, everything, review=True) == []


def test_a_random_set_draws_count_distinct_scenarios_from_the_filtered_pool(library: ScenarioLibrary) -> None:
    chosen = choose(
        library, count=3, difficulty=Difficulty.HARD, age_group=AgeGroup.PEDIATRIC, rng=random.Random(7)
    )
    assert len({k.id for k in chosen}) == 3
    assert all(
        k.scenario.difficulty is Difficulty.HARD and k.scenario.age_group is AgeGroup.PEDIATRIC
        for k in chosen
    )
    again = choose(
        library, count=3, difficulty=Difficulty.HARD, age_group=AgeGroup.PEDIATRIC, rng=random.Random(7)
    )
    assert [k.id for k in again] == [k.id for k in chosen]  # a seed repeats the set


def test_named_scenarios_come_in_the_order_given(library: ScenarioLibrary) -> None:
    chosen = choose(library, scenario_ids=["res-solvent-front", "dx-ihc-colorectal"], count=1)
    assert [k.id for k in chosen] == ["res-solvent-front", "dx-ihc-colorectal"]


def test_filters_that_match_nothing_are_an_error(
    library: ScenarioLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library, "matching", lambda **_: [])
    with pytest.raises(NoScenarioMatches):
        choose(library, pathway=PathwayName.EARLY)


# --- export ------------------------------------------------------------------------------------------


def test_csv_export_has_one_row_per_attempt_with_the_scenario_placed(library: ScenarioLibrary) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(KNOWN, library))))
    assert len(rows) == len(KNOWN)
    assert tuple(rows[0]) == COLUMNS
    assert rows[0] == {
        "id": "1",
        "answered_at": "2026-03-01T10:00:00.000+00:00",
        "scenario_id": "la-infant-leg-fibrosarcoma",
        "scenario_version": "1",
        "pathway": "locally_advanced",
        "age_group": "pediatric",
        "difficulty": library.get("la-infant-leg-fibrosarcoma").scenario.difficulty.value,
        "choice": "surgery",
        "correct": "false",
        "lang": "en",
        "knowledge_version": "2026.11.0",
    }
    retired = rows[10]
    assert (retired["scenario_id"], retired["pathway"], retired["difficulty"]) == ("retired-scenario", "", "")


def test_csv_export_defuses_spreadsheet_formulas(library: ScenarioLibrary) -> None:
    hostile = [Attempt("2026-03-01T10:00:00.000+00:00", "=HYPERLINK(1)", "@x", True, None, "-1", None, id=1)]
    (row,) = list(csv.DictReader(io.StringIO(to_csv(hostile, library))))
    assert (row["scenario_id"], row["choice"], row["knowledge_version"]) == ("'=HYPERLINK(1)", "'@x", "'-1")
    assert (row["lang"], row["scenario_version"]) == ("", "")


def test_json_export_keeps_types(library: ScenarioLibrary) -> None:
    data = json.loads(to_json(KNOWN, library))
    assert len(data) == len(KNOWN)
    assert data[0]["correct"] is False and data[0]["scenario_version"] == 1 and data[0]["id"] == 1
    assert list(data[0]) == list(COLUMNS)
    assert data[10]["pathway"] is None
