"""A log line's time is what `datetime.isoformat(timespec="milliseconds")` wrote (issue 27: made once a second)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from ntrk_advisor.service.logs import JsonFormatter


def expected(created: float) -> str:
    return dt.datetime.fromtimestamp(created, dt.timezone.utc).isoformat(timespec="milliseconds")


EDGES = [
    0.0,
    1.0,
    1_765_000_000.0,
    1_765_000_000.9999995,
    1_765_000_000.9999994,
    1_765_000_000.0005,
    1_765_000_000.0004999,
    1_765_000_001.999999,
    1_765_000_002.5,
    1_765_000_059.99999999,
    -1.25,
]


@pytest.mark.parametrize("created", EDGES)
def test_the_time_at_the_edges_of_a_millisecond_and_a_second(created: float) -> None:
    formatter = JsonFormatter()
    assert formatter.utc_time(created) == expected(created)
    assert formatter.utc_time(created) == expected(created)  # the second's text kept


def test_the_time_of_many_records_in_order_and_out_of_order() -> None:
    rng = random.Random(27)
    formatter = JsonFormatter()
    now = 1_765_000_000.0
    for _ in range(20_000):
        now += rng.random() * rng.choice([0.0001, 0.01, 1.5])
        created = now if rng.random() < 0.9 else now - rng.random() * 3
        assert formatter.utc_time(created) == expected(created)
