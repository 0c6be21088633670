"""The case-field options of `consult`, one per field of the contract, declared once.

Each option's help lists the contract's values (a test keeps them so), any case and `-` or `_`
are accepted, and the shell completes the values. `case_flags` turns the parsed options into
case answers by field name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ntrk_advisor.contract.errors import Problem
    from ntrk_advisor.i18n import Lang


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
        return complete_value(field_of_flag(flag), incomplete)

    return complete


def complete_value(field: str, incomplete: str) -> list[str]:
    """The completions of a flag's value typed so far; after a comma, of the list's next item.

    `--emergency bleeding,sp<TAB>` completes to `bleeding,spinal-cord-compression`: the items
    already given are kept as typed, neither they nor `none` are offered again.
    """
    from ntrk_advisor.contract.fields import FIELD_SPECS

    values = flag_values(field)
    spec = FIELD_SPECS.get(field)
    if spec is None or spec.kind != "list" or "," not in incomplete:
        typed = incomplete.casefold().replace("_", "-")
        return [v for v in values if v.startswith(typed)]
    given, _, last = incomplete.rpartition(",")
    chosen = {item.strip().casefold().replace("_", "-") for item in given.split(",")}
    typed = last.strip().casefold().replace("_", "-")
    return [f"{given},{v}" for v in values if v.startswith(typed) and v not in chosen and v != "none"]


CaseIdOption = Annotated[str | None, _field("--id", "Your case identifier (no patient identifiers).")]
AgeOption = Annotated[float | None, _field("--age", "Age in years (decimals allowed).")]
TumorTypeOption = Annotated[str | None, _field("--tumor-type", "Tumour type, shown in the output.")]
FusionStatusOption = Annotated[
    str | None,
    _field("--fusion-status", "confirmed, ihc-only, not-tested, non-fusion-alteration, negative."),
]
SettingOption = Annotated[str | None, _field("--setting", "early, locally-advanced, metastatic, resistant.")]
TreatmentPhaseOption = Annotated[
    str | None, _field("--treatment-phase", "naive, on-trk-inhibitor, post-resection.")
]
ResponseOption = Annotated[
    str | None, _field("--response", "complete, partial, stable, progression, not-assessed.")
]
MaxResponseReachedOption = Annotated[str | None, _field("--max-response-reached", "yes or no.")]
ResectableNowOption = Annotated[str | None, _field("--resectable-now", "yes or no.")]
ResectionMarginOption = Annotated[str | None, _field("--resection-margin", "r0, r1, r2.")]
HighRiskFeaturesOption = Annotated[
    str | None,
    _field(
        "--high-risk-features",
        (
            "Comma-separated, or 'none': high-grade, lymphovascular-invasion, "
            "close-margin, nodal-involvement, large-tumor, high-risk-histology."
        ),
    ),
]
ProgressionOption = Annotated[str | None, _field("--progression", "none, oligo, widespread.")]
EmergencyOption = Annotated[
    str | None,
    _field(
        "--emergency",
        (
            "Comma-separated, or 'none': bowel-obstruction, bleeding, "
            "spinal-cord-compression, airway-compromise, impending-fracture."
        ),
    ),
]
CnsMetastasesOption = Annotated[str | None, _field("--cns-metastases", "yes or no.")]
ResistanceMechanismOption = Annotated[
    str | None,
    _field("--resistance-mechanism", "not-tested, solvent-front, gatekeeper, xdfg, bypass, none-found."),
]
PriorTrkInhibitorsOption = Annotated[
    str | None,
    _field(
        "--prior-trk-inhibitors",
        (
            "Comma-separated, or 'none': larotrectinib, entrectinib, repotrectinib, "
            "selitrectinib, zurletrectinib, taletrectinib, other."
        ),
    ),
]
TumorCategoryOption = Annotated[
    str | None,
    _field(
        "--tumor-category",
        (
            "infantile-fibrosarcoma, congenital-mesoblastic-nephroma, "
            "soft-tissue-sarcoma, secretory-carcinoma, thyroid, lung, colorectal, "
            "primary-cns, other."
        ),
    ),
]
RaiStatusOption = Annotated[str | None, _field("--rai-status", "rai-avid, rai-refractory, not-assessed.")]
OtherDriverOption = Annotated[str | None, _field("--other-driver", "yes or no.")]
AssayOption = Annotated[str | None, _field("--assay", "rna-ngs, dna-ngs, fish, rt-pcr, other.")]
CnsDiseaseOption = Annotated[
    str | None, _field("--cns-disease", "none, asymptomatic, symptomatic, leptomeningeal.")
]
ResidualDiseaseOption = Annotated[str | None, _field("--residual-disease", "none, present.")]
ToxicityOption = Annotated[str | None, _field("--toxicity", "none-or-manageable, dose-limiting.")]
CompleteResponseMonthsOption = Annotated[
    float | None, _field("--complete-response-months", "Months the complete response has lasted.")
]
FitForSurgeryOption = Annotated[str | None, _field("--fit-for-surgery", "yes or no.")]

PARAM_FIELDS = {
    "case_id": "id",
    "age": "age_years",
    "tumor_type": "tumor_type",
    "fusion_status": "fusion_status",
    "setting": "setting",
    "treatment_phase": "treatment_phase",
    "response": "response",
    "max_response_reached": "max_response_reached",
    "resectable_now": "resectable_now",
    "resection_margin": "resection_margin",
    "high_risk_features": "high_risk_features",
    "progression": "progression",
    "emergency": "emergency",
    "cns_metastases": "cns_metastases",
    "resistance_mechanism": "resistance_mechanism",
    "prior_trk_inhibitors": "prior_trk_inhibitors",
    "tumor_category": "tumor_category",
    "rai_status": "rai_status",
    "other_driver": "other_driver",
    "assay": "assay",
    "cns_disease": "cns_disease",
    "residual_disease": "residual_disease",
    "toxicity": "toxicity",
    "complete_response_months": "complete_response_months",
    "fit_for_surgery": "fit_for_surgery",
}
"""Each option's parameter name and the case field it sets."""


