"""`ntrk-advisor pathways review` in a real pseudo-terminal (pexpect), as a clinician would use it.

The key and the pathways folder are made inside the test: the repository holds no key and no
review of its own.
"""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest

from ntrk_advisor.authoring.signoff import reviewed
from ntrk_advisor.pathway.knowledge import load_knowledge_base
from tests.conftest import run_main
from tests.keyboard import CTRL_C, DOWN, ENTER, plain, pty_env

pexpect = pytest.importorskip("pexpect")

pytestmark = [
    pytest.mark.pty,
    pytest.mark.slow,  # a real terminal and the exhaustive walk, several seconds
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
]

TIMEOUT = 60


@pytest.fixture
def clinic(tmp_path: Path) -> tuple[Path, Path]:
    """An institution's copy of the pathways and a test reviewer's key listed in it."""
    folder, key = tmp_path / "clinic", tmp_path / "reviewer.key"
    assert run_main("pathways", "init", str(folder)).code == 0
    made = run_main(
        "pathways",
        "reviewer-key",
        "--name",
        "Dr Pty Reviewer",
        "--role",
        "medical oncologist",
        "-o",
        str(key),
        "--pathways-dir",
        str(folder),
    )
    assert made.code == 0, made.stderr
    return folder, key


def test_walk_two_statements_approve_one_request_changes_on_the_other_then_ctrl_c_keeps_both(
    clinic: tuple[Path, Path], tmp_path: Path
) -> None:
    folder, key = clinic
    first, second = list(reviewed(load_knowledge_base(folder)).statements)[:2]
    env = pty_env(tmp_path, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    child = pexpect.spawn(
        sys.executable,
        ["-m", "ntrk_advisor", "pathways", "review", "--key", str(key), "--pathways-dir", str(folder)],
        env=env,
        cwd=str(tmp_path),
        encoding="utf-8",
        codec_errors="replace",
        timeout=TIMEOUT,
        dimensions=(40, 160),
    )
    log = io.StringIO()
    child.logfile_read = log
    try:
        child.expect_exact("Statement 1 of")
        child.expect_exact("Your decision?")
        shown = plain(log.getvalue())
        # What a reviewer must see to judge the statement (issue 25).
        assert first in shown
        assert "Why:" in shown and "[en]" in shown and "[zh]" in shown  # the rationale, both languages
        assert "https://doi.org/10.1093/annonc/mdz204" in shown  # a full reference, with its link
        assert "Marchiò C, et al. ESMO recommendations" in shown
        assert "Article arguments: mechanism.targeted" in shown  # the argument ids
        strength = r"diagnostic\.not_tested \((URGENT|PREFERRED|RECOMMENDED|CONSIDER)"  # as given there
        assert re.search(strength, shown)
        assert "Cases that reach it (answers):" in shown and "fusion_status=not_tested" in shown
        assert re.search(r"… and \d+ more answer combinations", shown)  # and how many in all
        child.send(ENTER)  # approve (the first choice)
        child.expect_exact("Comment (optional):")
        child.send(ENTER)

        child.expect_exact("Statement 2 of")
        child.expect_exact("Your decision?")
        child.send(DOWN + ENTER)  # request changes
        child.expect_exact("Comment (what should change, and why):")
        child.send("Name the assay turnaround." + ENTER)

        child.expect_exact("Statement 3 of")
        child.expect_exact("Stop reviewing (what you decided is saved)")  # the last choice: all drawn
        before_interrupt = len(plain(log.getvalue()))
        child.send(CTRL_C)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.signalstatus is None
    assert child.exitstatus == 130
    after = [line for line in plain(log.getvalue())[before_interrupt:].splitlines() if line.strip()]
    after = [line for line in after if not line.startswith("? Your decision?")]  # the prompt's last redraw
    assert len(after) == 1, after  # one line, and no traceback
    assert after[0].startswith("Review stopped: 2 decision(s) signed and saved"), after

    status = run_main("pathways", "review", "--status", "--format", "json", "--pathways-dir", str(folder))
    assert status.code == 0, status.stderr
    by_id = {s["id"]: s for s in status.json["statements"]}
    assert by_id[first]["status"] == "approved"
    assert [(r["name"], r["role"]) for r in by_id[first]["reviewers"]] == [
        ("Dr Pty Reviewer", "medical oncologist")
    ]
    assert by_id[second]["status"] == "changes_requested"
    assert {s["status"] for sid, s in by_id.items() if sid not in (first, second)} == {"unreviewed"}
    assert status.json["coverage"]["all"]["approved"] == 1
    assert status.json["coverage"]["all"]["changes_requested"] == 1
    records = (folder / "reviews").glob("*.yaml")
    (text,) = [p.read_text(encoding="utf-8") for p in records]
    assert "Name the assay turnaround." in text
