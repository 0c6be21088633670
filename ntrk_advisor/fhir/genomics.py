"""`fusion_status`, `assay` and `resistance_mechanism` from the Bundle's Observations.

Read after the HL7 Genomics Reporting IG (STU3 and later, and the 2.0.0 component names that
mCODE STU4 still uses): components are matched by their LOINC code, never by slice name
(`identifiers`). Variants are read where labs put them: entries of the Bundle, and Observations
contained in a DiagnosticReport (or an Observation) and named in its `result` (`hasMember`).

- A fusion signal: a Sequence Ontology fusion term (`tables.json`) in a component of the variant
  or of a MolecularConsequence `derivedFrom` it; a `GENE::GENE` name or two gene symbols joined
  ("ETV6-NTRK3"); the word fusion in a component's text ("NTRK1 Fusion", as the IG's PDF-style
  example writes "ROS1 Fusion"). A present NTRK variant with a fusion signal -> `confirmed`
  (with `assay` from its method); absent -> `negative`.
- A structural signal (a translocation or rearrangement term or word, an ISCN name, or fusion
  words said in the negative) on an NTRK variant: the status is asked, with a note.
- An NTRK variant without either signal that describes a change (HGVS, a copy number, an SNV,
  indel or copy-number term, a variation code whose words name a change) ->
  `non_fusion_alteration`; the on-target resistance mutations of `tables.json` set
  `resistance_mechanism` instead (they arise in fusion-positive tumours). When anything says
  fusion, the result is never `non_fusion_alteration`.
- A variant naming NTRK only in its text (no gene studied, no `::` name): asked, with a note.
- A positive pan-TRK immunohistochemistry result with nothing molecular -> `ihc_only`.
- A fusion, translocation or rearrangement of another gene is never an NTRK finding: a note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ntrk_advisor.contract.vocabulary import Assay, FusionStatus, ResistanceMechanism
from ntrk_advisor.fhir import identifiers as ids
from ntrk_advisor.fhir.bundle import BundleView, Entry
from ntrk_advisor.fhir.elements import Coding, Note, arr, codes, codings, note, obj, status_of, text, words
from ntrk_advisor.fhir.tables import hotspots, so_kinds

FINAL = frozenset({"final", "amended", "corrected", "appended"})
"""Observation statuses whose results are used; others are left out, with a note."""

_SYMBOL = re.compile(r"[A-Z][A-Z0-9-]*")
_PART = re.compile(r"\s*\(?\s*([A-Za-z0-9][A-Za-z0-9.-]*|\?)")
_PROTEIN = re.compile(r"p\.\(?([A-Z](?:[a-z]{2})?)(\d{1,5})([A-Z](?:[a-z]{2})?|\*)\)?")
_SHORT_CHANGE = re.compile(r"(?<![A-Za-z0-9])([A-Z])(\d{2,5})([A-Z])(?![A-Za-z0-9])")
_THREE = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E", "Gly": "G",
    "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S",
    "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*", "Sec": "U", "Pyl": "O",
}  # fmt: skip


class Component(NamedTuple):
    codes: frozenset[tuple[str, str]]
    codings: tuple[Coding, ...]
    strings: tuple[str, ...]
    """Every string of the value: text, displays, codes, valueString."""
    where: str


@dataclass
class Genomics:
    """What the Observations say, each answer with the resources it came from."""

    fusion_status: FusionStatus | None = None
    fusion_sources: tuple[str, ...] = ()
    assay: Assay | None = None
    assay_sources: tuple[str, ...] = ()
    mechanism: ResistanceMechanism | None = None
    mechanism_sources: tuple[str, ...] = ()
    notes: list[Note] = field(default_factory=list)

    @property
    def acquired_resistance(self) -> bool:
        """Whether an on-target resistance mutation was found (a TRK inhibitor was given)."""
        return bool(self.mechanism_sources)


class _Finding(NamedTuple):
    kind: str
    """fusion_present, fusion_absent, other_present, unclear, ihc_positive, ihc_negative, non_ntrk,
    non_ntrk_structural, resistance."""
    ref: str
    assay: Assay | None = None
    mechanism: ResistanceMechanism | None = None
    why: str = "unclear"
    """For `unclear`: the note that says what was found (`fhir.note.fusion_<why>`)."""


def genomics_of(bundle: BundleView) -> Genomics:
    """Read every Observation of the Bundle that bears on the NTRK questions."""
    findings: list[_Finding] = []
    resistance: list[_Finding] = []
    skipped: list[str] = []
    observations = bundle.observations()
    consequences = _consequences(bundle, observations)
    for entry in observations:
        found = _observation(entry, consequences.get(entry.where, ()))
        if not found:
            continue
        if not bundle.about_the_patient(entry):
            continue
        if status_of(entry.resource, entry.where) not in FINAL:
            skipped.append(entry.ref)
            continue
        for finding in found:
            (resistance if finding.mechanism is not None else findings).append(finding)
    out = Genomics()
    if skipped:
        out.notes.append(note("not_final", refs=_refs(skipped)))
    _fusion(findings, resistance, out)
    _mechanism(resistance, out)
    return out


def _refs(refs: Iterable[str]) -> str:
    return ", ".join(dict.fromkeys(refs))


def _is_consequence(entry: Entry) -> bool:
    """Whether an Observation is the IG's MolecularConsequence (by its code or its profile)."""
    if (ids.TBD_CODES, ids.MOLECULAR_CONSEQUENCE) in codes(entry.resource.get("code"), f"{entry.where}.code"):
        return True
    meta = obj(entry.resource.get("meta"), f"{entry.where}.meta")
    profiles = arr(meta.get("profile"), f"{entry.where}.meta.profile") if meta else []
    return any(isinstance(p, str) and p.split("|")[0] == ids.CONSEQUENCE_PROFILE for p in profiles)


