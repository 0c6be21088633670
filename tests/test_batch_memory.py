"""Batch memory stays flat: nothing is kept per record, whatever the records are.

Regression tests for the security review's R4 (the counts kept one summary object per invalid
record: 126 MB for 300,000 invalid records against 35 MB for valid ones, 470-550 MB at a million
cases) and R5 (`--format html` kept a row per case, about 2.3 KB each, for the index). A varied
input can also bring a new pattern of unused answers with almost every valid record, so the
caches that vary by case are bounded too; and the table, which shows at most 5,000 rows, is
drawn within the same memory target. `benchmarks/memory.py` measures every format at a
million cases.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.batch import encode, runner
from ntrk_advisor.batch.html_pages import INDEX, PageNames, write_pages
from ntrk_advisor.batch.runner import BatchEvaluator, BatchStats
from ntrk_advisor.batch.sources import read_records
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.html_report import index_row, render_index
from tests.fhir_support import TODAY

GENERATED = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.timezone.utc)

FIELDS: dict[str, list[Any]] = {
    "setting": ["early", "locally_advanced", "metastatic"],
    "response": ["complete", "partial", "stable", "progression"],
    "max_response_reached": [True, False],
    "resectable_now": [True, False],
    "resection_margin": ["r0", "r1", "r2"],
    "cns_disease": ["none", "asymptomatic"],
    "tumor_category": ["soft_tissue_sarcoma", "thyroid", "lung", "colorectal", "other"],
    "other_driver": [True, False],
    "residual_disease": ["none", "present"],
    "toxicity": ["none_or_manageable", "dose_limiting"],
    "fit_for_surgery": [True, False],
}


def invalid_lines(n: int) -> Iterator[str]:
    """Invalid records, each wrong in its own words (no two error messages alike)."""
    for i in range(n):
        flaw: dict[str, Any] = (
            {"age_years": -1 - i} if i % 2 else {"age_years": 40, f"note_{i}": "unknown key"}
        )
        yield json.dumps({"id": f"c{i}", "fusion_status": "confirmed", **flaw})


def varied_lines(n: int, seed: int = 3) -> Iterator[str]:
    """Valid records on one short path, each giving its own subset of answers the path leaves unused."""
    rng = random.Random(seed)
    for i in range(n):
        case: dict[str, Any] = {
            "id": f"v{i}",
            "age_years": 50,
            "fusion_status": "negative",
            "emergency": [],
            "assay": "rna_ngs",
        }
        case.update({f: rng.choice(v) for f, v in FIELDS.items() if rng.random() < 0.5})
        yield json.dumps(case)


def evaluated(kb: KnowledgeBase, path: Path) -> tuple[BatchEvaluator, BatchStats, int]:
    evaluator = BatchEvaluator(kb, "en", today=TODAY)
    stats = BatchStats()
    n = sum(1 for _ in evaluator.run(read_records([str(path)]), stats))
    return evaluator, stats, n


def counts(stats: BatchStats) -> tuple[Any, ...]:
    return (
        stats.total,
        stats.by_status.most_common(),
        stats.by_pathway.most_common(),
        stats.by_action.most_common(),
    )


def test_invalid_records_are_counted_without_keeping_anything_of_each(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    path = tmp_path / "invalid.jsonl"
    path.write_text("\n".join(invalid_lines(3000)) + "\n", encoding="utf-8")
    _, stats, n = evaluated(kb, path)
    assert n == stats.total == stats.by_status["invalid"] == 3000
    assert len(stats.per_summary) == 1  # one stand-in for every invalid record


def test_varied_unused_answers_keep_the_counts_and_caches_bounded_and_the_counts_right(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "varied.jsonl"
    path.write_text("\n".join(varied_lines(1500)) + "\n", encoding="utf-8")
    _, unbounded, _ = evaluated(kb, path)
    assert len(unbounded.per_summary) > 100  # the input does vary: many patterns of unused answers
    monkeypatch.setattr(runner, "FOLD_AT", 20)
    monkeypatch.setattr(encode, "CACHE_LIMIT", 20)
    evaluator, bounded, _ = evaluated(kb, path)
    assert len(bounded.per_summary) <= 21
    assert len(evaluator.encoder._summaries) <= 20 and len(evaluator.encoder._unused) <= 20
    assert len(evaluator.encoder._heads) <= 20 and len(evaluator.encoder._action_texts) <= 20
    assert counts(bounded) == counts(unbounded)  # the summary says the same, in the same order


def test_a_run_lets_go_of_what_it_kept_to_go_faster_once_every_record_is_evaluated(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    path = tmp_path / "varied.jsonl"
    path.write_text("\n".join(varied_lines(300)) + "\n", encoding="utf-8")
    evaluator, _, _ = evaluated(kb, path)
    assert evaluator.encoder._templates and kb.unused_memo  # kept while the records were evaluated
    evaluator.forget()  # what a table run does before it draws
    assert not evaluator.encoder._templates and not evaluator.encoder._heads
    assert not kb.unused_memo and not kb.missing_memo and not kb.parts_memo


def test_the_output_is_the_same_whatever_the_caches_hold(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "varied.jsonl"
    path.write_text("\n".join(varied_lines(400)) + "\n", encoding="utf-8")
    lines = [
        item.line
        for item in BatchEvaluator(kb, "en", today=TODAY).run(read_records([str(path)]), BatchStats())
    ]
    monkeypatch.setattr(encode, "CACHE_LIMIT", 3)
    again = [
        item.line
        for item in BatchEvaluator(kb, "en", today=TODAY).run(read_records([str(path)]), BatchStats())
    ]
    assert again == lines


def test_the_html_index_written_from_rows_put_aside_is_the_index_of_the_rows(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    path = tmp_path / "cases.jsonl"
    mixed = [
        *varied_lines(30),
        *invalid_lines(10),
        json.dumps({"id": "a"}),
        json.dumps({"id": "A", "age_years": 3}),
    ]
    path.write_text("\n".join(mixed) + "\n", encoding="utf-8")
    for lang in ("en", "zh"):
        folder = tmp_path / f"pages-{lang}"
        evaluator = BatchEvaluator(kb, lang, today=TODAY)
        results = list(evaluator.results(read_records([str(path)]), BatchStats()))
        assert write_pages(results, folder, (path,), kb, lang, GENERATED) == len(mixed)
        written = sorted(p.name for p in folder.iterdir())
        assert INDEX in written and len(written) == len(mixed) + 1  # no spool or name store left behind
        names = PageNames(tmp_path, (path,))
        rows = [
            index_row(number, names.name_for(r.case_id if r.case_id != where else None, number), r, kb, lang)
            for number, (r, _, where) in enumerate(results, 1)
        ]
        names.close()
        expected = render_index(rows, kb, lang)
        assert 'href="a.html"' in expected and 'href="a-2.html"' in expected
        assert (folder / INDEX).read_text(encoding="utf-8") == expected


LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def peak_rss_mb(*args: str) -> float:
    """Peak RSS of one real `ntrk-advisor` process.

    Started by a small launcher, not by this process: Linux counts the RSS a process had before
    `exec` in its child's peak, and the test process is far larger than the command.
    """
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "ntrk_advisor", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    code, kilobytes = map(int, done.stdout.split())
    assert code in (0, 3, 4), done.stderr
    return kilobytes / 1024


@pytest.mark.slow
def test_memory_does_not_grow_with_invalid_records(tmp_path: Path) -> None:
    """The review's attack: 300,000 invalid records took 126 MB (35 MB valid); 0.3-1 KB each."""
    rss = []
    for n in (20_000, 120_000):
        path = tmp_path / f"invalid-{n}.jsonl"
        path.write_text("\n".join(invalid_lines(n)) + "\n", encoding="utf-8")
        rss.append(peak_rss_mb("batch", str(path), "-q", "-o", str(tmp_path / "out.jsonl")))
    assert rss[1] - rss[0] < 10, rss  # 100,000 more records: was 30-100 MB more


@pytest.mark.slow
def test_html_memory_does_not_grow_with_pages(tmp_path: Path) -> None:
    """`--format html` kept a row per case (~2.3 KB): 93 MB at 20,000 cases, 186 MB at 60,000."""
    rss = []
    for n in (1_000, 9_000):
        path = tmp_path / f"cases-{n}.jsonl"
        path.write_text("\n".join(varied_lines(n)) + "\n", encoding="utf-8")
        rss.append(
            peak_rss_mb("batch", str(path), "--format", "html", "-q", "-o", str(tmp_path / f"pages-{n}"))
        )
    assert rss[1] - rss[0] < 8, rss  # 8,000 more pages: was about 18 MB more


@pytest.mark.slow
def test_the_table_is_drawn_in_bounded_memory(tmp_path: Path) -> None:
    """`--format table` draws at most 5,000 rows; it held every cell's lines of three layouts and
    every segment of the drawing at once (170 MB for 5,000 rows of 25 given fields)."""
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(varied_lines(6_000)) + "\n", encoding="utf-8")
    rss = peak_rss_mb("batch", str(path), "--format", "table", "-q", "-o", str(tmp_path / "table.txt"))
    assert rss < 80, rss  # was 107 MB for these rows
