"""README examples are real output: each marked block equals what the tool prints today.

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


@pytest.mark.parametrize("fmt", ["rich", "markdown", "json"])
def test_readme_example_is_the_real_output(fmt: str) -> None:
    text = README.read_text(encoding="utf-8")
    blocks = {m.group(2): m for m in BLOCK.finditer(text)}
    actual = real_output(fmt)
    if os.environ.get("NTRK_UPDATE_README") == "1":
        match = blocks[fmt]
        text = text[: match.start(3)] + actual + text[match.end(3) :]
        README.write_text(text, encoding="utf-8")
        blocks = {m.group(2): m for m in BLOCK.finditer(text)}
    assert blocks[fmt].group(3) == actual
