"""One batch run: read, evaluate, write, report. The CLI only parses options into a `BatchJob`."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO, TypeVar, cast

from ntrk_advisor.batch.runner import BatchEvaluator, BatchStats
from ntrk_advisor.batch.sources import InputFormat, Record, read_records
from ntrk_advisor.batch.writers import BINARY_FORMATS, WRITERS
from ntrk_advisor.environment import Environment
from ntrk_advisor.errors import UsageError
from ntrk_advisor.files import atomic_output
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase

if TYPE_CHECKING:
    from ntrk_advisor.batch.progress import ByteMeter

TABLE_ROWS = 5000
"""The most rows `--format table` draws (a table is built whole in memory; a screen shows far fewer)."""

T = TypeVar("T")


@dataclass
class BatchJob:
    """Everything one run needs to know."""

    files: list[str]
    input_format: InputFormat
    output_format: str
    output: Path | None
    lang: Lang
    compact: bool
    progress: bool
    summary: bool
    knowledge: KnowledgeBase
    env: Environment
    """Where the results and the summary go, and the clock: the date ages are computed at for
    Bundles without a timestamp, and the time printed on every HTML page (a test fixes both)."""
    _meter: ByteMeter | None = dataclasses.field(default=None, init=False, repr=False)

    def run(self) -> BatchStats:
        """Evaluate every case and write the results; returns the counts."""
        if self.output_format == "html":
            return self._run_html()
        kb = self.knowledge
        stats = BatchStats()
        evaluator = BatchEvaluator(
            kb, self.lang, today=self.env.today(), compact=self.compact, fhir=self.input_format == "fhir"
        )
        items = evaluator.run(self._records(), stats)
        inputs = tuple(Path(f) for f in self.files)  # "-" is standard input, compared by inode
        binary = self.output_format in BINARY_FORMATS
        writer = WRITERS[self.output_format]
        with self._destination(inputs, binary) as out:
            if self.output_format == "table":
                # A table is drawn whole; draw it after the progress bar has gone, not under it.
                # It holds at most TABLE_ROWS rows, so memory stays flat on any input; the rest
                # are still evaluated and counted, and the table says how many it left out.
                with self._progress(items, stats) as shown:
                    # a row needs the case id and the summary, not the result's JSON
                    rows = [item._replace(line=b"") for item in itertools.islice(shown, TABLE_ROWS)]
                    left_out = sum(1 for _ in shown)
                evaluator.forget()  # every record is evaluated: the table may have that memory
                writer(rows, out, self.lang, self.env)
                if left_out:
                    out.write(t("batch.table_cut", self.lang, shown=len(rows), left_out=left_out) + "\n")
            else:
                with self._progress(items, stats) as shown:
                    writer(shown, out)
        if self.summary:
            self._summary(stats)
        return stats

    def _run_html(self) -> BatchStats:
        """One HTML page per case in the folder `output`, and an index (see `batch.html_pages`)."""
        from ntrk_advisor.batch.html_pages import INDEX, write_pages

        if self.output is None:
            raise UsageError("usage.html_needs_folder")
        if self.compact:
            raise UsageError("usage.compact_html")
        stats = BatchStats()
        evaluator = BatchEvaluator(self.knowledge, self.lang, today=self.env.today())
        results = evaluator.results(self._records(), stats)
        inputs = tuple(Path(f) for f in self.files)
        with self._progress(results, stats) as shown:
            pages = write_pages(shown, self.output, inputs, self.knowledge, self.lang, self.env.clock())
        if self.summary:
            self._summary(stats)
            self.env.stderr.write(t("html.written", self.lang, count=pages, path=self.output / INDEX) + "\n")
        return stats

    @contextlib.contextmanager
    def _destination(self, inputs: tuple[Path, ...], binary: bool) -> Iterator[IO[Any]]:
        if self.output is None:
            self.env.stdout.flush()
            stream: IO[Any] = cast(TextIO, self.env.stdout).buffer if binary else self.env.stdout
            yield stream
            stream.flush()
        else:
            with atomic_output(self.output, inputs=inputs, binary=binary) as handle:
                yield handle

    def _records(self) -> Iterator[Record]:
        """The input's records; counted by the bytes they take when a progress bar is shown."""
        stdin = self.env.stdin_bytes()
        records = read_records(self.files, self.input_format, stdin)
        if not self.progress:
            return records
        from ntrk_advisor.batch.progress import ByteMeter

        self._meter = ByteMeter(self.files, stdin)
        return self._meter.records(records)

    @contextlib.contextmanager
    def _progress(self, items: Iterator[T], stats: BatchStats) -> Iterator[Iterator[T]]:
        """A bar on stderr by bytes read (`batch.progress`), only when `progress` (stderr a terminal)."""
        if not self.progress or self._meter is None:
            yield items
            return
        from ntrk_advisor.batch.progress import progress_bar

        with progress_bar(items, self._meter, self.env, self.lang) as shown:
            yield shown

    def _summary(self, stats: BatchStats) -> None:
        from ntrk_advisor.batch.progress import write_summary

        write_summary(stats, self.env, self.lang)
