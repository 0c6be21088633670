"""Batch's result lines for JSON Lines records a caller split itself: a Spark or Dask partition.

A cluster splits a registry's JSON Lines file into parts and evaluates each part where it lies.
`evaluate_many` serves that, but it builds every `Result` in full and leaves the JSON to the
caller: about 2.5 times the CPU per case of `batch`, which splices each path's JSON kept once. Here
a part's lines go through batch's own evaluator, so a worker spends what `batch` spends, and each
line out is, byte for byte, the line `batch --format jsonl` writes for that record: the same
validation, the same `invalid` results naming `<source>:<line>`, the same ids and `sources`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from ntrk_advisor.batch.runner import BatchEvaluator, BatchStats
from ntrk_advisor.batch.sources import Record, line_record
from ntrk_advisor.environment import local_now
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.knowledge import KnowledgeBase, default_knowledge_base

__all__ = ["evaluate_lines"]


def evaluate_lines(
    lines: Iterable[tuple[int, bytes | str]],
    source: str,
    lang: Lang = "en",
    knowledge: KnowledgeBase | None = None,
    *,
    today: dt.date | None = None,
    compact: bool = False,
    fhir: bool = False,
) -> Iterator[bytes]:
    """Each record's contract result as one JSON line ending in a newline, lazily, in order.

    `lines` gives each line of the JSON Lines file `source` with its number, counted from 1 as
    batch counts them (Spark's `zipWithIndex` counts from 0: add one); blank lines give nothing,
    as in batch. `compact` and `fhir` are batch's `--compact` and `--input-format fhir`; `today` is
    the date ages are computed at for Bundles that carry none (default: the process's clock).
    Without `knowledge`, the pathways in use are loaded once (NTRK_ADVISOR_PATHWAYS, else the
    built-ins).
    """
    evaluator = BatchEvaluator(
        knowledge or default_knowledge_base(),
        lang,
        today=today or local_now().date(),
        compact=compact,
        fhir=fhir,
    )
    for item in evaluator.run(_records(lines, source), BatchStats()):
        yield item.line + b"\n"


def _records(lines: Iterable[tuple[int, bytes | str]], source: str) -> Iterator[Record]:
    for number, line in lines:
        record = line_record(
            source, number, line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
        )
        if record is not None:
            yield record