def case_flags(params: Mapping[str, Any]) -> dict[str, Any]:
    """The case answers given as options (by field name), from a command's parsed parameters."""
    return {field: params.get(name) for name, field in PARAM_FIELDS.items()}


# --- the flags' values and words -------------------------------------------------------------

FLAG_NAMES = {"age_years": "--age", "id": "--id"}
"""Fields whose flag is not `--` and the field name with dashes."""


def flag_for(field: str) -> str:
    """The `consult` option that sets `field` (`fusion_status` -> `--fusion-status`)."""
    return FLAG_NAMES.get(field, "--" + field.replace("_", "-"))


def field_of_flag(flag: str) -> str:
    """The case field a `consult` option sets (`--fusion-status` -> `fusion_status`)."""
    named = {v: k for k, v in FLAG_NAMES.items()}
    return named.get(flag, flag.removeprefix("--").replace("-", "_"))


def flag_values(field: str) -> list[str]:
    """The values a flag takes, as typed on a command line (`locally-advanced`; yes/no; none)."""
    from ntrk_advisor.contract.fields import FIELD_SPECS

    spec = FIELD_SPECS.get(field)
    if spec is None:
        return []
    if spec.kind == "bool":
        return ["yes", "no"]
    if spec.values is None:
        return []
    values = [member.value.replace("_", "-") for member in spec.values]
    return [*values, "none"] if spec.kind == "list" and "none" not in values else values


def flag_answers(raw: dict[str, Any]) -> dict[str, Any]:
    """Command-line strings as case values; what cannot be read is passed on for validation."""
    from ntrk_advisor.contract.fields import FALSE_WORDS, FIELD_SPECS, TRUE_WORDS

    out: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None:
            continue
        spec = FIELD_SPECS.get(name)
        if spec is not None and spec.kind == "bool" and isinstance(value, str):
            lowered = value.strip().lower()
            value = True if lowered in TRUE_WORDS else False if lowered in FALSE_WORDS else value
        elif spec is not None and spec.kind == "list" and isinstance(value, str):
            items = [v.strip() for v in value.split(",") if v.strip()]
            value = [] if items in ([], ["none"], ["[]"]) else items
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # `--age 61` is 61, as in a case file, not 61.0
        out[name] = value
    return out


def flag_message(problem: Problem, flagged: Mapping[str, Any], lang: Lang) -> str:
    """`--setting 'metastatc' is not valid; did you mean 'metastatic'? (early, locally-advanced, …)`."""
    from ntrk_advisor.cli.spelling import closest
    from ntrk_advisor.contract.errors import CaseInvalid
    from ntrk_advisor.contract.fields import FIELD_SPECS
    from ntrk_advisor.i18n import t
    from ntrk_advisor.render.safe_text import shown

    path, kind, _ = problem
    field, _, index = path.partition(".")
    value = flagged[field]
    if index and isinstance(value, list):
        value = value[int(index)]
    spec = FIELD_SPECS[field]
    if spec.values is not None and kind == "enum":
        allowed = [member.value for member in spec.values]
        close = closest(str(value), allowed)
        text = t("flag_invalid", lang, flag=flag_for(field), value=shown(str(value)))
        if close is not None:
            text += t("flag_did_you_mean", lang, suggestion=close.replace("_", "-"))
        listed = ("、" if lang == "zh" else ", ").join(v.replace("_", "-") for v in allowed)
        return text + t("flag_allowed", lang, allowed=listed)
    if spec.kind == "bool":
        allowed_words = ", ".join(flag_values(field))  # yes, no
        return t("flag_invalid", lang, flag=flag_for(field), value=shown(str(value))) + t(
            "flag_allowed", lang, allowed=allowed_words
        )
    message = next(e.message for e in CaseInvalid([problem]).field_errors(lang))
    return f"{flag_for(field)} {shown(str(value))}: {message}"
