"""The knowledge's catalogues as tables: the arguments with what cites them, and the pathways.

These are the transparency screens (`arguments`, `pathways list`): a clinician checks on them
what the tool rests on without opening the YAML files.
"""

from __future__ import annotations

from rich.table import Table

from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.citations import cited_by
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.safe_text import shown
from ntrk_advisor.render.view import stamp_line


def arguments_table(kb: KnowledgeBase, lang: Lang, argument_id: str | None = None) -> Table:
    """The article's arguments (or one), paraphrased, with their section and the outcomes citing each."""
    uses = cited_by(kb)
    title = f"{t('arguments', lang)} · {shown(kb.stamp.source)}"
    table = Table(title=title, title_justify="left", show_lines=True)
    for column in ("id", "section", "paraphrase", "cited by"):
        table.add_column(column, overflow="fold")
    for arg_id, argument in kb.arguments.arguments.items():
        if argument_id is not None and arg_id != argument_id:
            continue
        section = kb.arguments.sections[argument.section]
        table.add_row(
            arg_id,
            f"{argument.section} {section.heading}\n{getattr(section.title, lang)}",
            getattr(argument.text, lang),
            "\n".join(uses.get(("argument", arg_id), [])),
        )
    return table


def pathways_table(kb: KnowledgeBase, lang: Lang) -> Table:
    """The pathway modules with their node, question and outcome counts, under the knowledge stamp."""
    table = Table(title=stamp_line(kb.stamp, lang), title_justify="left")
    for column in ("pathway", "title", "nodes", "questions", "outcomes"):
        table.add_column(column, overflow="fold")
    for name, pfile in kb.pathways.items():
        kinds = [node.kind for node in pfile.nodes.values()]
        table.add_row(
            name.value,
            getattr(pfile.title, lang),
            str(len(kinds)),
            str(kinds.count("ask")),
            str(kinds.count("outcome")),
        )
    return table
