"""The codes and systems the import recognises, each checked against a public source.

Nothing here was typed from memory. Where each identifier was checked (docs/fhir.md repeats it):

- LOINC, from the HL7 Genomics Reporting IG's FSH source (github.com/HL7/genomics-reporting, tag
  3.0.0 = STU3, file input/fsh/CGFindings.fsh; and commit aa820d5 of 2022-03-21, the 2.0.0 text):
  69548-6 Genetic variant assessment (Variant's `code`), 48018-6 Gene studied [ID],
  48004-6 DNA change (c.HGVS), 48005-3 Amino acid change (pHGVS), 81290-9 genomic (g.HGVS),
  81252-9 Discrete genetic variant (variation code), 81291-7 cytogenomic nomenclature,
  48019-4 DNA change type, 48006-1 amino acid change type (2.0.0 only), 82155-3 copy number.
  Slice names differ between the versions (2.0.0 `coding-hgvs`, `protein-hgvs`; STU3
  `representative-coding-hgvs`, `representative-protein-hgvs`), so components are matched by
  these codes, never by slice name. LA9633-4 Present and LA26398-0 Sequencing (IG examples),
  LA9634-2 Absent and 81247-9 (genomics report) from the mCODE STU4 source
  (github.com/HL7/fhir-mCODE-ig), LA6576-8 Positive (IG example).
- HGNC: HGNC:8031 NTRK1, HGNC:8032 NTRK2, HGNC:8033 NTRK3, as listed in HGNC test data of
  cancervariants/gene-normalization and in published FHIR ValueSets of HGNC genes; the system
  `http://www.genenames.org` as the IG uses it.
- Sequence Ontology: the terms of `tables.json` (`sequence_ontology`), each checked in the
  ontology's own so.obo (The-Sequence-Ontology/SO-Ontologies, data-version 2024-11-18).
- The Genomics Reporting IG's MolecularConsequence (github.com/HL7/genomics-reporting 1dbfb09,
  input/fsh/CGImplications.fsh and CGCodeSystem.fsh): code `molecular-consequence` of the IG's
  TbdCodesCS (no ^url, so SUSHI gives `http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/
  tbd-codes-cs`), profile `.../StructureDefinition/molecular-consequence`, linked to its variant
  by `derivedFrom` (example `ROS1-Fusion` in input/fsh/examples/somaticReportPDFexamples.fsh).
- ICD-10-CM C79.31 brain, C79.32 cerebral meninges, C79.3 both, C78/C79 secondary malignant
  neoplasms (mCODE STU4, input/fsh/VS_CancerCondition.fsh); the SNOMED CT secondary malignant
  neoplasms of `tables.json` (`secondary_neoplasms`, each with where it was checked).
- TNM M category observations: SNOMED CT 399387003 cM, 371497001 pM, 277208005 M, 399437009
  integrated M (mCODE VS_Staging.fsh); LOINC 21907-1 and 21901-4 (mCODE TNM examples). The AJCC
  system `http://cancerstaging.org` (mCODE AL_CodeSystems.fsh).
- Immunohistochemistry: LOINC 55229-9 Immune stain study and SNOMED CT 1234806008 Observation
  using immunohistochemistry (the MII molecular tumour board IG's IHC value set). SNOMED CT
  10828004 Positive (mCODE example). NCIt C17563 FISH and C101293 NGS (mCODE STU1
  GeneticTestMethodVS).

What could not be verified is not listed: individual SNOMED CT codes for the AJCC M1 values (the
category is read from the AJCC code or from the display naming it), a pan-TRK IHC LOINC code (the
target is read from the gene studied or the words "TRK"/"NTRK"), an RT-PCR code (read from the
method's words).
"""

from __future__ import annotations

import re

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
HGNC_HOST = "genenames.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
AJCC = "http://cancerstaging.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"

VARIANT_CODE = "69548-6"
GENE_STUDIED = "48018-6"
CODING_HGVS = "48004-6"
PROTEIN_HGVS = "48005-3"
GENOMIC_HGVS = "81290-9"
VARIATION_CODE = "81252-9"
CYTOGENOMIC = "81291-7"
DNA_CHANGE_TYPE = "48019-4"
COPY_NUMBER = "82155-3"
DESCRIBING = frozenset({CODING_HGVS, PROTEIN_HGVS, GENOMIC_HGVS, COPY_NUMBER})
"""Components that describe a specific change by themselves (an HGVS string, a copy number). A
variation code (a database id or a name) describes one only when its words do (`DESCRIBED_WORDS`);
an ISCN name (cytogenomic nomenclature) never does: it is how translocations are written."""

