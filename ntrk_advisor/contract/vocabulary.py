"""The contract's closed vocabularies (docs/contract.md, version 2) as enums.

Values match case-insensitively, and `-` or a space counts as `_`, because clinicians type
"Locally-Advanced" and spreadsheets export "R0". This lives in the enum itself (`_missing_`), so
every entry point (files, flags, prompts, batch) gets the same matching for free.
"""

from __future__ import annotations

from enum import Enum


class ContractEnum(str, Enum):
    """A contract enum whose values are matched leniently but always emitted canonically."""

    @classmethod
    def _missing_(cls, value: object) -> ContractEnum | None:
        if isinstance(value, str):
            key = value.strip().lower().replace("-", "_").replace(" ", "_")
            member = cls._value2member_map_.get(key)
            if member is not None:
                return member  # type: ignore[return-value]
        return None

    def __str__(self) -> str:
        return str(self.value)


class FusionStatus(ContractEnum):
    CONFIRMED = "confirmed"
    IHC_ONLY = "ihc_only"
    NOT_TESTED = "not_tested"
    NON_FUSION_ALTERATION = "non_fusion_alteration"
    NEGATIVE = "negative"


class Setting(ContractEnum):
    EARLY = "early"
    LOCALLY_ADVANCED = "locally_advanced"
    METASTATIC = "metastatic"
    RESISTANT = "resistant"


class TreatmentPhase(ContractEnum):
    NAIVE = "naive"
    ON_TRK_INHIBITOR = "on_trk_inhibitor"
    POST_RESECTION = "post_resection"


