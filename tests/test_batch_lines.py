"""`batch.lines.evaluate_lines`: lines a caller split itself give batch's own output, byte for byte.

What a Spark or Dask job runs per partition. The corpus and its expected outputs are those of
`test_batch_identity.py` (written by `batch` before any speed-up): realistic, random and edge
records, keys twice, a byte-order mark, broken lines, no object at all. FHIR Bundles are compared
with a real `batch --input-format fhir` run over the same file.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ntrk_advisor.batch.lines import evaluate_lines
from ntrk_advisor.batch.sources import MAX_RECORD_BYTES, line_record

ROOT = Path(__file__).parent.parent
CORPUS = "tests/fixtures/batch-identity/corpus.jsonl"
EXPECTED = ROOT / "tests" / "fixtures" / "batch-identity"
FHIR = ROOT / "tests" / "fixtures" / "fhir"
TODAY = dt.date(2026, 12, 7)


def numbered(text: bytes) -> list[tuple[int, bytes]]:
    """The file's lines with their numbers from 1, as a job that splits on newlines has them."""
    return list(enumerate(text.split(b"\n"), 1))


def parts(lines: list[tuple[int, bytes]], count: int) -> list[list[tuple[int, bytes]]]:
    size = -(-len(lines) // count)
    return [lines[i : i + size] for i in range(0, len(lines), size)]


@pytest.mark.parametrize(
    ("expected", "options"),
    [("jsonl.en", {}), ("jsonl.zh.compact", {"lang": "zh", "compact": True})],
)
def test_the_parts_of_a_file_give_the_lines_batch_wrote_for_it(
    expected: str, options: dict[str, object]
) -> None:
    lines = numbered((ROOT / CORPUS).read_bytes())
    out = b"".join(
        line
        for part in parts(lines, 7)  # each part evaluated on its own, as a worker would
        for line in evaluate_lines(part, CORPUS, **options)  # type: ignore[arg-type]
    )
    want = gzip.decompress((EXPECTED / f"{expected}.gz").read_bytes())
    assert out.splitlines() == want.splitlines()
    assert out == want


def test_lines_given_as_text_give_the_same_bytes() -> None:
    lines = numbered((ROOT / CORPUS).read_bytes())
    as_text = [(n, line.decode("utf-8")) for n, line in lines]
    assert b"".join(evaluate_lines(as_text, CORPUS)) == gzip.decompress(
        (EXPECTED / "jsonl.en.gz").read_bytes()
    )


def test_blank_lines_give_nothing_and_an_oversized_line_is_invalid_without_being_read() -> None:
    huge = b'{"age_years": 40, "tumor_type": "' + b"x" * MAX_RECORD_BYTES + b'"}'
    out = list(evaluate_lines([(1, b"\xef\xbb\xbf{}"), (2, b"   "), (3, huge), (4, b"")], "part.jsonl"))
    assert len(out) == 2 and all(line.endswith(b"\n") for line in out)
    first, second = (json.loads(line) for line in out)
    assert first["case_id"] == "part.jsonl:1" and first["status"] == "incomplete"  # the mark is not a key
    assert second["case_id"] == "part.jsonl:3" and second["status"] == "invalid"


def test_bundles_give_the_lines_of_batch_input_format_fhir(tmp_path: Path) -> None:
    bundles = sorted(FHIR.glob("*.json"))
    assert len(bundles) >= 10
    source = tmp_path / "bundles.jsonl"
    source.write_bytes(
        b"\n".join(json.dumps(json.loads(p.read_text(encoding="utf-8"))).encode() for p in bundles)
        + b'\n{"resourceType": "Bundle", "type": "collection"}\nnot json\n'
    )
    env = {**os.environ, "NTRK_ADVISOR_CACHE": str(tmp_path / "cache")}
    env.pop("NTRK_ADVISOR_LANG", None)
    # batch computes ages at its clock's date: the clock of its process is pinned to the same day
    clock = [sys.executable, str(ROOT / "tests" / "fixed_clock_cli.py"), f"{TODAY.isoformat()}T09:00:00"]
    run = [*clock, "batch", str(source), "--input-format", "fhir", "--format", "jsonl", "-q", "--no-progress"]
    done = subprocess.run(run, capture_output=True, env=env, check=False, cwd=ROOT)
    assert done.returncode == 4, done.stderr
    lines = numbered(source.read_bytes())
    assert b"".join(evaluate_lines(lines, str(source), fhir=True, today=TODAY)) == done.stdout


SPACES_AND_NEAR = [b" ", b"\t", b"\r", b"\x0b", b"\x0c", b"\x1c", b"\x85", b"\xa0", b"{}"]
"""ASCII whitespace, and bytes that some notions of space count but `strip()` keeps."""


@given(st.binary(max_size=6) | st.lists(st.sampled_from(SPACES_AND_NEAR)).map(b"".join))
def test_a_line_is_blank_when_strip_leaves_nothing(line: bytes) -> None:
    # The one rule for a blank line (`sources.line_record`), against the bytes `strip()` removes.
    assert (line_record("f.jsonl", 2, line) is None) == (not line.strip())
