"""How a typed value is compared with the values allowed: one rule for every "did you mean".

A flag's value, a choice option's value and a value in a case file are all matched here, so a
misspelling gets the same suggestion wherever it was typed.
"""

from __future__ import annotations

from collections.abc import Sequence


def normal(typed: str) -> str:
    """A typed value as the options compare it: any case, `-`, `_` or a space between words."""
    return typed.strip().casefold().replace("-", "_").replace(" ", "_")


def closest(typed: str, allowed: Sequence[str]) -> str | None:
    """The allowed value nearest to what was typed, if one is near enough to suggest."""
    import difflib

    close = difflib.get_close_matches(normal(typed), list(allowed), n=1, cutoff=0.6)
    return close[0] if close else None
