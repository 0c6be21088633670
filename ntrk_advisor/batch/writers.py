"""Write batch items as JSON Lines, a JSON array, CSV, a rich table or a Markdown table.

Machine formats go straight to the stream as text, never through rich.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO, TextIO

from ntrk_advisor.batch.runner import Item
from ntrk_advisor.environment import Environment
from ntrk_advisor.i18n import Lang
from ntrk_advisor.render.csv_safe import csv_line
from ntrk_advisor.render.safe_text import markdown_text

COLUMNS = ("case_id", "status", "pathway", "age_group", "actions", "missing", "unused_answers", "errors")
_CHUNK = 500
_SEGMENTS = 4000
"""Segments of the table printed at once."""


def row(item: Item) -> tuple[str, ...]:
    """The table columns for one item, as data (the CSV writer keeps them; displays make them safe).

    An action whose statement no clinician has approved as it is carries its review status after
    the strength (`surgery:preferred:unreviewed`), so a spreadsheet shows it as plainly as a screen.
    """
    s = item.summary
    return (
        item.case_id,
        s.status,
        s.pathway or "",
        s.age_group or "",
        "; ".join(
            f"{code}:{strength}" + ("" if review == "approved" else f":{review}")
            for (code, strength), review in zip(s.actions, _reviews(s.reviews, len(s.actions)), strict=True)
        ),
        "; ".join(s.missing),
        "; ".join(s.unused),
        "; ".join(f"{f}: {m}" for f, m in s.errors),
    )


def _reviews(reviews: tuple[str, ...], count: int) -> tuple[str, ...]:
    """One review status per action; a summary that knows none has every action unreviewed."""
    return reviews if len(reviews) == count else ("unreviewed",) * count


def write_jsonl(items: Iterable[Item], out: BinaryIO) -> None:
    """One JSON object per line."""
    buffer: list[bytes] = []
    for item in items:
        buffer.append(item.line)
        if len(buffer) >= _CHUNK:
            buffer.append(b"")
            out.write(b"\n".join(buffer))
            buffer.clear()
    if buffer:
        buffer.append(b"")
        out.write(b"\n".join(buffer))


def write_json(items: Iterable[Item], out: BinaryIO) -> None:
    """A JSON array, one result per line, streamed."""
    out.write(b"[")
    separator = b"\n"
    for item in items:
        out.write(separator + item.line)
        separator = b",\n"
    out.write(b"\n]\n" if separator != b"\n" else b"]\n")


def write_csv(items: Iterable[Item], out: TextIO) -> None:
    """One row per case, formula-neutralised and quoted wherever a reader could be misled."""
    out.write(csv_line(COLUMNS))
    for item in items:
        out.write(csv_line(row(item)))


def write_markdown(items: Iterable[Item], out: TextIO) -> None:
    """A Markdown table of the same columns; case texts are shown literally and stay inert."""
    out.write("| " + " | ".join(COLUMNS) + " |\n")
    out.write("|" + "---|" * len(COLUMNS) + "\n")
    for item in items:
        cells = (markdown_text(c) for c in row(item))
        out.write("| " + " | ".join(cells) + " |\n")


def write_table(items: Iterable[Item], out: TextIO, lang: Lang, env: Environment) -> None:
    """A rich table for people at a terminal, laid out for its width (`batch/table.py`).

    Printed a few hundred lines at a time as rich renders it row by row: printed whole, the
    table's every segment would be held at once (tens of megabytes for the rows a table shows).
    """
    from rich.segment import Segments

    from ntrk_advisor.batch.table import BatchTable
    from ntrk_advisor.render.console import make_console

    console = make_console(env, file=out)
    chunk: list[Any] = []
    for segment in console.render(BatchTable(items, lang), console.options):
        chunk.append(segment)
        if len(chunk) >= _SEGMENTS and segment.text.endswith("\n"):  # whole lines only
            console.print(Segments(chunk))
            chunk = []
    if chunk:
        console.print(Segments(chunk))


BINARY_FORMATS = frozenset({"jsonl", "json"})
"""Formats written as UTF-8 bytes straight to the stream (the others are text)."""

WRITERS: dict[str, Any] = {
    "jsonl": write_jsonl,
    "json": write_json,
    "csv": write_csv,
    "markdown": write_markdown,
    "table": write_table,
}
