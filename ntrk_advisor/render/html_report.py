"""The HTML report for the MDT meeting: one self-contained page per case, and a batch index.

The page holds the case summary, the bottom line (do, consider, and apart from them what to avoid),
each action with its rationale, the cautions, the decision path as an inline SVG
(`render.path_svg`), the numbered references, the knowledge stamp and the safety line. It fetches
nothing: the styles are inline, there is no script, no image and no web font, links to the
references are printed as text, and a Content-Security-Policy forbids any request. It prints on A4.

The templates (`render/templates/`) are Jinja2 with autoescaping on, so every text (a case's id,
its tumour type, an error naming an unknown key) is escaped; case texts also pass through
`safe_text.shown` first, as in every other format. Only the HTML output imports this module, so
jinja2 costs nothing elsewhere.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup

from ntrk_advisor._version import __version__
from ntrk_advisor.contract.result import Action, Result
from ntrk_advisor.contract.vocabulary import Status, Strength
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.path_svg import path_steps, path_svg
from ntrk_advisor.render.safe_text import shown
from ntrk_advisor.render.view import (
    AVOID_STRENGTHS,
    answer_label,
    bottom_line,
    case_line,
    citation,
    knowledge_line,
    level_label,
    references,
    review_mark,
    review_note,
    stamp_line,
    step_numbers,
    strength_label,
    unapproved,
    unused_line,
    urgent_first,
)

LANG_TAGS: dict[Lang, str] = {"en": "en", "zh": "zh-Hans"}
"""The page's `lang`: Simplified Chinese is named as such, so a browser picks the right glyphs."""


