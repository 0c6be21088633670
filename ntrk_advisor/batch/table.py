"""`batch --format table`: the batch results as a rich table for people, columns sized to their content.

What a reader must be able to trust: every code (a status, a pathway, an action such as
`surgery_at_max_response`, a field name) is shown whole on one line, never cut in two, and
nothing is cut off at the edge. So the table lays itself out for the width it is drawn in:

- one action per line in the actions cell (`surgery_at_max_response (preferred)`), followed by
  the reader's-language mark of a statement no clinician has approved (`⚠ not reviewed`), one
  field per line for the missing and unused answers;
- the missing, unused-answer and error columns only when some row has something in them;
- the widest layout that fits: every column apart; else status, pathway and age group stacked
  in one column; else two columns, the case (id, status, pathway, age group) and the result
  (actions, missing, unused answers, errors). A layout fits when every code line is whole
  (only error messages wrap); failing that, when every code and word is. Only a terminal too
  narrow for even that folds;
- each cell broken into lines by `render.wrapping` (at spaces and between Chinese characters),
  to a width chosen here, so rich never has to fold a word itself.

Case texts (ids, error messages naming unknown keys) are shown literally (`render.safe_text`).
The headers are in the run's language, and so, in Chinese, are the statuses, pathways, age groups
and actions (their labels, as consult and the HTML show them); in English they stay the codes,
which read as words. Every machine format (jsonl, json, csv) keeps the codes whatever the language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from ntrk_advisor.batch.runner import Item
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.render.safe_text import shown
from ntrk_advisor.render.view import labelled as label_and_value
from ntrk_advisor.render.wrapping import widest_unit, wrap

OPTIONAL = ("missing", "unused_answers", "errors")
"""Columns drawn only when some row has something in them."""

WORDED = ("status", "pathway", "age_group", "actions")
"""Columns whose codes are shown as labels in Chinese (each label kept whole, like a code)."""

Row = dict[str, list[str]]
"""One case's cells by column name, each a list of lines."""


@dataclass(frozen=True, slots=True)
class _Line:
    """One line of a cell before wrapping.

    Prose (an error message) may wrap at any space; a code line is best kept whole
    (`surgery_at_max_response (preferred)`), and the code in it always is.
    """

    text: str
    style: str = ""
    prose: bool = False
    unit: str = ""
    """A label never to be broken (a Chinese status, pathway or action), as a code never is."""


@dataclass(frozen=True, slots=True)
class _Column:
    """One drawn column: its header lines and, per row, the lines of its cell."""

    header: list[str]
    cells: list[list[_Line]]

    def _lines(self) -> list[_Line]:
        return [_Line(text) for text in self.header] + [line for cell in self.cells for line in cell]

    def need(self, comfortable: bool) -> int:
        """Cells it needs: every code line whole (`comfortable`), or just every code and word."""
        return max(
            (
                cell_len(line.text)
                if comfortable and not line.prose
                else max(widest_unit(line.text), cell_len(line.unit))
                for line in self._lines()
            ),
            default=1,
        )

    @property
    def natural(self) -> int:
        """Cells it takes with no line broken."""
        return max((cell_len(line.text) for line in self._lines()), default=1)


def _row(item: Item, lang: Lang) -> Row:
    s = item.summary
    reviews = s.reviews if len(s.reviews) == len(s.actions) else ("unreviewed",) * len(s.actions)
    worded = lang != "en"  # in Chinese the codes are shown as their labels; English keeps the codes
    return {
        "case_id": [shown(item.case_id)],
        "status": [t(f"status.{s.status}", lang) if worded else s.status],
        "pathway": [(t(f"pathway.{s.pathway}", lang) if worded else s.pathway)] if s.pathway else [],
        "age_group": [(t(f"age.{s.age_group}", lang) if worded else s.age_group)] if s.age_group else [],
        "actions": [
            _action(code, strength, lang, worded)
            + ("" if review == "approved" else f" {t(f'stamp.short.{review}', lang)}")
            for (code, strength), review in zip(s.actions, reviews, strict=True)
        ],
        "missing": [shown(field) for field in s.missing],
        "unused_answers": [shown(field) for field in s.unused],
        "errors": [f"{shown(field)}: {shown(message)}" for field, message in s.errors],
    }


def _action(code: str, strength: str, lang: Lang, worded: bool) -> str:
    """`neoadjuvant_trk (preferred)`, or in Chinese `新辅助TRK抑制剂（首选）`."""
    if not worded:
        return f"{code} ({strength})"
    return f"{t(f'action.{code}', lang)}（{t(f'strength.{strength}', lang)}）"


