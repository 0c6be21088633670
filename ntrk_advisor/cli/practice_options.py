"""What the `practice` command modules share: options, inherited choices, printing results.

The inherited choices are a `--db` or `--lang` given before the subcommand.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ntrk_advisor.contract.vocabulary import AgeGroup, PathwayName
from ntrk_advisor.environment import Environment
from ntrk_advisor.practice.vocabulary import Difficulty

if TYPE_CHECKING:
    from ntrk_advisor.practice.commands import Shown


class TableOrJson(str, Enum):
    TABLE = "table"
    JSON = "json"


class TextOrJson(str, Enum):
    TEXT = "text"
    JSON = "json"


class StatsFormat(str, Enum):
    TABLE = "table"
    JSON = "json"
    HTML = "html"


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

CountOption = Annotated[
    int, typer.Option("--count", "-n", min=1, help="How many due items to review, or scenarios to draw.")
]
PathwayFilter = Annotated[
    PathwayName | None,
    typer.Option("--pathway", case_sensitive=False, help="Only this pathway.", show_default=False),
]
DifficultyFilter = Annotated[
    Difficulty | None,
    typer.Option("--difficulty", case_sensitive=False, help="Only this difficulty.", show_default=False),
]
AgeGroupFilter = Annotated[
    AgeGroup | None,
    typer.Option("--age-group", case_sensitive=False, help="Only this age group.", show_default=False),
]


def complete_scenario(incomplete: str) -> list[str]:
    """The built-in scenarios' IDs that start with what was typed (`met-<TAB>`).

    Completion runs in the shell's background: a library that cannot be read completes nothing.
    """
    from ntrk_advisor.errors import AdvisorError
    from ntrk_advisor.practice.library import load_library

    try:
        library = load_library()
    except (AdvisorError, OSError, ValueError):
        return []
    typed = incomplete.strip().casefold()
    return [s.id for s in library if s.id.startswith(typed)]


ScenarioOption = Annotated[
    list[str] | None,
    typer.Option(
        "--scenario",
        "-s",
        help="This scenario (repeat for several, in order).",
        show_default=False,
        autocompletion=complete_scenario,
    ),
]
ReviewOption = Annotated[
    bool, typer.Option("--review", help="Scenarios you missed last time first, then those not yet seen.")
]
SeedOption = Annotated[
    int | None, typer.Option("--seed", help="Seed the random draw, to repeat a set.", show_default=False)
]
TableOrJsonOption = Annotated[
    TableOrJson, typer.Option("--format", case_sensitive=False, help="Output format.")
]
TextOrJsonOption = Annotated[
    TextOrJson, typer.Option("--format", case_sensitive=False, help="Output format.")
]
StatsFormatOption = Annotated[
    StatsFormat,
    typer.Option("--format", case_sensitive=False, help="Output format (html: a self-contained page)."),
]
ExportFormatOption = Annotated[
    ExportFormat, typer.Option("--format", case_sensitive=False, help="Output format.")
]


def inherited(ctx: typer.Context, name: str, value: Any) -> Any:
    """A subcommand's `--db`/`--lang`, else the one given before it (`practice --db X stats`)."""
    if value is not None:
        return value
    return (ctx.obj or {}).get(name) if isinstance(ctx.obj, dict) else None


def note(line: str) -> None:
    """A line for the person at the terminal, on the command's stderr."""
    Environment.of_process().stderr.write(line + "\n")


def show_returned(shown: Shown) -> None:
    """A command's output on stdout (text as it is, a screen through rich), then its note on stderr."""
    env = Environment.of_process()
    if isinstance(shown.out, str):
        env.stdout.write(shown.out)
    elif shown.out is not None:
        from ntrk_advisor.render.console import make_console

        make_console(env).print(shown.out)
    if shown.note is not None:
        note(shown.note)


YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
