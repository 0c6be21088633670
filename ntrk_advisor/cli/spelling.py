"""How a value typed on the command line is compared with the values allowed.

One rule for every "did you mean" the CLI says: a choice option's value, a case-field flag's value.
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
