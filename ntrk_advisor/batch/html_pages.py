"""A batch as HTML: one self-contained report per case in a folder, and an index linking them.

Each page is named from a safe slug of its case id (ASCII letters, digits, `.`, `_` and `-`, lower
case), or `case-N` for the N-th record when it has no id of its own or nothing of it is left; names
are made unique (a case id can be anything, two can slug alike, and the index keeps its own name).
Every page is written atomically and never over an input; an invalid record gets its own page
saying what is wrong, so one bad record never stops the batch.

Memory stays flat however many cases there are: the names already given are kept in a private
temporary SQLite database (on disk, deleted when closed), and each index row is put aside in an
unnamed temporary file in the folder as its page is written; the index, which opens with the
counts, is then written from that file, row by row.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from ntrk_advisor.batch.runner import Evaluated
from ntrk_advisor.contract.decode import loads_strict
from ntrk_advisor.errors import UsageError
from ntrk_advisor.files import atomic_output, same_file, write_atomic
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.html_report import IndexRow

INDEX = "index.html"
MAX_STEM = 60
"""The longest name stem taken from a case id (far below any file system's limit)."""
_RESERVED = frozenset(
    {"index", "con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(1, 10)}
)
"""Stems a page may not have: the index's, and the device names Windows will not open as files."""


def slug(text: str) -> str:
    """An ASCII file-name stem from a case id; empty when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9._-]+", "-", ascii_text.lower())
    stem = re.sub(r"([._-])[._-]+", r"\1", stem).strip("._-")
    return stem[:MAX_STEM].rstrip("._-")


class PageNames:
    """Unique page names for the cases of one batch: never the index, never one of the inputs.

    The names given so far live in a private temporary SQLite database rather than in a set, so
    a batch of millions of cases does not hold millions of names in memory. Close it when done.
    """

    def __init__(self, folder: Path, inputs: tuple[Path, ...]) -> None:
        self.folder = folder
        self.inputs = inputs
        self._taken = sqlite3.connect("")  # "": a temporary database on disk, deleted when closed
        self._taken.execute("CREATE TABLE taken (stem TEXT PRIMARY KEY) WITHOUT ROWID")

    def name_for(self, case_id: str | None, number: int) -> str:
        """`<slug>.html` for the case id (`case-<number>.html` without one), de-duplicated."""
        stem = slug(case_id or "") or f"case-{number}"
        if stem.split(".")[0] in _RESERVED:
            stem = f"case-{stem}"
        candidate, n = stem, 2
        while self._is_taken(candidate) or self._is_input(f"{candidate}.html"):
            candidate, n = f"{stem}-{n}", n + 1
        self._taken.execute("INSERT INTO taken VALUES (?)", (candidate,))
        return f"{candidate}.html"

    def close(self) -> None:
        """Drop the names (the temporary database is deleted)."""
        self._taken.close()

    def _is_taken(self, stem: str) -> bool:
        return self._taken.execute("SELECT 1 FROM taken WHERE stem = ?", (stem,)).fetchone() is not None

    def _is_input(self, name: str) -> bool:
        return any(same_file(self.folder / name, source) for source in self.inputs)


def prepare_folder(folder: Path, inputs: tuple[Path, ...]) -> None:
    """Create the folder if needed; refuse one that is a file, or whose index would replace an input."""
    if folder.exists() and not folder.is_dir():
        raise UsageError("usage.pages_not_folder", path=folder)
    if any(same_file(folder / INDEX, source) for source in inputs):
        raise UsageError("usage.over_input", path=folder / INDEX)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError("usage.cannot_create_folder", path=folder, reason=exc.strerror or exc) from None


def write_pages(
    evaluated: Iterable[Evaluated],
    folder: Path,
    inputs: tuple[Path, ...],
    kb: KnowledgeBase,
    lang: Lang,
    generated: datetime,
) -> int:
    """Write one page per result and then the index; returns the number of pages."""
    from ntrk_advisor.render.html_report import index_pieces, index_row, render_html

    prepare_folder(folder, inputs)
    names = PageNames(folder, inputs)
    counts: dict[str, int] = {}
    try:
        with _row_spool(folder) as spool:
            for number, (result, tumor_type, where) in enumerate(evaluated, 1):
                own_id = result.case_id if result.case_id != where else None  # not `<file>:<line>`
                name = names.name_for(own_id, number)
                html = render_html(result, kb, lang, tumor_type=tumor_type, generated=generated)
                write_atomic(folder / name, html, inputs=inputs)
                row = index_row(number, name, result, kb, lang)
                counts[row.status_key] = counts.get(row.status_key, 0) + 1
                _put_aside(spool, row, folder)
            spool.seek(0)
            with atomic_output(folder / INDEX, inputs=inputs) as index:
                index.writelines(index_pieces(_rows_from(spool), counts, kb, lang))
    finally:
        names.close()
    return sum(counts.values())


def _row_spool(folder: Path) -> IO[bytes]:
    """An unnamed temporary file in the folder (the rows hold case ids; they stay with the pages)."""
    try:
        return tempfile.TemporaryFile(dir=folder)
    except OSError as exc:
        raise UsageError("usage.cannot_write", path=folder / INDEX, reason=exc.strerror or exc) from None


def _put_aside(spool: IO[bytes], row: IndexRow, folder: Path) -> None:
    values = [row.number, row.href, row.case_id, row.status_key, row.status, row.pathway, row.line]
    try:
        spool.write(json.dumps(values, ensure_ascii=False).encode() + b"\n")
    except OSError as exc:
        raise UsageError("usage.cannot_write", path=folder / INDEX, reason=exc.strerror or exc) from None


def _rows_from(spool: IO[bytes]) -> Iterator[IndexRow]:
    """The rows put aside, in order, one at a time."""
    for line in spool:
        number, href, case_id, status_key, status, pathway, groups = loads_strict(line)  # the tool's own file
        line_items = tuple((key, label, names) for key, label, names in groups)
        yield IndexRow(number, href, case_id, status_key, status, pathway, line_items)
