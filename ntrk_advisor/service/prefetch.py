"""The prefetch as a case: every prefetched resource in one Bundle, read by the FHIR import.

Each prefetch value is a FHIR resource (a read such as `Patient/123`), a `searchset` Bundle (a
search), or null (the record has nothing for that template). They are gathered into one
`collection` Bundle and handed to the FHIR import (`ntrk_advisor.fhir.importer.case_from_bundle`),
the one place that knows how a record says a fusion, a setting or a drug. This module is the only
one that knows the import's interface.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ntrk_advisor.fhir.elements import FhirError
from ntrk_advisor.fhir.importer import case_from_bundle
from ntrk_advisor.i18n import Lang
from ntrk_advisor.service.errors import HttpError


@dataclass(frozen=True)
class Imported:
    """What the record gave: raw case answers, where each came from, and the import's notes."""

    answers: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def bundle_of(prefetch: Mapping[str, Any]) -> dict[str, Any]:
    """One `collection` Bundle of every resource in the prefetch (search results unpacked)."""
    entries: list[dict[str, Any]] = []
    for key, value in prefetch.items():
        if value is None:
            continue
        if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
            raise HttpError(400, "bad_prefetch", f"prefetch '{key}' is not a FHIR resource or null")
        if value["resourceType"] != "Bundle":
            entries.append({"resource": value})
            continue
        found = value.get("entry", [])
        if not isinstance(found, list):
            raise HttpError(400, "bad_prefetch", f"prefetch '{key}' is a Bundle whose entry is not a list")
        for entry in found:
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict) and resource.get("resourceType") != "OperationOutcome":
                full_url = entry.get("fullUrl")
                entries.append(
                    {"fullUrl": full_url, "resource": resource} if full_url else {"resource": resource}
                )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def import_prefetch(prefetch: Mapping[str, Any], today: dt.date, lang: Lang = "en") -> Imported:
    """The case answers the prefetched record holds (nothing to import gives no answers)."""
    bundle = bundle_of(prefetch)
    if not bundle["entry"]:
        return Imported()
    return read_bundle(bundle, today, lang)


def read_bundle(bundle: dict[str, Any], today: dt.date, lang: Lang = "en") -> Imported:
    """The FHIR import's reading of a Bundle (its errors become HTTP 422 naming the FHIR path).

    The import's notes are worded in `lang`; its error names where in the Bundle it failed, never a
    value from it.
    """
    try:
        imported = case_from_bundle(bundle, case_id=None, today=today)
    except FhirError as exc:
        raise HttpError(422, "bad_fhir", f"the prefetch cannot be read: {exc.message(lang)}") from None
    sources = {name: list(where) for name, where in imported.sources.items() if name != "id"}
    answers = {name: value for name, value in imported.answers.items() if name != "id"}
    return Imported(answers, sources, [n.text(lang) for n in imported.notes])
