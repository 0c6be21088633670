"""Evaluate a stream of records: one result per record, in order, never stopping on a bad one."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import NamedTuple

from ntrk_advisor.batch.encode import DecisionEncoder, Summary, result_line, summary_of
from ntrk_advisor.batch.sources import Record
from ntrk_advisor.contract.case import Case, case_from_data
from ntrk_advisor.contract.decode import case_from_json, decode_json, loads
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.record_decoder import case_from_record
from ntrk_advisor.contract.result import Result
from ntrk_advisor.engine import build_result, decide, echoable_id, invalid_result
from ntrk_advisor.i18n import Lang
from ntrk_advisor.intake import is_imported, looks_imported, read_answers
from ntrk_advisor.pathway.knowledge import KnowledgeBase

FOLD_AT = 10_000
"""Distinct summaries counted before `BatchStats.fold` counts them under a few stand-ins again."""


class Item(NamedTuple):
    """One evaluated record: its case id, its contract JSON line and a summary for tables."""

    case_id: str
    line: bytes
    """The contract JSON, UTF-8 encoded, without a newline."""
    summary: Summary


class Evaluated(NamedTuple):
    """One record evaluated in full: the whole `Result` (every text and citation) and its tumour type."""

    result: Result
    tumor_type: str | None
    """The case's tumour type when it validated (shown, never routed on), else None."""
    where: str
    """`<file>:<line>` or `<file>[<index>]`: the record's place, its case id when it has none."""


class BatchStats:
    """Counts for the closing summary and the exit code, in memory that does not grow with the input.

    `per_summary` is keyed by summary object (compared by identity, which is fast): the hot path
    counts the summaries the encoder shares per path straight into it. Every other result (an
    invalid record, a Bundle, a whole `Result`) has a summary of its own, so it is counted through
    `add`, under one stand-in per status, pathway and actions: all the counts need.
    """

    def __init__(self) -> None:
        self.per_summary: dict[Summary, int] = {}
        self._stand_ins: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Summary] = {}
        self.started = time.perf_counter()
        self.finished: float | None = None

    def add(self, summary: Summary, n: int = 1) -> None:
        """Count a result whose summary may be its own (one dict update on a shared stand-in)."""
        stand_in = self._stand_in(summary)
        self.per_summary[stand_in] = self.per_summary.get(stand_in, 0) + n

    def fold(self) -> None:
        """Count everything under stand-ins again, so `per_summary` shrinks to a few entries.

        Summaries shared per path also differ by the answers a case left unused, and a varied input
        can bring many of those; the hot path folds when it has counted `FOLD_AT` of them.
        """
        counted, self.per_summary = self.per_summary, {}
        for summary, n in counted.items():
            self.add(summary, n)

    def _stand_in(self, summary: Summary) -> Summary:
        key = (summary.status, summary.pathway, summary.actions)
        stand_in = self._stand_ins.get(key)
        if stand_in is None:
            stand_in = self._stand_ins[key] = Summary(
                summary.status, summary.pathway, None, summary.actions, (), (), ()
            )
        return stand_in

    @property
    def total(self) -> int:
        """Number of records evaluated."""
        return sum(self.per_summary.values())

    @property
    def seconds(self) -> float:
        """Elapsed time (up to now while running)."""
        return (self.finished or time.perf_counter()) - self.started

    @property
    def by_status(self) -> Counter[str]:
        """Results per status."""
        return self._count(lambda s: [s.status])

    @property
    def by_pathway(self) -> Counter[str]:
        """Results per pathway they ended in."""
        return self._count(lambda s: [s.pathway] if s.pathway else [])

    @property
    def by_action(self) -> Counter[str]:
        """How often each action code was recommended."""
        return self._count(lambda s: [code for code, _ in s.actions])

    def _count(self, keys: Callable[[Summary], list[str]]) -> Counter[str]:
        counter: Counter[str] = Counter()
        for summary, n in self.per_summary.items():
            for key in keys(summary):
                counter[key] += n
        return counter


