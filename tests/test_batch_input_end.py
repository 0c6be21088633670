"""Where batch input ends: nothing after a JSON array is dropped unseen, and a closed stdin is a usage line.

Review R3: `batch` read the first top-level array and ignored the rest of the file: a second
array (`cat a.json b.json`), junk, or the JSON Lines after a first line that is an array all
vanished without a word, with an exit code that said all was well. Now what follows the array is
one `invalid` record naming its line and byte, and the exit code says so.
Review R14: `batch -` with standard input closed ended in "unexpected AttributeError".
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRun

Run = Callable[..., CliRun]

ADULT = {"id": "a", "age_years": 50, "fusion_status": "confirmed"}
CHILD = {"id": "b", "age_years": 5, "fusion_status": "confirmed"}
AFTER = "more content follows the array at line {line} (byte {offset}) and was not read"


def results(out: CliRun) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def after_array(result: dict[str, Any], line: int, offset: int) -> bool:
    """The result is the invalid record saying that content follows the array, and where."""
    return (
        result["status"] == "invalid"
        and result["errors"][0]["field"] == "case"
        and result["errors"][0]["message"].startswith(AFTER.format(line=line, offset=offset))
    )


def test_the_review_s_second_array_is_reported_not_dropped(run_cli: Run, tmp_path: Path) -> None:
    first = "[" + json.dumps(ADULT, separators=(",", ":")) + "]\n"
    path = tmp_path / "two.json"
    path.write_text(first + "[" + json.dumps(CHILD, separators=(",", ":")) + "]\n", encoding="utf-8")
    out = run_cli("batch", str(path), "--format", "csv", "-q")
    rows = out.stdout.splitlines()
    assert len(rows) == 3 and rows[1].startswith("a,incomplete")
    assert rows[2].startswith(f"{path}:2,invalid") and f"line 2 (byte {len(first)})" in rows[2]
    assert out.code == 4  # was 3: the second case was gone without a word


@pytest.mark.parametrize(
    ("after", "line"),
    [
        (" junk", 1),
        ("\n" + json.dumps(CHILD), 2),
        ("\n\n  [" + json.dumps(CHILD) + "]\n", 3),
        ("]", 1),
        (",", 1),
        ("\t\r\n{}", 2),
    ],
    ids=[
        "junk",
        "an object on the next line",
        "a second array",
        "a second bracket",
        "a comma",
        "an empty object",
    ],
)
def test_anything_after_the_array_is_one_invalid_record_naming_its_line_and_byte(
    run_cli: Run, tmp_path: Path, after: str, line: int
) -> None:
    array = "[" + json.dumps(ADULT) + ", " + json.dumps(ADULT) + "]"
    path = tmp_path / "cases.json"
    path.write_text(array + after, encoding="utf-8")
    out = run_cli("batch", str(path), "-q")
    got = results(out)
    offset = len(array) + len(after) - len(after.lstrip())
    assert [r["status"] for r in got[:2]] == ["incomplete", "incomplete"] and len(got) == 3
    assert after_array(got[2], line, offset) and got[2]["case_id"] == f"{path}:{line}"
    assert out.code == 4


def test_whitespace_after_the_array_is_no_record(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text("\n[" + json.dumps(ADULT) + "]\n\n \t\r\n", encoding="utf-8")
    out = run_cli("batch", str(path), "-q")
    assert [r["case_id"] for r in results(out)] == ["a"] and out.code == 3


def test_json_lines_after_a_first_line_that_is_an_array_are_reported(run_cli: Run, tmp_path: Path) -> None:
    first = "[" + json.dumps(ADULT) + "]\n"
    path = tmp_path / "cases.jsonl"
    path.write_text(first + json.dumps(CHILD) + "\n" + json.dumps(CHILD) + "\n", encoding="utf-8")
    got = results(run_cli("batch", str(path), "-q"))
    assert len(got) == 2 and got[0]["case_id"] == "a" and after_array(got[1], 2, len(first))


def test_concatenated_pretty_printed_arrays_name_where_the_second_begins(
    run_cli: Run, tmp_path: Path
) -> None:
    one = json.dumps([ADULT, ADULT], indent=2) + "\n"
    two = json.dumps([CHILD], indent=2) + "\n"
    path = tmp_path / "all.json"
    path.write_text(one + two, encoding="utf-8")
    got = results(run_cli("batch", str(path), "-q"))
    assert len(got) == 3 and after_array(got[2], one.count("\n") + 1, len(one))


def test_content_after_an_array_on_standard_input_is_reported_too() -> None:
    text = "[" + json.dumps(ADULT) + "] [" + json.dumps(CHILD) + "]"
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", "batch", "-", "-q"],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
    )
    got = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 4 and len(got) == 2 and got[1]["case_id"] == "<stdin>:1"
    assert after_array(got[1], 1, text.index("] [") + 2)


def test_content_after_a_large_array_is_found_beyond_the_parser_s_first_chunks(
    run_cli: Run, tmp_path: Path
) -> None:
    tricky = {"age_years": 50, "fusion_status": "confirmed", "tumor_type": 'a "quoted" ] } [ { \\ name'}
    array = "[\n" + ",\n".join(json.dumps(dict(tricky, id=f"c{i}")) for i in range(3000)) + "\n]"
    path = tmp_path / "big.json"
    path.write_text(array + "\n" + json.dumps(CHILD) + "\n", encoding="utf-8")
    out = run_cli("batch", str(path), "-q", "--compact")
    got = results(out)
    assert len(got) == 3001 and got[2999]["case_id"] == "c2999"
    assert after_array(got[3000], array.count("\n") + 2, len(array) + 1)


def test_batch_with_standard_input_closed_is_a_usage_line_not_a_crash() -> None:
    done = subprocess.run(
        f"exec {sys.executable} -m ntrk_advisor batch - -q <&-",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "ntrk-advisor: error: cannot read case file <stdin>: standard input is closed\n"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "fhir"])
def test_every_input_format_says_the_same_when_standard_input_is_closed(fmt: str) -> None:
    done = subprocess.run(
        f"exec {sys.executable} -m ntrk_advisor batch - --input-format {fmt} <&-",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        done.returncode == 2 and "standard input is closed" in done.stderr and "Traceback" not in done.stderr
    )
