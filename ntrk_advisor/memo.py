"""A memo that forgets everything at once when full: exact answers, memory bounded on any input.

The hot paths (batch's encoder, the engine's walk and results, the wording of a problem, the
service's cards) keep answers they would otherwise work out again for every record or call. How
many distinct keys arrive is the input's choice, not the knowledge's, so every such memo has a
bound. When it is reached the memo starts afresh instead of evicting one entry at a time: a hit
stays a plain dictionary lookup (an LRU would reorder on every hit), and a memo whose input never
repeats costs little more than having none.

A memo is only ever as right as its key: each caller says, beside its key, why the key holds
everything the remembered answer depends on (and `tests/test_batch_memos.py` checks batch's).
"""

from __future__ import annotations

from typing import TypeVar

__all__ = ["BoundedMemo"]

K = TypeVar("K")
V = TypeVar("V")


class BoundedMemo(dict[K, V]):
    """A dictionary of remembered answers holding at most `limit` of them.

    Read it as a dictionary (`get`, `in`); add to it with `keep`, which starts afresh when full.
    """

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a memo must hold at least one answer, not {limit}")
        super().__init__()
        self.limit = limit

    def keep(self, key: K, value: V) -> V:
        """Remember `value` under `key` and return it; everything is forgotten first if the memo is full."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
