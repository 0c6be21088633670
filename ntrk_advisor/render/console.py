"""The one place rich consoles are made, so every screen honours the same terminal settings.

rich already drops colours for NO_COLOR, but keeps bold, dim and italic. A user who sets
NO_COLOR, or a terminal that says TERM=dumb, gets plain text with no escape codes at all.
"""

from __future__ import annotations

import os
from typing import IO, Any

from rich.console import Console


class _Console(Console):
    """rich's console, but a reader that stops reading (`| head`) ends the program quietly.

    rich's own handler exits with status 1, which this tool reserves for bugs.
    """

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def plain_text_wanted() -> bool:
    """Whether the environment asks for output without any styling."""
    return "NO_COLOR" in os.environ or os.environ.get("TERM", "").lower() == "dumb"


def make_console(*, stderr: bool = False, file: IO[str] | None = None, **options: Any) -> Console:
    """A rich console on stdout (or stderr, or a file) that respects NO_COLOR and TERM=dumb.

    Markup, emoji codes and automatic highlighting are off: strings printed may come from a case
    (an id, a tumour type, an unknown key), and `[link=…]` in them must stay text. Styles are
    applied with `Text` objects only.
    """
    options.setdefault("markup", False)
    options.setdefault("emoji", False)
    options.setdefault("highlight", False)
    if plain_text_wanted():
        options.setdefault("color_system", None)
        options.setdefault("no_color", True)
        options.setdefault("emoji", False)
    return _Console(stderr=stderr, file=file, **options)
