"""The decision path of one result, drawn as an inline SVG for the HTML report.

A vertical chain: one box per question the path asked (the result's trace, in order), the answer
given written on the arrow that leaves it, ending in the outcome (the pathway reached), in the
question that is still unanswered, or, for a case that failed validation, in a box saying that it
was not evaluated. Nothing is routed here: the trace is what the engine walked. Every text is
escaped, and the drawing needs no script, no font and no image from anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ntrk_advisor.contract.result import Result
from ntrk_advisor.contract.vocabulary import PathwayName, Status
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.view import answer_label, bottom_line

WIDTH = 330
"""Drawing units across; the report shows the drawing about this many CSS pixels wide."""
FONT = 10.5
LINE = 13.5
PAD = 5.0
MARGIN = 2.0
SPINE = 22.0
"""Where the arrows run, from the left edge."""
CAPTION = 15.0

PATH = "#1f5fa8"
DONE = "#1b7f3b"
WAITING = "#a15c00"
STOPPED = "#6b6b6b"

_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKENS = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")
_NO_LINE_START = frozenset("，。、；：！？）」』》〉,.;:!?)")


_WIDE_CHAR = re.compile(rf"[{_WIDE}]")


def text_width(text: str, font: float = FONT) -> float:
    """A generous estimate of the drawn width of `text` in a sans-serif face (CJK: one em each)."""
    em = 0.0
    for char in text:
        if _WIDE_CHAR.match(char) or char in "·“”‘’—…":  # a CJK face draws these full width
            em += 1.0
        elif char.isspace() or char in ".,:;'!|()[]/-":
            em += 0.32
        elif char.isupper() or char in "mw%@&":
            em += 0.72
        else:
            em += 0.56
    return em * font


def wrap(text: str, width: float, font: float = FONT) -> list[str]:
    """`text` broken into lines no wider than `width` (between words, or between CJK characters)."""
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        if token.isspace():
            if line:
                line += " "
            continue
        while text_width(token, font) > width:  # a word longer than a line: cut it
            cut = len(token)
            while cut > 1 and text_width(line + token[:cut], font) > width:
                cut -= 1
            if line and cut == 1:
                lines.append(line.rstrip())
                line = ""
                continue
            lines.append((line + token[:cut]).rstrip())
            line, token = "", token[cut:]
        if line and text_width(line + token, font) > width and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = ""
        line += token
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


@dataclass(frozen=True)
class _Step:
    """One question on the path: its pathway module, its words and the answer given."""

    pathway: str | None
    question: str
    answer: str


def path_steps(result: Result, kb: KnowledgeBase, lang: Lang) -> list[_Step]:
    """The questions of the trace, worded in `lang`, with the answers given."""
    steps = []
    for step in result.trace:
        node = kb.nodes.get(step.node)
        pathway = node.pathway.value if node is not None else step.node.partition(".")[0]
        try:
            question = kb.prompt(step.field, lang)
        except KeyError:  # a result from other knowledge: show the field's name
            question = step.field
        steps.append(_Step(pathway, question, answer_label(kb, step.field, step.answer, lang)))
    return steps


def _pathway_label(name: str | None, lang: Lang) -> str | None:
    if name is None or name not in PathwayName._value2member_map_:
        return None
    return t(f"pathway.{name}", lang)


def _end(result: Result, kb: KnowledgeBase, lang: Lang) -> tuple[list[str], str, bool]:
    """The last box: its lines of text, its colour, and whether it is drawn dashed."""
    sep = t("label_sep", lang)
    if result.status is Status.INVALID:
        return [t("html.not_evaluated", lang)], STOPPED, True
    if result.status is Status.INCOMPLETE:
        question = kb.prompt(result.missing[0], lang) if result.missing else ""
        return [t("html.not_answered", lang) + sep + question], WAITING, True
    pathway = _pathway_label(result.pathway.value if result.pathway else None, lang) or "-"
    do = [t(f"action.{a.action.value}", lang) for a in bottom_line(result).do]
    return [t("html.outcome", lang) + sep + pathway, " · ".join(do)], DONE, False


class _Canvas:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.y = MARGIN

    def text(self, x: float, lines: Sequence[str], *, cls: str = "", fill: str | None = None) -> None:
        for i, line in enumerate(lines):
            attrs = f' class="{cls}"' if cls else ""
            if fill:
                attrs += f' fill="{fill}"'
            baseline = self.y + PAD + FONT * 0.95 + i * LINE
            self.parts.append(f'<text x="{x:g}" y="{baseline:g}"{attrs}>{escape(line)}</text>')

    def box(
        self, lines: Sequence[str], colour: str, fill: str, *, dashed: bool = False, cls: str = ""
    ) -> None:
        height = 2 * PAD + LINE * len(lines)
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        self.parts.append(
            f'<rect x="{MARGIN:g}" y="{self.y:g}" width="{WIDTH - 2 * MARGIN:g}" height="{height:g}" '
            f'rx="5" fill="{fill}" stroke="{colour}" stroke-width="1.4"{dash}/>'
        )
        self.text(MARGIN + 8, lines, cls=cls)
        self.y += height

    def arrow(self, answer: Sequence[str]) -> None:
        height = LINE * max(1, len(answer)) + 2 * PAD + 4
        top, bottom = self.y, self.y + height
        self.parts.append(
            f'<line x1="{SPINE:g}" y1="{top:g}" x2="{SPINE:g}" y2="{bottom - 6:g}" stroke="{PATH}" '
            f'stroke-width="2.2"/><path d="M{SPINE - 4.5:g},{bottom - 7:g} L{SPINE + 4.5:g},{bottom - 7:g} '
            f'L{SPINE:g},{bottom:g} z" fill="{PATH}"/>'
        )
        if answer:
            width = max(text_width(line) for line in answer) + 10
            self.parts.append(
                f'<rect x="{SPINE + 7:g}" y="{top + PAD - 2:g}" width="{width:g}" '
                f'height="{LINE * len(answer) + 5:g}" rx="3" fill="#dce8f6"/>'
            )
            self.y = top
            self.text(SPINE + 12, answer, cls="answer")
        self.y = bottom

    def caption(self, text: str) -> None:
        self.parts.append(
            f'<text x="{MARGIN + 1:g}" y="{self.y + CAPTION - 4:g}" class="module">{escape(text)}</text>'
        )
        self.y += CAPTION


def path_svg(result: Result, kb: KnowledgeBase, lang: Lang) -> str:
    """The path as SVG markup, every text escaped (safe to place in HTML as it is)."""
    steps = path_steps(result, kb, lang)
    inner = WIDTH - 2 * MARGIN - 16
    canvas = _Canvas()
    shown_module: str | None = None
    for number, step in enumerate(steps, 1):
        if step.pathway != shown_module:
            label = _pathway_label(step.pathway, lang)
            if label:
                canvas.caption(label)
            shown_module = step.pathway
        canvas.box(wrap(f"{number}. {step.question}", inner), PATH, "#f3f7fc")
        canvas.arrow(wrap(step.answer, WIDTH - SPINE - 24 - MARGIN))
    end_lines, colour, dashed = _end(result, kb, lang)
    if result.status is Status.COMPLETE and result.pathway and result.pathway.value != shown_module:
        label = _pathway_label(result.pathway.value, lang)
        if label and steps:
            canvas.caption(label)
    lines = [line for text in end_lines if text for line in wrap(text, inner)]
    canvas.box(lines, colour, "#eef7f0" if colour == DONE else "#fafafa", dashed=dashed, cls="end")
    height = canvas.y + MARGIN
    title = t("html.path_title", lang, count=len(steps))
    sep = t("label_sep", lang)
    desc = "; ".join(f"{n}. {s.question}{sep}{s.answer}" for n, s in enumerate(steps, 1))
    desc = "; ".join(part for part in (desc, " ".join(end_lines)) if part)
    return (
        f'<svg class="path" viewBox="0 0 {WIDTH} {height:g}" width="{WIDTH}" height="{height:g}" '
        f'role="img" aria-labelledby="path-title path-desc">'
        f'<title id="path-title">{escape(title)}</title><desc id="path-desc">{escape(desc)}</desc>'
        + "".join(canvas.parts)
        + "</svg>"
    )
