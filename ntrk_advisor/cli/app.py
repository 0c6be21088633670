"""The `ntrk-advisor` command: a root with global options and one module per command group.

Only typer, the standard library and the light command modules of `cli/` are imported here, so
`--version` and `--help` stay fast; each command imports what it needs when it runs.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from typer import _click as click  # typer carries its own copy of click

from ntrk_advisor._version import __version__
from ntrk_advisor.cli import edge
from ntrk_advisor.cli.batch import batch
from ntrk_advisor.cli.consult import consult
from ntrk_advisor.cli.edge import DEBUG_ENV
from ntrk_advisor.cli.help_texts import EXAMPLES, HyphenKeepingFormatter, help_for
from ntrk_advisor.cli.import_fhir import import_app
from ntrk_advisor.cli.info import about, arguments, evidence, schema
from ntrk_advisor.cli.pathways import pathways_app
from ntrk_advisor.cli.practice import practice_app
from ntrk_advisor.cli.practice_records import export, reset, stats
from ntrk_advisor.cli.serve import serve_app
from ntrk_advisor.environment import PATHWAYS_ENV, Environment


def _same_spelling(token: str) -> str:
    """Options and values match whatever their case and whether words are joined by - or _.

    So `--setting locally-advanced`, `--pathway LOCALLY_ADVANCED` and `locally advanced` (the name
    the screen shows) all name the same value, in every command.
    """
    return token.casefold().replace("-", "_").replace(" ", "_")


CONTEXT = {"help_option_names": ["-h", "--help"], "token_normalize_func": _same_spelling}

click.Context.formatter_class = HyphenKeepingFormatter  # `--help` never splits a value at a hyphen

app = typer.Typer(
    name="ntrk-advisor",
    help=(
        "Decision support for NTRK fusion-positive cancers: when to combine TRK inhibitors with "
        "surgery and local therapy. For clinicians; supports, never replaces, the MDT."
    ),
    no_args_is_help=True,
    add_completion=True,
    context_settings=CONTEXT,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    epilog=EXAMPLES["root"],
)


def _show_version(value: bool) -> None:
    if value:
        Environment.of_process().stdout.write(f"ntrk-advisor {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", envvar=DEBUG_ENV, help="Show tracebacks of errors.")
    ] = False,
    pathways_dir: Annotated[
        str | None,
        typer.Option(
            "--pathways-dir",
            envvar=PATHWAYS_ENV,
            help="Use this folder of pathway modules (an institution's copy) instead of the built-ins.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Global options, read by each command from this context (`cli/options.knowledge_base`).

    Nothing is kept in the process between runs: `--debug` travels on this run's context.
    """
    edge.remember_debug(ctx, debug)


app.command("consult", **help_for("consult"))(consult)
app.command("batch", **help_for("batch"))(batch)
app.add_typer(pathways_app, name="pathways", **help_for("pathways"))
practice_app.command("stats", **help_for("practice stats"))(stats)
practice_app.command("export", **help_for("practice export"))(export)
practice_app.command("reset", **help_for("practice reset"))(reset)
app.add_typer(practice_app, name="practice", **help_for("practice"))
app.command("arguments", **help_for("arguments"))(arguments)
app.command("evidence", **help_for("evidence"))(evidence)
app.command("schema", **help_for("schema"))(schema)
app.command("about", **help_for("about"))(about)
app.add_typer(import_app, name="import", **help_for("import"))
app.add_typer(serve_app, name="serve", **help_for("serve"))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (decided at the edge, `cli/edge.run`)."""
    return edge.run(app, sys.argv[1:] if argv is None else argv)
