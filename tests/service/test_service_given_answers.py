"""A call without a record: its answers, notes and sources as the general merge makes them (issue 27).

`hook_case.merged` takes a short way when the import read nothing; it must give what the one
merge rule (`Answers.over`) and the general notes would: nulls left out, one note naming the given
answers by their labels (a name that is no field as a code span), each answer's source the call.
"""

from __future__ import annotations

from typing import Any

import pytest

from ntrk_advisor.intake import Answers
from ntrk_advisor.service.hook_case import _FROM_REQUEST, merged
from ntrk_advisor.service.page_token import FROM_CALL

GIVEN: list[dict[str, Any]] = [
    {},
    {"age_years": 40, "fusion_status": "confirmed"},
    {"setting": None, "age_years": 3, "emergency": []},
    {"fusion_status": "confirmed", "not_a_field": 1, "age_years": None},
]


@pytest.mark.parametrize("given", GIVEN)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_call_without_a_record_is_merged_as_the_one_rule_merges_it(
    given: dict[str, Any], lang: str
) -> None:
    for _ in range(2):  # the second time with the note made before
        made = merged(Answers({}), given, lang)  # type: ignore[arg-type]
        assert made.answers == Answers({}).over(given).values
        assert list(made.answers) == [name for name, value in given.items() if value is not None]
        assert made.sources == {name: [FROM_CALL] for name in made.answers}
        assert len(made.notes) == (1 if given else 0)
    if given:
        (note,) = made.notes
        assert ("`not_a_field`" in note) == ("not_a_field" in given)
        assert ("age_years" in note) is False


def test_a_note_naming_what_is_no_field_is_never_kept() -> None:
    merged(Answers({}), {"made_up_1": 1, "age_years": 1}, "en")
    assert not [names for names, _ in _FROM_REQUEST if "made_up_1" in names]
