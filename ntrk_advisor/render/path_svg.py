"""The decision path of one result, drawn as an inline SVG for the HTML report: the pathway tree.

Drawn the way an NCCN algorithm page is: the nodes the case passed run down the left in bold,
each question with the answer given ("Age in years → 0.5 y"), each silent split with the branch
followed, each step that adds actions, and at the end the outcome (or the question still
unanswered, dashed). Beside each node, in grey, the branches not taken, one level deep and no
further, so the page stays readable. The walk comes from `render.case_path` (the engine's own);
nothing is routed here. Every node and edge carries its node ids (`data-node`, `data-from`,
`data-to`) and `taken` or `other`, so a test can read back exactly what is drawn bold.

Every text is escaped, no case text is drawn (answers are the knowledge's words or numbers), and
the drawing needs no script, no font and no image from anywhere.
"""

from __future__ import annotations

import functools
import re
from html import escape

from ntrk_advisor.contract.result import Result
from ntrk_advisor.contract.vocabulary import PathwayName
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.case_path import PathNode, case_path, steps_text

WIDTH = 640
"""Drawing units across; the report shows the drawing at most this many CSS pixels wide."""
FONT = 10.5
SMALL = 9.5
LINE = 12.5
PAD = 4.0
MARGIN = 2.0
BOX = 330.0
"""The width of a node on the path."""
SPINE = MARGIN + 16
"""Where the bold arrows run, from the left edge."""
FORK = MARGIN + BOX + 14
"""Where the grey branches turn down to their ends."""
STUB = FORK + 12
"""Where the grey ends of the branches not taken start."""
CHIP = 11.0
GAP = 8.0
CAPTION = 14.0

PATH = "#1f5fa8"
DONE = "#1b7f3b"
WAITING = "#a15c00"
STOPPED = "#6b6b6b"
GREY = "#a3a3a3"
GREY_TEXT = "#6f6f6f"
TAKEN_STROKE = 2.4
OTHER_STROKE = 1.0

_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKENS = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")
_NO_LINE_START = frozenset("，。、；：！？）」』》〉,.;:!?)")


_WIDE_CHAR = re.compile(rf"[{_WIDE}]")


@functools.lru_cache(maxsize=4096)
def _em(char: str) -> float:
    """The width of one character in ems, generously (CJK: one em each)."""
    if _WIDE_CHAR.match(char) or char in "·“”‘’—…":  # a CJK face draws these full width
        return 1.0
    if char.isspace() or char in ".,:;'!|()[]/-":
        return 0.32
    if char.isupper() or char in "mw%@&":
        return 0.72
    return 0.56


def text_width(text: str, font: float = FONT) -> float:
    """A generous estimate of the drawn width of `text` in a sans-serif face (CJK: one em each)."""
    return sum(map(_em, text)) * font


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


def _pathway_label(name: str | None, lang: Lang) -> str | None:
    if name is None or name not in PathwayName._value2member_map_:
        return None
    return t(f"pathway.{name}", lang)


def _fit(text: str, width: float, font: float) -> str:
    """`text` on one line no wider than `width`, cut with an ellipsis when it is not."""
    if text_width(text, font) <= width:
        return text
    room, end = width / font - _em("…"), 0
    while end < len(text) and room >= _em(text[end]):
        room -= _em(text[end])
        end += 1
    return text[:end].rstrip() + "…"


def _lines(node: PathNode, lang: Lang) -> list[tuple[str, str]]:
    """The node's text as (line, class): the label, and the answer taken in bold after an arrow."""
    inner = BOX - 16
    sep = t("label_sep", lang)
    if node.kind == "waiting":
        return [(line, "end") for line in wrap(t("html.not_answered", lang) + sep + node.detail, inner)]
    if node.kind == "outcome":
        lines = [(line, "end") for line in wrap(node.label, inner)]
        return lines + [(line, "") for line in wrap(node.detail, inner)] if node.detail else lines
    if not node.taken:
        return [(_fit(node.label, inner, FONT), "")]
    room = inner - text_width(" → " + node.taken)
    if room >= inner * 0.4:  # one line: the label cut short if need be, the answer whole
        return [(f"{_fit(node.label, room, FONT)} → {node.taken}", "pair")]
    return [(_fit(node.label, inner, FONT), ""), (_fit("→ " + node.taken, inner, FONT), "answer")]


