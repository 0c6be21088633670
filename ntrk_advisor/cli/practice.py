"""`ntrk-advisor practice`: scenarios for trainees, graded by the advisor's own recommendation.

Without a subcommand it runs an interactive session; the subcommands serve instructors and
scripts. Only typer, the standard library and light enums are imported here; each command
imports what it needs when it runs, so `--help` stays fast.
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
    from ntrk_advisor.i18n import Lang
    from ntrk_advisor.practice.store import PracticeStore

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


def _open_store(db: Path | None, lang: Lang) -> PracticeStore:
    from ntrk_advisor.practice.store import SCHEMA_VERSION, PracticeStore, resolve_db_path
    from ntrk_advisor.practice.texts import say

    store = PracticeStore(resolve_db_path(db))
    if store.migration is not None:
        old, backup = store.migration.from_version, store.migration.backup
        sys.stderr.write(say("migrated", lang, old=old, new=SCHEMA_VERSION, backup=backup) + "\n")
    return store


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
    import random

    from prompt_toolkit.output import create_output

    from ntrk_advisor.practice.errors import NeedsTerminal
    from ntrk_advisor.practice.library import load_library
    from ntrk_advisor.practice.render import print_summary
    from ntrk_advisor.practice.selection import choose
    from ntrk_advisor.practice.session import Session
    from ntrk_advisor.practice.texts import say
    from ntrk_advisor.render.console import make_console

    chosen = resolve_lang(lang)
    if sys.stdin is None or not sys.stdin.isatty():
        raise NeedsTerminal()
    library = load_library()
    console = make_console()
    with _open_store(db, chosen) as store:
        scenarios = choose(
            library,
            store.attempts() if review else (),
            scenario_ids=scenario or (),
            pathway=pathway,
            difficulty=difficulty,
            age_group=age_group,
            review=review,
            count=count,
            rng=random.Random(seed),
        )
        if not scenarios:
            console.print(say("nothing_to_review", chosen))
            raise typer.Exit(ExitCode.OK)
        # Questions go to the terminal even when stdout is redirected to a file.
        session = Session(library, store, chosen, console, output=create_output(always_prefer_tty=True))
        report = session.run(scenarios)
        path = store.path
    print_summary(console, report.by_pathway(), chosen)
    if report.interrupted:
        sys.stderr.write(say("interrupted", chosen, count=len(report.answered), db=path) + "\n")
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
    from ntrk_advisor.practice.library import load_library

    library = load_library()
    if output_format is TableOrJson.JSON:
        import json

        rows = [
            {
                "id": k.id,
                "version": k.scenario.version,
                "pathway": k.scenario.pathway.value,
                "age_group": k.scenario.age_group.value,
                "difficulty": k.scenario.difficulty.value,
                "question": k.scenario.question.value,
                "title": k.scenario.title.model_dump(),
            }
            for k in library
        ]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    from ntrk_advisor.practice.render import print_list
    from ntrk_advisor.render.console import make_console

    print_list(make_console(), library, resolve_lang(_inherited(ctx, "lang", lang)))


@practice_app.command("show")
@at_the_edge
def show(
    ctx: typer.Context,
    scenario_id: Annotated[str, typer.Argument(metavar="ID", help="The scenario to show.")],
    lang: LangOption = None,
) -> None:
    """One scenario's vignette, question and numbered options (never the answer)."""
    from ntrk_advisor.practice.library import load_library
    from ntrk_advisor.practice.render import print_question
    from ntrk_advisor.render.console import make_console

    chosen = resolve_lang(_inherited(ctx, "lang", lang))
    print_question(make_console(), load_library().get(scenario_id), chosen)


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
    from ntrk_advisor.practice.grading import feedback_dict, grade, parse_choice
    from ntrk_advisor.practice.library import load_library
    from ntrk_advisor.practice.texts import say

    chosen = resolve_lang(_inherited(ctx, "lang", lang))
    library = load_library()
    keyed = library.get(scenario_id)
    feedback = grade(keyed, parse_choice(keyed, choice), chosen, library.kb)
    with _open_store(_inherited(ctx, "db", db), chosen) as store:
        row = store.record(feedback.attempt(library.kb.stamp.version))
        path = store.path
    if output_format is TextOrJson.JSON:
        import json

        data = {**feedback_dict(feedback), "recorded": {"db": str(path), "id": row}}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    from ntrk_advisor.practice.render import print_feedback
    from ntrk_advisor.render.console import make_console

    print_feedback(make_console(), feedback, library.kb)
    sys.stderr.write(say("recorded", chosen, db=path) + "\n")


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
    from ntrk_advisor.practice.library import load_library
    from ntrk_advisor.practice.stats import stats_dict, summarise
    from ntrk_advisor.practice.store import resolve_db_path

    chosen = resolve_lang(_inherited(ctx, "lang", lang))
    path = resolve_db_path(_inherited(ctx, "db", db))
    attempts = _read(path, chosen)
    summary = summarise(attempts, load_library())
    if output_format is TableOrJson.JSON:
        import json

        sys.stdout.write(json.dumps({"db": str(path), **stats_dict(summary)}, indent=2) + "\n")
        return
    from ntrk_advisor.practice.render import print_stats
    from ntrk_advisor.render.console import make_console

    print_stats(make_console(), summary, chosen, str(path))


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
    from ntrk_advisor.files import write_atomic
    from ntrk_advisor.practice.export import to_csv, to_json
    from ntrk_advisor.practice.library import load_library
    from ntrk_advisor.practice.store import resolve_db_path
    from ntrk_advisor.practice.texts import say

    chosen = resolve_lang(_inherited(ctx, "lang", lang))
    path = resolve_db_path(_inherited(ctx, "db", db))
    attempts = _read(path, chosen)
    writer = to_csv if output_format is ExportFormat.CSV else to_json
    text = writer(attempts, load_library())
    if output is None:
        sys.stdout.write(text)
        return
    write_atomic(output, text, inputs=(path,))
    sys.stderr.write(say("exported", chosen, count=len(attempts), path=output) + "\n")


@practice_app.command("reset")
@at_the_edge
def reset(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Delete every recorded attempt, after confirmation; a timestamped backup is kept."""
    from ntrk_advisor.practice.store import resolve_db_path
    from ntrk_advisor.practice.texts import say

    chosen = resolve_lang(_inherited(ctx, "lang", lang))
    path = resolve_db_path(_inherited(ctx, "db", db))
    if not path.exists():
        sys.stderr.write(say("no_attempts", chosen, db=path) + "\n")
        return
    with _open_store(path, chosen) as store:
        count = len(store.attempts())
        if not yes:
            try:
                confirmed = typer.confirm(say("reset_confirm", chosen, count=count, db=path), err=True)
            except typer.Abort:
                sys.stderr.write("\n" + say("reset_needs_answer", chosen) + "\n")
                raise typer.Exit(ExitCode.USAGE) from None
            if not confirmed:
                sys.stderr.write(say("reset_declined", chosen) + "\n")
                return
        backup, deleted = store.reset()
    sys.stderr.write(say("reset_done", chosen, count=deleted, backup=backup) + "\n")


def _read(path: Path, lang: Lang) -> list[Any]:
    """The attempts in `path` (none if it does not exist: reading never creates the database)."""
    if not path.exists():
        return []
    with _open_store(path, lang) as store:
        return store.attempts()
