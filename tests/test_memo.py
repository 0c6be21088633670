"""The bounded memo every hot path keeps its repeated answers in (`ntrk_advisor.memo`)."""

from __future__ import annotations

import pytest

from ntrk_advisor.memo import BoundedMemo


def test_a_memo_returns_what_it_keeps_and_reads_as_a_dictionary() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(3)
    assert memo.keep("a", 1) == 1
    assert memo.get("a") == 1 and "a" in memo and memo.get("b") is None


def test_a_full_memo_forgets_everything_before_it_keeps_the_next_answer() -> None:
    memo: BoundedMemo[int, int] = BoundedMemo(3)
    for key in range(3):
        memo.keep(key, key * 10)
    assert dict(memo) == {0: 0, 1: 10, 2: 20}
    memo.keep(3, 30)
    assert dict(memo) == {3: 30}


def test_a_memo_never_holds_more_than_its_limit_whatever_the_input() -> None:
    memo: BoundedMemo[int, None] = BoundedMemo(50)
    for key in range(10_000):
        memo.keep(key, None)
        assert len(memo) <= 50


def test_keeping_an_answer_again_replaces_it_and_counts_once() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(2)
    memo.keep("a", 1)
    memo.keep("a", 2)
    assert dict(memo) == {"a": 2}


@pytest.mark.parametrize("limit", [0, -1])
def test_a_memo_that_could_hold_nothing_is_refused(limit: int) -> None:
    with pytest.raises(ValueError, match="at least one"):
        BoundedMemo(limit)


def test_a_memo_has_no_attribute_dictionary_to_grow() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(1)
    with pytest.raises(AttributeError):
        memo.other = 1  # type: ignore[attr-defined]
