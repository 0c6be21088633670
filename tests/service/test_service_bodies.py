"""A request body's nesting limit holds exactly, whether or not the bracket count lets the walk be skipped."""

from __future__ import annotations

import pytest

from ntrk_advisor.service.bodies import parse_object
from ntrk_advisor.service.errors import HttpError


def nested(depth: int, filler: str = "") -> bytes:
    """A JSON object `depth` levels deep (the outer object counts as one), `filler` keys beside it."""
    inner = "1"
    for level in range(depth - 1):
        inner = f"[{inner}]" if level % 2 else f'{{"k":{inner}}}'
    return ("{" + filler + f'"v":{inner}' + "}").encode()


@pytest.mark.parametrize("filler", ["", '"s":"{{{{{{{{{{[[[[[[[[[[",'])
def test_a_body_nested_to_the_limit_is_read_and_one_level_more_is_refused(filler: str) -> None:
    limit = 8
    assert parse_object(nested(limit, filler), limit)
    with pytest.raises(HttpError) as refused:
        parse_object(nested(limit + 1, filler), limit)
    assert refused.value.status == 400 and refused.value.code == "too_deep"


def test_brackets_inside_strings_do_not_make_a_flat_body_too_deep() -> None:
    body = b'{"a":"' + b"{[" * 50 + b'"}'
    assert parse_object(body, 8) == {"a": "{[" * 50}
