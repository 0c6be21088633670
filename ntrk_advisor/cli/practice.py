"""`ntrk-advisor practice`: scenarios for trainees, graded by the advisor's own recommendation.

Without a subcommand it runs an interactive session; the subcommands serve instructors and
scripts. Each command parses its options (declared in `cli/practice_options.py`), hands on to one
function of `practice/commands.py` and prints what it returns. The rest is imported when a
command runs, so `--help` stays fast.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.help_texts import help_for
from ntrk_advisor.cli.options import LangOption, knowledge_base
from ntrk_advisor.cli.practice_options import (
    AgeGroupFilter,
    CountOption,
    DbOption,
    DifficultyFilter,
    PathwayFilter,
    ReviewOption,
    ScenarioOption,
    SeedOption,
    TableOrJson,
    TableOrJsonOption,
    TextOrJson,
    TextOrJsonOption,
    inherited,
    note,
    show_returned,
)
from ntrk_advisor.environment import Environment

practice_app = typer.Typer(
    help="Practise scenarios: answer, get graded feedback from the advisor, track progress.",
    add_completion=False,
)
ScenarioId = Annotated[str, typer.Argument(metavar="ID", help="The scenario to show.")]
AnsweredId = Annotated[str, typer.Argument(metavar="ID", help="The scenario answered.")]
Choice = Annotated[
    str, typer.Argument(metavar="CHOICE", help="The option's number (1..n) or its action code.")
]


@practice_app.callback(invoke_without_command=True)
@at_the_edge
def practice(
    ctx: typer.Context,
    count: CountOption = 5,
    pathway: PathwayFilter = None,
    difficulty: DifficultyFilter = None,
    age_group: AgeGroupFilter = None,
    scenario: ScenarioOption = None,
    review: ReviewOption = False,
    seed: SeedOption = None,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Review what is due at the terminal; with a filter, --scenario or --review, practise scenarios.

    Or use a subcommand: list, show, answer, stats, export, reset.
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"db": db, "lang": lang}
        return
    from ntrk_advisor.practice import commands

    kb, env = knowledge_base(ctx), Environment.of_process()
    scenarios = bool(scenario) or review or any(f is not None for f in (pathway, difficulty, age_group))
    if not scenarios:  # no selection: the items due by their schedule
        end = commands.run_due(kb, env, env.language(lang), db, note=note, count=count, seed=seed)
    else:
        end = commands.run_session(
            kb,
            env,
            env.language(lang),
            db,
            note=note,
            scenario_ids=scenario or (),
            pathway=pathway,
            difficulty=difficulty,
            age_group=age_group,
            review=review,
            count=count,
            seed=seed,
        )
    if end.interrupted and end.note is not None:
        from ntrk_advisor.errors import Interrupted

        show_returned(replace(end, note=None))
        raise Interrupted(end.note)  # the edge says what was recorded and ends with 130
    show_returned(end)


@practice_app.command("list", **help_for("practice list"))
@at_the_edge
def list_scenarios(
    ctx: typer.Context, output_format: TableOrJsonOption = TableOrJson.TABLE, lang: LangOption = None
) -> None:
    """The scenarios, with pathway, age group, difficulty and question."""
    from ntrk_advisor.practice import commands

    chosen = Environment.of_process().language(inherited(ctx, "lang", lang))
    show_returned(
        commands.list_scenarios(knowledge_base(ctx), chosen, as_json=output_format is TableOrJson.JSON)
    )


@practice_app.command("show", **help_for("practice show"))
@at_the_edge
def show(ctx: typer.Context, scenario_id: ScenarioId, lang: LangOption = None) -> None:
    """One scenario's vignette, question and numbered options (never the answer)."""
    from ntrk_advisor.practice import commands

    show_returned(
        commands.show_scenario(
            knowledge_base(ctx), scenario_id, Environment.of_process().language(inherited(ctx, "lang", lang))
        )
    )


@practice_app.command("answer", **help_for("practice answer"))
@at_the_edge
def answer(
    ctx: typer.Context,
    scenario_id: AnsweredId,
    choice: Choice,
    output_format: TextOrJsonOption = TextOrJson.TEXT,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Grade one answer, show the feedback and record it."""
    from ntrk_advisor.practice import commands

    chosen, db = Environment.of_process().language(inherited(ctx, "lang", lang)), inherited(ctx, "db", db)
    as_json = output_format is TextOrJson.JSON
    show_returned(
        commands.answer_scenario(
            knowledge_base(ctx), scenario_id, choice, chosen, db, as_json=as_json, note=note
        )
    )