def _consequences(bundle: BundleView, observations: list[Entry]) -> dict[str, tuple[str, ...]]:
    """The kinds of Sequence Ontology terms (`fusion`, `structural`) of each variant's consequences.

    Keyed by the variant's place. A consequence that is not final can only make the variant
    unclear: its fusion terms count as `structural`.
    """
    found: dict[str, list[str]] = {}
    for entry in observations:
        if not _is_consequence(entry) or not bundle.about_the_patient(entry):
            continue
        final = status_of(entry.resource, entry.where) in FINAL
        kinds = {
            kind if final or kind != "fusion" else "structural"
            for component in _components(entry.resource, entry.where)
            for coding in component.codings
            if (kind := so_kinds().get(ids.so_term(coding.system, coding.code) or ""))
            in ("fusion", "structural")
        }
        if not kinds:
            continue
        where = f"{entry.where}.derivedFrom"
        for index, item in enumerate(arr(entry.resource.get("derivedFrom"), where)):
            variant = bundle.resolve_from(entry, item, f"{where}[{index}]")
            if variant is not None:
                found.setdefault(variant.where, []).extend(sorted(kinds))
    return {place: tuple(kinds) for place, kinds in found.items()}


def _observation(entry: Entry, consequence_kinds: tuple[str, ...] = ()) -> list[_Finding]:
    """The findings of one Observation (empty when it says nothing about NTRK)."""
    resource, where = entry.resource, entry.where
    own_codes = codes(resource.get("code"), f"{where}.code")
    components = _components(resource, where)
    if (ids.LOINC, ids.VARIANT_CODE) in own_codes:
        return _variant(entry, components, consequence_kinds)
    method_where = f"{where}.method"
    method_codes = codes(resource.get("method"), method_where)
    texts = words(resource.get("code"), f"{where}.code") + words(resource.get("method"), method_where)
    is_ihc = bool((own_codes | method_codes) & ids.IHC_CODES) or any(ids.IHC_WORDS.search(s) for s in texts)
    if not is_ihc:
        return []
    genes = _genes_studied(components)
    if not (genes & ids.NTRK_SYMBOLS or any(ids.TRK_WORDS.search(s) for s in texts)):
        return []
    value_where = f"{where}.valueCodeableConcept"
    result_codes = codes(resource.get("valueCodeableConcept"), value_where)
    result_words = words(resource.get("valueCodeableConcept"), value_where)
    result_words.append(text(resource.get("valueString"), f"{where}.valueString") or "")
    for index, item in enumerate(arr(resource.get("interpretation"), f"{where}.interpretation")):
        result_codes |= codes(item, f"{where}.interpretation[{index}]")
        result_words += words(item, f"{where}.interpretation[{index}]")
    lowered = {w.strip().lower() for w in result_words}
    if result_codes & ids.POSITIVE or "positive" in lowered:
        return [_Finding("ihc_positive", entry.ref)]
    if "negative" in lowered:
        return [_Finding("ihc_negative", entry.ref)]
    return []


