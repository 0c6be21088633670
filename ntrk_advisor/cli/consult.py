"""`ntrk-advisor consult`: one case, from a file, flags and/or questions, to one recommendation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ntrk_advisor.cli import case_options as case
from ntrk_advisor.cli.case_options import case_flags, flag_answers, flag_message
from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.options import (
    ConsultFormat,
    ExplainOption,
    LangOption,
    OutputOption,
    knowledge_base,
)
from ntrk_advisor.cli.startup import collector_paused
from ntrk_advisor.environment import Environment
from ntrk_advisor.exit_codes import ExitCode


@at_the_edge
def consult(
    ctx: typer.Context,
    case_file: Annotated[
        Path | None,
        typer.Option("--case", help="Case JSON file to start from ('-' for stdin).", show_default=False),
    ] = None,
    case_id: case.CaseIdOption = None,
    age: case.AgeOption = None,
    tumor_type: case.TumorTypeOption = None,
    fusion_status: case.FusionStatusOption = None,
    setting: case.SettingOption = None,
    treatment_phase: case.TreatmentPhaseOption = None,
    response: case.ResponseOption = None,
    max_response_reached: case.MaxResponseReachedOption = None,
    resectable_now: case.ResectableNowOption = None,
    resection_margin: case.ResectionMarginOption = None,
    high_risk_features: case.HighRiskFeaturesOption = None,
    progression: case.ProgressionOption = None,
    emergency: case.EmergencyOption = None,
    cns_metastases: case.CnsMetastasesOption = None,
    resistance_mechanism: case.ResistanceMechanismOption = None,
    prior_trk_inhibitors: case.PriorTrkInhibitorsOption = None,
    tumor_category: case.TumorCategoryOption = None,
    rai_status: case.RaiStatusOption = None,
    other_driver: case.OtherDriverOption = None,
    assay: case.AssayOption = None,
    cns_disease: case.CnsDiseaseOption = None,
    residual_disease: case.ResidualDiseaseOption = None,
    toxicity: case.ToxicityOption = None,
    complete_response_months: case.CompleteResponseMonthsOption = None,
    fit_for_surgery: case.FitForSurgeryOption = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never prompt; missing answers make the result 'incomplete'.")
    ] = False,
    save: Annotated[
        Path | None,
        typer.Option(
            "--save", help="Write the case (as answered) to this JSON file for replay.", show_default=False
        ),
    ] = None,
    output_format: Annotated[
        ConsultFormat,
        typer.Option(
            "--format",
            help="Output format (html: one self-contained page for the MDT meeting; pdf: that page "
            "printed by a headless Chromium, needs -o).",
            case_sensitive=False,
        ),
    ] = ConsultFormat.RICH,
    output: OutputOption = None,
    lang: LangOption = None,
    explain: ExplainOption = False,
    no_pager: Annotated[
        bool,
        typer.Option("--no-pager", help="Never page a long result (at a terminal, PAGER or less is used)."),
    ] = False,
) -> None:
    """Get a recommendation for one case: asks only what its path needs."""
    with collector_paused():  # what a consult needs, loaded once: nothing in it is garbage
        from ntrk_advisor.consultation import Consultation, save_interrupted
        from ntrk_advisor.errors import ConsultInterrupted, Interrupted
        from ntrk_advisor.i18n import t
        from ntrk_advisor.render.write import write_result

        flags = flag_answers(case_flags(ctx.params))
        env = Environment.of_process()
        chosen = env.language(lang)
        consultation = Consultation(chosen, knowledge_base(ctx), env, word_flag=flag_message)
    inputs = (case_file,) if case_file is not None else ()
    try:
        result, answers = consultation.run(
            case_file,
            flags,
            interactive=not no_input,
            save=save,
            output=output,
            output_format=output_format.value,
        )
    except ConsultInterrupted as exc:
        path = save_interrupted(exc.answers, save, inputs)
        said = t("interrupted_nothing_saved", chosen) if path is None else t("interrupted", chosen, path=path)
        raise Interrupted(said) from None
    tumor_type = answers.get("tumor_type")
    write_result(
        result,
        output_format.value,
        consultation.kb,
        chosen,
        env,
        tumor_type=tumor_type if isinstance(tumor_type, str) else None,
        explain=explain,
        page=not no_pager,
        output=output,
        inputs=inputs,
    )
    raise typer.Exit(_exit_code(result.status.value))


def _exit_code(status: str) -> ExitCode:
    return {"complete": ExitCode.OK, "incomplete": ExitCode.INCOMPLETE}.get(status, ExitCode.INVALID)
