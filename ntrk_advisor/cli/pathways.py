"""`ntrk-advisor pathways`: list, show, check, export and copy the pathway modules."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.exit_codes import ExitCode
from ntrk_advisor.cli.options import LangOption, OutputOption, resolve_lang

pathways_app = typer.Typer(
    help="See, check, export and copy the pathway modules (the clinical knowledge, as data).",
    no_args_is_help=True,
    add_completion=False,
)


class PathwayChoice(str, Enum):
    DIAGNOSTIC = "diagnostic"
    EARLY = "early"
    LOCALLY_ADVANCED = "locally_advanced"
    METASTATIC = "metastatic"
    RESISTANT = "resistant"


class ExportFormat(str, Enum):
    MERMAID = "mermaid"
    DOT = "dot"
    JSON = "json"


@pathways_app.command("list")
@at_the_edge
def list_pathways(lang: LangOption = None) -> None:
    """The modules, with their node and outcome counts and the knowledge version."""
    from rich.table import Table

    from ntrk_advisor.i18n import t
    from ntrk_advisor.pathway.knowledge import default_knowledge_base
    from ntrk_advisor.render.console import make_console

    chosen = resolve_lang(lang)
    kb = default_knowledge_base()
    table = Table(
        title=f"{kb.stamp.name} · {t('version', chosen)} {kb.stamp.version} · "
        f"{t('reviewed', chosen)} {kb.stamp.reviewed}",
        title_justify="left",
    )
    for column in ("pathway", "title", "nodes", "questions", "outcomes"):
        table.add_column(column, overflow="fold")
    for name, pfile in kb.pathways.items():
        kinds = [node.kind for node in pfile.nodes.values()]
        table.add_row(
            name.value,
            getattr(pfile.title, chosen),
            str(len(kinds)),
            str(kinds.count("ask")),
            str(kinds.count("outcome")),
        )
    make_console().print(table)


@pathways_app.command("show")
@at_the_edge
def show(
    pathway: Annotated[
        PathwayChoice | None,
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
    from ntrk_advisor.contract.vocabulary import PathwayName
    from ntrk_advisor.engine import decide
    from ntrk_advisor.files import read_case_file
    from ntrk_advisor.pathway.knowledge import default_knowledge_base
    from ntrk_advisor.render.console import make_console
    from ntrk_advisor.render.tree_view import pathway_tree

    chosen = resolve_lang(lang)
    kb = default_knowledge_base()
    lit: set[str] | None = None
    names = [PathwayName(pathway.value)] if pathway else list(PathwayName)
    if case_file is not None:
        try:
            case = case_from_data(read_case_file(case_file))
        except CaseInvalid as exc:
            from ntrk_advisor.errors import UsageError

            raise UsageError(f"the case in {case_file} is invalid: {exc}") from None
        trail = decide(case, kb).trail
        lit = {node.qid for node in trail}
        if pathway is None:
            names = list(dict.fromkeys(node.pathway for node in trail))
    console = make_console()
    for name in names:
        console.print(pathway_tree(kb, name, chosen, lit))


@pathways_app.command("check")
@at_the_edge
def check(
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Check this folder instead of the pathways in use.", show_default=False),
    ] = None,
) -> None:
    """Every load-time check, the exhaustive walk, translations and unused entries; exit 5 on problems."""
    from ntrk_advisor.errors import PathwayError
    from ntrk_advisor.pathway.audit import audit
    from ntrk_advisor.pathway.knowledge import default_knowledge_base, load_knowledge_base

    try:
        kb = load_knowledge_base(directory) if directory is not None else default_knowledge_base()
    except PathwayError as exc:
        for problem in exc.problems:
            sys.stdout.write(f"{problem}\n")
        sys.stderr.write(f"{len(exc.problems)} problem(s): the pathway modules cannot be used\n")
        raise typer.Exit(ExitCode.PROBLEMS) from None
    report = audit(kb)
    for problem in report.problems:
        sys.stdout.write(f"{problem}\n")
    texts = ", ".join(f"{lang} {count}" for lang, count in report.texts.items())
    sys.stderr.write(
        f"{kb.stamp.name} {kb.stamp.version} ({kb.location}): {len(kb.nodes)} nodes, "
        f"{len(report.leaves)} answer combinations walked, texts per language: {texts}\n"
    )
    if report.problems:
        sys.stderr.write(f"{len(report.problems)} problem(s)\n")
        raise typer.Exit(ExitCode.PROBLEMS)
    sys.stderr.write("all checks passed\n")


@pathways_app.command("export")
@at_the_edge
def export(
    output_format: Annotated[
        ExportFormat, typer.Option("--format", case_sensitive=False, help="mermaid, dot or json.")
    ],
    pathway: Annotated[
        PathwayChoice | None,
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
    from ntrk_advisor.contract.vocabulary import PathwayName
    from ntrk_advisor.files import write_atomic
    from ntrk_advisor.pathway.export import to_dot, to_json, to_mermaid
    from ntrk_advisor.pathway.knowledge import default_knowledge_base

    kb = default_knowledge_base()
    chosen = PathwayName(pathway.value) if pathway else None
    if output_format is ExportFormat.MERMAID:
        text = to_mermaid(kb, chosen, resolve_lang(lang))
    elif output_format is ExportFormat.DOT:
        text = to_dot(kb, chosen, resolve_lang(lang))
    else:
        text = to_json(kb, chosen)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)


@pathways_app.command("init")
@at_the_edge
def init(
    directory: Annotated[Path, typer.Argument(help="New folder for the institution's copy.")],
) -> None:
    """Copy the built-in pathway modules to a folder, as a starting point for a local copy."""
    from ntrk_advisor.pathway.local_copy import make_local_copy

    made = make_local_copy(directory)
    sys.stderr.write(
        f"copied {len(made)} files to {directory}\n"
        f"next: edit them, run `ntrk-advisor pathways check --dir {directory}`, then use them with "
        f"`ntrk-advisor --pathways-dir {directory} consult` (or NTRK_ADVISOR_PATHWAYS={directory})\n"
    )
    raise typer.Exit(ExitCode.OK)
