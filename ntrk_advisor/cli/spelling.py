"""How a value typed on the command line is compared with the values allowed.

One rule for every "did you mean" the tool says: a choice option's value, a case-field flag's
value, and a value in a case file. The rule lives with the contract (`contract/spelling.py`),
which words a case file's errors; the CLI uses the same one.
"""

from __future__ import annotations

from ntrk_advisor.contract.spelling import closest, normal

__all__ = ["closest", "normal"]
