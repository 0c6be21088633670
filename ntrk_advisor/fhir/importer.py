"""A FHIR R4 Bundle to the raw answers of a case, with the sources of every answer.

`case_from_bundle` reads the Bundle (`bundle`), the age (`age`), the molecular findings
(`genomics`), distant spread and brain metastases (`conditions`) and the TRK inhibitors given
(`medications`), and returns raw answers for the one validation path
(`contract.case.case_from_data`), never a `Case`: it does not validate and it never evaluates.

Never inferred, always the clinician's: resectability, the response and whether it has levelled
off, the pattern of progression, emergencies, toxicity, fitness for surgery, the treatment phase,
the tumour category, whether brain metastases cause symptoms. Left missing, they are asked in a
consult and listed as `missing` in batch.

A derived case file (what `ntrk-advisor import fhir` writes) is a case with a `sources` object;
`ntrk_advisor.intake` reads both that and a Bundle, so a derived case replays as its Bundle did.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from ntrk_advisor.contract.case import CASE_FIELDS
from ntrk_advisor.fhir.age import age_of
from ntrk_advisor.fhir.bundle import read_bundle
from ntrk_advisor.fhir.conditions import spread_of
from ntrk_advisor.fhir.elements import Note, note
from ntrk_advisor.fhir.genomics import genomics_of
from ntrk_advisor.fhir.medications import medications_of


class ImportedCase(NamedTuple):
    """Raw answers (contract field order), the resources each came from, and notes for the reader."""

    answers: dict[str, Any]
    sources: dict[str, list[str]]
    notes: tuple[Note, ...] = ()


def case_from_bundle(
    bundle: dict[str, Any], *, case_id: str | None = None, today: date, patient_id: str | None = None
) -> ImportedCase:
    """The case a FHIR R4 Bundle gives (`FhirError` naming the FHIR path if it cannot be read).

    `case_id` is the caller's own id; without it the id is the hashed `Bundle.identifier`.
    `today` is the date the age is computed at when the Bundle has no `timestamp`. `patient_id`,
    when given, is the only patient the Bundle may be about (`fhir.bundle.read_bundle`).
    """
    view = read_bundle(bundle, patient_id=patient_id)
    answers: dict[str, Any] = {}
    sources: dict[str, list[str]] = {}
    notes: list[Note] = []

    def put(name: str, value: Any, refs: tuple[str, ...] | list[str]) -> None:
        answers[name] = value
        if refs:
            sources[name] = list(dict.fromkeys(refs))

    if case_id is not None:
        answers["id"] = case_id
    elif view.case_id is not None:
        put("id", view.case_id, ["Bundle.identifier"])
    age = age_of(view, today)
    notes += age.notes
    if age.years is not None:
        put("age_years", age.years, age.sources)
    genomics = genomics_of(view)
    notes += genomics.notes
    if genomics.fusion_status is not None:
        put("fusion_status", genomics.fusion_status.value, genomics.fusion_sources)
    if genomics.assay is not None:
        put("assay", genomics.assay.value, genomics.assay_sources)
    if genomics.mechanism is not None:
        put("resistance_mechanism", genomics.mechanism.value, genomics.mechanism_sources)
    medications = medications_of(view)
    notes += medications.notes
    if medications.inhibitors:
        put("prior_trk_inhibitors", [i.value for i in medications.inhibitors], medications.sources)
    spread = spread_of(view)
    notes += spread.notes
    if spread.distant:
        if medications.inhibitors or genomics.acquired_resistance:
            notes.append(note("setting_judgement", refs=", ".join(dict.fromkeys(spread.distant))))
        else:
            put("setting", "metastatic", spread.distant)
    if spread.brain:
        put("cns_metastases", True, spread.brain)
    notes.append(note("judgement"))
    ordered = {name: answers[name] for name in CASE_FIELDS if name in answers}
    return ImportedCase(
        ordered, {name: sources[name] for name in CASE_FIELDS if name in sources}, tuple(notes)
    )
