"""The rich terminal screen: the case, the bottom line, then the details of each action.

The bottom line (do, consider, avoid; one line per action with its strength and evidence level)
comes right after the case line, so the plan is read in seconds; at an interactive terminal it
is repeated at the end, where the eye is when the output stops. Avoid items are never numbered
as steps and have a section and colour of their own. Every text folds (`overflow="fold"`), so
Chinese, which has no spaces to break at, is never cut off on a narrow terminal.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ntrk_advisor.contract.result import Action, Result
from ntrk_advisor.contract.vocabulary import Status, Strength
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.rich_blocks import bullets, fold
from ntrk_advisor.render.safe_text import shown
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

STRENGTH_STYLE = {
    Strength.URGENT: "bold white on red",
    Strength.PREFERRED: "bold black on green",
    Strength.RECOMMENDED: "bold black on cyan",
    Strength.CONSIDER: "bold black on yellow",
    Strength.INDIVIDUALIZED: "bold black on magenta",
    Strength.NOT_RECOMMENDED: "bold white on grey35",
}


def render_screen(
    result: Result,
    kb: KnowledgeBase,
    lang: Lang,
    console: Console,
    *,
    tumor_type: str | None = None,
    explain: bool = False,
) -> None:
    """Print the result for a person at a terminal."""
    console.print(result_screen(result, kb, lang, tumor_type=tumor_type, explain=explain))


def result_screen(
    result: Result,
    kb: KnowledgeBase,
    lang: Lang,
    *,
    tumor_type: str | None = None,
    explain: bool = False,
) -> Group:
    """The result for a person at a terminal, as one renderable (practice feedback shows it too).

    A consult at an interactive terminal prints `bottom_line_box` once more after it.
    """
    parts: list[RenderableType] = []
    header = Text(overflow="fold")
    for i, (label, value) in enumerate(case_line(result, kb, lang, tumor_type)):
        if i:
            header.append("  ·  ", style="dim")
        header.append(labelled(label, "", lang), style="bold")
        header.append(value)
    parts.append(Panel(header, title=t("title", lang), title_align="left"))

    if result.status is Status.INCOMPLETE:
        parts.append(fold(t("incomplete_note", lang), "bold yellow"))
        table = Table(title=t("missing", lang), show_header=False, expand=False)
        for field in result.missing:
            table.add_row(fold(field, "bold"), fold(kb.prompt(field, lang)))
        parts.append(table)
    if result.status is Status.INVALID:
        parts.append(fold(t("invalid_note", lang), "bold red"))
        table = Table(title=t("errors", lang), show_header=False)
        for error in result.errors:
            table.add_row(fold(shown(error.field), "bold"), fold(shown(error.message)))
        parts.append(table)

    plan = bottom_line(result)
    if result.actions:
        parts.append(bottom_line_box(result, lang))
        parts.append(fold(t("details", lang), "bold"))
    steps = [a for a in urgent_first(result) if a not in plan.avoid]
    if any(a.strength is Strength.URGENT for a in steps):
        parts.append(fold(t("urgent_first", lang), "bold red"))
    numbers = step_numbers(steps)
    for action in steps:
        parts.append(_action_panel(action, kb, lang, action_title(action, lang, numbers[id(action)])))
    if plan.avoid:
        parts.append(fold(f"✗ {t('group.avoid', lang)}", AVOID_STYLE))
        for action in plan.avoid:
            parts.append(_action_panel(action, kb, lang, avoid_title(action, lang)))

    unused = unused_line(result, lang)
    if unused:
        parts.append(fold(unused, "yellow"))
    if result.cautions:
        body = bullets([fold(c) for c in result.cautions])
        parts.append(Panel(body, title=t("cautions", lang), title_align="left", border_style="yellow"))
    refs = references(result, kb)
    if refs:
        parts.append(fold(t("references", lang), "bold"))
        parts.append(Group(*(fold(f"{ref.number}. {ref.short_line()}") for ref in refs)))
        parts.append(fold(t("full_references", lang), "dim"))
    if explain and result.trace:
        table = Table(title=t("trace", lang), title_justify="left")
        for column in ("trace.question", "trace.answer", "trace.node"):
            table.add_column(t(column, lang), overflow="fold")
        for step in result.trace:
            answer = answer_label(kb, step.field, step.answer, lang)
            table.add_row(kb.prompt(step.field, lang), answer, Text(step.node, style="dim"))
        parts.append(table)
    parts.append(fold(labelled(t("knowledge", lang), knowledge_line(result, lang), lang), "dim"))
    parts.append(fold(labelled(t("source", lang), shown(result.knowledge.source), lang), "dim"))
    parts.append(fold(t("intended_use", lang), "italic"))
    return Group(*parts)


GROUP_STYLE = {"do": "bold green", "consider": "bold yellow", "avoid": "bold magenta"}
GROUP_MARK = {"do": "✓", "consider": "?", "avoid": "✗"}
AVOID_STYLE = "bold magenta"


def bottom_line_box(result: Result, lang: Lang) -> Panel:
    """The plan at a glance: do, consider and avoid, one line per action."""
    parts: list[RenderableType] = []
    for group, actions in bottom_line(result).groups():
        parts.append(Text(t(f"group.{group}", lang), style=GROUP_STYLE[group]))
        rows = Table.grid(padding=(0, 1))
        rows.add_column(no_wrap=True)
        rows.add_column(overflow="fold")
        for action in actions:
            item = Text(bottom_line_item(action, lang), overflow="fold")
            rows.add_row(Text(f" {GROUP_MARK[group]}", style=GROUP_STYLE[group]), item)
        parts.append(rows)
    return Panel(Group(*parts), title=t("bottom_line", lang), title_align="left", border_style="bold")


def _action_panel(action: Action, kb: KnowledgeBase, lang: Lang, heading: str) -> Panel:
    badge = Text(f" {strength_label(action.strength, lang)} ", style=STRENGTH_STYLE[action.strength])
    badge.append(f" · {level_label(action, lang)}", style="italic")
    badge.overflow = "fold"
    parts: list[RenderableType] = [badge, fold(action.summary, "bold")]
    lines = []
    for i, bullet in enumerate(action.rationale):
        line = Text(bullet, overflow="fold")
        citation = bullet_citation(action, i, kb)
        if citation:
            line.append(f"  [{citation}]", style="cyan")
        lines.append(line)
    parts.append(bullets(lines))
    if action.evidence:
        parts.append(fold(labelled(t("evidence", lang), ", ".join(action.evidence), lang), "dim"))
    parts.append(fold(review_note(action, lang), "bold yellow" if unapproved(action) else "dim"))
    # The title is the step alone: a panel title longer than the line is cut off, so the
    # strength and the level of evidence head the panel's body, where they wrap.
    title = Text(heading, overflow="ellipsis", no_wrap=True)
    border = {Strength.URGENT: "red", Strength.NOT_RECOMMENDED: "magenta"}.get(action.strength, "blue")
    return Panel(Group(*parts), title=title, title_align="left", border_style=border)