class Response(ContractEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    STABLE = "stable"
    PROGRESSION = "progression"
    NOT_ASSESSED = "not_assessed"


class ResectionMargin(ContractEnum):
    R0 = "r0"
    R1 = "r1"
    R2 = "r2"


class HighRiskFeature(ContractEnum):
    HIGH_GRADE = "high_grade"
    LYMPHOVASCULAR_INVASION = "lymphovascular_invasion"
    CLOSE_MARGIN = "close_margin"
    NODAL_INVOLVEMENT = "nodal_involvement"
    LARGE_TUMOR = "large_tumor"
    HIGH_RISK_HISTOLOGY = "high_risk_histology"


class Progression(ContractEnum):
    NONE = "none"
    OLIGO = "oligo"
    WIDESPREAD = "widespread"


class Emergency(ContractEnum):
    BOWEL_OBSTRUCTION = "bowel_obstruction"
    BLEEDING = "bleeding"
    SPINAL_CORD_COMPRESSION = "spinal_cord_compression"
    AIRWAY_COMPROMISE = "airway_compromise"
    IMPENDING_FRACTURE = "impending_fracture"


class ResistanceMechanism(ContractEnum):
    NOT_TESTED = "not_tested"
    SOLVENT_FRONT = "solvent_front"
    GATEKEEPER = "gatekeeper"
    XDFG = "xdfg"
    BYPASS = "bypass"
    NONE_FOUND = "none_found"


class TrkInhibitor(ContractEnum):
    LAROTRECTINIB = "larotrectinib"
    ENTRECTINIB = "entrectinib"
    REPOTRECTINIB = "repotrectinib"
    SELITRECTINIB = "selitrectinib"
    ZURLETRECTINIB = "zurletrectinib"
    TALETRECTINIB = "taletrectinib"
    OTHER = "other"


class TumorCategory(ContractEnum):
    INFANTILE_FIBROSARCOMA = "infantile_fibrosarcoma"
    CONGENITAL_MESOBLASTIC_NEPHROMA = "congenital_mesoblastic_nephroma"
    SOFT_TISSUE_SARCOMA = "soft_tissue_sarcoma"
    SECRETORY_CARCINOMA = "secretory_carcinoma"
    THYROID = "thyroid"
    LUNG = "lung"
    COLORECTAL = "colorectal"
    PRIMARY_CNS = "primary_cns"
    OTHER = "other"


class RaiStatus(ContractEnum):
    RAI_AVID = "rai_avid"
    RAI_REFRACTORY = "rai_refractory"
    NOT_ASSESSED = "not_assessed"


class Assay(ContractEnum):
    RNA_NGS = "rna_ngs"
    DNA_NGS = "dna_ngs"
    FISH = "fish"
    RT_PCR = "rt_pcr"
    OTHER = "other"


class CnsDisease(ContractEnum):
    NONE = "none"
    ASYMPTOMATIC = "asymptomatic"
    SYMPTOMATIC = "symptomatic"
    LEPTOMENINGEAL = "leptomeningeal"


class ResidualDisease(ContractEnum):
    NONE = "none"
    PRESENT = "present"


class Toxicity(ContractEnum):
    NONE_OR_MANAGEABLE = "none_or_manageable"
    DOSE_LIMITING = "dose_limiting"


class AgeGroup(ContractEnum):
    ADULT = "adult"
    PEDIATRIC = "pediatric"


class PathwayName(ContractEnum):
    DIAGNOSTIC = "diagnostic"
    EARLY = "early"
    LOCALLY_ADVANCED = "locally_advanced"
    METASTATIC = "metastatic"
    RESISTANT = "resistant"


class Status(ContractEnum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    INVALID = "invalid"


class ActionCode(ContractEnum):
    TEST_FOR_FUSION = "test_for_fusion"
    CONFIRM_FUSION = "confirm_fusion"
    TRK_INHIBITOR_NOT_INDICATED = "trk_inhibitor_not_indicated"
    SURGERY = "surgery"
    NEOADJUVANT_TRK = "neoadjuvant_trk"
    SURGERY_AT_MAX_RESPONSE = "surgery_at_max_response"
    CONTINUE_TRK = "continue_trk"
    SYSTEMIC_TRK = "systemic_trk"
    ADJUVANT_TRK = "adjuvant_trk"
    OBSERVATION = "observation"
    LOCAL_ABLATIVE_THERAPY = "local_ablative_therapy"
    URGENT_LOCAL_THERAPY = "urgent_local_therapy"
    RESISTANCE_TESTING = "resistance_testing"
    NEXT_GEN_TRK = "next_gen_trk"
    CLINICAL_TRIAL = "clinical_trial"
    CHEMOTHERAPY = "chemotherapy"
    MDT_REVIEW = "mdt_review"
    RADIOTHERAPY = "radiotherapy"
    MANAGE_TOXICITY = "manage_toxicity"
    PLANNED_DISCONTINUATION = "planned_discontinuation"
    STANDARD_THERAPY = "standard_therapy"


class Strength(ContractEnum):
    URGENT = "urgent"
    PREFERRED = "preferred"
    RECOMMENDED = "recommended"
    CONSIDER = "consider"
    INDIVIDUALIZED = "individualized"
    NOT_RECOMMENDED = "not_recommended"


class EvidenceLevel(ContractEnum):
    """The strongest kind of evidence behind an action, strongest first (the order is the ranking)."""

    LABEL = "label"
    GUIDELINE = "guideline"
    RANDOMIZED = "randomized"
    PROSPECTIVE = "prospective"
    RETROSPECTIVE = "retrospective"
    CASE_REPORTS = "case_reports"
    PRECLINICAL = "preclinical"
    EXPERT_OPINION = "expert_opinion"


class ReviewStatus(ContractEnum):
    """Where a statement stands with the clinicians who review it; the order is from worst to best.

    `approved`: signed by a listed reviewer who did not write it, and unchanged since. `stale`:
    approved once, changed since. `changes_requested` and `rejected`: a reviewer's decision on
    the statement as it is now. `unreviewed`: none of these.
    """

    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    STALE = "stale"
    UNREVIEWED = "unreviewed"
    APPROVED = "approved"


class ReviewDecision(ContractEnum):
    """What a reviewer decided about a statement (a signed review record holds one)."""

    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"


class Audience(str, Enum):
    """Who a rationale bullet or caution is shown for."""

    ALL = "all"
    ADULT = "adult"
    PEDIATRIC = "pediatric"


PEDIATRIC_AGE_LIMIT = 18
"""Contract: `age_years < 18` is pediatric."""


def age_group_of(age_years: float) -> AgeGroup:
    """Return the contract's age group for an age in years."""
    return AgeGroup.PEDIATRIC if age_years < PEDIATRIC_AGE_LIMIT else AgeGroup.ADULT