@functools.lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    """The report templates, autoescaped, failing loudly on a name the template does not get."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ntrk_advisor.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class LineItem:
    """One line of the bottom line: the action, its strength and its evidence level."""

    name: str
    strength: str
    strength_key: str
    level: str
    anchor: str
    review: str
    """The mark of an action no clinician has approved as it is (empty when approved)."""


@dataclass(frozen=True)
class Bullet:
    """One reason for an action: its text, the article argument it rests on, its references."""

    text: str
    citation: str
    refs: tuple[int, ...]


@dataclass(frozen=True)
class ActionView:
    """One action as the page shows it; `step` is empty for what to avoid (never a step)."""

    kind: str
    anchor: str
    step: str
    name: str
    strength: str
    strength_key: str
    level: str
    summary: str
    bullets: tuple[Bullet, ...]
    evidence: tuple[tuple[int | None, str], ...]
    review: str
    """Who approved the statement and when, or the warning that no clinician has."""
    unapproved: bool


@dataclass(frozen=True)
class RefView:
    """A numbered reference, its link printed as text (never fetched, never a live link)."""

    number: int
    id: str
    text: str


def _anchor(action: Action) -> str:
    return f"action-{action.order}-{action.action.value}"


def _line_item(action: Action, lang: Lang) -> LineItem:
    return LineItem(
        name=t(f"action.{action.action.value}", lang),
        strength=strength_label(action.strength, lang),
        strength_key=action.strength.value,
        level=level_label(action, lang),
        anchor=_anchor(action),
        review=review_mark(action, lang) or "",
    )


def _action_view(
    action: Action, kb: KnowledgeBase, lang: Lang, numbers: dict[str, int], steps: dict[int, str]
) -> ActionView:
    avoid = action.strength in AVOID_STRENGTHS
    bullets = []
    for i, text in enumerate(action.rationale):
        arguments = action.bullet_arguments[i] if i < len(action.bullet_arguments) else ()
        evidence = action.bullet_evidence[i] if i < len(action.bullet_evidence) else ()
        unresolved = [e for e in evidence if e not in numbers]
        cited = citation(arguments, unresolved, kb)
        bullets.append(Bullet(text, cited, tuple(numbers[e] for e in evidence if e in numbers)))
    return ActionView(
        kind="avoid" if avoid else "urgent" if action.strength is Strength.URGENT else "do",
        anchor=_anchor(action),
        step="" if avoid else f"{t('step', lang)} {steps.get(id(action), action.order)}",
        name=t(f"action.{action.action.value}", lang),
        strength=strength_label(action.strength, lang),
        strength_key=action.strength.value,
        level=level_label(action, lang),
        summary=action.summary,
        bullets=tuple(bullets),
        evidence=tuple((numbers.get(e), e) for e in action.evidence),
        review=review_note(action, lang),
        unapproved=unapproved(action),
    )


def _texts(lang: Lang) -> dict[str, str]:
    keys = ("missing", "errors", "cautions", "references", "trace", "knowledge", "source", "evidence")
    texts = {key: t(key, lang) for key in keys}
    texts.update(summary=t("html.summary", lang), plan=t("html.plan", lang))
    texts.update(bottom_line=t("bottom_line", lang), avoid=t("group.avoid", lang))  # as on the screen
    path_keys = ("avoid_detail", "path", "path_caption", "path_steps")
    texts.update({key: t("html." + key, lang) for key in path_keys})
    texts.update({key: t("html." + key, lang) for key in ("col_node", "col_field", "col_answer")})
    texts.update(sep=t("label_sep", lang), col_number=t("html.col_number", lang))
    texts.update(case=t("case", lang), status=t("status", lang), pathway=t("pathway", lang))
    return texts


def render_html(
    result: Result,
    kb: KnowledgeBase,
    lang: Lang,
    *,
    generated: dt.datetime,
    tumor_type: str | None = None,
    explain: bool = False,
) -> str:
    """The whole result as one self-contained HTML page: a draft the MDT completes and files.

    It says when it was made (`generated`, handed in by the caller's clock) and that it is a draft
    for discussion, and it ends with the fields the meeting fills in on paper: its date, who
    attended, what the MDT decided, and who signed it off.
    """
    refs = references(result, kb)
    numbers = {ref.id: ref.number for ref in refs}
    complete = result.status is Status.COMPLETE
    line = bottom_line(result)
    groups = [
        {"key": key, "label": t(f"group.{key}", lang), "lines": [_line_item(a, lang) for a in actions]}
        for key, actions in line.groups()
        if key != "avoid"
    ]
    ordered = urgent_first(result)
    plan = [a for a in ordered if a.strength not in AVOID_STRENGTHS]
    steps = step_numbers(plan)
    heading = f"{t('title', lang)} · {t('html.report', lang)}"
    context: dict[str, Any] = {
        "lang_tag": LANG_TAGS[lang],
        "version": __version__,
        "page_title": f"{shown(result.case_id)} · {heading}" if result.case_id else heading,
        "heading": heading,
        "safety": t("intended_use", lang),
        "text": _texts(lang),
        "status": result.status.value,
        "summary": case_line(result, kb, lang, tumor_type),
        "notice": t("incomplete_note" if result.status is Status.INCOMPLETE else "invalid_note", lang),
        "missing": [(field, kb.prompt(field, lang)) for field in result.missing],
        "errors": [(shown(e.field), shown(e.message)) for e in result.errors],
        "groups": groups if complete else [],
        "avoid_line": [_line_item(a, lang) for a in line.avoid] if complete else [],
        "urgent_note": t("urgent_first", lang) if complete and _urgent(line.do) else "",
        "svg": Markup(path_svg(result, kb, lang)),
        "asked": bool(result.trace),  # every text in it escaped by path_svg
        "path_steps": path_steps(result, kb, lang),
        "plan": [_action_view(a, kb, lang, numbers, steps) for a in plan],
        "avoid": [_action_view(a, kb, lang, numbers, {}) for a in ordered if a.strength in AVOID_STRENGTHS],
        "unused": unused_line(result, lang) or "",
        "cautions": list(result.cautions),
        "trace": [
            (s.node, s.field, answer_label(kb, s.field, s.answer, lang)) for s in result.trace if explain
        ],
        "references": [RefView(r.number, r.id, r.line(lang, printed=True)) for r in refs],
        "knowledge": knowledge_line(result, lang),
        "source": shown(result.knowledge.source),
        "generated": t("html.generated", lang, when=when(generated)),
        "draft": t("html.draft", lang),
        "mdt": {
            "title": t("html.mdt_record", lang),
            "fields": [t(f"html.mdt_{key}", lang) for key in ("date", "attendees", "decision", "signoff")],
        },
    }
    return templates().get_template("report.html.j2").render(context)


def when(moment: dt.datetime) -> str:
    """`2026-12-06 17:42 (UTC+01:00)`: the minute and the time zone, read the same in any language."""
    offset = moment.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "local time"
    return f"{moment:%Y-%m-%d %H:%M} ({zone})"


def _urgent(actions: Sequence[Action]) -> bool:
    return any(a.strength is Strength.URGENT for a in actions)


@dataclass(frozen=True)
class IndexRow:
    """One case of a batch index: its page (relative to the index) and what the row shows."""

    number: int
    href: str
    case_id: str
    status_key: str
    status: str
    pathway: str
    line: tuple[tuple[str, str, str], ...]
    """(group key, label, what it holds): the bottom line, or what is missing or wrong."""


def index_row(number: int, href: str, result: Result, kb: KnowledgeBase, lang: Lang) -> IndexRow:
    """The index row for one case: a few strings, so a batch need not keep its results."""
    sep, listed = t("label_sep", lang), t("html.list_sep", lang)
    if result.status is Status.INCOMPLETE:
        line = [("missing", t("missing", lang), listed.join(kb.prompt(f, lang) for f in result.missing))]
    elif result.status is Status.INVALID:
        errors = listed.join(f"{shown(e.field)}{sep}{shown(e.message)}" for e in result.errors)
        line = [("invalid", t("errors", lang), errors)]
    else:
        line = [
            (key, t(f"group.{key}", lang), listed.join(_marked_name(a, lang) for a in actions))
            for key, actions in bottom_line(result).groups()
        ]
    return IndexRow(
        number=number,
        href=href,
        case_id=shown(result.case_id) if result.case_id else "-",
        status_key=result.status.value,
        status=t(f"status.{result.status.value}", lang),
        pathway=t(f"pathway.{result.pathway.value}", lang) if result.pathway else "-",
        line=tuple(line),
    )


def _marked_name(action: Action, lang: Lang) -> str:
    """An action's name, with the mark of a statement no clinician has approved as it is."""
    mark = review_mark(action, lang)
    name = t(f"action.{action.action.value}", lang)
    return f"{name} {mark}" if mark else name


def index_pieces(
    rows: Iterable[IndexRow], counts: Mapping[str, int], kb: KnowledgeBase, lang: Lang
) -> Iterator[str]:
    """The batch index, piece by piece, under a line counting the cases per status (`counts`).

    One row per case links its page and shows its status and bottom line. The rows are taken
    from `rows` only as the page is written out, so a batch of any size can hand them from a
    file instead of holding them all.
    """
    context: dict[str, Any] = {
        "lang_tag": LANG_TAGS[lang],
        "version": __version__,
        "heading": f"{t('title', lang)} · {t('html.index_title', lang)}",
        "safety": t("intended_use", lang),
        "text": _texts(lang),
        "counts": t(
            "html.index_count",
            lang,
            count=sum(counts.values()),
            complete=counts.get("complete", 0),
            incomplete=counts.get("incomplete", 0),
            invalid=counts.get("invalid", 0),
        ),
        "rows": rows,
        "knowledge": stamp_line(kb.stamp, lang),
    }
    return templates().get_template("index.html.j2").generate(context)


def render_index(rows: Sequence[IndexRow], kb: KnowledgeBase, lang: Lang) -> str:
    """The whole batch index as one text (for rows already in memory)."""
    counts = {status.value: 0 for status in Status}
    for row in rows:
        counts[row.status_key] += 1
    return "".join(index_pieces(rows, counts, kb, lang))
