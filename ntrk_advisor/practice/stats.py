"""Progress from recorded attempts and reviews: accuracy, streaks, weakest areas, what is due.

Pure functions over `Attempt`s and the library, so they are tested on known data without a
database. A scenario's pathway and age group come from the library; attempts at scenarios it no
longer holds count in the totals and under "other".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ntrk_advisor.contract.vocabulary import AgeGroup, PathwayName
from ntrk_advisor.practice.library import ScenarioLibrary
from ntrk_advisor.practice.schedule import ItemSchedule, Rating, Review, due, next_due, retained, schedule
from ntrk_advisor.practice.store import Attempt, ItemReview

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


@dataclass(frozen=True)
class ScheduleStats:
    """What the spaced-repetition record says at one moment: due, retained, weakest, accuracy."""

    now: dt.datetime
    items: int
    """Every item the knowledge in use offers."""
    reviewed: int
    due: tuple[ItemSchedule, ...]
    next_due: ItemSchedule | None
    retained: int
    by_pathway: dict[str, Tally]
    """Questions answered per pathway: scenario attempts, and questions drawn for an item."""
    by_argument: dict[str, Tally]
    """Reviews of each article argument (those derived from scenario attempts included)."""
    weakest_argument: tuple[str, Tally] | None


def summarise_schedule(
    reviews: Sequence[ItemReview],
    attempts: Sequence[Attempt],
    library: ScenarioLibrary,
    item_ids: Sequence[str],
    now: dt.datetime,
) -> ScheduleStats:
    """The schedule replayed from `reviews` and the accuracy of every answer, as at `now`."""
    from ntrk_advisor.practice.items import ARGUMENT

    schedules = schedule(as_reviews(reviews))
    known = set(item_ids)
    current = [s for s in schedules.values() if s.item in known]
    pathway_pairs = [(_place(a.scenario_id, library)[0], a.correct) for a in attempts]
    pathway_pairs += [(r.pathway or OTHER, r.correct) for r in reviews if r.attempt_id is None]
    prefix = f"{ARGUMENT}:"
    argument_order = [i.removeprefix(prefix) for i in item_ids if i.startswith(prefix)]
    by_argument = tally_by(
        ((r.item.removeprefix(prefix), r.correct) for r in reviews if r.item.startswith(prefix)),
        argument_order,
    )
    weak = [(a, t) for a, t in by_argument.items() if t.correct < t.attempts]
    weakest = min(weak, key=lambda p: (p[1].correct / p[1].attempts, -p[1].attempts, p[0])) if weak else None
    return ScheduleStats(
        now=now,
        items=len(item_ids),
        reviewed=len(current),
        due=tuple(due(current, now)),
        next_due=next_due(current, now),
        retained=len(retained(current, now)),
        by_pathway=tally_by(pathway_pairs, PATHWAY_ORDER),
        by_argument=by_argument,
        weakest_argument=weakest,
    )


def as_reviews(rows: Iterable[ItemReview]) -> list[Review]:
    """The store's review rows as the scheduler reads them."""
    return [Review(r.item, dt.datetime.fromisoformat(r.reviewed_at), Rating(r.rating)) for r in rows]


def schedule_dict(stats: ScheduleStats) -> dict[str, Any]:
    """The schedule part of `practice stats --format json`."""

    def tally(t: Tally) -> dict[str, Any]:
        return {"attempts": t.attempts, "correct": t.correct, "accuracy": t.accuracy}

    return {
        "now": stats.now.isoformat(),
        "items": stats.items,
        "reviewed": stats.reviewed,
        "due": [{"item": s.item, "due": s.due.isoformat()} for s in stats.due],
        "next_due": None
        if stats.next_due is None
        else {"item": stats.next_due.item, "due": stats.next_due.due.isoformat()},
        "retained": stats.retained,
        "by_pathway": {k: tally(v) for k, v in stats.by_pathway.items()},
        "by_argument": {k: tally(v) for k, v in stats.by_argument.items()},
        "weakest_argument": None
        if stats.weakest_argument is None
        else {"argument": stats.weakest_argument[0], **tally(stats.weakest_argument[1])},
    }
