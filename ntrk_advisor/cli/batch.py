"""`ntrk-advisor batch`: evaluate many cases from JSON, JSON Lines or stdin, in order."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.options import LangOption, knowledge_base
from ntrk_advisor.cli.startup import collector_paused
from ntrk_advisor.environment import Environment
from ntrk_advisor.exit_codes import ExitCode


class BatchFormat(str, Enum):
    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"
    TABLE = "table"
    MARKDOWN = "markdown"
    HTML = "html"


class InputFormatChoice(str, Enum):
    AUTO = "auto"
    JSON = "json"
    JSONL = "jsonl"
    FHIR = "fhir"


@at_the_edge
def batch(
    ctx: typer.Context,
    files: Annotated[
        list[str],
        typer.Argument(
            help="Case files (JSON array, JSON object or JSON Lines; FHIR Bundles too); '-' reads stdin.",
            show_default=False,
        ),
    ],
    output_format: Annotated[
        BatchFormat | None,
        typer.Option(
            "--format",
            help="Output format (default: table on a terminal, else jsonl). html: one page per case "
            "and an index.html, in the folder named by -o.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    input_format: Annotated[
        InputFormatChoice,
        typer.Option(
            "--input-format",
            help="Force the input format instead of detecting it (fhir: every record a FHIR R4 Bundle).",
            case_sensitive=False,
        ),
    ] = InputFormatChoice.AUTO,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (atomically) instead of stdout; with --format html, the folder "
            "for the pages (created if absent).",
            show_default=False,
        ),
    ] = None,
    compact: Annotated[
        bool,
        typer.Option(
            "--compact",
            help="Drop the texts; keep codes, strengths, arguments, evidence, missing, errors.",
        ),
    ] = False,
    lang: LangOption = None,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar on stderr.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
) -> None:
    """Evaluate many cases: one contract result per case, in input order."""
    with collector_paused():  # what a batch needs, loaded once: nothing in it is garbage
        from ntrk_advisor.batch.job import BatchJob

        knowledge = knowledge_base(ctx)
    env = Environment.of_process()
    chosen = (
        output_format.value
        if output_format
        else ("table" if env.stdout_is_terminal and output is None else "jsonl")
    )
    job = BatchJob(
        files=files,
        input_format=input_format.value,
        output_format=chosen,
        output=output,
        lang=env.language(lang),
        compact=compact,
        progress=not no_progress and env.stderr_is_terminal,
        summary=not quiet,
        knowledge=knowledge,
        env=env,
    )
    stats = job.run()
    if stats.by_status["invalid"]:
        raise typer.Exit(ExitCode.INVALID)
    if stats.by_status["incomplete"]:
        raise typer.Exit(ExitCode.INCOMPLETE)
    raise typer.Exit(ExitCode.OK)
