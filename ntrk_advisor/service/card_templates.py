"""A hook call's answer kept as encoded JSON with blanks, per case and language (issue 27).

The cards of a valid case depend on nothing but the case, the language and the knowledge, apart
from three things that change with every call: each card's fresh `uuid`, the notes saying where
the answers came from (the record's references), and an incomplete case's link to the answer page
(a fresh token). So a call renders its cards as usual (`service.cards`); at a case's second call
they are also rendered once more with a marker in place of each of those values, encoded, and cut
at the markers: a `CardsTemplate`. Every later call of the same case fills the blanks and joins
the pieces, without validation, the engine, the cards or the encoder; a case seen only once costs
no second rendering.

Why the answer stays byte for byte the same:

- the key is the case's answers as exact JSON text (`1` and `1.0`, `0.0` and `-0.0` differ), with
  the language and the number of notes, so two calls share a template only when the case, and so
  the engine's result, is the same;
- JSON escapes text one character at a time, so a blank filled with a value's escaped text is the
  encoding of the text the value would have made there;
- a template is kept only if, filled with the call's own values, it gives exactly the bytes of
  that call's answer, rendered and encoded the ordinary way; otherwise that case is always
  rendered.

The markers hold a random part drawn when the process starts, so no knowledge text can hold one.
Memory is bounded: templates are kept up to `MAX_BYTES` in all, the least recently used dropped
first.
"""

from __future__ import annotations

import os
import re
import secrets
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ntrk_advisor.memo import BoundedMemo

MAX_BYTES = 8 * 1_048_576
"""Encoded templates (and their keys) one worker keeps: about 800 complete cases of 10 kB."""

MAX_SEEN = 4096
"""Keys of cases seen once (waiting for a second call to be worth a template) one worker notes."""

UUID, NOTE, LINK = 0, 1, 2
"""What fills a blank: a card's uuid, a note, the answer page's link."""

_NONCE = secrets.token_hex(12)
_MARK = re.compile(rb"@@" + _NONCE.encode("ascii") + rb"(\d)\.(\d+)@@")


def marker(kind: int, index: int = 0) -> str:
    """The text standing for the blank `kind` number `index` while a template is made."""
    return f"@@{_NONCE}{kind}.{index}@@"


@dataclass(frozen=True, slots=True)
class CardsTemplate:
    """An encoded answer cut at its blanks, and what a request's log line says of its result."""

    pieces: tuple[bytes, ...]
    """The JSON text around the blanks: one more piece than there are blanks."""
    blanks: tuple[tuple[int, int], ...]
    """Each blank's kind and index, in the order they occur."""
    cards: int
    """How many cards (so how many fresh uuids)."""
    log_fields: dict[str, Any]
    """The result's codes for the log line (status, pathway, actions, missing)."""

    @property
    def size(self) -> int:
        """The bytes the template holds (what the memory bound counts)."""
        return sum(map(len, self.pieces)) + 64 * len(self.blanks) + 256

    def filled(self, uuids: Sequence[str], notes: Sequence[str], link: str | None) -> bytes:
        """The answer with each blank filled: `uuids` and `notes` by index, `link` once or more."""
        values: tuple[Sequence[bytes], ...] = (
            [u.encode("ascii") for u in uuids],
            [orjson.dumps(note)[1:-1] for note in notes],
            [orjson.dumps(link)[1:-1]] if link is not None else [],
        )
        pieces = self.pieces
        out = [pieces[0]]
        for position, (kind, index) in enumerate(self.blanks, 1):
            out.append(values[kind][index])
            out.append(pieces[position])
        return b"".join(out)


def template_of(marked_cards: list[dict[str, Any]], log_fields: dict[str, Any]) -> CardsTemplate | None:
    """A template from cards rendered with markers (each card's uuid set to `marker(UUID, i)`).

    None if the encoded cards hold a marker the template cannot place.
    """
    text = orjson.dumps({"cards": marked_cards})
    parts = _MARK.split(text)
    pieces = tuple(parts[0::3])
    blanks = tuple((int(kind), int(index)) for kind, index in zip(parts[1::3], parts[2::3], strict=True))
    if any(kind not in (UUID, NOTE, LINK) for kind, _ in blanks):
        return None
    return CardsTemplate(pieces, blanks, len(marked_cards), log_fields)


def fresh_uuids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs as text, as `uuid.uuid4()` makes them, from one read of randomness.

    The version nibble is set to 4 and the variant's two top bits to `10`, as `uuid.UUID(version=4)`
    sets them; the other 122 bits are the random ones.
    """
    digits = os.urandom(16 * count).hex()
    out = []
    for start in range(0, 32 * count, 32):
        h = digits[start : start + 32]
        out.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}")
    return out


_VARIANT = {f"{nibble:x}": f"{(nibble & 0x3) | 0x8:x}" for nibble in range(16)}
"""A random hex digit with its top two bits set to the RFC 4122 variant, `10`."""


class CardTemplates:
    """Templates by key, at most `max_bytes` in all, the least recently used dropped first."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        """Calls answered from a template (what a test and a benchmark read)."""
        self._kept: OrderedDict[tuple[Any, ...], CardsTemplate] = OrderedDict()
        self._seen: BoundedMemo[tuple[Any, ...], None] = BoundedMemo(MAX_SEEN)

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: tuple[Any, ...]) -> CardsTemplate | None:
        """The template kept under `key` (now the most recently used), or None."""
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
            self.hits += 1
        return found

    def seen_before(self, key: tuple[Any, ...]) -> bool:
        """Whether `key` was asked for before without a template; notes it if not.

        A template is made on a case's second call: a case seen once costs no second rendering.
        At most `MAX_SEEN` keys are noted; beyond that the notes start afresh.
        """
        if key in self._seen:
            del self._seen[key]
            return True
        self._seen.keep(key, None)
        return False

    def put(self, key: tuple[Any, ...], template: CardsTemplate) -> None:
        """Keep `template` under `key`, dropping the least recently used beyond the bound."""
        size = template.size + _key_size(key)
        if size > self.max_bytes:
            return
        old = self._kept.pop(key, None)
        if old is not None:
            self.bytes -= old.size + _key_size(key)
        self._kept[key] = template
        self.bytes += size
        while self.bytes > self.max_bytes:
            dropped_key, dropped = self._kept.popitem(last=False)
            self.bytes -= dropped.size + _key_size(dropped_key)


def _key_size(key: tuple[Any, ...]) -> int:
    return sum(len(part) if isinstance(part, bytes | str) else 8 for part in key) + 64
