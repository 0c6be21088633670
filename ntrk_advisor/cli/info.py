"""Transparency commands: `schema`, `arguments`, `evidence`, `about`."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.options import LangOption, knowledge_base
from ntrk_advisor.environment import Environment


class SchemaName(str, Enum):
    CASE = "case"
    RESULT = "result"
    PATHWAY = "pathway"


class EvidenceFormat(str, Enum):
    TABLE = "table"
    JSON = "json"


@at_the_edge
def schema(
    ctx: typer.Context, name: Annotated[SchemaName, typer.Argument(help="case, result or pathway.")]
) -> None:
    """Print a JSON Schema (for validating cases, results or pathway YAML in an editor)."""
    from ntrk_advisor.schemas import schema_json

    Environment.of_process().stdout.write(schema_json(name.value))


@at_the_edge
def arguments(
    ctx: typer.Context,
    argument_id: Annotated[str | None, typer.Argument(help="One argument ID.", show_default=False)] = None,
    lang: LangOption = None,
) -> None:
    """The source article's arguments, paraphrased, with the outcomes that cite each."""
    from ntrk_advisor.errors import UsageError
    from ntrk_advisor.render.catalogue_tables import arguments_table
    from ntrk_advisor.render.console import make_console

    kb = knowledge_base(ctx)
    if argument_id is not None and argument_id not in kb.arguments.arguments:
        raise UsageError("usage.no_argument", id=argument_id)
    env = Environment.of_process()
    make_console(env).print(arguments_table(kb, env.language(lang), argument_id))


@at_the_edge
def evidence(
    ctx: typer.Context,
    evidence_id: Annotated[str | None, typer.Argument(help="One evidence ID.", show_default=False)] = None,
    lang: LangOption = None,
    output_format: Annotated[
        EvidenceFormat,
        typer.Option("--format", help="table for people; json (every field of each entry) for scripts."),
    ] = EvidenceFormat.TABLE,
) -> None:
    """Full references for every evidence ID, and what cites each."""
    from ntrk_advisor.errors import UsageError
    from ntrk_advisor.render.console import make_console
    from ntrk_advisor.render.evidence_list import evidence_json, evidence_table

    kb = knowledge_base(ctx)
    if evidence_id is not None and evidence_id not in kb.evidence.evidence:
        raise UsageError("usage.no_evidence", id=evidence_id)
    env = Environment.of_process()
    if output_format is EvidenceFormat.JSON:
        env.stdout.write(evidence_json(kb, evidence_id) + "\n")
    else:
        make_console(env).print(evidence_table(kb, env.language(lang), evidence_id))


@at_the_edge
def about(ctx: typer.Context, lang: LangOption = None) -> None:
    """Intended use, users, limits, inputs, knowledge version and source, and how to report a problem."""
    from ntrk_advisor.render.about import about_panel
    from ntrk_advisor.render.console import make_console

    env = Environment.of_process()
    make_console(env).print(about_panel(knowledge_base(ctx), env.language(lang)))
