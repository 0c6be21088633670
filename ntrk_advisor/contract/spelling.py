"""How a typed value is compared with the values allowed: one rule for every "did you mean".

A flag's value, a choice option's value, a value in a case file and an unknown key in a case file
are all matched here, so a misspelling gets the same suggestion wherever it was typed.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

CUTOFF = 0.6
"""How similar (difflib's ratio) a value allowed must be to what was typed to be suggested."""


def normal(typed: str) -> str:
    """A typed value as the options compare it: any case, `-`, `_` or a space between words."""
    return typed.strip().casefold().replace("-", "_").replace(" ", "_")


def closest(typed: str, allowed: Sequence[str]) -> str | None:
    """The allowed value nearest to what was typed, if one is near enough to suggest."""
    return close_match(normal(typed), allowed)


def close_match(typed: str, allowed: Sequence[str]) -> str | None:
    """What `difflib.get_close_matches(typed, allowed, n=1, cutoff=CUTOFF)` gives, or None; cheaply.

    difflib's ratio is twice the characters matched over both lengths, and no more characters of
    `typed` can match than occur in a candidate at all. That count is made in C (`bytes.translate`
    deletes a candidate's letters), so a candidate that cannot reach the cutoff is never compared,
    and when not even the letters of all candidates together could reach it, none is: a batch of
    misspelt words and free-form keys pays a translation or a few, not a difflib comparison per
    candidate. The survivors go to difflib itself, so the answer is difflib's, ties included.
    """
    candidates = _candidates(tuple(allowed))
    encoded = typed.encode("utf-8", "surrogatepass")
    length = len(typed)
    if not candidates.reachable(_shared(typed, encoded, candidates.letters, candidates.table), length):
        return None
    hopeful = [
        name
        for name, size, letters, table in candidates.each
        if 2 * min(_shared(typed, encoded, letters, table), size) >= CUTOFF * (length + size)
    ]
    if not hopeful:
        return None
    close = difflib.get_close_matches(typed, hopeful, n=1, cutoff=CUTOFF)
    return close[0] if close else None


def _shared(typed: str, encoded: bytes, letters: bytes | None, table: dict[int, None]) -> int:
    """How many characters of `typed` occur in a candidate (`letters`: its bytes, if all ASCII).

    UTF-8 writes a character beyond ASCII with bytes that are none of ASCII's, so deleting an ASCII
    candidate's bytes from the encoded text leaves exactly the characters it does not share.
    """
    if letters is not None:
        return len(encoded) - len(encoded.translate(None, letters))
    return len(typed) - len(typed.translate(table))


class _Candidates(NamedTuple):
    each: tuple[tuple[str, int, bytes | None, dict[int, None]], ...]
    """Per candidate: itself, its length, its bytes when all ASCII, and a table deleting its letters."""
    letters: bytes | None
    """Every candidate's letters together (when all ASCII), and the table deleting them."""
    table: dict[int, None]
    sizes: tuple[int, ...]
    """The candidates' lengths, each once, in order."""

    def reachable(self, shared: int, length: int) -> bool:
        """Whether some candidate could reach the cutoff with `shared` characters matched at most.

        For a candidate of length s the bound 2·min(shared, s) − CUTOFF·(length + s) grows with s
        up to `shared` and falls after it, so only the lengths on either side of `shared` matter.
        """
        sizes = self.sizes
        at = bisect.bisect_right(sizes, shared)
        return any(
            2 * min(shared, size) >= CUTOFF * (length + size) for size in sizes[max(at - 1, 0) : at + 1]
        )


@lru_cache(maxsize=256)
def _candidates(allowed: tuple[str, ...]) -> _Candidates:
    """Kept per list of candidates: the lists are the contract's fields and vocabularies, a few dozen."""
    everything = "".join(allowed)
    return _Candidates(
        tuple(_letters_of(name) for name in allowed),
        everything.encode() if everything.isascii() else None,
        dict.fromkeys(map(ord, everything)),
        tuple(sorted({len(name) for name in allowed})),
    )


def _letters_of(name: str) -> tuple[str, int, bytes | None, dict[int, None]]:
    return name, len(name), name.encode() if name.isascii() else None, dict.fromkeys(map(ord, name))
