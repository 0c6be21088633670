"""`prior_trk_inhibitors` from the Bundle's medication resources, by code or by name.

MedicationStatement, MedicationAdministration, MedicationRequest and MedicationDispense are read
(their `medicationCodeableConcept`, or the Medication their `medicationReference` points to in the
Bundle). A drug is recognised by an RxNorm or ATC code of `tables.json`, or by its name or brand
name as a word in the text or a display. Records of a drug not given (not-taken, cancelled,
entered-in-error, draft, not-done…) are left out. No TRK inhibitor in the Bundle means unknown:
the field is asked, never taken to be "none" (an export may not hold every prescription).
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from ntrk_advisor.contract.vocabulary import TrkInhibitor
from ntrk_advisor.fhir import identifiers as ids
from ntrk_advisor.fhir.bundle import BundleView, Entry
from ntrk_advisor.fhir.elements import FhirError, Note, codings, note, status_of, words
from ntrk_advisor.fhir.tables import drugs

MEDICATION_TYPES = (
    "MedicationStatement",
    "MedicationAdministration",
    "MedicationRequest",
    "MedicationDispense",
)
GIVEN = {
    "MedicationStatement": frozenset({"active", "completed", "stopped", "on-hold"}),
    "MedicationAdministration": frozenset({"in-progress", "on-hold", "completed", "stopped"}),
    "MedicationRequest": frozenset({"active", "on-hold", "completed", "stopped"}),
    "MedicationDispense": frozenset({"in-progress", "completed", "on-hold", "stopped"}),
}
"""Statuses that mean the drug was (or is being) given, per resource type."""


class Medications(NamedTuple):
    inhibitors: tuple[TrkInhibitor, ...]
    sources: tuple[str, ...]
    notes: tuple[Note, ...]


@cache
def _name_patterns() -> tuple[tuple[TrkInhibitor, re.Pattern[str]], ...]:
    return tuple(
        (drug.inhibitor, re.compile(r"\b(?:" + "|".join(map(re.escape, drug.names)) + r")\b", re.IGNORECASE))
        for drug in drugs()
    )


def medications_of(bundle: BundleView) -> Medications:
    """The TRK inhibitors the record shows as given, in the contract's order, and their sources."""
    found: dict[TrkInhibitor, list[str]] = {}
    unresolved: list[str] = []
    for entry in bundle.of_type(*MEDICATION_TYPES):
        if not bundle.about_the_patient(entry):
            continue
        if status_of(entry.resource, entry.where) not in GIVEN[entry.type]:
            continue
        concept, concept_where = _medication(bundle, entry, unresolved)
        if concept is None:
            continue
        for inhibitor in _recognised(concept, concept_where):
            found.setdefault(inhibitor, []).append(entry.ref)
    order = [d.inhibitor for d in drugs()]
    inhibitors = tuple(sorted(found, key=order.index))
    sources = tuple(dict.fromkeys(ref for i in inhibitors for ref in found[i]))
    notes = (note("medication_unresolved", refs=", ".join(unresolved)),) if unresolved else ()
    return Medications(inhibitors, sources, notes)


def _medication(bundle: BundleView, entry: Entry, unresolved: list[str]) -> tuple[object, str]:
    resource, where = entry.resource, entry.where
    if resource.get("medicationCodeableConcept") is not None:
        return resource["medicationCodeableConcept"], f"{where}.medicationCodeableConcept"
    ref_where = f"{where}.medicationReference"
    if resource.get("medicationReference") is None:
        return None, where
    target = bundle.resolve(resource["medicationReference"], ref_where)
    if target is None:
        unresolved.append(entry.ref)
        return None, where
    if target.type != "Medication":
        raise FhirError(ref_where, "wrong_target", expected="Medication")
    return target.resource.get("code"), f"{target.where}.code"


def _recognised(concept: object, where: str) -> set[TrkInhibitor]:
    found = set()
    coded = codings(concept, where)
    for drug in drugs():
        for coding in coded:
            if (coding.system == ids.RXNORM and coding.code in drug.rxnorm) or (
                coding.system == ids.ATC and coding.code in drug.atc
            ):
                found.add(drug.inhibitor)
    for inhibitor, pattern in _name_patterns():
        if any(pattern.search(s) for s in words(concept, where)):
            found.add(inhibitor)
    return found
