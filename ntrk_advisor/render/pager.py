"""A long screen through the user's pager, at an interactive terminal only.

A result of 60 to 100 lines scrolls its top off the screen; a pager lets the reader go back to
it. The pager is PAGER (else `less`), given `-FRX` through LESS unless the user set LESS: it quits
at once when the text fits one screen (F), keeps the colours (R) and leaves the text on the screen
when it ends (X). Output that is piped or redirected is never paged.
"""

from __future__ import annotations

import os
import shlex
import subprocess

from rich.console import RenderableType

from ntrk_advisor.environment import Environment
from ntrk_advisor.render.console import make_console


def wants_pager(env: Environment) -> bool:
    """Whether paging makes sense: a person at a terminal able to run a pager (not TERM=dumb).

    Both ends must be the terminal: stdout to read the pages, stdin to press the keys.
    """
    return env.stdout_is_terminal and env.stdin_is_terminal and not env.dumb_terminal


def show(renderable: RenderableType, env: Environment, *, page: bool) -> None:
    """Print `renderable`, through the pager when asked to and it makes sense.

    It makes sense when `page` is set, the text is taller than the terminal and a person is at
    the terminal (`wants_pager`).
    """
    console = make_console(env)
    if not (page and wants_pager(env)):
        console.print(renderable)
        return
    with console.capture() as captured:
        console.print(renderable)
    text = captured.get()
    if text.count("\n") < env.height - 1 or not run_pager(text, env):
        env.stdout.write(text)
        env.stdout.flush()


def run_pager(text: str, env: Environment) -> bool:
    """Feed `text` to the pager and wait for it; False when no pager could be started."""
    command = shlex.split(env.pager or "less")
    if not command:
        return False
    variables = dict(os.environ)
    variables.setdefault("LESS", "-FRX")
    env.stdout.flush()
    try:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, env=variables)
    except OSError:
        return False
    assert process.stdin is not None
    try:
        process.stdin.write(text.encode("utf-8", "replace"))
        process.stdin.close()
    except BrokenPipeError:  # the reader quit the pager before the end
        pass
    while True:
        try:
            process.wait()
            return True
        except KeyboardInterrupt:  # Ctrl-C belongs to the pager while it runs, as in git and man
            continue