def _components(resource: dict[str, Any], where: str) -> list[Component]:
    out = []
    for index, item in enumerate(arr(resource.get("component"), f"{where}.component")):
        here = f"{where}.component[{index}]"
        component = obj(item, here)
        if component is None:
            continue
        value_where = f"{here}.valueCodeableConcept"
        value_codings = tuple(codings(component.get("valueCodeableConcept"), value_where))
        strings = [
            *words(component.get("valueCodeableConcept"), value_where),
            *(c.code for c in value_codings),
        ]
        value_string = text(component.get("valueString"), f"{here}.valueString")
        if value_string:
            strings.append(value_string)
        out.append(
            Component(
                frozenset(codes(component.get("code"), f"{here}.code")),
                value_codings,
                tuple(s for s in strings if s),
                here,
            )
        )
    return out


def _has(component: Component, code: str) -> bool:
    return (ids.LOINC, code) in component.codes


def _genes_studied(components: list[Component]) -> set[str]:
    """NTRK symbols, `HGNC:n` for other HGNC genes, or the symbol written when no HGNC id is."""
    genes: set[str] = set()
    for component in components:
        if not _has(component, ids.GENE_STUDIED):
            continue
        numbers = [n for c in component.codings if (n := ids.hgnc_id(c.system, c.code))]
        if numbers:
            genes.update(ids.NTRK_GENES.get(n, f"HGNC:{n}") for n in numbers)
        else:
            genes.update(s.strip() for s in component.strings if _SYMBOL.fullmatch(s.strip()))
    return genes


def fusion_names(strings: Iterable[str]) -> list[set[str]]:
    """The genes of each `GENE::GENE` name in the strings (`?` or `v` for an unknown partner)."""
    names = []
    for string in strings:
        for token in string.split():
            if "::" not in token:
                continue
            genes = set()
            for part in token.split("::"):
                found = _PART.match(part)
                if found and found.group(1) not in ("?", "v"):
                    genes.add(found.group(1).upper())
            names.append(genes)
    return names


def _protein_changes(components: list[Component]) -> set[tuple[str, int, str]]:
    changes = set()
    for component in components:
        if not _has(component, ids.PROTEIN_HGVS):
            continue
        for string in component.strings:
            for ref, position, alt in _PROTEIN.findall(string) or _SHORT_CHANGE.findall(string):
                one_ref, one_alt = _THREE.get(ref, ref), _THREE.get(alt, alt)
                if len(one_ref) == 1 and len(one_alt) == 1:
                    changes.add((one_ref, int(position), one_alt))
    return changes


def gene_joins(strings: Iterable[str]) -> list[set[str]]:
    """The genes of each pair of gene symbols joined by a hyphen, slash or dash ("ETV6-NTRK3").

    Two NTRK genes joined ("NTRK1/NTRK2/NTRK3", how panels list what they test) are no fusion.
    """
    joins = []
    for string in strings:
        for left, right in ids.GENE_JOIN.findall(string):
            pair = {left, right}
            if not ids.NOT_A_PARTNER.fullmatch(right) and len(pair) == 2 and not pair <= ids.NTRK_SYMBOLS:
                joins.append(pair)
    return joins


class _Signals(NamedTuple):
    fusion: bool
    structural: bool
    described: bool
    named: set[str]
    """Genes named in `::` names and joins."""
    worded: set[str]
    """Genes a text names before the word fusion ("ROS1 Fusion"): never enough alone."""
    text_ntrk: bool
    """NTRK named in a component's words."""


