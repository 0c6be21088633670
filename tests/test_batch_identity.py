"""Batch output is byte-identical to the output of the code before issue 27's speed-ups.

The corpus (`tests/fixtures/batch-identity/corpus.jsonl`) holds realistic version-2 records
(complete cases, some broken), records drawn field by field (a third invalid, some incomplete)
and hand-made edge records: keys given twice, a byte-order mark, NaN, an integer of 5,000 digits,
ids with quotes, control characters and Chinese, an escaped colon, deep nesting, no object at all,
and keys of a Bundle or a derived case written with escapes (not imported, as before).
The expected outputs were written by the code of main at 20b4ccd, before any change for speed, and
are kept gzipped: every optimisation of the hot path must give back exactly these bytes.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "batch-identity"
CORPUS = "tests/fixtures/batch-identity/corpus.jsonl"
RUNS = {
    "jsonl.en": ["--format", "jsonl"],
    "jsonl.zh.compact": ["--format", "jsonl", "--lang", "zh", "--compact"],
    "json.en": ["--format", "json"],
    "csv.zh": ["--format", "csv", "--lang", "zh"],
    "markdown.en": ["--format", "markdown"],
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RUNS))
def test_batch_output_is_byte_identical_to_the_code_before_the_speed_ups(name: str, tmp_path: Path) -> None:
    env = {**os.environ, "NTRK_ADVISOR_CACHE": str(tmp_path / "cache")}
    env.pop("NTRK_ADVISOR_LANG", None)
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", "batch", CORPUS, *RUNS[name], "-q", "--no-progress"],
        capture_output=True,
        env=env,
        cwd=ROOT,  # results of records without an id name the file as given, relative to here
        check=False,
    )
    assert done.returncode == 4, done.stderr  # some records are invalid
    expected = gzip.decompress((FIXTURES / f"{name}.gz").read_bytes())
    if done.stdout != expected:  # say where, not just that: the first line that differs
        got, want = done.stdout.splitlines(), expected.splitlines()
        first = next(
            (i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), min(len(got), len(want))
        )
        pytest.fail(
            f"line {first + 1} differs ({len(got)} lines, expected {len(want)}):\n"
            f"got:      {got[first][:600] if first < len(got) else b'<none>'!r}\n"
            f"expected: {want[first][:600] if first < len(want) else b'<none>'!r}"
        )
