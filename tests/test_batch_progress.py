"""Batch progress (U15): a bar by bytes read at a terminal, nothing in a pipe, stdout the same either way.

Each run is the real CLI: in a pseudo-terminal (stderr a terminal, stdout sent to a file by the
shell) and in a plain pipe. The bar fills by the bytes of the input read, with the cases counted,
their rate and the time left; the closing summary is a small table. Without a terminal there is
no bar at all, and the results written are byte for byte the same.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from ntrk_advisor.batch.progress import ByteMeter
from ntrk_advisor.batch.sources import read_records
from tests.test_terminals import ANSI, environment, in_terminal, run

pytestmark = [pytest.mark.slow, pytest.mark.pty]

CASE = {"age_years": 70, "fusion_status": "ihc_only", "emergency": []}


def cohort(tmp_path: Path, count: int = 30_000) -> Path:
    path = tmp_path / "cohort.jsonl"
    path.write_text((json.dumps(CASE) + "\n") * count, encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_terminal_gets_a_bar_by_bytes_and_a_pipe_gets_none_with_the_same_stdout(
    tmp_path: Path, lang: str
) -> None:
    source = cohort(tmp_path)
    at_terminal = tmp_path / "terminal.jsonl"
    env = environment(tmp_path, TERM="xterm-256color")
    code, screen = in_terminal(
        ["batch", str(source), "--lang", lang], env, tmp_path, columns=100, redirect=f"> {at_terminal}"
    )
    assert code == 0
    bar = plain_text(screen)
    assert "━" in bar and "%" in bar  # determinate: the file's size is known
    assert ("cases evaluated" if lang == "en" else "例已评估") in bar
    assert ("cases/s" if lang == "en" else "例/秒") in bar
    assert re.search(r"\d+:\d\d:\d\d|-:--:--", bar)  # the time left
    assert "30,000" in bar  # the summary's count, after the bar has gone

    piped = run(["batch", str(source), "--lang", lang], env, tmp_path)
    assert piped.returncode == 0
    assert "━" not in piped.stderr and "\r" not in piped.stderr and "\x1b" not in piped.stderr
    assert ("cases evaluated" if lang == "en" else "例已评估") not in piped.stderr
    assert at_terminal.read_bytes() == piped.stdout.encode("utf-8")  # the results, byte for byte


def test_the_bar_stays_off_stdout_even_when_both_are_one_terminal(tmp_path: Path) -> None:
    source = cohort(tmp_path, 3000)
    written = tmp_path / "out.jsonl"
    env = environment(tmp_path, TERM="xterm-256color")
    code, _ = in_terminal(["batch", str(source), "--format", "jsonl", "-o", str(written)], env, tmp_path)
    assert code == 0
    piped = run(["batch", str(source)], env, tmp_path)
    assert written.read_bytes() == piped.stdout.encode("utf-8")


def plain_text(screen: str) -> str:
    return ANSI.sub("", screen)


def test_the_meter_counts_the_bytes_of_the_records_read(tmp_path: Path) -> None:
    source = cohort(tmp_path, 10)
    meter = ByteMeter([str(source)], None)
    assert meter.total == source.stat().st_size
    seen = []
    for _ in meter.records(read_records([str(source)])):
        seen.append(meter.read)
    assert seen == [(len(json.dumps(CASE)) + 1) * n for n in range(1, 11)]
    assert seen[-1] == meter.total
    assert ByteMeter(["-"], io.BytesIO(b"{}")).total is None  # a stream of unknown size: no total
