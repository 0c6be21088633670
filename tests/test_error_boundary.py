"""One error boundary: `cli/edge.py` alone turns what escapes a command into a line and a code.

Scripts and shells read the exit status; a newcomer should find every rule for it in one table.
"""

from __future__ import annotations

import errno
import re
import signal
from pathlib import Path

import pytest

from ntrk_advisor.cli.edge import exit_code_for, message_for
from ntrk_advisor.cli.exit_codes import ExitCode
from ntrk_advisor.errors import (
    AdvisorError,
    CaseFileError,
    ConsultInterrupted,
    NoTerminalError,
    PathwayError,
    Terminated,
    UsageError,
)
from ntrk_advisor.practice.errors import NoScenarioMatches

PACKAGE = Path(__file__).resolve().parent.parent / "ntrk_advisor"
BOUNDARY = {"cli/edge.py", "__main__.py"}  # `__main__` hands the code to the interpreter, nothing more


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (UsageError("bad option"), ExitCode.USAGE),
        (CaseFileError("case.json", "not JSON"), ExitCode.USAGE),
        (NoTerminalError(["age_years"]), ExitCode.USAGE),
        (PathwayError([]), ExitCode.USAGE),
        (NoScenarioMatches(), ExitCode.USAGE),
        (ConsultInterrupted({}), ExitCode.INTERNAL),
        (AdvisorError("ours"), ExitCode.INTERNAL),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), ExitCode.OK),
        (OSError(errno.ENOSPC, "No space left on device"), ExitCode.USAGE),
        (Terminated(signal.SIGTERM), 128 + signal.SIGTERM),
        (Terminated(signal.SIGHUP), 128 + signal.SIGHUP),
        (KeyError("a bug"), ExitCode.INTERNAL),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_every_kind_of_failure_has_one_exit_code(exc: BaseException, code: int) -> None:
    assert exit_code_for(exc) == code


def test_a_closed_pipe_and_a_signal_end_quietly_and_a_bug_says_so() -> None:
    assert message_for(BrokenPipeError(errno.EPIPE, "Broken pipe")) is None
    assert message_for(Terminated(signal.SIGTERM)) is None
    assert message_for(OSError(errno.ENOSPC, "No space left on device")) == (
        "cannot write the output: No space left on device"
    )
    assert message_for(KeyError("x")) == "unexpected KeyError: 'x' (run with --debug for details)"


def python_sources() -> dict[str, str]:
    return {p.relative_to(PACKAGE).as_posix(): p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")}


def test_only_the_boundary_ends_the_process() -> None:
    ending = re.compile(r"\bsys\.exit\(|\bSystemExit\b|\bos\._exit\(")
    assert sorted(name for name, text in python_sources().items() if ending.search(text)) == sorted(BOUNDARY)


def test_only_the_boundary_recognises_exceptions_by_class_name() -> None:
    by_name = re.compile(r"__name__\s*(==|!=|in)\s*[\"'(]\w*(Error|Abort|Exit)")
    assert [name for name, text in python_sources().items() if by_name.search(text)] == ["cli/edge.py"]