class BatchEvaluator:
    """Turns records into items with one knowledge base, language and encoder."""

    def __init__(
        self, kb: KnowledgeBase, lang: Lang, *, today: date, compact: bool = False, fhir: bool = False
    ) -> None:
        self.kb = kb
        self.lang = lang
        self.compact = compact
        self.encoder = DecisionEncoder(kb, lang, compact=compact)
        self.fhir = fhir
        """Every record must be a FHIR Bundle (`--input-format fhir`); otherwise one is recognised."""
        self.today = today
        """The date ages are computed at for Bundles without a timestamp: the run's, from its clock."""

    def run(self, records: Iterable[Record], stats: BatchStats) -> Iterator[Item]:
        """Evaluate every record in order, counting into `stats`.

        The common case (a valid JSON Lines record) is handled inline: this is the hot loop.
        """
        decode, from_data, from_record = decode_json, case_from_data, case_from_record
        encode = self.encoder.encode
        kb = self.kb
        count = stats.per_summary
        fold_at = FOLD_AT
        fhir = self.fhir
        for record in records:
            raw = record.raw
            if raw is None or fhir:
                item = self.evaluate(record)
                stats.add(item.summary)
            else:
                value: object = None  # not decoded (yet)
                try:
                    case = from_record(raw)  # a plain record, decoded and checked in one pass
                    if case is None:
                        # Decoded once: an invalid record's id is read from the same value.
                        value = _UNDECODABLE
                        value = decode(raw)
                        case = from_data(value)
                except CaseInvalid as exc:
                    item = self._not_a_case(record, exc, value)
                    stats.add(item.summary)  # a summary of its own: never kept
                else:
                    case_id = case.id or record.where
                    line, summary = encode(decide(case, kb), case_id)
                    item = Item(case_id, line, summary)
                    count[summary] = count.get(summary, 0) + 1  # shared per path
                    if len(count) > fold_at:
                        stats.fold()
                        count = stats.per_summary
            yield item
        stats.finished = time.perf_counter()

    def forget(self) -> None:
        """Let go of what was kept to go faster: the encoder's JSON and the knowledge's memos.

        For a run that has evaluated every record and still has work to do with what it kept (the
        table, drawn whole after the last record): the memory is free for that work.
        """
        self.encoder = DecisionEncoder(self.kb, self.lang, compact=self.compact)
        self.kb.unused_memo.clear()
        self.kb.missing_memo.clear()
        self.kb.parts_memo.clear()

    def results(self, records: Iterable[Record], stats: BatchStats) -> Iterator[Evaluated]:
        """Every record as a whole `Result`, in order, counting into `stats`.

        The path of outputs that show every text with its citations (the HTML pages): a result is
        built per record rather than cut from the cached JSON of its path, which keeps no citations.
        """
        for record in records:
            evaluated = self.evaluate_in_full(record)
            stats.add(summary_of(evaluated.result))
            yield evaluated
        stats.finished = time.perf_counter()

    def evaluate_in_full(self, record: Record) -> Evaluated:
        """One record to its whole result; validation problems become an `invalid` result."""
        try:
            if record.oversized:
                raise CaseInvalid.whole_record("too_large", limit=record.limit)
            if record.broken is not None:
                raise CaseInvalid.whole_record("json", detail=f"the array breaks off here ({record.broken})")
            if record.refused is not None:
                raise CaseInvalid([record.refused])
            case = case_from_json(record.raw) if record.raw is not None else case_from_data(record.value)
        except CaseInvalid as exc:
            return Evaluated(self._invalid_result(record, exc), None, record.where)
        result = build_result(decide(case, self.kb), case.id or record.where, self.lang, self.kb)
        return Evaluated(result, case.tumor_type, record.where)

    def evaluate(self, record: Record) -> Item:
        """One record to one item; validation problems become an `invalid` item."""
        try:
            if record.oversized:
                raise CaseInvalid.whole_record("too_large", limit=record.limit)
            if record.broken is not None:
                raise CaseInvalid.whole_record("json", detail=f"the array breaks off here ({record.broken})")
            if record.refused is not None:
                raise CaseInvalid([record.refused])
            if self.fhir:
                value = decode_json(record.raw) if record.raw is not None else record.value
                return self._imported(record, value)
            case = case_from_json(record.raw) if record.raw is not None else case_from_data(record.value)
        except CaseInvalid as exc:
            return self._not_a_case(record, exc)
        return self._complete_or_incomplete(record, case)

    def _not_a_case(self, record: Record, exc: CaseInvalid, decoded: object = None) -> Item:
        """A record that is no valid case: a FHIR Bundle or a derived case is imported instead.

        `decoded` is the record's value when the caller has decoded its text (`_UNDECODABLE` when
        that failed), so it is not decoded again; None when the caller has not tried.
        """
        value, raw = record.value, record.raw
        if raw is not None and looks_imported(raw):  # the text names the keys as written, unescaped
            if decoded is None:
                try:
                    value = decode_json(raw)
                except CaseInvalid:
                    value = None
            else:
                value = None if decoded is _UNDECODABLE else decoded
        if is_imported(value):
            return self._imported(record, value)
        return self._invalid(record, exc, decoded)

    def _imported(self, record: Record, value: object) -> Item:
        """A Bundle (or derived case) evaluated; the result carries its `sources`.

        A Bundle that cannot be read is an `invalid` record naming the FHIR path; its id is the
        record's place, never a value of the Bundle.
        """
        from ntrk_advisor.fhir.elements import FhirError

        try:
            if not is_imported(value):
                raise FhirError("Bundle.resourceType", "not_bundle")
            answers = read_answers(value, today=self.today)
        except FhirError as exc:
            problem = CaseInvalid.whole_record("fhir", where=exc.where, reason=exc.reason, values=exc.values)
            return self._located_invalid(record, problem, None)
        except CaseInvalid as exc:
            return self._located_invalid(record, exc, None)
        try:
            case = case_from_data(answers.values)
        except CaseInvalid as exc:
            own = echoable_id(answers.values, exc)
            return self._located_invalid(record, exc, dict(answers.sources), own)
        item = self._complete_or_incomplete(record, case)
        return item._replace(line=_with_sources(item.line, answers.sources_for(case.answers())))

    def _located_invalid(
        self,
        record: Record,
        exc: CaseInvalid,
        sources: dict[str, list[str]] | None,
        case_id: str | None = None,
    ) -> Item:
        result = invalid_result(exc, self.lang, self.kb, case_id or record.where)
        line = result_line(result, compact=self.compact).encode()
        return Item(result.case_id or record.where, _with_sources(line, sources or {}), summary_of(result))

    def _complete_or_incomplete(self, record: Record, case: Case) -> Item:
        case_id = case.id or record.where
        line, summary = self.encoder.encode(decide(case, self.kb), case_id)
        return Item(case_id, line, summary)

    def _invalid(self, record: Record, exc: CaseInvalid, decoded: object = None) -> Item:
        value = self._decoded(record, decoded)
        case_id = echoable_id(value, exc) or record.where
        line, summary = self.encoder.invalid(exc, case_id)
        return Item(case_id, line, summary)

    def _invalid_result(self, record: Record, exc: CaseInvalid) -> Result:
        case_id = echoable_id(self._decoded(record, None), exc) or record.where
        return invalid_result(exc, self.lang, self.kb, case_id)

    @staticmethod
    def _decoded(record: Record, decoded: object) -> object:
        """The record's value for reading its id: a key given twice leaves no id to trust."""
        if record.raw is None:
            return record.value
        if decoded is not None:
            return None if decoded is _UNDECODABLE else decoded
        try:
            return loads(record.raw)
        except (ValueError, RecursionError):
            return None


_UNDECODABLE = object()
"""Stands for a record whose text did not decode (so it has no id to echo)."""


def _with_sources(line: bytes, sources: dict[str, list[str]]) -> bytes:
    """A result line with the additive `sources` key last (results of FHIR input carry it)."""
    return line[:-1] + b',"sources":' + json.dumps(sources, ensure_ascii=False).encode() + b"}"
