"""The services this CDS Hooks server offers, as the discovery endpoint describes them.

Each service names its hook and the prefetch templates the EHR fills in before calling: the
Patient, the genomic Observations, the Conditions and the medications (requests, statements,
administrations and dispenses). The service makes no FHIR
call of its own (unless `serve --fhir-fallback` names the call's server, `service.fallback`), so a
prefetch key it needs and did not get is answered with HTTP 412; a key the clinician's own answers
make unnecessary (the age given, say) is not needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PATIENT_VIEW = "ntrk-patient-view"
ORDER_SELECT = "ntrk-order-select"

PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}&category=laboratory",
    "conditions": "Condition?patient={{context.patientId}}",
    "medications": "MedicationRequest?patient={{context.patientId}}",
    "medicationStatements": "MedicationStatement?patient={{context.patientId}}",
    "medicationAdministrations": "MedicationAdministration?patient={{context.patientId}}",
    "medicationDispenses": "MedicationDispense?patient={{context.patientId}}",
}
"""Prefetch key -> FHIR query template, the same for both services.

A prior TRK inhibitor may be on record only as an administration (an inpatient or trial drug), a
dispense or a statement; the import reads all four medication resources, so the prefetch asks for
all four (interop review I17). None of the medication keys is required."""

NEEDED_FOR: dict[str, tuple[str, ...]] = {
    "patient": ("age_years",),
    "observations": ("fusion_status",),
}
"""A prefetch key that must be present (its value may be null: the record has nothing) unless the
clinician's answers already give every case field it is read for."""


@dataclass(frozen=True)
class Service:
    """One CDS service: its id (the URL's last part), the hook it answers, and how it says so."""

    id: str
    hook: str
    title: str
    description: str

    def describe(self) -> dict[str, Any]:
        """The service's entry in the discovery response."""
        return {
            "hook": self.hook,
            "title": self.title,
            "description": self.description,
            "id": self.id,
            "prefetch": dict(PREFETCH),
            "usageRequirements": (
                "Prefetch 'patient' and 'observations' are required (null when the record has none); "
                "answers a record cannot hold go in context.extension['ntrk-advisor'].answers."
            ),
        }


SERVICES: dict[str, Service] = {
    s.id: s
    for s in (
        Service(
            PATIENT_VIEW,
            "patient-view",
            "NTRK fusion-positive cancer: TRK inhibitors with surgery and local therapy",
            "Advice for the patient's case from the ntrk-advisor pathways, as one card per action "
            "group (do, consider, avoid), with strength, evidence level and references; or one card "
            "naming the answers still needed. Supports, never replaces, the MDT.",
        ),
        Service(
            ORDER_SELECT,
            "order-select",
            "NTRK fusion-positive cancer: TRK inhibitor without a confirmed fusion",
            "When the draft orders hold a TRK inhibitor and the record shows no molecularly confirmed "
            "NTRK fusion, a warning card with the diagnostic-gate advice.",
        ),
    )
}


def discovery() -> dict[str, Any]:
    """The body of `GET /cds-services`."""
    return {"services": [s.describe() for s in SERVICES.values()]}
