"""Back one question, digits, "None of these" first and the breadcrumb, typed in a real terminal.

Issue 28 (U8, U9, U10), in both languages, at 80 and 120 columns: Esc goes back to the previous
question with its answer kept, a digit picks a choice at once, Enter on a fresh checklist records
"None of these" (the first item, as the hint says), and the line above each question is the path
so far, never "Question N of about M".
"""

from __future__ import annotations

import io
import json
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.i18n import t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from tests.keyboard import help_text, plain, prompt_text, pty_env

pexpect = pytest.importorskip("pexpect")

pytestmark = [
    pytest.mark.pty,
    pytest.mark.slow,  # real terminal processes, a few seconds each
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
]

ESC = "\x1b"
PATH_WORDS = {
    "en": ("Path: diagnostic", "metastatic"),
    "zh": ("路径：诊断（融合确认）", "转移性"),
}


def start(tmp_path: Path, lang: str, width: int, err: Path, args: list[str] | None = None) -> Any:
    import os

    if args is None:
        args = [
            "consult",
            "--lang",
            lang,
            "--id",
            "c1",
            "--tumor-type",
            "t",
            "--age",
            "58",
            "--format",
            "json",
        ]
    command = shlex.join([sys.executable, "-m", "ntrk_advisor", *args])
    env = pty_env(
        tmp_path,
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        TMPDIR=str(tmp_path),
        COLUMNS=str(width),
    )
    return pexpect.spawn(
        "/bin/sh",
        ["-c", f"exec {command} 2> {shlex.quote(str(err))}"],
        env=env,
        cwd=str(tmp_path),
        encoding="utf-8",
        codec_errors="replace",
        timeout=20,
        dimensions=(40, width),
    )


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_esc_goes_back_digits_pick_none_is_first_and_the_breadcrumb_follows_the_path(
    tmp_path: Path, kb: KnowledgeBase, lang: str, width: int
) -> None:
    err = tmp_path / "stderr.txt"
    child = start(tmp_path, lang, width, err)
    log = io.StringIO()
    child.logfile_read = log
    try:
        # U9: "None of these" first, where the cursor starts; the hint says so; one Enter records it.
        none_label = getattr(kb.questions.questions["emergency"].none_label, lang)
        child.expect_exact(prompt_text(kb, "emergency", lang))
        child.expect_exact(none_label)
        child.send("\r")
        # U9: a digit picks a choice at once (1: confirmed).
        child.expect_exact(help_text(kb, "fusion_status", lang)[:20])
        child.expect_exact(prompt_text(kb, "fusion_status", lang))
        child.send("1")
        # U8: Esc at the next question goes back to the fusion status, its answer kept.
        child.expect_exact(help_text(kb, "setting", lang)[:20])
        child.expect_exact(prompt_text(kb, "setting", lang))
        child.send(ESC)
        child.expect_exact(help_text(kb, "fusion_status", lang)[:20])
        child.expect_exact(prompt_text(kb, "fusion_status", lang))
        child.send("\r")  # Enter: the kept answer, confirmed
        child.expect_exact(prompt_text(kb, "setting", lang))
        child.send("3")  # metastatic
        # U10: the path so far names the metastatic section now.
        child.expect_exact(PATH_WORDS[lang][1])
        child.expect_exact(help_text(kb, "cns_disease", lang)[:20])
        child.sendcontrol("c")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 130
    screen = plain(log.getvalue())
    flat = "".join(screen.split())
    hint = t("checklist_hint", lang, none=none_label)  # type: ignore[arg-type]
    assert "".join(hint.split()) in flat  # the hint, whatever its line breaks
    assert "".join(PATH_WORDS[lang][0].split()) in flat
    assert "ofabout" not in flat and "共约" not in flat
    found = re.search(r"(/\S+?\.json)", err.read_text(encoding="utf-8"))
    assert found is not None, err.read_text(encoding="utf-8")
    kept = json.loads(Path(found.group(1)).read_text(encoding="utf-8"))
    assert {k: kept.get(k) for k in ("emergency", "fusion_status", "setting")} == {
        "emergency": [],
        "fusion_status": "confirmed",
        "setting": "metastatic",
    }


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_case_id_and_tumour_typed_at_the_first_prompts_reach_the_review_the_result_and_the_save_file(
    tmp_path: Path, kb: KnowledgeBase, lang: str, width: int
) -> None:
    """U1: what is typed at the two opening prompts is never lost, in either language, at either width."""
    err, saved, out = tmp_path / "stderr.txt", tmp_path / "saved.json", tmp_path / "result.json"
    flags = ["--age", "58", "--emergency", "none", "--fusion-status", "ihc-only"]
    args = ["consult", "--lang", lang, *flags, "--format", "json", "--save", str(saved), "-o", str(out)]
    child = start(tmp_path, lang, width, err, args)
    log = io.StringIO()
    child.logfile_read = log
    tumour = "lung adenocarcinoma" if lang == "en" else "肺腺癌"
    try:
        child.expect_exact(t("case_id_prompt", lang))  # type: ignore[arg-type]
        child.send("mdt-7\r")
        child.expect_exact(prompt_text(kb, "tumor_type", lang))
        child.send(tumour + "\r")
        child.expect_exact(t("review_prompt", lang))  # type: ignore[arg-type]
        child.expect_exact(tumour)  # listed at the review, after the path's answers, to be corrected there
        child.send("1")  # the first choice: show the recommendation
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, err.read_text(encoding="utf-8")
    review = plain(log.getvalue())
    assert "mdt-7" in review and tumour in review
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["case_id"] == "mdt-7"
    written = json.loads(saved.read_text(encoding="utf-8"))
    assert written["id"] == "mdt-7" and written["tumor_type"] == tumour
