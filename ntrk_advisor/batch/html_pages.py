"""A batch as HTML: one self-contained report per case in a folder, and an index linking them.

Each page is named from a safe slug of its case id (ASCII letters, digits, `.`, `_` and `-`, lower
case), or `case-N` for the N-th record when it has no id of its own or nothing of it is left; names
are made unique (a case id can be anything, two can slug alike, and the index keeps its own name).
Every page is written atomically and never over an input; an invalid record gets its own page
saying what is wrong, so one bad record never stops the batch.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from ntrk_advisor.batch.runner import Evaluated
from ntrk_advisor.errors import UsageError
from ntrk_advisor.files import same_file, write_atomic
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.knowledge import KnowledgeBase

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
    """Unique page names for the cases of one batch: never the index, never one of the inputs."""

    def __init__(self, folder: Path, inputs: tuple[Path, ...]) -> None:
        self.folder = folder
        self.inputs = inputs
        self.taken: set[str] = set()

    def name_for(self, case_id: str | None, number: int) -> str:
        """`<slug>.html` for the case id (`case-<number>.html` without one), de-duplicated."""
        stem = slug(case_id or "") or f"case-{number}"
        if stem.split(".")[0] in _RESERVED:
            stem = f"case-{stem}"
        candidate, n = stem, 2
        while candidate in self.taken or self._is_input(f"{candidate}.html"):
            candidate, n = f"{stem}-{n}", n + 1
        self.taken.add(candidate)
        return f"{candidate}.html"

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
    from ntrk_advisor.render.html_report import index_row, render_html, render_index

    prepare_folder(folder, inputs)
    names = PageNames(folder, inputs)
    rows = []
    for number, (result, tumor_type, where) in enumerate(evaluated, 1):
        own_id = result.case_id if result.case_id != where else None  # not `<file>:<line>`
        name = names.name_for(own_id, number)
        page = render_html(result, kb, lang, tumor_type=tumor_type, generated=generated)
        write_atomic(folder / name, page, inputs=inputs)
        rows.append(index_row(number, name, result, kb, lang))  # a few strings: the results are let go
    write_atomic(folder / INDEX, render_index(rows, kb, lang), inputs=inputs)
    return len(rows)
