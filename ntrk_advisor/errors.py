"""Domain exceptions. The core raises them; only the CLI edge turns them into messages and exit codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from ntrk_advisor.exit_codes import ExitCode
from ntrk_advisor.i18n import Lang, has, t

__all__ = [
    "AdvisorError",
    "CaseFileError",
    "ConsultInterrupted",
    "InternalError",
    "Interrupted",
    "NoTerminalError",
    "PathwayError",
    "PathwayProblem",
    "Problem",
    "Terminated",
    "UsageError",
]


class AdvisorError(Exception):
    """Base of every error the advisor reports to a user in its own words.

    Each subclass names the exit code it ends a command with (`exit_code`), so the CLI edge reads
    the code from the error instead of keeping a list of classes. The base's code is INTERNAL: an
    error that forgot to say is treated as a bug, never as the user's fault
    (`tests/test_error_boundary.py` checks that every subclass says).
    """

    exit_code: ClassVar[int] = ExitCode.INTERNAL
    """The code the command ends with when this error reaches the edge."""
    said_as_error: ClassVar[bool] = True
    """Whether the edge writes the line as an error (`ntrk-advisor: error: …`) or as it is."""

    def worded(self, lang: Lang) -> str:
        """The one line the user reads, in `lang` (English unless the error knows better)."""
        return str(self)


class InternalError(AdvisorError):
    """Something the advisor itself got wrong (a bug), reported as one: exit 1."""

    exit_code = ExitCode.INTERNAL


class UsageError(AdvisorError):
    """The command line asks for something that cannot be done.

    Raised with a key of the interface texts (`usage.*`) and the values it names, so the edge can
    word it in the user's language; `str()` is the English line.
    """

    exit_code = ExitCode.USAGE

    def __init__(self, key: str, /, **values: Any) -> None:
        super().__init__(key, values)
        self.key = key
        self.values = values

    def worded(self, lang: Lang) -> str:
        """The message in `lang`; a text that is not a key is shown as it is."""
        return t(self.key, lang, **self.values) if has(self.key) else self.key

    def __str__(self) -> str:
        return self.worded("en")


class CaseFileError(AdvisorError):
    """A case file could not be read or is not JSON at all."""

    exit_code = ExitCode.USAGE

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def worded(self, lang: Lang) -> str:
        """`cannot read case file PATH: REASON` in `lang` (the reason as the system gave it)."""
        return t("usage.case_file", lang, path=self.path, reason=self.reason)

    def __str__(self) -> str:
        return self.worded("en")


class NoTerminalError(AdvisorError):
    """Answers are missing and there is no terminal to ask them on."""

    exit_code = ExitCode.USAGE

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(missing)
        self.missing = tuple(missing)

    def worded(self, lang: Lang) -> str:
        """What is missing and the three ways on, in `lang`."""
        return t("usage.no_terminal", lang, missing=", ".join(self.missing))

    def __str__(self) -> str:
        return self.worded("en")


class ConsultInterrupted(AdvisorError):
    """The user left the interactive consult (Ctrl-C or end of input); keeps the answers given.

    The consult command saves the answers and ends with `Interrupted`; reaching the edge as it is
    would lose them, which is a bug (INTERNAL).
    """

    exit_code = ExitCode.INTERNAL

    def __init__(self, answers: dict[str, Any]) -> None:
        super().__init__(answers)
        self.answers = answers

    def __str__(self) -> str:
        return "consult interrupted"


class Interrupted(AdvisorError):
    """The user left an interaction (Ctrl-C or end of input), and `said` tells what was kept.

    Not a failure of the user's or ours: the edge writes the line as it is (no `error:` prefix) and
    ends with 130, the shell's code for Ctrl-C. The command words the line, as it knows what it kept.
    """

    exit_code = ExitCode.INTERRUPTED
    said_as_error = False

    def __init__(self, said: str) -> None:
        super().__init__(said)
        self.said = said

    def __str__(self) -> str:
        return self.said


class Problem:
    """One problem found in a data file, located by file and a place inside it (`where`).

    The one shape of a located problem, printed `file:where: message`: the pathway loader and the
    scenario library report through it (as `PathwayProblem` and `ScenarioProblem`), so a problem
    reads the same whichever kind of file it was found in.
    """

    __slots__ = ("file", "message", "where")

    def __init__(self, file: str, where: str, message: str) -> None:
        self.file = file
        self.where = where
        self.message = message

    def __str__(self) -> str:
        return f"{self.file}:{self.where}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class PathwayProblem(Problem):
    """One problem found in the pathway files, located by file and node (or `line N`, or `-`)."""

    __slots__ = ()

    @property
    def node(self) -> str:
        """The node (or other place in the file) the problem is about."""
        return self.where


class PathwayError(AdvisorError):
    """The pathway modules failed their load-time checks; nothing may be advised from them."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: Sequence[PathwayProblem]) -> None:
        super().__init__(problems)
        self.problems = tuple(problems)

    def __str__(self) -> str:
        # One line at the CLI edge; `pathways check` lists every problem.
        first = self.problems[0] if self.problems else "unknown problem"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return (
            f"the pathway modules cannot be used: {first}{more}; "
            "run `ntrk-advisor pathways check` to see every problem"
        )


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived during a write; the write unwound and cleaned up.

    A `BaseException`, like `KeyboardInterrupt`, so no `except Exception` on the way swallows it.
    The CLI edge ends the process with the shell's convention, 128 + the signal's number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
