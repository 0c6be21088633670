"""Write batch items as JSON Lines, a JSON array, CSV, a rich table or a Markdown table.

Machine formats go straight to the stream as text, never through rich.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from ntrk_advisor.batch.runner import Item

COLUMNS = ("case_id", "status", "pathway", "age_group", "actions", "missing", "errors")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CHUNK = 2000


def row(item: Item) -> tuple[str, ...]:
    """The table columns for one item."""
    s = item.summary
    return (
        item.case_id,
        s.status,
        s.pathway or "",
        s.age_group or "",
        "; ".join(f"{code}:{strength}" for code, strength in s.actions),
        "; ".join(s.missing),
        "; ".join(f"{f}: {m}" for f, m in s.errors),
    )


def neutralise(cell: str) -> str:
    """Defuse a spreadsheet formula: a cell starting with = + - @ (or tab/CR) gets a quote first."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def write_jsonl(items: Iterable[Item], out: TextIO) -> None:
    """One JSON object per line."""
    buffer: list[str] = []
    for item in items:
        buffer.append(item.line)
        if len(buffer) >= _CHUNK:
            out.write("\n".join(buffer) + "\n")
            buffer.clear()
    if buffer:
        out.write("\n".join(buffer) + "\n")


def write_json(items: Iterable[Item], out: TextIO) -> None:
    """A JSON array, one result per line, streamed."""
    out.write("[")
    separator = "\n"
    for item in items:
        out.write(separator + item.line)
        separator = ",\n"
    out.write("\n]\n" if separator != "\n" else "]\n")


def write_csv(items: Iterable[Item], out: TextIO) -> None:
    """One row per case, formula-neutralised."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in items:
        writer.writerow([neutralise(cell) for cell in row(item)])


def write_markdown(items: Iterable[Item], out: TextIO) -> None:
    """A Markdown table of the same columns."""
    out.write("| " + " | ".join(COLUMNS) + " |\n")
    out.write("|" + "---|" * len(COLUMNS) + "\n")
    for item in items:
        cells = (c.replace("|", "\\|").replace("\n", " ") for c in row(item))
        out.write("| " + " | ".join(cells) + " |\n")


def write_table(items: Iterable[Item], out: TextIO) -> None:
    """A rich table for people at a terminal; long and Chinese cells fold."""
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for name in COLUMNS:
        table.add_column(name, overflow="fold")
    for item in items:
        table.add_row(*row(item))
    Console(file=out).print(table)


WRITERS = {
    "jsonl": write_jsonl,
    "json": write_json,
    "csv": write_csv,
    "markdown": write_markdown,
    "table": write_table,
}
