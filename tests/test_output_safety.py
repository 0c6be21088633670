"""Text from a case is shown literally in every format: no markup, no escapes, no formulas, no HTML.

Regression tests for the reliability review's M1 (a bare carriage return split a CSV row), M2 (rich
markup from case text became a live link) and M3 (escape sequences reached the terminal), and its
Markdown findings (a newline in the id started a heading; `<script>` and links were live).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ntrk_advisor import evaluate
from ntrk_advisor.render.csv_safe import csv_line, neutralise
from ntrk_advisor.render.safe_text import markdown_text, shown

ATTACKS = [
    "[link=http://evil.example]LNK[/link]",
    "[bold red]MARKUP[/]",
    "\x1b[2J",
    "\x1b]0;PWNED-TITLE\x07",
    "\x1b]8;;http://evil.example/\x1b\\x\x1b]8;;\x1b\\",
    "evil\u202ereversed",
    "line one\n# heading",
    "<script>alert(1)</script>",
    "[click](http://evil.example)",
    "**bold**",
    "x\r=cmd|' /C calc'!A0",
    "\r=1+1",
    '=HYPERLINK("http://evil")',
    "nul\x00byte",
]
IHC = {"age_years": 70, "fusion_status": "ihc_only", "emergency": []}
TERMINAL_ESCAPE = re.compile(r"\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b\[[0-9;]*[A-Za-z]")


@pytest.mark.parametrize("text", ATTACKS)
def test_shown_text_has_no_control_or_bidi_character(text: str) -> None:
    out = shown(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or 0x202A <= ord(c) <= 0x202E for c in out)


def test_controls_are_written_out_visibly() -> None:
    assert shown("a\x1bb\u202ec") == "a\\x1bbU+202Ec"


@pytest.mark.parametrize("text", ATTACKS)
def test_markdown_text_is_inert(text: str) -> None:
    out = markdown_text(text)
    assert "\n" not in out and "<script" not in out and "](" not in out and "**" not in out.replace("\\*", "")


FORMULAS = ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"]
INERT = ["1-1", "a=b", "", "'=already quoted"]


@pytest.mark.parametrize("cell", FORMULAS + INERT)
def test_only_a_cell_a_spreadsheet_would_run_gets_a_quote_first(cell: str) -> None:
    assert neutralise(cell) == ("'" + cell if cell in FORMULAS else cell)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.text(max_size=20), min_size=2, max_size=8))
def test_csv_reads_back_cell_for_cell_and_never_starts_a_cell_with_a_formula(cells: list[str]) -> None:
    line = csv_line(cells)
    (read,) = list(csv.reader(io.StringIO(line, newline="")))
    assert len(read) == len(cells)
    for cell in read:
        assert not cell.startswith(("=", "+", "-", "@"))


@pytest.mark.parametrize("text", ATTACKS)
@pytest.mark.parametrize("fmt", ["rich", "markdown"])
def test_consult_screens_show_case_text_literally(run_cli: Any, tmp_path: Path, text: str, fmt: str) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps({**IHC, "id": text[:64], "tumor_type": text}), encoding="utf-8")
    out = run_cli("consult", "--case", str(case), "--no-input", "--format", fmt, env={"COLUMNS": "200"})
    assert TERMINAL_ESCAPE.search(out.stdout) is None
    assert "\u202e" not in out.stdout and "\x00" not in out.stdout
    if fmt == "markdown":
        assert "<script" not in out.stdout and "\n# heading" not in out.stdout
        assert "](http://evil" not in out.stdout


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])
def test_batch_formats_show_case_text_literally(run_cli: Any, tmp_path: Path, fmt: str) -> None:
    lines = [json.dumps({**IHC, "id": text[:64], "tumor_type": text}) for text in ATTACKS]
    lines.append(json.dumps({**IHC, "[bold]x[/]\x1b[2J": 1}))  # an unknown key is echoed in errors
    path = tmp_path / "attacks.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = run_cli("batch", str(path), "--format", fmt, "-q", env={"COLUMNS": "250"})
    assert TERMINAL_ESCAPE.search(out.stdout) is None and "\u202e" not in out.stdout
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(out.stdout, newline="")))
        assert len(rows) == len(lines) + 1  # no row split by a carriage return
        for row in rows[1:]:
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)
    if fmt == "markdown":
        assert "<script" not in out.stdout
        assert len(out.stdout.splitlines()) == len(lines) + 2


def test_json_output_still_carries_the_text_exactly() -> None:
    text = "evil\u202e\x1b[2J"
    result = evaluate({**IHC, "id": text, "tumor_type": "t"})
    assert result.case_id == text  # the contract's data are the caller's own, escaped only by JSON
