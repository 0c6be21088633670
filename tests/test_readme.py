"""README and docs examples are real output: each marked block equals what the tool prints today.

The README shows the example case on the screen; docs/consult.md shows it in Markdown and JSON.
Refresh after a deliberate change with `NTRK_UPDATE_README=1 pytest tests/test_readme.py`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
FORMATS = ["rich", "markdown", "json"]
README_MAX_LINES = 250
EXAMPLE_CASE = (
    '{"id": "ex-ihc", "age_years": 70, "tumor_type": "colorectal adenocarcinoma", "fusion_status": "ihc_only", '
    '"emergency": []}'
)
BLOCK = re.compile(r"(<!-- example: (\w+) -->\n```\w*\n)(.*?)(```\n<!-- end example -->)", re.S)


def real_output(fmt: str) -> str:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "NTRK_ADVISOR_LANG": "en"}
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", "consult", "--case", "-", "--no-input", "--format", fmt],
        input=EXAMPLE_CASE,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return "\n".join(line.rstrip() for line in done.stdout.splitlines()) + "\n"


def pages_showing(fmt: str) -> list[Path]:
    """The pages that hold an example block of this format."""
    return [
        page
        for page in PAGES
        if any(m.group(2) == fmt for m in BLOCK.finditer(page.read_text(encoding="utf-8")))
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_example_of_the_format_is_the_real_output(fmt: str) -> None:
    pages = pages_showing(fmt)
    assert pages, f"no page shows the {fmt} example any more"
    actual = real_output(fmt)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if os.environ.get("NTRK_UPDATE_README") == "1":
            for match in reversed([m for m in BLOCK.finditer(text) if m.group(2) == fmt]):
                text = text[: match.start(3)] + actual + text[match.end(3) :]
            page.write_text(text, encoding="utf-8")
        shown = [m.group(3) for m in BLOCK.finditer(text) if m.group(2) == fmt]
        assert shown == [actual] * len(shown), (
            f"{page.relative_to(ROOT)}: the {fmt} example is not the real output"
        )


def test_the_readme_shows_the_screen_and_docs_consult_the_other_formats() -> None:
    assert pages_showing("rich") == [README]
    assert pages_showing("markdown") == pages_showing("json") == [ROOT / "docs" / "consult.md"]


def test_every_example_block_is_of_a_format_the_test_regenerates() -> None:
    shown = {m.group(2) for page in PAGES for m in BLOCK.finditer(page.read_text(encoding="utf-8"))}
    assert shown <= set(FORMATS)


def test_the_readme_stays_short() -> None:
    """A newcomer reads the README whole; everything else has its page in docs/ (issue 22)."""
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into docs/"


def test_the_readme_has_one_level_of_sections() -> None:
    """Detail that needs sub-sections has its page in docs/; in the README it ends up filed under the
    wrong section (the speed, cache and hardening notes once sat under Practice)."""
    text = re.sub(r"^```.*?^```", "", README.read_text(encoding="utf-8"), flags=re.S | re.M)
    deeper = re.findall(r"^#{3,} .*$", text, flags=re.M)
    assert deeper == []