class _Canvas:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.y = MARGIN

    def caption(self, text: str) -> None:
        self.parts.append(
            f'<text x="{SPINE + 10:g}" y="{self.y + CAPTION - 4:g}" class="module">{escape(text)}</text>'
        )
        self.y += CAPTION

    def node(self, node: PathNode, lang: Lang, previous: str | None) -> None:
        """One row: the node in bold (with the arrow from the one before), its grey siblings beside it.

        A label too long for its line is cut with an ellipsis (the text alternative has it whole),
        so each node keeps to one line, or two when the answer is long.
        """
        if previous is not None:
            top = self.y - GAP
            tip = self.y - 0.5
            head = f"M{SPINE - 4:g},{self.y - 6:g} L{SPINE:g},{tip:g} L{SPINE + 4:g},{self.y - 6:g}"
            self.parts.append(
                f'<path class="edge taken" data-from="{escape(previous)}" data-to="{escape(node.qid)}" '
                f'd="M{SPINE:g},{top:g} V{tip:g} {head}" fill="none" stroke="{PATH}" '
                f'stroke-width="{TAKEN_STROKE}"/>'
            )
        lines = _lines(node, lang)
        height = 2 * PAD + LINE * len(lines)
        colour, fill, dash = PATH, "#f3f7fc", ""
        if node.kind == "outcome":
            colour, fill = DONE, "#eef7f0"
        elif node.kind == "waiting":
            colour, fill, dash = WAITING, "#fdf6ec", ' stroke-dasharray="5 3"'
        elif node.kind == "add":
            fill = "#ffffff"
        self.parts.append(
            f'<g class="node taken {node.kind}" data-node="{escape(node.qid)}">'
            f'<rect x="{MARGIN:g}" y="{self.y:g}" width="{BOX:g}" height="{height:g}" rx="5" fill="{fill}" '
            f'stroke="{colour}" stroke-width="{TAKEN_STROKE}"{dash}/>'
        )
        for i, (line, cls) in enumerate(lines):
            baseline = self.y + PAD + FONT * 0.95 + i * LINE
            if cls == "pair":
                label, _, taken = line.partition(" → ")
                self.parts.append(
                    f'<text x="{MARGIN + 8:g}" y="{baseline:g}">{escape(label)} → '
                    f'<tspan class="answer">{escape(taken)}</tspan></text>'
                )
            else:
                attrs = f' class="{cls}"' if cls else ""
                self.parts.append(f'<text x="{MARGIN + 8:g}" y="{baseline:g}"{attrs}>{escape(line)}</text>')
        self.parts.append("</g>")
        chips = self.y
        for branch in node.others:
            centre = chips + CHIP / 2
            start = self.y + min(PAD + FONT * 0.6, height / 2)
            self.parts.append(
                f'<path class="edge other" data-from="{escape(node.qid)}" data-to="{escape(branch.target)}" '
                f'd="M{MARGIN + BOX:g},{start:g} H{FORK:g} V{centre:g} H{STUB:g}" fill="none" '
                f'stroke="{GREY}" stroke-width="{OTHER_STROKE}"/>'
            )
            text = f"{branch.when} → {branch.label}" if branch.when else branch.label
            self.parts.append(
                f'<g class="node other" data-node="{escape(branch.target)}">'
                f'<text x="{STUB + 3:g}" y="{centre + SMALL * 0.35:g}" class="other" fill="{GREY_TEXT}">'
                f"{escape(_fit(text, WIDTH - STUB - 3 - MARGIN, SMALL))}</text></g>"
            )
            chips += CHIP
        self.y = max(self.y + height, chips) + GAP

    def stopped(self, text: str) -> None:
        """A dashed grey box with `text`: where there is no path to draw."""
        lines = wrap(text, BOX - 16)
        height = 2 * PAD + LINE * len(lines)
        self.parts.append(
            f'<g class="stopped"><rect x="{MARGIN:g}" y="{self.y:g}" width="{BOX:g}" height="{height:g}" '
            f'rx="5" fill="#fafafa" stroke="{STOPPED}" stroke-width="1.4" stroke-dasharray="5 3"/>'
        )
        for i, line in enumerate(lines):
            baseline = self.y + PAD + FONT * 0.95 + i * LINE
            self.parts.append(f'<text x="{MARGIN + 8:g}" y="{baseline:g}" class="end">{escape(line)}</text>')
        self.parts.append("</g>")
        self.y += height + GAP


def path_svg(result: Result, kb: KnowledgeBase, lang: Lang) -> str:
    """The case's path through the tree as SVG markup, every text escaped (safe to place in HTML)."""
    nodes = case_path(result, kb, lang)
    canvas = _Canvas()
    shown_module: str | None = None
    previous: str | None = None
    for node in nodes:
        if node.pathway != shown_module:
            label = _pathway_label(node.pathway, lang)
            if label:
                canvas.caption(label)
            shown_module = node.pathway
        canvas.node(node, lang, previous)
        previous = node.qid
    if not nodes:  # a case that was not evaluated: no path, one grey box saying so
        canvas.stopped(t("html.not_evaluated", lang))
    height = canvas.y - GAP + MARGIN
    title = t("html.path_title", lang, count=sum(1 for node in nodes if node.kind == "ask"))
    desc = t("html.list_sep", lang).join(path_steps(result, kb, lang))
    return (
        f'<svg class="path" viewBox="0 0 {WIDTH} {height:g}" width="{WIDTH}" height="{height:g}" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="path-title path-desc">'
        f'<title id="path-title">{escape(title)}</title><desc id="path-desc">{escape(desc)}</desc>'
        + "".join(canvas.parts)
        + "</svg>"
    )


def path_steps(result: Result, kb: KnowledgeBase, lang: Lang) -> list[str]:
    """The drawing as sentences, one per node in walking order: its text alternative."""
    nodes = case_path(result, kb, lang)
    return steps_text(nodes, lang) if nodes else [t("html.not_evaluated", lang)]
