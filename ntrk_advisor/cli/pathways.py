"""`ntrk-advisor pathways`: list, show, check, export and copy the pathway modules."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.help_texts import help_for
from ntrk_advisor.cli.options import LangOption, OutputOption, knowledge_base
from ntrk_advisor.contract.vocabulary import PathwayName
from ntrk_advisor.environment import Environment
from ntrk_advisor.exit_codes import ExitCode

pathways_app = typer.Typer(
    help="See, check, export and copy the pathway modules (the clinical knowledge, as data).",
    no_args_is_help=True,
    add_completion=False,
)


class ExportFormat(str, Enum):
    MERMAID = "mermaid"
    DOT = "dot"
    JSON = "json"


@pathways_app.command("list", **help_for("pathways list"))
@at_the_edge
def list_pathways(ctx: typer.Context, lang: LangOption = None) -> None:
    """The modules, with their node and outcome counts and the knowledge version."""
    from ntrk_advisor.render.catalogue_tables import pathways_table
    from ntrk_advisor.render.console import make_console

    env = Environment.of_process()
    make_console(env).print(pathways_table(knowledge_base(ctx), env.language(lang)))


@pathways_app.command("show", **help_for("pathways show"))
@at_the_edge
def show(
    ctx: typer.Context,
    pathway: Annotated[
        PathwayName | None,
        typer.Argument(
            help="One pathway (default: all, or those the --case passes through).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    case_file: Annotated[
        Path | None,
        typer.Option("--case", help="Highlight the path this case takes; dim the rest.", show_default=False),
    ] = None,
    lang: LangOption = None,
) -> None:
    """The tree of questions, branches and outcomes."""
    from ntrk_advisor.contract.case import case_from_data
    from ntrk_advisor.contract.errors import CaseInvalid
    from ntrk_advisor.engine import decide
    from ntrk_advisor.errors import UsageError
    from ntrk_advisor.intake import read_answers_file
    from ntrk_advisor.render.console import make_console
    from ntrk_advisor.render.tree_view import pathway_trees

    kb, env = knowledge_base(ctx), Environment.of_process()
    chosen = env.language(lang)
    trail = None
    if case_file is not None:  # whatever `consult --case` reads: a case, a derived case, a Bundle
        try:
            answers = read_answers_file(case_file, today=env.today(), lang=chosen, stdin=env.stdin_bytes())
            trail = decide(case_from_data(answers.values), kb).trail
        except CaseInvalid as exc:
            raise UsageError("usage.case_invalid", path=case_file, reason=exc) from None
    console = make_console(env)
    for tree in pathway_trees(kb, chosen, pathway, trail):
        console.print(tree)


@pathways_app.command("check", **help_for("pathways check"))
@at_the_edge
def check(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Check this folder instead of the pathways in use.", show_default=False),
    ] = None,
) -> None:
    """Every load-time check, the exhaustive walk, translations and unused entries; exit 5 on problems."""
    from ntrk_advisor.authoring.check import check_pathways

    report = check_pathways(directory or ctx.find_root().params.get("pathways_dir"))
    env = Environment.of_process()
    env.stdout.write(report.findings)
    env.stderr.write(report.summary)
    raise typer.Exit(ExitCode.OK if report.passed else ExitCode.PROBLEMS)


@pathways_app.command("export", **help_for("pathways export"))
@at_the_edge
def export(
    ctx: typer.Context,
    output_format: Annotated[
        ExportFormat, typer.Option("--format", case_sensitive=False, help="mermaid, dot or json.")
    ],
    pathway: Annotated[
        PathwayName | None,
        typer.Option(
            "--pathway",
            help="Only this pathway (and where it hands off).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    output: OutputOption = None,
    lang: LangOption = None,
) -> None:
    """The tree as a Mermaid flowchart, Graphviz DOT, or the compiled tree as JSON."""
    from ntrk_advisor.authoring.export import export_text
    from ntrk_advisor.files import write_atomic

    env = Environment.of_process()
    text = export_text(knowledge_base(ctx), output_format.value, pathway, env.language(lang))
    if output is None:
        env.stdout.write(text)
    else:
        write_atomic(output, text)


@pathways_app.command("init", **help_for("pathways init"))
@at_the_edge
def init(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="New folder for the institution's copy.")],
) -> None:
    """Copy the built-in pathway modules to a folder, as a starting point for a local copy."""
    from ntrk_advisor.authoring.local_copy import make_local_copy, next_steps

    made = make_local_copy(directory)
    Environment.of_process().stderr.write(next_steps(directory, len(made)))
    raise typer.Exit(ExitCode.OK)
