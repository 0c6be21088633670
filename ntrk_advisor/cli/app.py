"""The `ntrk-advisor` command: a root with global options and one module per command group.

Only typer, the standard library and the light modules of `cli/` are imported here, so `--version`
and `--help` stay fast. A command's module is imported, and the command built, only when that
command runs or `--help` lists it (`cli/lazy_group.py`); each command imports what it needs when
it runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar

import typer
from typer import _click as click  # typer carries its own copy of click
from typer.core import TyperGroup

from ntrk_advisor._version import __version__
from ntrk_advisor.cli import edge
from ntrk_advisor.cli.edge import DEBUG_ENV
from ntrk_advisor.cli.help_texts import EXAMPLES, HyphenKeepingFormatter, help_for
from ntrk_advisor.cli.lazy_group import Builder, LazyGroup
from ntrk_advisor.environment import PATHWAYS_ENV, Environment


def _same_spelling(token: str) -> str:
    """Options and values match whatever their case and whether words are joined by - or _.

    So `--setting locally-advanced`, `--pathway LOCALLY_ADVANCED` and `locally advanced` (the name
    the screen shows) all name the same value, in every command.
    """
    return token.casefold().replace("-", "_").replace(" ", "_")


CONTEXT = {"help_option_names": ["-h", "--help"], "token_normalize_func": _same_spelling}

click.Context.formatter_class = HyphenKeepingFormatter  # `--help` never splits a value at a hyphen


def _holder() -> typer.Typer:
    """A Typer for one command or group, built as the root builds its own (no rich markup)."""
    return typer.Typer(add_completion=False, rich_markup_mode=None)


def _command(name: str, callback: Callable[..., Any], helped_as: str | None = None) -> click.Command:
    holder = _holder()
    holder.command(name, **help_for(helped_as or name))(callback)
    return typer.main.get_group(holder).commands[name]


def _group(name: str, group: typer.Typer) -> TyperGroup:
    holder = _holder()
    holder.add_typer(group, name=name, **help_for(name))
    built = typer.main.get_group(holder).commands[name]
    assert isinstance(built, TyperGroup)
    return built


def _consult() -> click.Command:
    from ntrk_advisor.cli.consult import consult

    return _command("consult", consult)


def _batch() -> click.Command:
    from ntrk_advisor.cli.batch import batch

    return _command("batch", batch)


def _pathways() -> click.Command:
    from ntrk_advisor.cli.pathways import pathways_app

    return _group("pathways", pathways_app)


def _practice() -> click.Command:
    from ntrk_advisor.cli.practice import practice_app
    from ntrk_advisor.cli.practice_records import export, reset, stats

    group = _group("practice", practice_app)
    for name, callback in (("stats", stats), ("export", export), ("reset", reset)):
        group.add_command(_command(name, callback, helped_as=f"practice {name}"))
    return group


def _arguments() -> click.Command:
    from ntrk_advisor.cli.info import arguments

    return _command("arguments", arguments)


def _evidence() -> click.Command:
    from ntrk_advisor.cli.info import evidence

    return _command("evidence", evidence)


def _schema() -> click.Command:
    from ntrk_advisor.cli.info import schema

    return _command("schema", schema)


def _about() -> click.Command:
    from ntrk_advisor.cli.info import about

    return _command("about", about)


def _import() -> click.Command:
    from ntrk_advisor.cli.import_fhir import import_app

    return _group("import", import_app)


def _serve() -> click.Command:
    from ntrk_advisor.cli.serve import serve_app

    return _group("serve", serve_app)


class RootGroup(LazyGroup):
    """The root's commands, in the order `--help` lists them (typer's: the commands, then the groups)."""

    BUILDERS: ClassVar[Mapping[str, Builder]] = {
        "consult": _consult,
        "batch": _batch,
        "arguments": _arguments,
        "evidence": _evidence,
        "schema": _schema,
        "about": _about,
        "pathways": _pathways,
        "practice": _practice,
        "import": _import,
        "serve": _serve,
    }


app = typer.Typer(
    cls=RootGroup,
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


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (decided at the edge, `cli/edge.run`)."""
    return edge.run(app, sys.argv[1:] if argv is None else argv)
