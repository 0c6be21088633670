"""`ntrk-advisor practice stats|export|reset`: the record of attempts, for trainees and instructors.

Kept apart from the session and scenario commands (`cli/practice.py`): these read or change the
practice database and never show a scenario. `cli/app.py` adds them to the `practice` group.
"""

from __future__ import annotations

import typer

from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.options import LangOption, OutputOption, knowledge_base
from ntrk_advisor.cli.practice_options import (
    DbOption,
    ExportFormat,
    ExportFormatOption,
    StatsFormat,
    StatsFormatOption,
    YesOption,
    inherited,
    note,
    show_returned,
)
from ntrk_advisor.environment import Environment


@at_the_edge
def stats(
    ctx: typer.Context,
    output_format: StatsFormatOption = StatsFormat.TABLE,
    output: OutputOption = None,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """What is due and retained, the weakest argument, accuracy per pathway and argument, streaks."""
    from ntrk_advisor.practice import commands

    env = Environment.of_process()
    chosen, db = env.language(inherited(ctx, "lang", lang)), inherited(ctx, "db", db)
    show_returned(
        commands.progress(
            knowledge_base(ctx),
            chosen,
            db,
            as_json=output_format is StatsFormat.JSON,
            as_html=output_format is StatsFormat.HTML,
            output=output,
            note=note,
            clock=env.clock,
        )
    )


@at_the_edge
def export(
    ctx: typer.Context,
    output_format: ExportFormatOption = ExportFormat.CSV,
    output: OutputOption = None,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Every recorded attempt, as CSV or JSON."""
    from ntrk_advisor.practice import commands

    chosen, db = Environment.of_process().language(inherited(ctx, "lang", lang)), inherited(ctx, "db", db)
    as_csv = output_format is ExportFormat.CSV
    show_returned(
        commands.export_attempts(knowledge_base(ctx), chosen, db, as_csv=as_csv, output=output, note=note)
    )


@at_the_edge
def reset(ctx: typer.Context, yes: YesOption = False, lang: LangOption = None, db: DbOption = None) -> None:
    """Delete every recorded attempt, after confirmation; a timestamped backup is kept."""
    from ntrk_advisor.practice import commands
    from ntrk_advisor.practice.errors import ConfirmationUnanswered

    chosen, db = Environment.of_process().language(inherited(ctx, "lang", lang)), inherited(ctx, "db", db)

    def confirm(question: str) -> bool:
        try:
            return typer.confirm(question, err=True)
        except typer.Abort:  # no answer (end of input): nothing is deleted
            raise ConfirmationUnanswered(chosen) from None

    confirming = None if yes else confirm
    show_returned(commands.reset_attempts(chosen, db, confirm=confirming, note=note, kb=knowledge_base(ctx)))
