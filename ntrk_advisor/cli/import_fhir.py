"""`ntrk-advisor import fhir`: a FHIR R4 Bundle to the case it gives, with the source of every answer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.help_texts import help_for
from ntrk_advisor.cli.options import LangOption, OutputOption
from ntrk_advisor.exit_codes import ExitCode

import_app = typer.Typer(
    help="Read cases from health records: a FHIR R4 Bundle to a case, with its sources.",
    no_args_is_help=True,
    add_completion=False,
)


@import_app.command("fhir", **help_for("import fhir"))
@at_the_edge
def fhir(
    ctx: typer.Context,
    bundle: Annotated[
        Path, typer.Argument(help="A FHIR R4 Bundle (JSON); '-' reads stdin.", show_default=False)
    ],
    output: OutputOption = None,
    case_id: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="The case's id (default: a hash of Bundle.identifier; never a patient identifier).",
            show_default=False,
        ),
    ] = None,
    validate: Annotated[
        bool,
        typer.Option("--validate", help="Also check the Bundle against the FHIR R4B models (extra 'fhir')."),
    ] = False,
    lang: LangOption = None,
) -> None:
    """Derive a case from a FHIR R4 Bundle, for review and replay.

    The case gets a 'sources' object: for every answer read from the record, the resources it came
    from. Patient names, identifiers, addresses and birth dates never leave the import. What is a
    clinician's judgement (resectability, response, progression, emergencies, fitness) is never
    read from the record: a consult asks it. Notes for the reader go to stderr.
    """
    from ntrk_advisor.environment import Environment
    from ntrk_advisor.fhir.derived import derived_json, note_lines
    from ntrk_advisor.files import write_atomic
    from ntrk_advisor.i18n import t
    from ntrk_advisor.intake import read_bundle_file

    env = Environment.of_process()
    chosen = env.language(lang)
    answers = read_bundle_file(
        bundle, today=env.today(), lang=chosen, case_id=case_id, validate=validate, stdin=env.stdin_bytes()
    )
    text = derived_json(answers.values, answers.sources)
    if output is None:
        env.stdout.write(text)
    else:
        write_atomic(output, text, inputs=(bundle,))
    env.stderr.write(note_lines(answers.notes, chosen))
    if output is not None:
        count = len([name for name in answers.sources if name != "id"])
        env.stderr.write(t("fhir.written", chosen, path=output, count=count) + "\n")
    raise typer.Exit(ExitCode.OK)