PRESENT = "LA9633-4"
ABSENT = "LA9634-2"
SEQUENCING = "LA26398-0"
POSITIVE = frozenset({(LOINC, "LA6576-8"), (SNOMED, "10828004")})

NTRK_GENES = {"8031": "NTRK1", "8032": "NTRK2", "8033": "NTRK3"}
"""HGNC ids (the number after `HGNC:`) of the three NTRK genes, and their symbols."""
NTRK_SYMBOLS = frozenset(NTRK_GENES.values())

_SO_ID = re.compile(r"SO[:_](\d{7})")

GR_BASE = "http://hl7.org/fhir/uv/genomics-reporting"
TBD_CODES = f"{GR_BASE}/CodeSystem/tbd-codes-cs"
MOLECULAR_CONSEQUENCE = "molecular-consequence"
CONSEQUENCE_PROFILE = f"{GR_BASE}/StructureDefinition/molecular-consequence"

FUSION_WORDS = re.compile(r"\bfusions?\b|\bfused\b", re.IGNORECASE)
"""Words that say a variant is a fusion ("ROS1 Fusion", the IG's own PDF-style example)."""
NEGATED_FUSION = re.compile(
    r"\b(?:no|not|without|negative|absent|none)\b[^.;:]{0,40}\bfusion"
    r"|\bfusions?\b[^.;:]{0,20}\b(?:not|negative|absent|none)\b",
    re.IGNORECASE,
)
"""Fusion words said in the negative ("no fusion detected"): never read as a fusion."""
STRUCTURAL_WORDS = re.compile(
    r"rearrang|translocat|\binversion\b|break-?apart|\b(?:t|inv|ins|der)\([0-9XY]", re.IGNORECASE
)
"""Words and ISCN forms of a rearrangement that is not said to be a fusion."""
NTRK_MENTION = re.compile(r"(?<![A-Za-z0-9])NTRK[123]?(?![A-Za-z])", re.IGNORECASE)
GENE_JOIN = re.compile(
    r"(?<![A-Za-z0-9-])([A-Z][A-Z0-9]{1,15})\s?[-/\u2013\u2014]\s?([A-Z][A-Z0-9]{1,15})(?![A-Za-z0-9])"
)
"""Two gene symbols joined by a hyphen, slash or dash ("ETV6-NTRK3", "TPM3/NTRK1")."""
GENE_FUSION = re.compile(r"(?<![A-Za-z0-9-])([A-Z][A-Z0-9]{1,15})\s+(?:gene\s+)?(?i:fusions?|fused)\b")
"""A gene symbol followed by the word fusion ("ROS1 Fusion", "NTRK1 gene fusion")."""
NOT_A_GENE = frozenset(
    {"GENE", "GENES", "NO", "NOT", "THE", "DNA", "RNA", "NGS", "FISH", "PCR", "IN", "FRAME", "INFRAME"}
)
"""Upper-case words before "fusion" that name no gene."""
NOT_A_PARTNER = re.compile(r"[A-Z]\d{1,5}[A-Z]?|AS\d?|DT|IT\d|OT\d")
"""Right-hand parts of a join that are no gene: a protein change (G595R), an antisense or
divergent transcript suffix (NTRK1-AS1)."""
DESCRIBED_WORDS = re.compile(
    r"\b[cpg]\.\S|amplif|\bmutat|missense|nonsense|frameshift|\bdeletion\b|\binsertion\b"
    r"|duplication|substitution|\bSNV\b|\bindel\b|(?<![A-Za-z0-9])[A-Z]\d{2,5}[A-Z*](?![A-Za-z0-9])",
    re.IGNORECASE,
)
"""A variation code's words that name a point, small or copy-number change (HGVS, L858R, "amplification")."""

BRAIN_SECONDARY = frozenset({(ICD10CM, "C79.31"), (ICD10CM, "C79.32"), (ICD10CM, "C79.3"), (ICD10, "C79.3")})
"""Conditions that record brain or meningeal metastases."""
SECONDARY_PREFIXES = ("C78", "C79")
"""ICD-10(-CM) categories of distant secondary malignant neoplasms (C77, lymph nodes, is not)."""
NODAL_PREFIX = "C77"
METASTASIS_WORDS = re.compile(r"metasta|secondary (?:malignant )?(?:neoplasm|tumou?r|cancer)", re.IGNORECASE)
"""A Condition's words that suggest a metastasis when its code is not one read."""
NODE_WORDS = re.compile(r"lymph|\bnodal\b|\bnodes?\b", re.IGNORECASE)
SECONDARY_PROFILE = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-secondary-cancer-condition"

