"""When each practice item is next due: FSRS spaced repetition, behind a small face of our own.

The scheduler is the Free Spaced Repetition Scheduler of the `fsrs` package (py-fsrs,
open-spaced-repetition/py-fsrs; the algorithm is described in its wiki, "The Algorithm"). Only
this module imports it, so the rest of practice speaks of `Review`s and `ItemSchedule`s and would
not change if the library did.

Choices made here, and why:

- A schedule is never stored: it is replayed from the review log, oldest first, every time. The
  log is the record (it migrates, exports and survives a change of parameters); the schedule is a
  function of it, so the two can never disagree.
- No learning steps (minutes apart): a trainee reviews once a session, not once a minute, so a
  first "Good" goes straight to an interval of days, and an "Again" comes back the next days.
- No fuzzing: the same log gives the same schedule, and tests can say exactly when.
- A grade becomes a rating in one place (`rating_for`): the engine's key chosen is `GOOD`, any
  other answer `AGAIN`. A multiple-choice answer says nothing finer ("hard", "easy") honestly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fsrs import Scheduler

DESIRED_RETENTION = 0.9
"""The recall probability an item is scheduled to keep; an item above it counts as retained."""


class Rating(IntEnum):
    """How a review went, in FSRS's numbering (1 again … 4 easy); practice uses two of them."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


def rating_for(correct: bool) -> Rating:
    """The rating of a graded answer: the engine's key is GOOD, anything else AGAIN."""
    return Rating.GOOD if correct else Rating.AGAIN


@dataclass(frozen=True)
class Review:
    """One review of one item: which, when (aware UTC), and how it went."""

    item: str
    at: dt.datetime
    rating: Rating


@dataclass(frozen=True)
class ItemSchedule:
    """Where one reviewed item stands: when it is due, and how well it is held."""

    item: str
    due: dt.datetime
    last_review: dt.datetime
    stability: float
    """Days until recall falls to 90% (FSRS's memory stability)."""
    reviews: int

    def interval(self) -> dt.timedelta:
        """The wait the last review set."""
        return self.due - self.last_review


def _scheduler() -> Scheduler:
    from fsrs import Scheduler

    return Scheduler(
        desired_retention=DESIRED_RETENTION, learning_steps=(), relearning_steps=(), enable_fuzzing=False
    )


def schedule(reviews: Iterable[Review]) -> dict[str, ItemSchedule]:
    """Each reviewed item's schedule, replayed from `reviews` (any order; replayed oldest first)."""
    from fsrs import Card
    from fsrs import Rating as FsrsRating

    scheduler = _scheduler()
    cards: dict[str, tuple[Card, int]] = {}
    for review in sorted(reviews, key=lambda r: (r.at, r.item)):
        card, count = cards.get(review.item, (None, 0))
        if card is None:  # a card is born due at its first review: no hidden "now"
            card = Card(card_id=1, due=review.at)
        card, _ = scheduler.review_card(card, FsrsRating(int(review.rating)), review_datetime=review.at)
        cards[review.item] = (card, count + 1)
    return {
        item: ItemSchedule(
            item=item,
            due=card.due,
            last_review=card.last_review or card.due,
            stability=float(card.stability or 0.0),
            reviews=count,
        )
        for item, (card, count) in cards.items()
    }


def recall(item: ItemSchedule, now: dt.datetime) -> float:
    """FSRS's probability that `item` is recalled at `now` (its forgetting curve; 1.0 at its review)."""
    from fsrs import Card, State

    card = Card(
        card_id=1, state=State.Review, stability=item.stability, due=item.due, last_review=item.last_review
    )
    return float(_scheduler().get_card_retrievability(card, now))


def due(schedules: Iterable[ItemSchedule], now: dt.datetime) -> list[ItemSchedule]:
    """The items due at `now`, the longest overdue first (then by item, for a fixed order)."""
    return sorted((s for s in schedules if s.due <= now), key=lambda s: (s.due, s.item))


def next_due(schedules: Sequence[ItemSchedule], now: dt.datetime) -> ItemSchedule | None:
    """The item that falls due soonest after `now` (None when none is waiting)."""
    later = [s for s in schedules if s.due > now]
    return min(later, key=lambda s: (s.due, s.item)) if later else None


def retained(schedules: Iterable[ItemSchedule], now: dt.datetime) -> list[ItemSchedule]:
    """The reviewed items not yet due at `now`: still held at least as well as the desired retention.

    FSRS sets each due time to when recall is predicted to fall to the desired retention, so an
    item is retained exactly until it is due (counting it by `recall` instead would let an item
    be both due and retained, as py-fsrs rounds the elapsed time to whole days).
    """
    return [s for s in schedules if s.due > now]
