"""The CLI edge: domain exceptions become one line on stderr and an exit code. Nowhere else."""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from ntrk_advisor.cli.exit_codes import ExitCode

F = TypeVar("F", bound=Callable[..., Any])

DEBUG_ENV = "NTRK_ADVISOR_DEBUG"


DEBUG = False
"""Set by the root command from `--debug` (or NTRK_ADVISOR_DEBUG=1)."""


def debug_enabled() -> bool:
    """Whether tracebacks are wanted."""
    return DEBUG


def error_line(message: str) -> None:
    """Write one error line on stderr, prefixed with the program's name."""
    first, *rest = str(message).splitlines() or [""]
    sys.stderr.write(f"ntrk-advisor: error: {first}\n")
    for line in rest:
        sys.stderr.write(f"  {line}\n")


def warning_line(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Show a library warning as one line on stderr, as errors are (a `warnings.showwarning`)."""
    sys.stderr.write(f"ntrk-advisor: warning: {message}\n")


def at_the_edge(command: F) -> F:
    """Map every exception a command lets out to a message and an exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ntrk_advisor.errors import (
            AdvisorError,
            CaseFileError,
            NoTerminalError,
            PathwayError,
            UsageError,
        )

        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            sys.stderr.write("ntrk-advisor: interrupted\n")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except (UsageError, CaseFileError, NoTerminalError, PathwayError) as exc:
            _maybe_traceback()
            error_line(str(exc))
            raise typer.Exit(ExitCode.USAGE) from None
        except AdvisorError as exc:
            _maybe_traceback()
            error_line(str(exc))
            raise typer.Exit(ExitCode.INTERNAL) from None
        except BrokenPipeError:
            _quiet_after_a_closed_pipe()
            raise typer.Exit(ExitCode.OK) from None
        except OSError as exc:  # the machine, not the tool: a full disk, a closed stream
            _maybe_traceback()
            error_line(f"cannot write the output: {exc.strerror or exc}")
            raise typer.Exit(ExitCode.USAGE) from None
        except Exception as exc:
            _maybe_traceback()
            error_line(f"unexpected {type(exc).__name__}: {exc} (run with --debug for details)")
            raise typer.Exit(ExitCode.INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def _quiet_after_a_closed_pipe() -> None:
    """Point stdout at nowhere, so Python's final flush cannot complain about the closed pipe."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


def _maybe_traceback() -> None:
    if debug_enabled():
        traceback.print_exc(file=sys.stderr)
