"""The keys every consult prompt shares: Esc or ← goes back one question, a digit picks a choice.

questionary builds each prompt's application; these functions add bindings to it (the binding
added last wins), so every prompt of the consult answers the same keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import questionary
from prompt_toolkit.filters import Condition
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys

from ntrk_advisor.prompting.steps import BACK


def go_back(event: KeyPressEvent) -> None:
    """Leave the prompt with `BACK`, erasing it (the previous question is drawn next)."""
    event.app.erase_when_done = True
    event.app.exit(result=BACK)


def back_bindings(*, left_when_empty_cursor: bool = False) -> KeyBindings:
    """Esc goes back; ← too (in a text prompt only with the cursor at the start of the line).

    In a text prompt ← moves the cursor, so it goes back only where it could move no further.
    """
    bindings = KeyBindings()
    bindings.add(Keys.Escape, eager=True)(go_back)
    if left_when_empty_cursor:

        @Condition
        def at_start() -> bool:
            from prompt_toolkit.application.current import get_app

            return get_app().current_buffer.cursor_position == 0

        bindings.add(Keys.Left, filter=at_start)(go_back)
    else:
        bindings.add(Keys.Left)(go_back)
    return bindings


def bind_number_keys(bindings: KeyBindings, count: int, then: Any) -> None:
    """Number key N (1 to 9, up to `count`) moves questionary's pointer to choice N, then calls `then`.

    questionary's shortcut keys only move the pointer; each is bound again (the binding added last
    wins) to also answer, so one key press picks a choice. Shared by the consult and practice.
    """
    for number in range(1, min(count, 9) + 1):
        key = str(number)
        pointing = [b for b in bindings.bindings if b.keys == (key,)]
        if not pointing:  # pragma: no cover - questionary gives the first nine choices 1..9
            continue

        def choose(event: KeyPressEvent, point: Any = pointing[-1].handler) -> None:
            point(event)
            then(event)

        bindings.add(key, eager=True)(choose)


def add_select_keys(question: questionary.Question, choices: Sequence[questionary.Choice]) -> None:
    """Esc or ← goes back; digit N picks choice N and answers at once (as practice does)."""
    bindings = question.application.key_bindings
    if not isinstance(bindings, KeyBindings):  # pragma: no cover - questionary builds a KeyBindings
        return
    enter = [b for b in bindings.bindings if b.keys == (Keys.ControlM,)][-1].handler
    bind_number_keys(bindings, len(choices), enter)
    bindings.add(Keys.Escape, eager=True)(go_back)
    bindings.add(Keys.Left)(go_back)


def given_streams(input: Any = None, output: Any = None) -> dict[str, Any]:
    """The terminal streams to hand to every prompt: only those a caller gave (tests drive a pipe)."""
    streams: dict[str, Any] = {}
    if input is not None:
        streams["input"] = input
    if output is not None:
        streams["output"] = output
    return streams