def _signals(components: list[Component], consequence_kinds: tuple[str, ...]) -> _Signals:
    kinds = {so_kinds().get(ids.so_term(c.system, c.code) or "") for comp in components for c in comp.codings}
    kinds.discard(None)
    words = [s for c in components if not _has(c, ids.GENE_STUDIED) for s in c.strings]
    names = fusion_names(words)
    joins = gene_joins(words)
    said = [s for s in words if ids.FUSION_WORDS.search(s)]
    negated = any(ids.NEGATED_FUSION.search(s) for s in said)
    fusion = "fusion" in kinds or "fusion" in consequence_kinds or bool(names) or bool(joins) or bool(said)
    structural = "structural" in kinds or "structural" in consequence_kinds
    structural = structural or any(ids.STRUCTURAL_WORDS.search(s) for s in words)
    if negated:  # "no fusion detected": whatever else is said, never read as a fusion
        fusion, structural = False, True
    described = "described" in kinds or any(
        c.codes & {(ids.LOINC, code) for code in ids.DESCRIBING} for c in components
    )
    described = described or any(
        _has(c, ids.VARIATION_CODE) and any(ids.DESCRIBED_WORDS.search(s) for s in c.strings)
        for c in components
    )
    named: set[str] = set().union(*names, *joins)
    worded = {gene for s in said for gene in ids.GENE_FUSION.findall(s) if gene not in ids.NOT_A_GENE}
    text_ntrk = any(ids.NTRK_MENTION.search(s) for s in words)
    return _Signals(fusion, structural, described, named, worded, text_ntrk)


def _variant(
    entry: Entry, components: list[Component], consequence_kinds: tuple[str, ...] = ()
) -> list[_Finding]:
    where = f"{entry.where}.valueCodeableConcept"
    value = codes(entry.resource.get("valueCodeableConcept"), where)
    present, absent = (ids.LOINC, ids.PRESENT) in value, (ids.LOINC, ids.ABSENT) in value
    studied = _genes_studied(components)
    ntrk_studied = studied & ids.NTRK_SYMBOLS
    found = _signals(components, consequence_kinds)
    assay = assay_of(entry)
    if found.fusion:
        verdicts = []
        if studied:
            verdicts.append(bool(ntrk_studied))
        if found.named:
            verdicts.append(bool(found.named & ids.NTRK_SYMBOLS))
        if not any(verdicts):
            if found.text_ntrk:
                return [_Finding("unclear", entry.ref, why="text_only" if not verdicts else "genes")]
            return [_Finding("non_ntrk", entry.ref)] if present else []
        if not all(verdicts) or (found.worded and not found.worded & ids.NTRK_SYMBOLS):
            return [_Finding("unclear", entry.ref, why="genes")]
        if present:
            return [_Finding("fusion_present", entry.ref, assay)]
        if absent:
            return [_Finding("fusion_absent", entry.ref, assay)]
        return [_Finding("unclear", entry.ref)]
    if found.structural:
        if ntrk_studied or found.named & ids.NTRK_SYMBOLS or found.text_ntrk:
            if absent:
                return [_Finding("fusion_absent", entry.ref, assay)]
            return [_Finding("unclear", entry.ref, why="structural")] if present else []
        return [_Finding("non_ntrk_structural", entry.ref)] if present else []
    if not ntrk_studied:
        if found.text_ntrk and present:
            return [_Finding("unclear", entry.ref, why="text_only")]
        return []
    mechanisms = _hotspot_mechanisms(ntrk_studied, _protein_changes(components))
    if present and mechanisms:
        return [_Finding("resistance", entry.ref, mechanism=m) for m in sorted(mechanisms)]
    if present:
        return [_Finding("other_present", entry.ref) if found.described else _Finding("unclear", entry.ref)]
    if absent and not found.described:
        return [_Finding("fusion_absent", entry.ref, assay)]
    return []


