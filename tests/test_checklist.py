"""The tick-all-that-apply prompt: "none" is recorded only when "None of these" is chosen.

A clinician who presses Enter with the cursor on "Spinal cord compression" means that emergency,
not "no emergency"; the prompt must never turn that keystroke into an empty answer. "None of
these" is the first item, where the cursor starts (the commonest answer: one Enter); a digit
ticks the item of that number; Esc or ← goes back one question.
"""

from __future__ import annotations

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from ntrk_advisor.i18n import t
from ntrk_advisor.prompting.checklist import Checklist, ask_checklist
from ntrk_advisor.prompting.steps import BACK
from tests.keyboard import CTRL_C, DOWN, ENTER, SPACE, UP

LEFT = "\x1b[D"

EMERGENCIES = [
    ("bowel_obstruction", "Bowel obstruction"),
    ("bleeding", "Tumour bleeding"),
    ("spinal_cord_compression", "Spinal cord compression"),
]
NONE = "None of these"


def answer(keys: str, current: list[str] | None = None) -> object:
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()  # typing too little ends in EOFError rather than a hang
        return ask_checklist(
            "Emergencies", EMERGENCIES, NONE, "en", current=current, input=pipe, output=DummyOutput()
        )


def test_enter_on_a_highlighted_item_with_nothing_ticked_ticks_it_and_waits() -> None:
    with pytest.raises(EOFError):
        answer(DOWN * 3 + ENTER)  # one Enter never records anything, least of all "none"
    assert answer(DOWN * 3 + ENTER + ENTER) == ["spinal_cord_compression"]


def test_none_of_these_is_first_and_one_enter_records_it() -> None:
    assert answer(ENTER) == []
    assert answer(SPACE + ENTER) == []


def test_a_first_enter_on_an_item_never_records_none() -> None:
    with pytest.raises(EOFError):
        answer(DOWN + ENTER)
    assert answer(DOWN + ENTER + ENTER) == ["bowel_obstruction"]


def test_space_ticks_several_items_and_enter_records_them_in_list_order() -> None:
    assert answer(DOWN * 3 + SPACE + UP * 2 + SPACE + ENTER) == [
        "bowel_obstruction",
        "spinal_cord_compression",
    ]


def test_a_digit_ticks_the_item_of_that_number_none_of_these_being_1() -> None:
    assert answer("4" + "2" + ENTER) == ["bowel_obstruction", "spinal_cord_compression"]
    assert answer("3" + "1" + ENTER) == []  # ticking "None of these" clears bleeding
    assert answer("3" + "3" + ENTER + ENTER) == ["bleeding"]  # ticked, unticked, Enter ticks again


def test_ticking_none_of_these_clears_the_items_and_ticking_an_item_clears_none() -> None:
    assert answer(DOWN + SPACE + UP + SPACE + ENTER) == []
    assert answer(SPACE + DOWN * 3 + SPACE + ENTER) == ["spinal_cord_compression"]


def test_the_cursor_does_not_wrap_round_from_the_bottom_to_none_of_these() -> None:
    with pytest.raises(EOFError):
        answer(DOWN * 9 + ENTER)  # still on the last item: ticked, not "none"
    assert answer(DOWN * 9 + ENTER + ENTER) == ["spinal_cord_compression"]


def test_changing_an_answer_starts_from_what_was_recorded() -> None:
    assert answer(ENTER, current=["bleeding"]) == ["bleeding"]
    assert answer(ENTER, current=[]) == []  # "None of these" starts ticked
    assert answer(DOWN * 2 + SPACE + UP * 2 + SPACE + ENTER, current=["bleeding"]) == []  # untick, "None"


def test_left_goes_back_without_recording_anything() -> None:
    # (Esc alone waits for the terminal's escape timeout, which a closed pipe never gives:
    # tests/test_consult_pty.py presses it in a real terminal.)
    assert answer(DOWN + SPACE + LEFT) is BACK


def test_ctrl_c_and_end_of_input_reach_the_caller() -> None:
    with pytest.raises(KeyboardInterrupt):
        answer(DOWN + CTRL_C)
    with pytest.raises(EOFError):
        answer("")


def test_the_state_says_what_enter_did() -> None:
    state = Checklist([NONE, "Bowel obstruction", "Tumour bleeding"])
    state.move(2)
    assert state.confirm("Ticked: {item}.") is None
    assert state.message == "Ticked: Tumour bleeding."
    assert state.confirm("Ticked: {item}.") == [2]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_hint_says_none_of_these_is_first(lang: str) -> None:
    hint = t("checklist_hint", lang, none=NONE)  # type: ignore[arg-type]
    assert hint.index(NONE) < 4


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [40, 80])
def test_the_hint_items_and_ticked_message_wrap_between_words(lang: str, width: int) -> None:
    from prompt_toolkit.formatted_text import fragment_list_to_text
    from rich.cells import cell_len

    from ntrk_advisor.prompting.checklist import checklist_screen

    long_item = "Spinal cord compression with new weakness below the level of the lesion"
    state = Checklist([NONE, "Bowel obstruction", long_item])
    state.pointer = 2
    assert state.confirm(t("checklist_ticked", lang)) is None  # type: ignore[arg-type]
    hint = t("checklist_hint", lang, none=NONE)  # type: ignore[arg-type]
    text = fragment_list_to_text(checklist_screen(state, "Emergencies", hint, width))
    lines = text.splitlines()
    assert all(cell_len(line) <= width - 1 for line in lines), lines
    if lang == "en":
        words = set(
            f"{hint} {long_item} {state.message} 1) 2) 3) ○ ● » ? Emergencies {NONE} Bowel obstruction".split()
        )
        for line in lines:
            assert set(line.split()) <= words, line  # every piece a whole word
    flat = "".join(text.split())
    assert "".join(hint.split()) in flat and "".join(state.message.split()) in flat
