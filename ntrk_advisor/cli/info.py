"""Transparency commands: `schema`, `arguments`, `evidence`, `about`."""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated

import typer

from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.options import LangOption, resolve_lang


class SchemaName(str, Enum):
    CASE = "case"
    RESULT = "result"
    PATHWAY = "pathway"


@at_the_edge
def schema(name: Annotated[SchemaName, typer.Argument(help="case, result or pathway.")]) -> None:
    """Print a JSON Schema (for validating cases, results or pathway YAML in an editor)."""
    from ntrk_advisor.schemas import SCHEMAS

    sys.stdout.write(json.dumps(SCHEMAS[name.value](), ensure_ascii=False, indent=2) + "\n")


@at_the_edge
def arguments(
    argument_id: Annotated[str | None, typer.Argument(help="One argument ID.", show_default=False)] = None,
    lang: LangOption = None,
) -> None:
    """The source article's arguments, paraphrased, with the outcomes that cite each."""
    from rich.table import Table

    from ntrk_advisor.errors import UsageError
    from ntrk_advisor.i18n import t
    from ntrk_advisor.pathway.citations import cited_by
    from ntrk_advisor.pathway.knowledge import default_knowledge_base
    from ntrk_advisor.render.console import make_console

    chosen = resolve_lang(lang)
    kb = default_knowledge_base()
    items = kb.arguments.arguments
    if argument_id is not None and argument_id not in items:
        raise UsageError(f"no argument '{argument_id}'; see `ntrk-advisor arguments` for the list")
    uses = cited_by(kb)
    table = Table(
        title=f"{t('arguments', chosen)} · {kb.stamp.source}", title_justify="left", show_lines=True
    )
    for column in ("id", "section", "paraphrase", "cited by"):
        table.add_column(column, overflow="fold")
    for arg_id, argument in items.items():
        if argument_id is not None and arg_id != argument_id:
            continue
        section = kb.arguments.sections[argument.section]
        table.add_row(
            arg_id,
            f"{argument.section} {section.heading}\n{getattr(section.title, chosen)}",
            getattr(argument.text, chosen),
            "\n".join(uses.get(("argument", arg_id), [])),
        )
    make_console().print(table)


class EvidenceFormat(str, Enum):
    TABLE = "table"
    JSON = "json"


@at_the_edge
def evidence(
    evidence_id: Annotated[str | None, typer.Argument(help="One evidence ID.", show_default=False)] = None,
    lang: LangOption = None,
    output_format: Annotated[
        EvidenceFormat,
        typer.Option("--format", help="table for people; json (every field of each entry) for scripts."),
    ] = EvidenceFormat.TABLE,
) -> None:
    """Full references for every evidence ID, and what cites each."""
    from ntrk_advisor.errors import UsageError
    from ntrk_advisor.pathway.knowledge import default_knowledge_base

    chosen = resolve_lang(lang)
    kb = default_knowledge_base()
    if evidence_id is not None and evidence_id not in kb.evidence.evidence:
        raise UsageError(f"no evidence '{evidence_id}'; see `ntrk-advisor evidence` for the list")
    if output_format is EvidenceFormat.JSON:
        from ntrk_advisor.render.evidence_list import evidence_json

        sys.stdout.write(evidence_json(kb, evidence_id) + "\n")
        return
    from ntrk_advisor.render.console import make_console
    from ntrk_advisor.render.evidence_list import evidence_table

    make_console().print(evidence_table(kb, chosen, evidence_id))


@at_the_edge
def about(lang: LangOption = None) -> None:
    """Intended use, users, limits, inputs, knowledge version and source, and how to report a problem."""
    from rich.panel import Panel
    from rich.text import Text

    from ntrk_advisor._version import __version__
    from ntrk_advisor.i18n import t
    from ntrk_advisor.pathway.knowledge import default_knowledge_base
    from ntrk_advisor.render.console import make_console

    chosen = resolve_lang(lang)
    kb = default_knowledge_base()
    meta = kb.meta.knowledge
    rows = [
        (t("about.intended_use", chosen), getattr(meta.intended_use, chosen)),
        (t("about.users", chosen), t("about.users_text", chosen)),
        (t("about.not_for", chosen), getattr(meta.not_for, chosen)),
        (t("about.inputs", chosen), t("about.inputs_text", chosen)),
        (
            t("knowledge", chosen),
            f"{meta.name} · {t('version', chosen)} {meta.version} · "
            f"{t('reviewed', chosen)} {meta.reviewed.isoformat()}",
        ),
        (
            t("source", chosen),
            f"{meta.source.author}, {meta.source.affiliation}. {meta.source.title} "
            f"({meta.source.title_en}). {meta.source.publisher}, "
            f"{meta.source.published.isoformat()}",
        ),
        (t("about.developer", chosen), f"{meta.developer} · ntrk-advisor {__version__}"),
        (t("about.report", chosen), meta.report_problems),
        (t("about.location", chosen), kb.location),
    ]
    body = Text(overflow="fold")
    for i, (label, value) in enumerate(rows):
        if i:
            body.append("\n\n")
        body.append(f"{label}\n", style="bold")
        body.append(value)
    make_console().print(Panel(body, title=f"{t('title', chosen)} · about"))
