"""The README's picture of a consult at 80 columns, made from the real prompts' texts and result.

The picture is an SVG drawn by rich (`Console(record=True).save_svg`) from a scripted consult: the
interviewer's breadcrumb above each question, the question and its echoed answer, then the first
screenful of the result (header, bottom line, step 1a and 1b) at 80 columns. It is written to docs/images/ only when
NTRK_ADVISOR_WRITE_SCREENSHOTS=1 (committed once); otherwise the test checks that the committed
picture exists, is referenced from the README, and was drawn 80 columns wide.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

from prompt_toolkit.data_structures import Size
from prompt_toolkit.output import DummyOutput
from rich.console import Console
from rich.text import Text

from ntrk_advisor.api import evaluate
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.prompting.interviewer import Interviewer, question_and_answer
from ntrk_advisor.prompting.steps import Asking
from ntrk_advisor.render.screen import result_screen
from ntrk_advisor.render.view import answer_label

ROOT = Path(__file__).resolve().parents[1]
PICTURE = ROOT / "docs" / "images" / "consult-80-columns.svg"
WIDTH = 80
CASE: dict[str, Any] = {
    "id": "mdt-0412",
    "age_years": 58,
    "tumor_type": "lung adenocarcinoma",
    "emergency": [],
    "fusion_status": "confirmed",
    "setting": "metastatic",
    "cns_disease": "none",
    "treatment_phase": "on_trk_inhibitor",
    "toxicity": "none_or_manageable",
    "progression": "oligo",
}


class Screen80(DummyOutput):
    def get_size(self) -> Size:
        return Size(rows=50, columns=WIDTH)


def scripted_consult(kb: KnowledgeBase) -> Console:
    """The consult as the terminal shows it: breadcrumb, question and answer, then the result."""
    console = Console(width=WIDTH, record=True, file=io.StringIO(), color_system="truecolor")
    interviewer = Interviewer(kb, "en", output=Screen80())
    result = evaluate(CASE, "en", kb)
    for index, step in enumerate(result.trace):
        before = result.trace[:index]
        partial = evaluate({s.field: s.answer for s in before}, "en", kb)
        console.print(Text(interviewer.breadcrumb(Asking(before, partial.pathway, {})), style="bold"))
        prompt = kb.prompt(step.field, "en")
        line = Text("? ", style="bold cyan")
        line.append(question_and_answer(prompt, "", "en").rstrip(": ") + " ", style="bold")
        line.append(answer_label(kb, step.field, step.answer, "en"), style="cyan")
        console.print(line)
    console.print(Text("? Review your answers: Show the recommendation", style="bold"))
    screen = result_screen(result, kb, "en", tumor_type=CASE["tumor_type"])
    # The first screenful: the header, the bottom line, and the two actions of step 1 (1a, 1b).
    for part in screen.renderables[:5]:
        console.print(part)
    return console


def test_the_readme_shows_one_consult_at_80_columns(kb: KnowledgeBase) -> None:
    console = scripted_consult(kb)
    text = console.export_text(clear=False)
    assert "Path: diagnostic ▸ metastatic" in text and "Bottom line" in text
    assert "Step 1a · " in text and "Step 1b · " in text
    assert all(len(line) <= WIDTH for line in text.splitlines())
    if os.environ.get("NTRK_ADVISOR_WRITE_SCREENSHOTS") == "1":
        PICTURE.parent.mkdir(parents=True, exist_ok=True)
        console.save_svg(str(PICTURE), title="ntrk-advisor consult (80 columns)")
    svg = PICTURE.read_text(encoding="utf-8")
    assert "Path:" in svg.replace("&#160;", " ") and "Bottom&#160;line" in svg
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"!\[[^\]]+\]\(docs/images/consult-80-columns\.png\)", readme)
