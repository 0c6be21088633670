"""The one place rich consoles are made, so every screen honours the same terminal settings.

rich already drops colours for NO_COLOR, but keeps bold, dim and italic. A user who sets
NO_COLOR, or a terminal that says TERM=dumb, gets plain text with no escape codes at all.
"""

from __future__ import annotations

from typing import IO, Any

from rich.console import Console

from ntrk_advisor.environment import Environment


class _Console(Console):
    """rich's console, but a reader that stops reading (`| head`) ends the program quietly.

    rich's own handler exits with status 1, which this tool reserves for bugs.
    """

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def make_console(
    env: Environment, *, stderr: bool = False, file: IO[str] | None = None, **options: Any
) -> Console:
    """A rich console on stdout (or stderr, or a file) that respects NO_COLOR and TERM=dumb.

    Whether to style at all, and the stream, come from the command's `Environment`.

    Markup, emoji codes and automatic highlighting are off: strings printed may come from a case
    (an id, a tumour type, an unknown key), and `[link=…]` in them must stay text. Styles are
    applied with `Text` objects only.
    """
    options.setdefault("markup", False)
    options.setdefault("emoji", False)
    options.setdefault("highlight", False)
    if file is None:
        file = env.stderr if stderr else env.stdout
    if env.plain:
        options.setdefault("color_system", None)
        options.setdefault("no_color", True)
        options.setdefault("emoji", False)
    return _Console(stderr=stderr, file=file, **options)
