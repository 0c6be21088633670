"""The rich terminal screen: case summary, urgent actions first, one panel per action.

Every text uses `overflow="fold"` so Chinese (which has no spaces to break at) folds instead of
being cut off on narrow terminals.
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
    answer_text,
    bullet_citation,
    case_line,
    knowledge_line,
    level_label,
    references,
    strength_label,
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
    """The result for a person at a terminal, as one renderable (practice feedback shows it too)."""
    parts: list[RenderableType] = []
    header = Text(overflow="fold")
    for i, (label, value) in enumerate(case_line(result, lang, tumor_type)):
        if i:
            header.append("  ·  ", style="dim")
        header.append(f"{label}: ", style="bold")
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

    actions = urgent_first(result)
    if any(a.strength is Strength.URGENT for a in actions):
        parts.append(fold(t("urgent_first", lang), "bold red"))
    for action in actions:
        parts.append(_action_panel(action, kb, lang))

    unused = unused_line(result, lang)
    if unused:
        parts.append(fold(unused, "yellow"))
    if result.cautions:
        body = bullets([fold(c) for c in result.cautions])
        parts.append(Panel(body, title=t("cautions", lang), title_align="left", border_style="yellow"))
    refs = references(result, kb)
    if refs:
        table = Table(title=t("references", lang), show_header=False, title_justify="left")
        table.add_column(overflow="fold", style="bold")
        table.add_column(overflow="fold")
        for ref in refs:
            table.add_row(f"{ref.number}. {ref.id}", ref.line(lang))
        parts.append(table)
    if explain and result.trace:
        table = Table(title=t("trace", lang), title_justify="left")
        for column in ("node", "field", "answer"):
            table.add_column(column, overflow="fold")
        for step in result.trace:
            table.add_row(step.node, step.field, answer_text(step.answer, lang))
        parts.append(table)
    parts.append(fold(f"{t('knowledge', lang)}: {knowledge_line(result, lang)}", "dim"))
    parts.append(fold(f"{t('source', lang)}: {shown(result.knowledge.source)}", "dim"))
    parts.append(fold(t("intended_use", lang), "italic"))
    return Group(*parts)


def _action_panel(action: Action, kb: KnowledgeBase, lang: Lang) -> Panel:
    parts: list[RenderableType] = [fold(action.summary, "bold")]
    lines = []
    for i, bullet in enumerate(action.rationale):
        line = Text(bullet, overflow="fold")
        citation = bullet_citation(action, i, kb)
        if citation:
            line.append(f"  [{citation}]", style="cyan")
        lines.append(line)
    parts.append(bullets(lines))
    if action.evidence:
        parts.append(fold(f"{t('evidence', lang)}: {', '.join(action.evidence)}", "dim"))
    title = Text(action_title(action, lang) + "  ", overflow="fold")
    title.append(f" {strength_label(action.strength, lang)} ", style=STRENGTH_STYLE[action.strength])
    title.append(f" · {level_label(action, lang)} ", style="italic")
    border = "red" if action.strength is Strength.URGENT else "blue"
    return Panel(Group(*parts), title=title, title_align="left", border_style=border)
