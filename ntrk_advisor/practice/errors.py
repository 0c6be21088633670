"""Practice-mode exceptions: raised in the core, worded here, mapped to exit codes at the CLI edge."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from ntrk_advisor.errors import AdvisorError, Problem
from ntrk_advisor.exit_codes import ExitCode
from ntrk_advisor.i18n import Lang

__all__ = [
    "ConfirmationUnanswered",
    "InvalidChoice",
    "NeedsTerminal",
    "NoScenarioMatches",
    "NothingToDraw",
    "PracticeDatabaseError",
    "PracticeError",
    "ScenarioError",
    "ScenarioProblem",
    "UnknownScenario",
]


class PracticeError(AdvisorError):
    """Base of the errors practice mode reports to a user (a usage problem: exit 2)."""

    exit_code = ExitCode.USAGE


class ScenarioProblem(Problem):
    """One problem found in the scenario files, located by file and scenario (or `line N`, or `-`)."""

    __slots__ = ()

    @property
    def scenario(self) -> str:
        """The scenario (or other place in the file) the problem is about."""
        return self.where


class ScenarioError(PracticeError):
    """The scenario library failed its load-time checks; no scenario may be practised from it."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: Sequence[ScenarioProblem]) -> None:
        super().__init__(problems)
        self.problems = tuple(problems)

    def __str__(self) -> str:
        head = f"the practice scenarios have {len(self.problems)} problem(s)"
        return "\n".join([head, *(str(p) for p in self.problems)])


class UnknownScenario(PracticeError):
    """A scenario ID that the library does not hold."""

    exit_code = ExitCode.USAGE

    def __init__(self, scenario_id: str, known: Sequence[str]) -> None:
        super().__init__(scenario_id)
        self.scenario_id = scenario_id
        self.suggestion = next(iter(difflib.get_close_matches(scenario_id, known, n=1, cutoff=0.5)), None)

    def __str__(self) -> str:
        hint = f"; did you mean '{self.suggestion}'?" if self.suggestion else ""
        return f"no practice scenario '{self.scenario_id}'{hint} (`ntrk-advisor practice list` shows them)"


class InvalidChoice(PracticeError):
    """An answer that names neither an option number nor an option's action code."""

    exit_code = ExitCode.USAGE

    def __init__(self, scenario_id: str, choice: str, actions: Sequence[str]) -> None:
        super().__init__(scenario_id, choice)
        self.scenario_id = scenario_id
        self.choice = choice
        self.actions = tuple(actions)

    def __str__(self) -> str:
        return (
            f"'{self.choice}' is not an answer to {self.scenario_id}: give an option number from 1 to "
            f"{len(self.actions)}, or one of {', '.join(self.actions)}"
        )


class NoScenarioMatches(PracticeError):
    """The filters leave no scenario to practise."""

    exit_code = ExitCode.USAGE

    def __str__(self) -> str:
        return "no practice scenario matches these filters (`ntrk-advisor practice list` shows them)"


class NothingToDraw(PracticeError):
    """No walked case can ask about an item (the knowledge gives it no key to grade against)."""

    exit_code = ExitCode.USAGE

    def __init__(self, item: str) -> None:
        super().__init__(item)
        self.item = item

    def worded(self, lang: Lang) -> str:
        """The line in `lang`."""
        from ntrk_advisor.practice.texts import say

        return say("nothing_to_draw", lang, item=self.item)

    def __str__(self) -> str:
        return self.worded("en")


class NeedsTerminal(PracticeError):
    """The interactive session was started without a terminal to ask on."""

    exit_code = ExitCode.USAGE

    def __str__(self) -> str:
        return (
            "the practice session needs a terminal to ask on; "
            "for scripts use `ntrk-advisor practice answer ID CHOICE`"
        )


class PracticeDatabaseError(PracticeError):
    """The practice database cannot be used as it is; it is left exactly as found."""

    exit_code = ExitCode.USAGE

    _REASONS: ClassVar[dict[str, str]] = {
        "not_sqlite": "is not an SQLite database",
        "corrupt": "is damaged (SQLite reports: {detail})",
        "foreign": "is an SQLite database, but not an ntrk-advisor practice database",
        "newer": "was written by a newer ntrk-advisor (schema version {detail})",
        "busy": "stayed locked by another program ({detail})",
        "cannot_open": "cannot be opened ({detail})",
        "read_only": "cannot be written: it, or its folder, is read-only",
        "disk_full": "cannot be written: the disk is full",
        "sqlite": "could not be used (SQLite reports: {detail})",
        "side_read_only": "cannot be written: SQLite's file {detail} beside it is read-only",
    }

    def __init__(self, path: Path, reason: str, detail: str = "") -> None:
        super().__init__(path, reason, detail)
        self.path = path
        self.reason = reason
        self.detail = detail

    def __str__(self) -> str:
        what = self._REASONS.get(self.reason, self.reason).format(detail=self.detail)
        if self.reason == "busy":
            fix = "try again when the other practice session has finished"
        elif self.reason == "newer":
            fix = "upgrade ntrk-advisor, or give another file with --db"
        elif self.reason == "side_read_only":
            fix = "make it writable, or remove it while no practice session is running"
        else:
            fix = "it was not changed; give another file with --db (or set NTRK_ADVISOR_HOME)"
        return f"practice database {self.path} {what}: {fix}"


class ConfirmationUnanswered(PracticeError):
    """A question that guards a deletion got no answer (end of input): nothing was deleted.

    Said as it is, on a line of its own after the open question (not as an `error:` line), in the
    language the command chose.
    """

    exit_code = ExitCode.USAGE
    said_as_error = False

    def __init__(self, lang: Lang) -> None:
        super().__init__(lang)
        self.lang: Lang = lang

    def worded(self, lang: Lang) -> str:
        """The note in the command's language, starting on a new line after the question."""
        from ntrk_advisor.practice.texts import say

        return "\n" + say("reset_needs_answer", self.lang)

    def __str__(self) -> str:
        return self.worded(self.lang)
