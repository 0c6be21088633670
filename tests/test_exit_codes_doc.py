"""The exit-code tables in README and docs/contract.md list exactly the codes the tool uses.

Scripts branch on exit codes, so a code the tables leave out, or one they list that no longer
exists, misleads every script written from them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ntrk_advisor.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parent.parent


def documented_codes(text: str) -> list[int]:
    """The codes in the first column of the table under the page's `Exit codes` heading."""
    section = re.split(r"^#+ Exit codes[ \t]*$", text, maxsplit=1, flags=re.MULTILINE)[1]
    table = section.split("\n\n", 2)[1]
    return [int(m) for m in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)]


@pytest.mark.parametrize("page", ["README.md", "docs/contract.md"])
def test_the_exit_code_table_lists_every_code_once(page: str) -> None:
    codes = documented_codes((ROOT / page).read_text(encoding="utf-8"))
    assert codes == sorted(code.value for code in ExitCode)


def test_problems_found_is_not_the_bug_code() -> None:
    assert ExitCode.PROBLEMS not in (ExitCode.INTERNAL, ExitCode.USAGE)
