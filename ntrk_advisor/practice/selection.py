"""Which scenarios a session presents: chosen by ID, filtered at random, or for review."""

from __future__ import annotations

import random
from collections.abc import Sequence

from ntrk_advisor.contract.vocabulary import AgeGroup, PathwayName
from ntrk_advisor.practice.errors import NoScenarioMatches
from ntrk_advisor.practice.library import KeyedScenario, ScenarioLibrary
from ntrk_advisor.practice.store import Attempt
from ntrk_advisor.practice.vocabulary import Difficulty


def missed(attempts: Sequence[Attempt]) -> list[str]:
    """Scenarios whose latest attempt was wrong, the longest-standing miss first."""
    latest: dict[str, Attempt] = {}
    for attempt in attempts:  # oldest first, so the last one seen is the latest
        latest.pop(attempt.scenario_id, None)
        latest[attempt.scenario_id] = attempt
    return [sid for sid, attempt in latest.items() if not attempt.correct]


def choose(
    library: ScenarioLibrary,
    attempts: Sequence[Attempt] = (),
    *,
    scenario_ids: Sequence[str] = (),
    pathway: PathwayName | None = None,
    difficulty: Difficulty | None = None,
    age_group: AgeGroup | None = None,
    review: bool = False,
    count: int = 5,
    rng: random.Random | None = None,
) -> list[KeyedScenario]:
    """The scenarios of one session, in the order they are asked.

    Named IDs are taken as given. Otherwise the filters make a pool: `review` takes missed
    scenarios first, then unseen ones in random order (possibly none: nothing to review);
    without it, `count` scenarios are drawn at random (`NoScenarioMatches` if the pool is empty).
    """
    if scenario_ids:
        return [library.get(sid) for sid in scenario_ids]
    rng = rng or random.Random()
    pool = library.matching(pathway=pathway, difficulty=difficulty, age_group=age_group)
    if not pool:
        raise NoScenarioMatches()
    if review:
        in_pool = {s.id: s for s in pool}
        seen = {a.scenario_id for a in attempts}
        unseen = [s for s in pool if s.id not in seen]
        rng.shuffle(unseen)
        return ([in_pool[sid] for sid in missed(attempts) if sid in in_pool] + unseen)[:count]
    return rng.sample(pool, min(count, len(pool)))
