"""A tick-all-that-apply question that cannot record "none" by accident.

questionary's checkbox records an empty answer when Enter is pressed on a highlighted item that
was never ticked, and the echo then reads "done": a spinal cord compression under the cursor
could be recorded as "no emergency" in two keystrokes. Here "None of these" is an item of its
own, first in the list (where the cursor starts: it is the commonest answer), the keys are
shown on screen, and Enter with nothing ticked never means "none" unless the cursor is on "None
of these": on any other item it ticks that item and asks for Enter again. A digit ticks the item
of that number; Esc or ← goes back one question. The echo names what was recorded, in the
interface language. Hints and messages are wrapped between words to the terminal's width.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from prompt_toolkit import print_formatted_text
from prompt_toolkit.application import Application
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import HSplit, Layout, Window
from prompt_toolkit.layout.controls import FormattedTextControl
from prompt_toolkit.output import Output
from prompt_toolkit.styles import Style

from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.prompting.keys import go_back
from ntrk_advisor.prompting.steps import BACK
from ntrk_advisor.render.wrapping import wrap

STYLE = Style.from_dict(
    {
        "qmark": "fg:ansicyan bold",
        "question": "bold",
        "hint": "",
        "pointer": "fg:ansicyan bold",
        "ticked": "fg:ansigreen",
        "message": "fg:ansiyellow",
        "answer": "fg:ansicyan",
    }
)


@dataclass
class Checklist:
    """What the question shows and what has been ticked; the keys change it, nothing else does."""

    labels: list[str]
    """ "None of these" first, then the items' labels in order."""
    ticked: set[int] = field(default_factory=set)
    pointer: int = 0
    message: str = ""

    none_index: int = 0
    """Where "None of these" is: always the first item."""

    def move(self, step: int) -> None:
        """Up or down one item; the list does not wrap round (a hasty Up stays at the top)."""
        self.pointer = min(max(self.pointer + step, 0), len(self.labels) - 1)
        self.message = ""

    def pick(self, number: int) -> None:
        """A digit: the cursor to item `number` (1 is "None of these") and tick or untick it."""
        if 1 <= number <= len(self.labels):
            self.pointer = number - 1
            self.toggle()

    def toggle(self) -> None:
        """Space: tick or untick the highlighted item; "None of these" and the others exclude each other."""
        here = self.pointer
        if here in self.ticked:
            self.ticked.discard(here)
        elif here == self.none_index:
            self.ticked = {here}
        else:
            self.ticked.discard(self.none_index)
            self.ticked.add(here)
        self.message = ""

    def confirm(self, ticked_hint: str) -> list[int] | None:
        """Enter: the ticked items (empty for "None of these"), or None to keep asking.

        With nothing ticked, Enter on "None of these" chooses it; on any other item it ticks
        that item and waits for a second Enter, so "none" is never recorded unseen.
        """
        if self.none_index in self.ticked:
            return []
        if self.ticked:
            return sorted(self.ticked)
        if self.pointer == self.none_index:
            return []
        self.ticked.add(self.pointer)
        self.message = ticked_hint.format(item=self.labels[self.pointer])
        return None


def checklist_screen(state: Checklist, prompt: str, hint: str, width: int) -> FormattedText:
    """The question, its hint, the numbered items and any message, wrapped between words.

    prompt_toolkit would wrap a long line at the edge of the terminal, inside a word; each text
    is wrapped here to `width` instead (`render/wrapping.py`), continuation lines indented.
    """
    room = max(20, width - 1)

    def wrapped(text: str, indent: int) -> str:
        return "\n".join(" " * indent + line for line in wrap(text, room - indent) if line.strip())

    lines: list[tuple[str, str]] = [
        ("class:qmark", "? "),
        ("class:question", prompt + "\n"),
        ("class:hint", wrapped(hint, 2) + "\n"),
    ]
    for index, label in enumerate(state.labels):
        here = index == state.pointer
        lines.append(("class:pointer", " » " if here else "   "))
        mark, style = ("● ", "class:ticked") if index in state.ticked else ("○ ", "")
        number = f"{index + 1}) " if index < 9 else "   "
        text = wrapped(f"{number}{mark}{label}", 3).lstrip()
        lines.append((style, text + "\n"))
    if state.message:
        lines.append(("class:message", wrapped(state.message, 1) + "\n"))
    return FormattedText(lines)


def ask_checklist(
    prompt: str,
    choices: Sequence[tuple[str, str]],
    none_label: str,
    lang: Lang,
    *,
    current: Sequence[str] | None = None,
    width: int = 80,
    input: Input | None = None,
    output: Output | None = None,
) -> list[str] | object:
    """Ask which of `choices` (key, label) apply; `[]` means "None of these" was chosen.

    `BACK` when Esc or ← was pressed. `width` is the terminal's, to wrap the hint between words.

    `current` (when an answer is being changed) starts ticked; an empty `current` starts on
    "None of these" ticked. Ctrl-C raises KeyboardInterrupt and end of input EOFError, as the
    other prompts do, so the consult keeps the answers given so far.
    """
    keys = [key for key, _ in choices]
    state = Checklist([none_label] + [label for _, label in choices])
    if current is not None:
        state.ticked = {keys.index(k) + 1 for k in current if k in keys} or {state.none_index}

    def shown() -> FormattedText:
        return checklist_screen(state, prompt, t("checklist_hint", lang, none=none_label), width)

    bindings = KeyBindings()

    @bindings.add("up")
    def _up(event: KeyPressEvent) -> None:
        state.move(-1)

    @bindings.add("down")
    def _down(event: KeyPressEvent) -> None:
        state.move(1)

    @bindings.add(" ")
    def _space(event: KeyPressEvent) -> None:
        state.toggle()

    @bindings.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        chosen = state.confirm(t("checklist_ticked", lang))
        if chosen is not None:
            event.app.exit(result=chosen)

    for digit in range(1, min(len(state.labels), 9) + 1):

        @bindings.add(str(digit))
        def _pick(event: KeyPressEvent, number: int = digit) -> None:
            state.pick(number)

    bindings.add("escape", eager=True)(go_back)
    bindings.add("left")(go_back)

    @bindings.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        event.app.exit(exception=KeyboardInterrupt())

    @bindings.add("c-d")
    def _end_of_input(event: KeyPressEvent) -> None:
        event.app.exit(exception=EOFError())

    window = Window(FormattedTextControl(shown, show_cursor=False), wrap_lines=True, dont_extend_height=True)
    app: Application[list[int] | object] = Application(
        layout=Layout(HSplit([window])),
        key_bindings=bindings,
        style=STYLE,
        input=input,
        output=output,
        erase_when_done=True,
    )
    chosen = app.run()
    if chosen is BACK or not isinstance(chosen, list):
        back: object = BACK
        return back
    recorded = [state.labels[i] for i in chosen]
    joiner = "、" if lang == "zh" else ", "
    echo = joiner.join(recorded) if recorded else none_label
    print_formatted_text(
        FormattedText([("class:qmark", "? "), ("class:question", f"{prompt} "), ("class:answer", echo)]),
        style=STYLE,
        output=output,
    )
    return [keys[i - 1] for i in chosen]
