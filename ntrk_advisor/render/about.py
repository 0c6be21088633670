"""The `about` screen: intended use, users, limits, inputs, the knowledge and its source.

A decision-support tool must say what it is for and what it is not for where a user can find
it; the texts come from knowledge.yaml and the interface catalogue, in either language.
"""

from __future__ import annotations

from rich.panel import Panel
from rich.text import Text

from ntrk_advisor._version import __version__
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.safe_text import data_text
from ntrk_advisor.render.view import stamp_line


def about_rows(kb: KnowledgeBase, lang: Lang) -> list[tuple[str, str]]:
    """(label, text) pairs, in the order they are shown."""
    meta = kb.meta.knowledge
    source = meta.source
    return [
        (t("about.intended_use", lang), getattr(meta.intended_use, lang)),
        (t("about.users", lang), t("about.users_text", lang)),
        (t("about.not_for", lang), getattr(meta.not_for, lang)),
        (t("about.inputs", lang), t("about.inputs_text", lang)),
        (t("knowledge", lang), stamp_line(kb.stamp, lang)),
        (
            t("source", lang),
            f"{source.author}, {source.affiliation}. {source.title} ({source.title_en}). "
            f"{source.publisher}, {source.published.isoformat()}",
        ),
        (t("about.developer", lang), f"{meta.developer} · ntrk-advisor {__version__}"),
        (t("about.report", lang), meta.report_problems),
        (t("about.location", lang), kb.location),
    ]


def about_panel(kb: KnowledgeBase, lang: Lang) -> Panel:
    """The rows in one panel, each label in bold above its text."""
    body = Text(overflow="fold")
    for i, (label, value) in enumerate(about_rows(kb, lang)):
        if i:
            body.append("\n\n")
        body.append(f"{label}\n", style="bold")
        body.append(data_text(value))  # the texts come from a pathways folder: never obeyed
    return Panel(body, title=f"{t('title', lang)} · about")
