"""Names compared as a reader sees them, and the characters a name must not hold.

A local copy of the pathways must not pass as the built-in advice (`loading.check_local_identity`).
Comparing code points would let `ntrk-аdvisor built-in pathways` (a Cyrillic а) or a soft hyphen
in `built­in` through: both read exactly as the built-in name. So names are compared by their
skeleton, in the spirit of Unicode TR39: compatibility forms folded (NFKC: fullwidth, ligatures,
mathematical letters), case folded, accents and every invisible, space and punctuation character
dropped, and the ASCII look-alikes `1 I l`, `0 O`, `rn m`, `vv w` made one. Two skeletons read
alike when they match letter for letter, a letter outside ASCII matching any letter: a homoglyph
from any script (Cyrillic, Greek, Armenian, Cherokee, Latin small capitals ...) stands in for the
letter it imitates without a table of every one of them.

Knowledge metadata is printed on every result and screen, so it may hold no control character,
escape sequence or bidi override (`unseen`); a name holds no invisible character either.
"""

from __future__ import annotations

import unicodedata

_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
"""Hangul fillers: letters by category, invisible on the screen (default-ignorable)."""
_ASCII_LOOK_ALIKES = str.maketrans({"1": "l", "i": "l", "0": "o"})
"""After case folding: `1`, `I`, `i` and `l` are one shape, as are `0` and `O`."""
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""The bidi marks, embeddings, overrides and isolates: they reorder what is shown after them."""


def skeleton(name: str) -> str:
    """The letters and digits a reader sees in `name`, folded as the module's docstring says."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    kept = "".join(c for c in text if unicodedata.category(c)[0] in "LN" and c not in _FILLERS)
    return kept.translate(_ASCII_LOOK_ALIKES).replace("rn", "m").replace("vv", "w")


def reads_as(name: str, other: str) -> bool:
    """Whether `name` reads as `other`: equal skeletons, a non-ASCII letter standing for any letter."""
    mine, theirs = skeleton(name), skeleton(other)
    return len(mine) == len(theirs) and all(
        a == b or not a.isascii() for a, b in zip(mine, theirs, strict=True)
    )


def unseen(text: str, *, invisible: bool) -> str | None:
    """The first character of `text` that a terminal would obey or not show, as `U+XXXX`, or None.

    Control characters (C0 but tab and line feed, DEL, C1), bidi controls and line or paragraph
    separators are never allowed. With `invisible` (for a name), tab and line feed, every format
    character (soft hyphen, zero-width joiner ...), private-use, unassigned and filler characters
    are refused as well.
    """
    for char in text:
        category = unicodedata.category(char)
        if char in "\t\n" and not invisible:
            continue
        if (
            category in ("Cc", "Zl", "Zp")
            or char in _BIDI
            or (invisible and (category in ("Cf", "Co", "Cs", "Cn") or char in _FILLERS))
        ):
            return f"U+{ord(char):04X}"
    return None
