"""A case's answer kept as JSON with blanks (`service.card_templates`): the same bytes, bounded memory."""

from __future__ import annotations

import re
import uuid
from typing import Any

import orjson

from ntrk_advisor.service.card_templates import (
    LINK,
    MAX_SEEN,
    NOTE,
    UUID,
    CardsTemplate,
    CardTemplates,
    fresh_uuids,
    marker,
    template_of,
)

HYPHENATED = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def cards(uuids: list[str], notes: list[str], link: str | None) -> list[dict[str, Any]]:
    """Two cards the way `service.cards` lays them out: notes in the first detail, a link on the second."""
    first = {
        "uuid": uuids[0],
        "summary": "Do: x",
        "detail": "**Answers**\n\n" + "\n".join(f"- {n}" for n in notes),
    }
    second: dict[str, Any] = {"uuid": uuids[1], "summary": "Missing", "detail": "–"}
    if link is not None:
        second["links"] = [{"label": "Enter", "url": link, "type": "absolute"}]
    return [first, second]


def made(notes: int, link: bool) -> CardsTemplate:
    marked = cards(
        [marker(UUID, 0), marker(UUID, 1)],
        [marker(NOTE, i) for i in range(notes)],
        marker(LINK) if link else None,
    )
    template = template_of(marked, {"result": "complete"})
    assert template is not None
    return template


def test_a_filled_template_is_the_encoding_of_the_cards_with_those_values() -> None:
    notes = ['quote " back\\slash', "line\nbreak\ttab\x01", "中文：全角，标点", "`code` **bold** <b>&amp;"]
    link = "https://app.example.org/app?token=a.b-c_d&lang=zh"
    uuids = fresh_uuids(2)
    expected = orjson.dumps({"cards": cards(uuids, notes, link)})
    assert made(len(notes), True).filled(uuids, notes, link) == expected


def test_a_template_without_notes_or_link_has_only_the_uuid_blanks() -> None:
    template = made(0, False)
    assert [kind for kind, _ in template.blanks] == [UUID, UUID]
    assert template.cards == 2
    uuids = fresh_uuids(2)
    assert template.filled(uuids, [], None) == orjson.dumps({"cards": cards(uuids, [], None)})


def test_fresh_uuids_are_random_version_4_uuids_like_uuid4() -> None:
    made_here = fresh_uuids(500)
    assert len(set(made_here)) == 500
    for text in made_here:
        assert HYPHENATED.fullmatch(text)
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == text
    digits = [text.replace("-", "") for text in made_here]
    for position in range(32):  # every digit but the version's is random
        seen = {d[position] for d in digits}
        assert seen == {"4"} if position == 12 else len(seen) >= (4 if position == 16 else 12), position
    assert {d[16] for d in digits} == set("89ab")


def test_the_templates_kept_stay_within_their_bytes_least_recently_used_dropped_first() -> None:
    template = made(1, False)
    bound = 3 * (template.size + 200)
    kept = CardTemplates(max_bytes=bound)
    for number in range(10):
        kept.put(("en", 1, b"%d" % number), template)
        assert kept.bytes <= bound
        kept.get(("en", 1, b"0"))  # used again and again: kept
    assert kept.get(("en", 1, b"0")) is template
    assert kept.get(("en", 1, b"9")) is template
    assert kept.get(("en", 1, b"1")) is None
    assert len(kept) == 3


def test_a_template_larger_than_the_bound_is_not_kept() -> None:
    kept = CardTemplates(max_bytes=100)
    kept.put(("en", 0, b"{}"), made(0, False))
    assert len(kept) == 0 and kept.bytes == 0


def test_text_that_looks_like_a_marker_of_another_process_is_no_blank() -> None:
    foreign = marker(NOTE, 0).replace(marker(NOTE, 0)[2:26], "0" * 24)
    template = template_of(cards([marker(UUID, 0), marker(UUID, 1)], [foreign], None), {})
    assert template is not None
    assert [kind for kind, _ in template.blanks] == [UUID, UUID]


def test_a_case_is_worth_a_template_at_its_second_call_and_the_notes_are_bounded() -> None:
    kept = CardTemplates()
    assert not kept.seen_before(("en", 1, b"a"))
    assert kept.seen_before(("en", 1, b"a"))
    assert not kept.seen_before(("en", 1, b"a"))  # noted afresh: made once, not again and again
    for number in range(MAX_SEEN + 10):
        kept.seen_before(("en", 0, b"%d" % number))
    assert len(kept._seen) <= MAX_SEEN
