"""CSV cells that a spreadsheet shows as text and every reader splits where the writer meant.

Both CSV outputs (batch results, practice attempts) hold text typed by someone else: a case id,
a tumour type, a scenario id. Opened in a spreadsheet, a cell starting with `=`, `+`, `-` or `@`
would run as a formula; a bare carriage return would split a row for some readers. The rules for
both live here, once, so the two outputs cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ntrk_advisor.render.safe_text import data_text

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_NEEDS_QUOTES = re.compile(r'[",\x00-\x1f\x7f-\x9f]')
"""A cell with a delimiter, a quote, a line break or any other control character is quoted, so no
reader splits the row at a bare carriage return (csv's own writer does not quote one)."""


def neutralise(cell: str) -> str:
    """Defuse a spreadsheet formula: a cell starting with = + - @ (or tab/CR) gets a quote first."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def csv_line(cells: Iterable[str]) -> str:
    """One CSV record (RFC 4180 quoting), every cell formula-neutralised, no escape sequence left."""
    out = []
    for cell in cells:
        value = neutralise(data_text(cell))
        if _NEEDS_QUOTES.search(value):
            value = '"' + value.replace('"', '""') + '"'
        out.append(value)
    return ",".join(out) + "\n"
