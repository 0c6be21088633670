"""What a batch shows on stderr: a progress bar by bytes read while it runs, and a summary table after.

The bar is determinate when the size of every input is known (regular files, or standard input
redirected from a file): it fills by the bytes read so far, with the cases counted, their rate and
the time left. Bytes are counted from the records as they are read (a JSON Lines record is its line
and its newline); a JSON array or a single document counts whole when its file is done. From a
pipe there is no total: the bar then only pulses, with the count and the rate. It is drawn only
when stderr is a terminal (`BatchJob.progress`), never in a pipe or a log, and never on stdout;
it is transient, so what remains on the screen is the summary.

The summary is a small table: status, pathway and action, each with its count, under the line
saying how many cases took how long. Codes stay codes here, as in every machine format.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any, TypeVar

from ntrk_advisor.batch.runner import BatchStats
from ntrk_advisor.batch.sources import Record
from ntrk_advisor.environment import Environment
from ntrk_advisor.i18n import Lang, t

EVERY = 1000
"""Cases between two updates of the bar (updating costs far more than a case)."""

T = TypeVar("T")


def _size(path: str, stdin: IO[bytes] | None) -> int | None:
    """The size of an input when it is a regular file; None for a pipe or a terminal."""
    try:
        if path == "-":
            if stdin is None:
                return None
            info = os.fstat(stdin.fileno())
        else:
            info = os.stat(path)
    except (OSError, ValueError, AttributeError):  # no descriptor (a test's stream), or gone
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


class ByteMeter:
    """How many bytes of the inputs have been read, counted from the records as they pass."""

    def __init__(self, paths: Sequence[str], stdin: IO[bytes] | None) -> None:
        self.sizes = {("<stdin>" if p == "-" else p): _size(p, stdin) for p in paths}
        sizes = [_size(p, stdin) for p in paths]
        self.total: int | None = None if any(s is None for s in sizes) else sum(s or 0 for s in sizes)
        self.read = 0
        self._done = 0

    def records(self, records: Iterable[Record]) -> Iterator[Record]:
        """The same records, counting their bytes on the way past."""
        current: str | None = None
        within = 0
        for record in records:
            if record.source != current:
                if current is not None:
                    self._done += self.sizes.get(current) or within
                current, within = record.source, 0
            if record.raw is not None:
                within += len(record.raw) + 1
            size = self.sizes.get(current)
            self.read = self._done + (min(within, size) if size is not None else within)
            yield record


@contextlib.contextmanager
def progress_bar(items: Iterator[T], meter: ByteMeter, env: Environment, lang: Lang) -> Iterator[Iterator[T]]:
    """`items`, passed through while a transient bar on stderr shows how far the reading is."""
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ntrk_advisor.render.console import make_console

    known = meter.total is not None
    columns: list[Any] = [SpinnerColumn()] if not known else []
    columns += [BarColumn(), TaskProgressColumn()] if known else []
    columns += [
        TextColumn("{task.fields[cases]:,} " + t("batch.progress", lang)),
        TextColumn("{task.fields[rate]:,.0f} " + t("batch.rate", lang)),
    ]
    columns += [TimeRemainingColumn()] if known else [TimeElapsedColumn()]
    with Progress(*columns, console=make_console(env, stderr=True), transient=True) as bar:
        task = bar.add_task("batch", total=meter.total or None, cases=0, rate=0.0)
        started = time.perf_counter()

        def counted() -> Iterator[T]:
            n = 0
            for n, item in enumerate(items, 1):
                if n % EVERY == 0:
                    rate = n / max(time.perf_counter() - started, 1e-9)
                    bar.update(task, completed=meter.read, cases=n, rate=rate)
                yield item
            bar.update(task, completed=meter.total or meter.read, cases=n)

        yield counted()


def summary_columns(stats: BatchStats, lang: Lang) -> tuple[str, list[tuple[str, list[tuple[str, int]]]]]:
    """The closing line, and the table's columns: (heading, [(code, count), most frequent first])."""
    seconds = max(stats.seconds, 1e-9)
    head = t("batch.summary", lang, total=stats.total, seconds=seconds, rate=stats.total / seconds)
    groups: tuple[tuple[str, Counter[str]], ...] = (
        ("batch.by_status", stats.by_status),
        ("batch.by_pathway", stats.by_pathway),
        ("batch.by_action", stats.by_action),
    )
    return head, [(t(key, lang), counter.most_common()) for key, counter in groups if counter]


def write_summary(stats: BatchStats, env: Environment, lang: Lang) -> None:
    """The summary on stderr: its line, then a small table side by side (no colour outside a terminal).

    Status, pathway and action each take two columns (the code, its count), so every code stays
    whole on its line and the table is as tall as the longest list, not the three together.
    """
    from rich import box
    from rich.table import Table

    from ntrk_advisor.render.console import make_console

    head, columns = summary_columns(stats, lang)
    console = make_console(env, stderr=True)
    console.print(head, soft_wrap=True)
    if not columns:
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), header_style="bold")
    for heading, _ in columns:
        table.add_column(heading, no_wrap=True)
        table.add_column("", no_wrap=True, justify="right")
    for i in range(max(len(counts) for _, counts in columns)):
        cells: list[str] = []
        for _, counts in columns:
            cells += [counts[i][0], f"{counts[i][1]:,}"] if i < len(counts) else ["", ""]
        table.add_row(*cells)
    console.print(table)
