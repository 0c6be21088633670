"""Progress from recorded attempts: accuracy by pathway and age group, streaks, weakest areas.

Pure functions over `Attempt`s and the library, so they are tested on known data without a
database. A scenario's pathway and age group come from the library; attempts at scenarios it no
longer holds count in the totals and under "other".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ntrk_advisor.contract.vocabulary import AgeGroup, PathwayName
from ntrk_advisor.practice.library import ScenarioLibrary
from ntrk_advisor.practice.store import Attempt

OTHER = "other"
WEAKEST_SHOWN = 3


@dataclass(frozen=True)
class Tally:
    """Answers and correct answers in one group."""

    attempts: int = 0
    correct: int = 0

    @property
    def accuracy(self) -> float | None:
        """Share of correct answers (None before any answer)."""
        return self.correct / self.attempts if self.attempts else None

    @property
    def percent(self) -> int:
        """Accuracy as a whole percentage (0 before any answer)."""
        return round(100 * self.correct / self.attempts) if self.attempts else 0

    def plus(self, correct: bool) -> Tally:
        """This tally with one more answer."""
        return Tally(self.attempts + 1, self.correct + int(correct))


@dataclass(frozen=True)
class Area:
    """A pathway and age group taken together, with the scenarios last answered wrongly there."""

    pathway: str
    age_group: str
    tally: Tally
    missed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stats:
    """What `practice stats` reports."""

    total: Tally
    by_pathway: dict[str, Tally] = field(default_factory=dict)
    by_age_group: dict[str, Tally] = field(default_factory=dict)
    current_streak: int = 0
    best_streak: int = 0
    weakest: tuple[Area, ...] = ()


def tally_by(pairs: Iterable[tuple[str, bool]], order: Sequence[str]) -> dict[str, Tally]:
    """Tallies of (group, correct) pairs, groups in `order` first, then any others as met."""
    tallies: dict[str, Tally] = {}
    for group, correct in pairs:
        tallies[group] = tallies.get(group, Tally()).plus(correct)
    ranked = [g for g in order if g in tallies] + [g for g in tallies if g not in order]
    return {g: tallies[g] for g in ranked}


PATHWAY_ORDER = tuple(p.value for p in PathwayName)
AGE_ORDER = tuple(a.value for a in AgeGroup)


def summarise(attempts: Sequence[Attempt], library: ScenarioLibrary) -> Stats:
    """The statistics of `attempts` (oldest first, as the store returns them)."""
    placed = [(a, *_place(a.scenario_id, library)) for a in attempts]
    total = Tally(len(attempts), sum(a.correct for a in attempts))
    current = best = run = 0
    for attempt in attempts:
        run = run + 1 if attempt.correct else 0
        best = max(best, run)
    for attempt in reversed(attempts):
        if not attempt.correct:
            break
        current += 1
    return Stats(
        total=total,
        by_pathway=tally_by(((p, a.correct) for a, p, _ in placed), PATHWAY_ORDER),
        by_age_group=tally_by(((g, a.correct) for a, _, g in placed), AGE_ORDER),
        current_streak=current,
        best_streak=best,
        weakest=_weakest(placed),
    )


def _place(scenario_id: str, library: ScenarioLibrary) -> tuple[str, str]:
    if scenario_id in library:
        scenario = library.get(scenario_id).scenario
        return scenario.pathway.value, scenario.age_group.value
    return OTHER, OTHER


def _weakest(placed: list[tuple[Attempt, str, str]]) -> tuple[Area, ...]:
    """Areas with any wrong answer, the lowest accuracy first (more answers first on a tie)."""
    tallies: dict[tuple[str, str], Tally] = {}
    last: dict[str, tuple[bool, tuple[str, str]]] = {}
    for attempt, pathway, age in placed:
        tallies[pathway, age] = tallies.get((pathway, age), Tally()).plus(attempt.correct)
        last[attempt.scenario_id] = (attempt.correct, (pathway, age))
    weak = [(area, tally) for area, tally in tallies.items() if tally.correct < tally.attempts]

    def rank(item: tuple[tuple[str, str], Tally]) -> tuple[float, int, int, int]:
        (pathway, age), tally = item
        return (
            tally.correct / tally.attempts,
            -tally.attempts,
            PATHWAY_ORDER.index(pathway) if pathway in PATHWAY_ORDER else len(PATHWAY_ORDER),
            AGE_ORDER.index(age) if age in AGE_ORDER else len(AGE_ORDER),
        )

    return tuple(
        Area(
            pathway,
            age,
            tally,
            tuple(sorted(s for s, (ok, where) in last.items() if not ok and where == (pathway, age))),
        )
        for (pathway, age), tally in sorted(weak, key=rank)[:WEAKEST_SHOWN]
    )


def stats_dict(stats: Stats) -> dict[str, Any]:
    """The statistics as a JSON-ready object (`practice stats --format json`)."""

    def tally(t: Tally) -> dict[str, Any]:
        return {"attempts": t.attempts, "correct": t.correct, "accuracy": t.accuracy}

    return {
        "total": tally(stats.total),
        "by_pathway": {k: tally(v) for k, v in stats.by_pathway.items()},
        "by_age_group": {k: tally(v) for k, v in stats.by_age_group.items()},
        "current_streak": stats.current_streak,
        "best_streak": stats.best_streak,
        "weakest": [
            {"pathway": a.pathway, "age_group": a.age_group, **tally(a.tally), "missed": list(a.missed)}
            for a in stats.weakest
        ],
    }
