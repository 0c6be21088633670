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


def _field(flag: str, help: str) -> Any:
    """A case-field option; its help lists the contract's values (a test keeps them so).

    Any case, and `-` or `_`, are accepted; the shell completes the values.
    """
    return typer.Option(
        flag, help=help, show_default=False, rich_help_panel="Case fields", autocompletion=_completer(flag)
    )


def _completer(flag: str) -> Any:
    """Completion for a case-field option: its values (`none` too for lists), or yes/no."""

    def complete(incomplete: str) -> list[str]:
        from ntrk_advisor.consultation import field_of_flag, flag_values

        typed = incomplete.casefold().replace("_", "-")
        return [v for v in flag_values(field_of_flag(flag)) if v.startswith(typed)]

    return complete


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
    fusion_status: Annotated[
        str | None,
        _field("--fusion-status", "confirmed, ihc-only, not-tested, non-fusion-alteration, negative."),
    ] = None,
    setting: Annotated[
        str | None, _field("--setting", "early, locally-advanced, metastatic, resistant.")
    ] = None,
    treatment_phase: Annotated[
        str | None, _field("--treatment-phase", "naive, on-trk-inhibitor, post-resection.")
    ] = None,
    response: Annotated[
        str | None, _field("--response", "complete, partial, stable, progression, not-assessed.")
    ] = None,
    max_response_reached: Annotated[str | None, _field("--max-response-reached", "yes or no.")] = None,
    resectable_now: Annotated[str | None, _field("--resectable-now", "yes or no.")] = None,
    resection_margin: Annotated[str | None, _field("--resection-margin", "r0, r1, r2.")] = None,
    high_risk_features: Annotated[
        str | None,
        _field(
            "--high-risk-features",
            (
                "Comma-separated, or 'none': high-grade, lymphovascular-invasion, "
                "close-margin, nodal-involvement, large-tumor, high-risk-histology."
            ),
        ),
    ] = None,
    progression: Annotated[str | None, _field("--progression", "none, oligo, widespread.")] = None,
    emergency: Annotated[
        str | None,
        _field(
            "--emergency",
            (
                "Comma-separated, or 'none': bowel-obstruction, bleeding, "
                "spinal-cord-compression, airway-compromise, impending-fracture."
            ),
        ),
    ] = None,
    cns_metastases: Annotated[str | None, _field("--cns-metastases", "yes or no.")] = None,
    resistance_mechanism: Annotated[
        str | None,
        _field("--resistance-mechanism", "not-tested, solvent-front, gatekeeper, xdfg, bypass, none-found."),
    ] = None,
    prior_trk_inhibitors: Annotated[
        str | None,
        _field(
            "--prior-trk-inhibitors",
            (
                "Comma-separated, or 'none': larotrectinib, entrectinib, repotrectinib, "
                "selitrectinib, zurletrectinib, taletrectinib, other."
            ),
        ),
    ] = None,
    tumor_category: Annotated[
        str | None,
        _field(
            "--tumor-category",
            (
                "infantile-fibrosarcoma, congenital-mesoblastic-nephroma, "
                "soft-tissue-sarcoma, secretory-carcinoma, thyroid, lung, colorectal, "
                "primary-cns, other."
            ),
        ),
    ] = None,
    rai_status: Annotated[
        str | None, _field("--rai-status", "rai-avid, rai-refractory, not-assessed.")
    ] = None,
    other_driver: Annotated[str | None, _field("--other-driver", "yes or no.")] = None,
    assay: Annotated[str | None, _field("--assay", "rna-ngs, dna-ngs, fish, rt-pcr, other.")] = None,
    cns_disease: Annotated[
        str | None, _field("--cns-disease", "none, asymptomatic, symptomatic, leptomeningeal.")
    ] = None,
    residual_disease: Annotated[str | None, _field("--residual-disease", "none, present.")] = None,
    toxicity: Annotated[str | None, _field("--toxicity", "none-or-manageable, dose-limiting.")] = None,
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
    no_pager: Annotated[
        bool,
        typer.Option("--no-pager", help="Never page a long result (at a terminal, PAGER or less is used)."),
    ] = False,
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
        said = t("interrupted_nothing_saved", chosen) if path is None else t("interrupted", chosen, path=path)
        env.stderr.write(said + "\n")
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    consultation.show(
        result, answers, output_format.value, explain=explain, page=not no_pager, output=output, inputs=inputs
    )
    raise typer.Exit(_exit_code(result.status.value))


def _exit_code(status: str) -> ExitCode:
    return {"complete": ExitCode.OK, "incomplete": ExitCode.INCOMPLETE}.get(status, ExitCode.INVALID)
