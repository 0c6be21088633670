"""What the process runs in: its streams, which of them is a terminal, colour, width, language.

Several decisions hang on these facts: a consult asks questions only at a terminal, batch shows
a table only to a terminal, a progress line goes to stderr only when someone watches it, and
NO_COLOR or TERM=dumb turn every screen into plain text. One object answers all of them, read
once per command from the process, so the commands cannot decide differently, and a test can
hand in an environment of its own instead of patching `sys`.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from ntrk_advisor.i18n import Lang, default_lang

PATHWAYS_ENV = "NTRK_ADVISOR_PATHWAYS"
"""Names a folder of pathway modules to use instead of the built-ins (as `--pathways-dir` does)."""


def local_now() -> dt.datetime:
    """The time now, in the machine's time zone, with its offset (what a report says it was made)."""
    return dt.datetime.now().astimezone()


_MACHINE_CLOCK = local_now
"""`local_now` itself, kept: a test that pins the module's `local_now` hands in another clock."""


def utc_now() -> dt.datetime:
    """The time now in UTC (what a record of attempts or feedback stamps its rows with)."""
    return dt.datetime.now(dt.timezone.utc)


Clock = Callable[[], dt.datetime]
"""Where a module that stamps rows or names backups reads the time; a test hands in a fixed one."""


def today_by(clock: Clock) -> dt.date:
    """Today's date by `clock`: `local_now().date()`, as `date.today()` gives it for the machine's clock.

    The date alone needs no time zone offset, which `local_now` works out from the zone's rules on
    every call (a service asks for the date once per hook call); any other clock is asked itself.
    """
    return dt.date.today() if clock is _MACHINE_CLOCK else clock().date()


def seconds_by(clock: Clock) -> float:
    """The POSIX time by `clock`: `local_now().timestamp()`, as `time.time()` gives it for the machine's."""
    return time.time() if clock is _MACHINE_CLOCK else clock().timestamp()


def _is_terminal(stream: IO[str] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # a closed or detached stream is no terminal
        return False


@dataclass(frozen=True)
class Environment:
    """The streams and the terminal facts a command needs, fixed when the command starts."""

    stdin: IO[str] | None
    stdout: IO[str]
    stderr: IO[str]
    stdin_is_terminal: bool
    stdout_is_terminal: bool
    stderr_is_terminal: bool
    plain: bool
    """NO_COLOR is set or TERM is dumb: no colour and no styling at all."""
    dumb_terminal: bool
    """TERM is unset or dumb: a terminal where a full-screen program such as a pager cannot work."""
    width: int
    """Columns of the terminal on stdout (COLUMNS, else the terminal's size, else 80)."""
    height: int
    """Lines of the terminal (LINES, else the terminal's size, else 24)."""
    pager: str | None
    """The user's PAGER command, when set and not empty."""
    lang: Lang
    """The language asked for by NTRK_ADVISOR_LANG, English when unset; `--lang` overrides it."""
    clock: Callable[[], dt.datetime] = local_now
    """The time now (a report's generation time); a test hands in a fixed one."""

    @classmethod
    def of_process(cls) -> Environment:
        """The environment of this process as it is now."""
        import shutil  # here, not at the top: `--help` reads only PATHWAYS_ENV from this module

        size = shutil.get_terminal_size((80, 24))
        return cls(
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin_is_terminal=_is_terminal(sys.stdin),
            stdout_is_terminal=_is_terminal(sys.stdout),
            stderr_is_terminal=_is_terminal(sys.stderr),
            plain="NO_COLOR" in os.environ or os.environ.get("TERM", "").lower() == "dumb",
            dumb_terminal=os.environ.get("TERM", "").lower() in ("", "dumb"),
            width=size.columns,
            height=size.lines,
            pager=os.environ.get("PAGER") or None,
            lang=default_lang(),
            clock=local_now,  # looked up now, so a test of the whole CLI can pin the process's clock
        )

    def today(self) -> dt.date:
        """The date of this command (ages are computed at it when a record gives no date of its own).

        The one reader of the calendar for a command, so a test pins it with `clock`.
        """
        return self.clock().date()

    def stdin_bytes(self) -> IO[bytes] | None:
        """Standard input as bytes, or None when the process was started with it closed (`<&-`).

        Case files and batch input are decoded as JSON from bytes.
        """
        if self.stdin is None:
            return None
        buffer = getattr(self.stdin, "buffer", None)
        if buffer is None:  # a text stream of a test's own: its text, as UTF-8
            import io

            return io.BytesIO(self.stdin.read().encode("utf-8"))
        return buffer  # type: ignore[no-any-return]

    def language(self, chosen: str | None) -> Lang:
        """The language for the texts: the one chosen on the command line, else the environment's."""
        if chosen == "zh":
            return "zh"
        if chosen == "en":
            return "en"
        return self.lang
