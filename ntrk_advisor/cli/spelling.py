"""How a value typed on the command line is compared with the values allowed.

One rule for every "did you mean" the tool says: a choice option's value, a case-field flag's
value, and a value in a case file. The rule lives with the contract (`contract/spelling.py`),
which words a case file's errors; the CLI asks the same one (imported when needed, so that
`--help` stays fast).
"""

from __future__ import annotations

from collections.abc import Sequence


def normal(typed: str) -> str:
    """A typed value as the options compare it: any case, `-`, `_` or a space between words."""
    from ntrk_advisor.contract.spelling import normal as rule

    return rule(typed)


def closest(typed: str, allowed: Sequence[str]) -> str | None:
    """The allowed value nearest to what was typed, if one is near enough to suggest."""
    from ntrk_advisor.contract.spelling import closest as rule

    return rule(typed, allowed)
