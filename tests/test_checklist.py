"""The tick-all-that-apply prompt: "none" is recorded only when "None of these" is chosen.

A clinician who presses Enter with the cursor on "Spinal cord compression" means that emergency,
not "no emergency"; the prompt must never turn that keystroke into an empty answer.
"""

from __future__ import annotations

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from ntrk_advisor.prompting.checklist import Checklist, ask_checklist
from tests.keyboard import CTRL_C, DOWN, ENTER, SPACE, UP

EMERGENCIES = [
    ("bowel_obstruction", "Bowel obstruction"),
    ("bleeding", "Tumour bleeding"),
    ("spinal_cord_compression", "Spinal cord compression"),
]
NONE = "None of these"


def answer(keys: str, current: list[str] | None = None) -> list[str]:
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()  # typing too little ends in EOFError rather than a hang
        return ask_checklist(
            "Emergencies", EMERGENCIES, NONE, "en", current=current, input=pipe, output=DummyOutput()
        )


def test_enter_on_a_highlighted_item_with_nothing_ticked_ticks_it_and_waits() -> None:
    with pytest.raises(EOFError):
        answer(DOWN * 2 + ENTER)  # one Enter never records anything, least of all "none"
    assert answer(DOWN * 2 + ENTER + ENTER) == ["spinal_cord_compression"]


def test_a_first_enter_on_the_first_item_never_records_none() -> None:
    with pytest.raises(EOFError):
        answer(ENTER)
    assert answer(ENTER + ENTER) == ["bowel_obstruction"]


def test_none_of_these_is_recorded_as_an_empty_list_only_when_chosen() -> None:
    assert answer(DOWN * 3 + ENTER) == []
    assert answer(DOWN * 3 + SPACE + ENTER) == []


def test_space_ticks_several_items_and_enter_records_them_in_list_order() -> None:
    assert answer(DOWN * 2 + SPACE + UP * 2 + SPACE + ENTER) == [
        "bowel_obstruction",
        "spinal_cord_compression",
    ]


def test_ticking_none_of_these_clears_the_items_and_ticking_an_item_clears_none() -> None:
    assert answer(SPACE + DOWN * 3 + SPACE + ENTER) == []
    assert answer(DOWN * 3 + SPACE + UP + SPACE + ENTER) == ["spinal_cord_compression"]


def test_the_cursor_does_not_wrap_round_from_the_top_to_none_of_these() -> None:
    with pytest.raises(EOFError):
        answer(UP + ENTER)  # still on the first item: ticked, not "none"


def test_changing_an_answer_starts_from_what_was_recorded() -> None:
    assert answer(ENTER, current=["bleeding"]) == ["bleeding"]
    assert answer(DOWN * 3 + ENTER, current=[]) == []  # "None of these" starts ticked
    assert answer(DOWN + SPACE + DOWN * 2 + ENTER, current=["bleeding"]) == []  # untick, then "None"


def test_ctrl_c_and_end_of_input_reach_the_caller() -> None:
    with pytest.raises(KeyboardInterrupt):
        answer(DOWN + CTRL_C)
    with pytest.raises(EOFError):
        answer("")


def test_the_state_says_what_enter_did() -> None:
    state = Checklist(["Bowel obstruction", "Tumour bleeding", NONE])
    state.move(1)
    assert state.confirm("Ticked: {item}.") is None
    assert state.message == "Ticked: Tumour bleeding."
    assert state.confirm("Ticked: {item}.") == [1]
