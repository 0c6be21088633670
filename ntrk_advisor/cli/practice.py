"""`ntrk-advisor practice`: scenarios for trainees, graded by the advisor's own recommendation.

Without a subcommand it runs an interactive session; the subcommands serve instructors and
scripts. Each command parses its options, hands on to one function of `practice/commands.py` and
prints what it returns. Only typer, the standard library and light enums are imported here; the
rest is imported when a command runs, so `--help` stays fast.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.exit_codes import ExitCode
from ntrk_advisor.cli.options import LangOption, OutputOption, resolve_lang
from ntrk_advisor.contract.vocabulary import AgeGroup, PathwayName
from ntrk_advisor.practice.vocabulary import Difficulty

if TYPE_CHECKING:
    from ntrk_advisor.practice.commands import Shown

practice_app = typer.Typer(
    help="Practise scenarios: answer, get graded feedback from the advisor, track progress.",
    add_completion=False,
)


class TableOrJson(str, Enum):
    TABLE = "table"
    JSON = "json"


class TextOrJson(str, Enum):
    TEXT = "text"
    JSON = "json"


class ExportFormat(str, Enum):
    CSV = "csv"
    JSON = "json"


DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Practice database (default: $NTRK_ADVISOR_HOME/practice.sqlite3, else the user data folder).",
        show_default=False,
        dir_okay=False,
    ),
]


def _inherited(ctx: typer.Context, name: str, value: Any) -> Any:
    """A subcommand's `--db`/`--lang`, else the one given before it (`practice --db X stats`)."""
    if value is not None:
        return value
    return (ctx.obj or {}).get(name) if isinstance(ctx.obj, dict) else None


def _note(line: str) -> None:
    sys.stderr.write(line + "\n")


def _show(shown: Shown) -> None:
    """A command's output on stdout (text as it is, a screen through rich), then its note on stderr."""
    if isinstance(shown.out, str):
        sys.stdout.write(shown.out)
    elif shown.out is not None:
        from ntrk_advisor.render.console import make_console

        make_console().print(shown.out)
    if shown.note is not None:
        _note(shown.note)


@practice_app.callback(invoke_without_command=True)
@at_the_edge
def practice(
    ctx: typer.Context,
    count: Annotated[
        int, typer.Option("--count", "-n", min=1, help="How many scenarios to draw at random.")
    ] = 5,
    pathway: Annotated[
        PathwayName | None,
        typer.Option("--pathway", case_sensitive=False, help="Only this pathway.", show_default=False),
    ] = None,
    difficulty: Annotated[
        Difficulty | None,
        typer.Option("--difficulty", case_sensitive=False, help="Only this difficulty.", show_default=False),
    ] = None,
    age_group: Annotated[
        AgeGroup | None,
        typer.Option("--age-group", case_sensitive=False, help="Only this age group.", show_default=False),
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario", "-s", help="This scenario (repeat for several, in order).", show_default=False
        ),
    ] = None,
    review: Annotated[
        bool, typer.Option("--review", help="Scenarios you missed last time first, then those not yet seen.")
    ] = False,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed the random draw, to repeat a set.", show_default=False)
    ] = None,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Practise scenarios at the terminal (or use a subcommand: list, show, answer, stats, export, reset)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"db": db, "lang": lang}
        return
    from ntrk_advisor.practice import commands

    end = commands.run_session(
        resolve_lang(lang),
        db,
        note=_note,
        scenario_ids=scenario or (),
        pathway=pathway,
        difficulty=difficulty,
        age_group=age_group,
        review=review,
        count=count,
        seed=seed,
    )
    _show(end)
    if end.interrupted:
        raise typer.Exit(ExitCode.INTERRUPTED)


@practice_app.command("list")
@at_the_edge
def list_scenarios(
    ctx: typer.Context,
    output_format: Annotated[
        TableOrJson, typer.Option("--format", case_sensitive=False, help="Output format.")
    ] = TableOrJson.TABLE,
    lang: LangOption = None,
) -> None:
    """The scenarios, with pathway, age group, difficulty and question."""
    from ntrk_advisor.practice import commands

    chosen = resolve_lang(_inherited(ctx, "lang", lang))
    _show(commands.list_scenarios(chosen, as_json=output_format is TableOrJson.JSON))


@practice_app.command("show")
@at_the_edge
def show(
    ctx: typer.Context,
    scenario_id: Annotated[str, typer.Argument(metavar="ID", help="The scenario to show.")],
    lang: LangOption = None,
) -> None:
    """One scenario's vignette, question and numbered options (never the answer)."""
    from ntrk_advisor.practice import commands

    _show(commands.show_scenario(scenario_id, resolve_lang(_inherited(ctx, "lang", lang))))


@practice_app.command("answer")
@at_the_edge
def answer(
    ctx: typer.Context,
    scenario_id: Annotated[str, typer.Argument(metavar="ID", help="The scenario answered.")],
    choice: Annotated[
        str, typer.Argument(metavar="CHOICE", help="The option's number (1..n) or its action code.")
    ],
    output_format: Annotated[
        TextOrJson, typer.Option("--format", case_sensitive=False, help="Output format.")
    ] = TextOrJson.TEXT,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Grade one answer, show the feedback and record it."""
    from ntrk_advisor.practice import commands

    chosen, db = resolve_lang(_inherited(ctx, "lang", lang)), _inherited(ctx, "db", db)
    as_json = output_format is TextOrJson.JSON
    _show(commands.answer_scenario(scenario_id, choice, chosen, db, as_json=as_json, note=_note))


@practice_app.command("stats")
@at_the_edge
def stats(
    ctx: typer.Context,
    output_format: Annotated[
        TableOrJson, typer.Option("--format", case_sensitive=False, help="Output format.")
    ] = TableOrJson.TABLE,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Accuracy by pathway and age group, streaks, and the weakest areas."""
    from ntrk_advisor.practice import commands

    chosen, db = resolve_lang(_inherited(ctx, "lang", lang)), _inherited(ctx, "db", db)
    _show(commands.progress(chosen, db, as_json=output_format is TableOrJson.JSON, note=_note))


@practice_app.command("export")
@at_the_edge
def export(
    ctx: typer.Context,
    output_format: Annotated[
        ExportFormat, typer.Option("--format", case_sensitive=False, help="Output format.")
    ] = ExportFormat.CSV,
    output: OutputOption = None,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Every recorded attempt, as CSV or JSON."""
    from ntrk_advisor.practice import commands

    chosen, db = resolve_lang(_inherited(ctx, "lang", lang)), _inherited(ctx, "db", db)
    as_csv = output_format is ExportFormat.CSV
    _show(commands.export_attempts(chosen, db, as_csv=as_csv, output=output, note=_note))


@practice_app.command("reset")
@at_the_edge
def reset(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Delete every recorded attempt, after confirmation; a timestamped backup is kept."""
    from ntrk_advisor.practice import commands
    from ntrk_advisor.practice.texts import say

    chosen, db = resolve_lang(_inherited(ctx, "lang", lang)), _inherited(ctx, "db", db)

    def confirm(question: str) -> bool:
        try:
            return typer.confirm(question, err=True)
        except typer.Abort:  # no answer (end of input): nothing is deleted
            _note("\n" + say("reset_needs_answer", chosen))
            raise typer.Exit(ExitCode.USAGE) from None

    _show(commands.reset_attempts(chosen, db, confirm=None if yes else confirm, note=_note))
