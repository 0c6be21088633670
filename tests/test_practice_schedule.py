"""Spaced repetition of practice items (practice/schedule.py): FSRS replayed from the review log.

The clock is always handed in: every time below is fixed, never today's.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ntrk_advisor.practice.schedule import (
    DESIRED_RETENTION,
    Rating,
    Review,
    due,
    next_due,
    rating_for,
    recall,
    retained,
    schedule,
)

T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.timezone.utc)
ITEM = "argument:limits.bulk"


def replay(*ratings: Rating, item: str = ITEM) -> list[dt.timedelta]:
    """Review `item` with each rating exactly when it falls due; the interval set by each review."""
    reviews: list[Review] = []
    intervals = []
    at = T0
    for rating in ratings:
        reviews.append(Review(item, at, rating))
        state = schedule(reviews)[item]
        intervals.append(state.interval())
        at = state.due
    return intervals


def test_a_grade_is_a_rating_the_key_good_anything_else_again() -> None:
    assert rating_for(True) is Rating.GOOD
    assert rating_for(False) is Rating.AGAIN


def test_the_interval_grows_with_each_good_answer() -> None:
    intervals = replay(Rating.GOOD, Rating.GOOD, Rating.GOOD)
    assert intervals[0] >= dt.timedelta(days=1)  # no learning steps of minutes: days from the first
    assert intervals[0] < intervals[1] < intervals[2]


def test_the_interval_shrinks_after_again() -> None:
    good = replay(Rating.GOOD, Rating.GOOD, Rating.GOOD)
    lapsed = replay(Rating.GOOD, Rating.GOOD, Rating.GOOD, Rating.AGAIN)
    assert lapsed[-1] < good[-1]
    assert lapsed[-1] >= dt.timedelta(days=1)  # back the next day or so, not in minutes


def test_a_first_again_comes_back_sooner_than_a_first_good() -> None:
    assert replay(Rating.AGAIN)[0] < replay(Rating.GOOD)[0]


def test_the_schedule_is_the_same_whatever_order_the_log_is_read_in() -> None:
    log = [Review(ITEM, T0, Rating.GOOD), Review(ITEM, T0 + dt.timedelta(days=3), Rating.AGAIN)]
    assert schedule(log) == schedule(reversed(log))
    assert schedule(log)[ITEM].reviews == 2
    assert schedule(log)[ITEM].last_review == T0 + dt.timedelta(days=3)


def test_due_items_come_longest_overdue_first_and_the_rest_wait() -> None:
    log = [
        Review("outcome:early.unfit", T0, Rating.AGAIN),
        Review("argument:limits.bulk", T0 + dt.timedelta(hours=1), Rating.AGAIN),
        Review("argument:mechanism.targeted", T0 - dt.timedelta(days=1), Rating.AGAIN),
        Review("argument:limits.local_role", T0, Rating.GOOD),
    ]
    states = schedule(log)
    now = max(states[r.item].due for r in log[:3])  # the three "again" are due, the "good" is not
    assert states["argument:limits.local_role"].due > now
    assert [s.item for s in due(states.values(), now)] == [
        "argument:mechanism.targeted",
        "outcome:early.unfit",
        "argument:limits.bulk",
    ]
    upcoming = next_due(list(states.values()), now)
    assert upcoming is not None and upcoming.item == "argument:limits.local_role"
    assert next_due(list(states.values()), upcoming.due) is None


def test_recall_falls_with_time_and_is_the_desired_retention_when_due() -> None:
    state = schedule([Review(ITEM, T0, Rating.GOOD)])[ITEM]
    assert recall(state, T0) == pytest.approx(1.0)
    assert recall(state, state.due) == pytest.approx(DESIRED_RETENTION, abs=0.02)
    assert recall(state, state.due + dt.timedelta(days=30)) < recall(state, state.due)
    assert [s.item for s in retained([state], T0 + dt.timedelta(hours=1))] == [ITEM]
    assert retained([state], state.due) == []  # due: no longer counted as held