M_CATEGORY_CODES = frozenset(
    {
        (SNOMED, "399387003"),
        (SNOMED, "371497001"),
        (SNOMED, "277208005"),
        (SNOMED, "399437009"),
        (LOINC, "21907-1"),
        (LOINC, "21901-4"),
    }
)
M1 = re.compile(r"(?:^|[\s(])(?:y|r|a)?[cp]?M1[a-d]?(?:\(\d\))?(?:$|[\s)])")
"""An AJCC M1 category as a code (`cM1`, `pM1b`) or named in a display
("American Joint Committee on Cancer cM1 (qualifier value)")."""

IHC_CODES = frozenset({(LOINC, "55229-9"), (SNOMED, "1234806008")})
IHC_WORDS = re.compile(r"immunohistochem|\bIHC\b|immune stain", re.IGNORECASE)
TRK_WORDS = re.compile(r"\b(?:pan[- ]?)?N?TRK[ABC123]?\b", re.IGNORECASE)

FISH_CODES = frozenset({"C17563"})
NGS_CODES = frozenset({"C101293", SEQUENCING})
FISH_WORDS = re.compile(r"\bFISH\b|in situ hybridi[sz]ation", re.IGNORECASE)
RT_PCR_WORDS = re.compile(r"\bRT-?PCR\b|reverse[- ]transcri", re.IGNORECASE)
NGS_WORDS = re.compile(r"sequencing|\bNGS\b", re.IGNORECASE)
RNA_WORDS = re.compile(r"\bRNA\b|transcriptom", re.IGNORECASE)
DNA_WORDS = re.compile(r"\bDNA\b", re.IGNORECASE)

FHIR_VERSIONS = ("4.0", "4.3")
"""FHIR versions read: R4 (4.0.x) and R4B (4.3.x), whose resources used here are the same."""
FHIR_VERSION_SYSTEM = "http://hl7.org/fhir/FHIR-version"
OTHER_VERSION_TYPES = frozenset(
    {
        # removed before R4 (DSTU2, STU3)
        "DeviceComponent",
        "ProcedureRequest",
        "ReferralRequest",
        "ProcessRequest",
        "ProcessResponse",
        "DataElement",
        "EligibilityRequest",
        "EligibilityResponse",
        "ImagingManifest",
        "Sequence",
        "BodySite",
        "Order",
        "OrderResponse",
        "DiagnosticOrder",
        "DeviceUseRequest",
        "MedicationOrder",
        "DeviceUseStatement",
        # new in R5
        "GenomicStudy",
        "Transport",
        "Requirements",
        "ActorDefinition",
        "FormularyItem",
        "InventoryItem",
        "InventoryReport",
        "Permission",
        "NutritionIntake",
        "NutritionProduct",
        "ArtifactAssessment",
        "ConditionDefinition",
        "DeviceDispense",
        "DeviceUsage",
        "EncounterHistory",
        "TestPlan",
        "SubscriptionTopic",
        "SubscriptionStatus",
    }
)
"""Resource types that a FHIR R4 Bundle cannot hold: the Bundle is of another FHIR version."""


def so_term(system: str, code: str) -> str | None:
    """The `SO:nnnnnnn` term of a Sequence Ontology coding, or None for another system.

    The system is accepted as `http://www.sequenceontology.org`, `http://sequenceontology.org` or a
    term browser URL (`.../browser/current_svn/term/SO:0001565`), with or without a trailing slash;
    the term is read from the code, else from the URL.
    """
    lowered = system.strip().lower().rstrip("/")
    if "sequenceontology.org" not in lowered:
        return None
    found = _SO_ID.search(code) or _SO_ID.search(system)
    return f"SO:{found.group(1)}" if found else None


def hgnc_id(system: str, code: str) -> str | None:
    """The number of an HGNC gene id (`HGNC:8033` or `8033`) in an HGNC coding, else None."""
    if HGNC_HOST not in system.lower():
        return None
    number = code.strip().upper().removeprefix("HGNC:")
    return number if number.isdigit() else None
