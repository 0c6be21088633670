"""Distant spread and brain metastases from the Bundle's Conditions and TNM M category Observations.

- `setting: metastatic` when the record shows distant spread: an M1 category (cM1, pM1, M1a…) in
  a TNM distant-metastases Observation, or a current, confirmed secondary malignant neoplasm of
  a distant site: ICD-10(-CM) C78/C79, a SNOMED CT secondary neoplasm of `tables.json` (brain,
  bone, liver, lung, colon, or unspecified), or any Condition of the mCODE
  SecondaryCancerCondition profile whatever its code. A regional lymph-node secondary (ICD-10
  C77, or a profiled secondary whose words name lymph nodes) is not read as distant: a profiled
  one is noted. When a TRK inhibitor was given or a resistance mutation found, metastatic versus
  resistant is the clinician's call: the setting is then left to be asked, with a note.
- A Condition whose code is none of these but whose words suggest a metastasis ("Metastasis from
  malignant tumor of prostate") leaves the setting to be asked, with a note saying why.
- Brain or meningeal metastases (C79.31, C79.32, C79.3, SNOMED CT 94225005) set `cns_metastases:
  true` (the contract's "there are brain metastases"), which leaves `cns_disease` to be asked:
  whether they cause symptoms is never assumed. No such condition means unknown, never "none".
"""

from __future__ import annotations

from typing import NamedTuple

from ntrk_advisor.fhir import identifiers as ids
from ntrk_advisor.fhir.bundle import BundleView, Entry
from ntrk_advisor.fhir.elements import Note, arr, codes, codings, note, obj, status_of, text, words
from ntrk_advisor.fhir.genomics import FINAL
from ntrk_advisor.fhir.tables import secondary_neoplasms

_CURRENT = frozenset({"active", "recurrence", "relapse"})


class Spread(NamedTuple):
    distant: tuple[str, ...]
    """Resources showing distant spread now."""
    brain: tuple[str, ...]
    """Resources recording brain or meningeal metastases now."""
    notes: tuple[Note, ...]


def spread_of(bundle: BundleView) -> Spread:
    """Distant spread and brain metastases the record shows, with their resources."""
    distant: list[str] = []
    brain: list[str] = []
    unclear: list[str] = []
    text_only: list[str] = []
    table = secondary_neoplasms()
    for entry in bundle.of_type("Condition"):
        if not bundle.about_the_patient(entry) or not _current(entry):
            continue
        found = codes(entry.resource.get("code"), f"{entry.where}.code")
        snomed = [table[code] for system, code in found if system == ids.SNOMED and code in table]
        icd = [code.upper() for system, code in found if system in (ids.ICD10CM, ids.ICD10)]
        if found & ids.BRAIN_SECONDARY or any(s.brain for s in snomed):
            brain.append(entry.ref)
            distant.append(entry.ref)
        elif snomed or any(code.startswith(ids.SECONDARY_PREFIXES) for code in icd):
            distant.append(entry.ref)
        elif _profiled_secondary(entry):
            nodal = any(code.startswith(ids.NODAL_PREFIX) for code in icd) or any(
                ids.NODE_WORDS.search(w) for w in _words(entry)
            )
            (unclear if nodal else distant).append(entry.ref)
        elif any(ids.METASTASIS_WORDS.search(w) for w in _words(entry)):
            text_only.append(entry.ref)
    for entry in bundle.of_type("Observation"):
        if _m1(entry) and bundle.about_the_patient(entry):
            distant.append(entry.ref)
    notes = []
    if brain:
        notes.append(note("cns_present", refs=", ".join(brain)))
    if unclear and not distant:
        notes.append(note("secondary_unclear", refs=", ".join(unclear)))
    if text_only and not distant:
        notes.append(note("secondary_text_only", refs=", ".join(text_only)))
    return Spread(tuple(distant), tuple(brain), tuple(notes))


def _words(entry: Entry) -> list[str]:
    """The words of a Condition's code and body site (read for a keyword, never copied)."""
    where = entry.where
    found = words(entry.resource.get("code"), f"{where}.code")
    for index, site in enumerate(arr(entry.resource.get("bodySite"), f"{where}.bodySite")):
        found += words(site, f"{where}.bodySite[{index}]")
    return found


def _current(entry: Entry) -> bool:
    """Whether a Condition holds now and is not refuted or in error."""
    where = entry.where
    clinical = {c.code for c in codings(entry.resource.get("clinicalStatus"), f"{where}.clinicalStatus")}
    verification = {
        c.code for c in codings(entry.resource.get("verificationStatus"), f"{where}.verificationStatus")
    }
    if verification and verification != {"confirmed"}:
        return False  # refuted, entered in error, or not yet confirmed
    return not clinical or bool(clinical & _CURRENT)


def _profiled_secondary(entry: Entry) -> bool:
    meta = obj(entry.resource.get("meta"), f"{entry.where}.meta")
    if meta is None:
        return False
    profiles = arr(meta.get("profile"), f"{entry.where}.meta.profile")
    return any(
        (text(p, f"{entry.where}.meta.profile[{i}]") or "").startswith(ids.SECONDARY_PROFILE)
        for i, p in enumerate(profiles)
    )


def _m1(entry: Entry) -> bool:
    """Whether an Observation is a final TNM M category of M1."""
    where = entry.where
    if not codes(entry.resource.get("code"), f"{where}.code") & ids.M_CATEGORY_CODES:
        return False
    if status_of(entry.resource, where) not in FINAL:
        return False
    value_where = f"{where}.valueCodeableConcept"
    for coding in codings(entry.resource.get("valueCodeableConcept"), value_where):
        if coding.system == ids.AJCC and ids.M1.search(f" {coding.code} "):
            return True
        if ids.M1.search(f" {coding.display} "):
            return True
    value = obj(entry.resource.get("valueCodeableConcept"), value_where)
    own = text(value.get("text"), f"{value_where}.text") if value else None
    return bool(own and ids.M1.search(f" {own} "))