def _hotspot_mechanisms(genes: set[str], changes: set[tuple[str, int, str]]) -> set[ResistanceMechanism]:
    if len(genes) != 1:
        return set()
    (gene,) = genes
    found = set()
    for spot in hotspots():
        if spot.gene != gene:
            continue
        for ref, position, alt in changes:
            substituted = ref == spot.ref and position == spot.position and alt not in (ref, "*")
            if substituted and ("*" in spot.alt or alt in spot.alt):
                found.add(spot.mechanism)
    return found


def assay_of(entry: Entry) -> Assay | None:
    """The molecular assay an Observation's method names, or None when it is unclear."""
    where = f"{entry.where}.method"
    method = entry.resource.get("method")
    method_codes = {code for _, code in codes(method, where)}
    texts = words(method, where)
    if method_codes & ids.FISH_CODES or any(ids.FISH_WORDS.search(s) for s in texts):
        return Assay.FISH
    if any(ids.RT_PCR_WORDS.search(s) for s in texts):
        return Assay.RT_PCR
    if method_codes & ids.NGS_CODES or any(ids.NGS_WORDS.search(s) for s in texts):
        rna = any(ids.RNA_WORDS.search(s) for s in texts)
        dna = any(ids.DNA_WORDS.search(s) for s in texts)
        if rna != dna:
            return Assay.RNA_NGS if rna else Assay.DNA_NGS
    return None


def _fusion(findings: list[_Finding], resistance: list[_Finding], out: Genomics) -> None:
    kinds: dict[str, list[_Finding]] = {}
    for finding in findings:
        kinds.setdefault(finding.kind, []).append(finding)
    if "non_ntrk" in kinds:
        out.notes.append(note("non_ntrk_fusion", refs=_refs(f.ref for f in kinds["non_ntrk"])))
    if "non_ntrk_structural" in kinds:
        out.notes.append(note("non_ntrk_structural", refs=_refs(f.ref for f in kinds["non_ntrk_structural"])))
    present, absent = kinds.get("fusion_present", []), kinds.get("fusion_absent", [])
    other, unclear = kinds.get("other_present", []), kinds.get("unclear", [])
    ihc_pos = kinds.get("ihc_positive", [])
    if present:
        _set_fusion(out, FusionStatus.CONFIRMED, present)
    elif unclear:
        for why in dict.fromkeys(f.why for f in unclear):
            out.notes.append(note(f"fusion_{why}", refs=_refs(f.ref for f in unclear if f.why == why)))
    elif other and ihc_pos:
        out.notes.append(note("fusion_discordant", refs=_refs(f.ref for f in other + ihc_pos)))
    elif other:
        _set_fusion(out, FusionStatus.NON_FUSION_ALTERATION, other, with_assay=False)
    elif ihc_pos and absent:
        out.notes.append(note("fusion_discordant", refs=_refs(f.ref for f in ihc_pos + absent)))
    elif ihc_pos:
        _set_fusion(out, FusionStatus.IHC_ONLY, ihc_pos, with_assay=False)
    elif absent:
        _set_fusion(out, FusionStatus.NEGATIVE, absent)
    elif resistance:
        out.notes.append(note("resistance_without_fusion", refs=_refs(f.ref for f in resistance)))


def _set_fusion(
    out: Genomics, status: FusionStatus, found: list[_Finding], *, with_assay: bool = True
) -> None:
    out.fusion_status = status
    out.fusion_sources = tuple(dict.fromkeys(f.ref for f in found))
    if not with_assay:
        return
    assays = {f.assay for f in found}
    if len(assays) == 1 and None not in assays:
        out.assay = assays.pop()
        out.assay_sources = out.fusion_sources
    else:
        out.notes.append(note("assay_unclear", refs=_refs(f.ref for f in found)))


def _mechanism(resistance: list[_Finding], out: Genomics) -> None:
    mechanisms = {f.mechanism for f in resistance}
    refs = tuple(dict.fromkeys(f.ref for f in resistance))
    if len(mechanisms) == 1:
        out.mechanism = mechanisms.pop()
        out.mechanism_sources = refs
    elif mechanisms:
        out.notes.append(note("mechanism_many", refs=_refs(refs)))
        out.mechanism_sources = refs
