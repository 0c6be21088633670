"""`ntrk-advisor consult`: one case, from a file, flags and/or questions, to one recommendation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.exit_codes import ExitCode
from ntrk_advisor.cli.options import (
    ConsultFormat,
    ExplainOption,
    LangOption,
    OutputOption,
    knowledge_base,
    resolve_lang,
)

_FIELD_HELP = "See `questions.yaml`; values match case-insensitively."


def _field(flag: str, help: str = _FIELD_HELP) -> Any:
    return typer.Option(flag, help=help, show_default=False, rich_help_panel="Case fields")


@at_the_edge
def consult(
    ctx: typer.Context,
    case_file: Annotated[
        Path | None,
        typer.Option("--case", help="Case JSON file to start from ('-' for stdin).", show_default=False),
    ] = None,
    case_id: Annotated[str | None, _field("--id", "Your case identifier (no patient identifiers).")] = None,
    age: Annotated[float | None, _field("--age", "Age in years (decimals allowed).")] = None,
    tumor_type: Annotated[str | None, _field("--tumor-type", "Tumour type, shown in the output.")] = None,
    fusion_status: Annotated[str | None, _field("--fusion-status")] = None,
    setting: Annotated[str | None, _field("--setting")] = None,
    treatment_phase: Annotated[str | None, _field("--treatment-phase")] = None,
    response: Annotated[str | None, _field("--response")] = None,
    max_response_reached: Annotated[str | None, _field("--max-response-reached", "yes or no.")] = None,
    resectable_now: Annotated[str | None, _field("--resectable-now", "yes or no.")] = None,
    resection_margin: Annotated[str | None, _field("--resection-margin")] = None,
    high_risk_features: Annotated[
        str | None, _field("--high-risk-features", "Comma-separated, or 'none'.")
    ] = None,
    progression: Annotated[str | None, _field("--progression")] = None,
    emergency: Annotated[str | None, _field("--emergency", "Comma-separated, or 'none'.")] = None,
    cns_metastases: Annotated[str | None, _field("--cns-metastases", "yes or no.")] = None,
    resistance_mechanism: Annotated[str | None, _field("--resistance-mechanism")] = None,
    prior_trk_inhibitors: Annotated[
        str | None, _field("--prior-trk-inhibitors", "Comma-separated, or 'none'.")
    ] = None,
    tumor_category: Annotated[str | None, _field("--tumor-category")] = None,
    rai_status: Annotated[str | None, _field("--rai-status")] = None,
    other_driver: Annotated[str | None, _field("--other-driver", "yes or no.")] = None,
    assay: Annotated[str | None, _field("--assay")] = None,
    cns_disease: Annotated[str | None, _field("--cns-disease")] = None,
    residual_disease: Annotated[str | None, _field("--residual-disease")] = None,
    toxicity: Annotated[str | None, _field("--toxicity")] = None,
    complete_response_months: Annotated[
        float | None, _field("--complete-response-months", "Months the complete response has lasted.")
    ] = None,
    fit_for_surgery: Annotated[str | None, _field("--fit-for-surgery", "yes or no.")] = None,
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
) -> None:
    """Get a recommendation for one case: asks only what its path needs."""
    from ntrk_advisor.consultation import Consultation, flag_answers, save_interrupted
    from ntrk_advisor.errors import ConsultInterrupted
    from ntrk_advisor.i18n import t

    flags = flag_answers(
        {
            "id": case_id,
            "age_years": age,
            "tumor_type": tumor_type,
            "fusion_status": fusion_status,
            "setting": setting,
            "treatment_phase": treatment_phase,
            "response": response,
            "max_response_reached": max_response_reached,
            "resectable_now": resectable_now,
            "resection_margin": resection_margin,
            "high_risk_features": high_risk_features,
            "progression": progression,
            "emergency": emergency,
            "cns_metastases": cns_metastases,
            "resistance_mechanism": resistance_mechanism,
            "prior_trk_inhibitors": prior_trk_inhibitors,
            "tumor_category": tumor_category,
            "rai_status": rai_status,
            "other_driver": other_driver,
            "assay": assay,
            "cns_disease": cns_disease,
            "residual_disease": residual_disease,
            "toxicity": toxicity,
            "complete_response_months": complete_response_months,
            "fit_for_surgery": fit_for_surgery,
        }
    )
    from ntrk_advisor.environment import Environment

    env = Environment.of_process()
    chosen = resolve_lang(lang)
    consultation = Consultation(lang=chosen, knowledge=knowledge_base(ctx), env=env)
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
        env.stderr.write(t("interrupted", chosen, path=path) + "\n")
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    consultation.show(result, answers, output_format.value, explain=explain, output=output, inputs=inputs)
    raise typer.Exit(_exit_code(result.status.value))


def _exit_code(status: str) -> ExitCode:
    return {"complete": ExitCode.OK, "incomplete": ExitCode.INCOMPLETE}.get(status, ExitCode.INVALID)
