"""Exit codes, in one place (README lists the same table).

A layer below the errors, so each `AdvisorError` subclass can name its own code (`exit_code`).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a command's exit status means."""

    OK = 0
    """Every case is complete."""
    INTERNAL = 1
    """An unexpected error (a bug): one line on stderr, the traceback with --debug."""
    USAGE = 2
    """A usage error: a bad option, an unreadable file, no terminal to ask on."""
    INCOMPLETE = 3
    """Answers are missing; the result names them."""
    INVALID = 4
    """A case failed validation; the result names the fields."""
    PROBLEMS = 5
    """`pathways check` found problems in the pathway modules (each printed on stdout)."""
    INTERRUPTED = 130
    """Ctrl-C or end of input at a prompt."""
