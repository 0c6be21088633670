"""Text broken into lines of a given width: at spaces and between Chinese characters, never in a code.

rich folds a word longer than its column at any character, and a Chinese sentence has no spaces,
so rich sees "取值必须是：locally_advanced," as one word and may cut the code in two. Here a line
may break at a space or next to a wide (Chinese) character; a run of narrow characters (a code
such as `surgery_at_max_response`, an English word) stays whole unless it is wider than the
whole line, and only then is it folded. Full-width closing punctuation stays with the character
before it. Widths are terminal cells (a Chinese character is two).
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.cells import cell_len

_NO_BREAK_BEFORE = frozenset("，。、；：？！）》」』】〕…·,.;:?!)]}%")
"""Closing punctuation that never starts a line."""


def units(text: str) -> Iterator[tuple[str, bool]]:
    """The pieces a line may break between, each with whether a space comes before it."""
    for index, word in enumerate(text.split()):
        pieces: list[str] = []
        run = ""
        for char in word:
            if cell_len(char) < 2:
                if pieces and not run and char in _NO_BREAK_BEFORE:
                    pieces[-1] += char  # "您好：" stays together, so does "字段,"
                else:
                    run += char
                continue
            if run:
                pieces.append(run)
                run = ""
            if pieces and char in _NO_BREAK_BEFORE:
                pieces[-1] += char
            else:
                pieces.append(char)
        if run:
            pieces.append(run)
        for position, piece in enumerate(pieces):
            yield piece, position == 0 and index > 0


def widest_unit(text: str) -> int:
    """The fewest cells a line of `text` can have without folding any piece (0 for no text)."""
    return max((cell_len(piece) for piece in _lines_units(text)), default=0)


def _lines_units(text: str) -> Iterator[str]:
    for line in text.splitlines():
        for piece, _ in units(line):
            yield piece


def wrap(text: str, width: int) -> list[str]:
    """`text` as lines of at most `width` cells; its own line breaks are kept."""
    width = max(width, 1)
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for piece, spaced in units(paragraph):
            joined = f"{current} {piece}" if spaced and current else current + piece
            if cell_len(joined) <= width:
                current = joined
                continue
            if current:
                lines.append(current)
            while cell_len(piece) > width:  # wider than the whole line: fold it, the last resort
                cut = _fit(piece, width)
                lines.append(piece[:cut])
                piece = piece[cut:]
            current = piece
        lines.append(current)
    return lines


def _fit(text: str, width: int) -> int:
    """How many characters of `text` fill at most `width` cells (at least one)."""
    used = 0
    for count, char in enumerate(text):
        used += cell_len(char)
        if used > width:
            return max(count, 1)
    return len(text)