class BatchTable:
    """The rows as a table laid out for the width it is printed in (a rich renderable)."""

    def __init__(self, items: Iterable[Item], lang: Lang) -> None:
        self.rows = [_row(item, lang) for item in items]
        self.lang = lang
        self.present = [name for name in OPTIONAL if any(row[name] for row in self.rows)]
        """The optional columns with something to show."""

    def _header(self, name: str) -> str:
        return t(f"batch.col.{name}", self.lang)

    def _column(self, names: Sequence[str], *, labelled: bool = False) -> _Column:
        """One column showing the cells of `names` one under another (the later ones dimmed).

        `labelled`: the missing and unused answers are prefixed with their column's name, since
        they share the column with the actions.
        """
        cells: list[list[_Line]] = []
        for row in self.rows:
            cell: list[_Line] = []
            for position, name in enumerate(names):
                for text in row[name]:
                    if name == "errors":
                        cell.append(_Line(text, "red", prose=True))
                        continue
                    if labelled and name in ("missing", "unused_answers"):
                        text = label_and_value(self._header(name), text, self.lang)
                    unit = text.split(" ⚠", 1)[0] if self.lang != "en" and name in WORDED else ""
                    cell.append(_Line(text, "" if position == 0 else "dim", unit=unit))
            cells.append(cell)
        return _Column([self._header(name) for name in names], cells)

    def layouts(self) -> Iterator[list[_Column]]:
        """The layouts, widest first, each built when asked for (a layout holds every cell's lines)."""
        apart = ("case_id", "status", "pathway", "age_group", "actions", *self.present)
        yield [self._column([name]) for name in apart]
        yield [
            self._column(["case_id"]),
            self._column(["status", "pathway", "age_group"]),
            *(self._column([name]) for name in ("actions", *self.present)),
        ]
        yield [
            self._column(["case_id", "status", "pathway", "age_group"]),
            self._column(["actions", *self.present], labelled=True),
        ]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """The first layout that fits comfortably; else the first whose codes fit; else squeezed."""
        room = options.max_width
        columns: list[_Column] = []
        for comfortable in (True, False):
            for columns in self.layouts():
                widths = fit(columns, room - _spacing(len(columns)), comfortable)
                if widths is not None:
                    yield _draw(columns, widths)
                    return
        # `columns` is the narrowest layout, the last one tried
        yield _draw(columns, squeeze(columns, room - _spacing(len(columns))))


def _spacing(count: int) -> int:
    """Cells between the columns: a separator with one cell of padding on each side."""
    return 3 * (count - 1)


def fit(columns: Sequence[_Column], room: int, comfortable: bool) -> list[int] | None:
    """Widths that give each column what it needs, or None if they do not fit in `room`.

    The spare room is shared out evenly towards each column's natural width.
    """
    widths = [column.need(comfortable) for column in columns]
    spare = room - sum(widths)
    if spare < 0:
        return None
    while spare > 0:
        growing = [i for i, column in enumerate(columns) if widths[i] < column.natural]
        if not growing:
            break
        share = max(1, spare // len(growing))
        for i in growing:
            step = min(share, columns[i].natural - widths[i], spare)
            widths[i] += step
            spare -= step
    return widths


def squeeze(columns: Sequence[_Column], room: int) -> list[int]:
    """Widths for a room too narrow for any layout: shared in proportion, one cell at least."""
    needs = [column.need(False) for column in columns]
    return [max(1, room * need // sum(needs)) for need in needs]


def _draw(columns: Sequence[_Column], widths: Sequence[int]) -> Table:
    pairs = list(zip(columns, widths, strict=True))
    drawn = [[_wrapped(cell, width) for cell in column.cells] for column, width in pairs]
    several = any("\n" in cell.plain for cells in drawn for cell in cells)
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        leading=1 if several else 0,  # a blank line between cases whose cells take several lines
    )
    for column, width in pairs:
        header = "\n".join(line for text in column.header for line in wrap(text, width))
        table.add_column(Text(header), width=width, no_wrap=True, overflow="fold")
    for cells in zip(*drawn, strict=True):
        table.add_row(*cells)
    return table


def _wrapped(cell: list[_Line], width: int) -> Text:
    text = Text()
    for line in cell:
        for part in wrap(line.text, width):
            if text.plain:
                text.append("\n")
            text.append(part, style=line.style)
    return text
