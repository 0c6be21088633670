"""Markdown with the same content as the screen, for pasting into MDT notes.

The bottom line first, then each action (avoid items last and never numbered), cautions and
references.
"""

from __future__ import annotations

from ntrk_advisor.contract.result import Result
from ntrk_advisor.contract.vocabulary import Status, Strength
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.safe_text import markdown_escape, markdown_text, shown
from ntrk_advisor.render.view import (
    action_title,
    answer_label,
    avoid_title,
    bottom_line,
    bottom_line_item,
    bullet_citation,
    case_line,
    knowledge_line,
    labelled,
    level_label,
    references,
    review_note,
    step_numbers,
    strength_label,
    unapproved,
    unused_line,
    urgent_first,
)


def render_markdown(
    result: Result, kb: KnowledgeBase, lang: Lang, *, tumor_type: str | None = None, explain: bool = False
) -> str:
    """The whole result as a Markdown document."""
    out: list[str] = [f"# {t('title', lang)}: {t('recommendation', lang)}", ""]
    out += [
        f"- **{label}:** {markdown_escape(value)}" for label, value in case_line(result, kb, lang, tumor_type)
    ]
    out.append("")
    if result.status is Status.INCOMPLETE:
        out += [f"> {t('incomplete_note', lang)}", "", f"## {t('missing', lang)}", ""]
        out += [f"- `{field}`: {kb.prompt(field, lang)}" for field in result.missing]
        out.append("")
    if result.status is Status.INVALID:
        out += [f"> {t('invalid_note', lang)}", "", f"## {t('errors', lang)}", ""]
        out += [f"- {markdown_text(e.field)}: {markdown_text(e.message)}" for e in result.errors]
        out.append("")
    plan = bottom_line(result)
    if result.actions:
        out += [f"## {t('bottom_line', lang)}", ""]
        for group, grouped in plan.groups():
            out += [f"**{t(f'group.{group}', lang)}**", ""]
            out += [f"- {bottom_line_item(action, lang)}" for action in grouped]
            out.append("")
    avoid = set(map(id, plan.avoid))
    actions = [a for a in urgent_first(result) if id(a) not in avoid] + list(plan.avoid)
    if actions:
        out += [f"## {t('recommendation', lang)}", ""]
    numbers = step_numbers([a for a in actions if id(a) not in avoid])
    for action in actions:
        badge = strength_label(action.strength, lang)
        marker = "⚠ " if action.strength is Strength.URGENT else ""
        heading = (
            avoid_title(action, lang)
            if id(action) in avoid
            else action_title(action, lang, numbers[id(action)])
        )
        title = f"### {marker}{heading} — **{badge}** · {level_label(action, lang)}"
        out += [title, "", action.summary, ""]
        for i, bullet in enumerate(action.rationale):
            citation = bullet_citation(action, i, kb)
            out.append(f"- {bullet}" + (f" _[{citation}]_" if citation else ""))
        if action.evidence:
            out.append(f"- {t('evidence', lang)}: " + ", ".join(f"`{e}`" for e in action.evidence))
        note = markdown_text(review_note(action, lang))
        out += ["", f"> **{note}**" if unapproved(action) else f"_{note}_"]
        out.append("")
    if result.cautions:
        out += [f"## {t('cautions', lang)}", ""] + [f"- {c}" for c in result.cautions] + [""]
    unused = unused_line(result, lang)
    if unused:
        out += [f"> {unused}", ""]
    refs = references(result, kb)
    if refs:
        out += [f"## {t('references', lang)}", ""]
        for ref in refs:
            out.append(f"{ref.number}. `{ref.id}`: {ref.line(lang)}")
        out.append("")
    if explain and result.trace:
        columns = " | ".join(t(c, lang) for c in ("trace.question", "trace.answer", "trace.node"))
        out += [f"## {t('trace', lang)}", "", f"| {columns} |", "|---|---|---|"]
        out += [
            f"| {markdown_text(kb.prompt(s.field, lang))} | "
            f"{markdown_text(answer_label(kb, s.field, s.answer, lang))} | `{s.node}` |"
            for s in result.trace
        ]
        out.append("")
    out += [
        "---",
        "",
        labelled(t("knowledge", lang), knowledge_line(result, lang), lang) + "  ",
        labelled(t("source", lang), shown(result.knowledge.source), lang) + "  ",
        f"_{t('intended_use', lang)}_",
        "",
    ]
    return "\n".join(out)
